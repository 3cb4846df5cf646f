"""Parse the office's shop ledger (经济户口台账) rows into shops (SPEC glossary: Shop, uscc, ownership).

Pure: takes rows already read from a spreadsheet (see ``creditstreet.services.ledger_io``)
and returns what to import, what was rejected and why (in Chinese, naming the sheet row and
the column), and which rows repeat a shop already in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.text import clean_text, normalize_phone, normalize_uscc

__all__ = ["LedgerRow", "Rejected", "LedgerParse", "parse", "parse_date", "OWNERSHIP_CODES"]

# field name → header texts that mean it (compared after removing whitespace and a trailing colon).
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "serial": ("序号", "编号", "序"),
    "name": ("商户名称", "企业名称", "名称", "商户", "店名", "门店名称", "字号名称", "经营户名称"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "注册号/统一社会信用代码"),
    "ownership": ("经济性质", "经济类型", "企业性质", "性质", "所有制"),
    "industry": ("行业", "经营行业", "行业类别", "所属行业"),
    "house_number": ("门牌号", "门牌", "地址", "经营地址", "经营场所", "住所"),
    "principal": ("负责人", "经营者", "法定代表人", "法人", "业主"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式", "电话号码"),
    "opened_on": ("开业日期", "成立日期", "注册日期", "开业时间"),
    "licence_expires_on": ("营业执照有效期至", "执照有效期至", "有效期至", "营业期限至", "有效期"),
    "note": ("备注", "说明"),
}
REQUIRED_COLUMNS = ("name", "uscc")
LABELS = {
    "name": "商户名称",
    "uscc": "统一社会信用代码",
    "ownership": "经济性质",
    "phone": "联系电话",
    "opened_on": "开业日期",
    "licence_expires_on": "营业执照有效期至",
}
OWNERSHIP_CODES: dict[str, str] = {
    "国有": "state", "国有企业": "state", "全民": "state", "全民所有制": "state",
    "集体": "collective", "集体企业": "collective", "集体所有制": "collective",
    "私营": "private", "私营企业": "private", "民营": "private", "民营企业": "private",
    "个体": "individual", "个体工商户": "individual", "个体户": "individual",
}
NO_EXPIRY_WORDS = ("长期", "长期有效", "永久", "永久有效", "无固定期限", "不约定期限")
TOTAL_WORDS = ("合计", "总计")

# A trailing time of day, as spreadsheets export date cells ("2025-09-24 00:00:00", "2025/9/24 0:00",
# "2025-09-24T08:30"): any valid time of day is accepted and dropped, only the date counts.
_TIME_PART = r"(?:(?:\s+|T)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?)?"
_DATE_TEXT = re.compile(r"(\d{4})\s*[./\-年]\s*(\d{1,2})\s*[./\-月]\s*(\d{1,2})\s*日?" + _TIME_PART, re.ASCII)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})" + _TIME_PART, re.ASCII)
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One shop as the ledger describes it; ``phone`` normalised, dates as ``date``."""

    sheet_row: int
    name: str
    uscc: str
    ownership: str | None  # state | collective | private | individual; None when blank
    industry: str
    house_number: str
    principal: str
    phone: str | None
    opened_on: date | None
    licence_expires_on: date | None
    licence_no_expiry: bool
    note: str
    serial: str = ""  # the ledger's own 序号, kept for messages


@dataclass(frozen=True, slots=True)
class Rejected:
    """A data row that was not imported; ``reason_zh`` names the row and the column(s)."""

    sheet_row: int
    reason_zh: str


@dataclass(slots=True)
class LedgerParse:
    """Result of ``parse``: one LedgerRow per distinct shop, in sheet order."""

    rows: list[LedgerRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # (sheet_row, first_sheet_row, uscc): this row repeats the shop first seen at first_sheet_row
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)
    header_row: int | None = None


def _cell_text(value: object) -> str:
    """Render one cell as text: integral floats lose ``.0``, dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(value)


def _header_key(value: object) -> str:
    return "".join(_cell_text(value).split()).rstrip(":").lstrip("*")


def _match_header(cells: Sequence[object]) -> dict[str, int] | None:
    """Return field → column index if ``cells`` is the header row, else None."""
    columns: dict[str, int] = {}
    for index, value in enumerate(cells):
        key = _header_key(value)
        for name, synonyms in HEADER_NAMES.items():
            if key in synonyms and name not in columns:
                columns[name] = index
                break
    if all(name in columns for name in REQUIRED_COLUMNS):
        return columns
    return None


def parse_date(value: object) -> date:
    """Return the date in a ledger cell; raise ValueError if it is not one.

    Accepts Excel dates, ``2015.3.8``, ``2015年3月8日``, ``2015/03/08``, ``2015-03-08``,
    ``20150308`` and Excel serial day numbers, each optionally followed by a time of day
    (``2025-09-24 00:00:00``, ``2025/9/24 0:00``), which is dropped.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = int(value)
        if number != value:
            raise ValueError(value)
        if 19000101 <= number <= 29991231:
            return _date_from_parts(str(number)[:4], str(number)[4:6], str(number)[6:])
        if 1 <= number <= 2958465:  # Excel's own range of serial day numbers
            return _EXCEL_EPOCH + timedelta(days=number)
        raise ValueError(value)
    text = clean_text(value)
    match = _DATE_TEXT.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if not match:
        raise ValueError(value)
    return _date_from_parts(*match.groups())


def _date_from_parts(year: str, month: str, day: str) -> date:
    return date(int(year), int(month), int(day))  # ValueError on 2月30日 etc.


def _parse_data_row(sheet_row: int, cells: Sequence[object], columns: dict[str, int]):
    """Return (LedgerRow | None, list of problems)."""
    problems: list[str] = []

    def cell(name: str) -> object:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    def shown(name: str) -> str:
        return _cell_text(cell(name))

    name = shown("name")
    if not name:
        problems.append("商户名称为空")

    uscc = ""
    try:
        uscc = normalize_uscc(cell("uscc"))
    except ValidationError as error:
        raw = shown("uscc")
        problems.append(f"{error.message}（{raw}）" if raw else error.message)

    ownership_text = "".join(shown("ownership").split())
    ownership = OWNERSHIP_CODES.get(ownership_text)
    if ownership_text and not ownership:
        problems.append(f"经济性质无法识别（{ownership_text}），应为国有、集体、私营企业或个体工商户")

    phone: str | None = None
    if shown("phone"):
        try:
            phone = normalize_phone(shown("phone"))
        except ValidationError:
            problems.append(f"联系电话格式不正确（{shown('phone')}）")

    opened_on: date | None = None
    if shown("opened_on"):
        try:
            opened_on = parse_date(cell("opened_on"))
        except ValueError:
            problems.append(f"开业日期无法识别（{shown('opened_on')}）")

    expires_on: date | None = None
    no_expiry = False
    expiry_text = "".join(shown("licence_expires_on").split())
    if expiry_text in NO_EXPIRY_WORDS:
        no_expiry = True
    elif expiry_text:
        try:
            expires_on = parse_date(cell("licence_expires_on"))
        except ValueError:
            problems.append(f"营业执照有效期至无法识别（{shown('licence_expires_on')}），应为日期或“长期”")

    if problems:
        return None, problems
    return (
        LedgerRow(
            sheet_row=sheet_row,
            name=name,
            uscc=uscc,
            ownership=ownership,
            industry=shown("industry"),
            house_number=shown("house_number"),
            principal=shown("principal"),
            phone=phone,
            opened_on=opened_on,
            licence_expires_on=expires_on,
            licence_no_expiry=no_expiry,
            note=shown("note"),
            serial=shown("serial"),
        ),
        [],
    )


def _is_total_row(cells: Sequence[object], columns: dict[str, int]) -> bool:
    """A row saying 合计/总计 whose code cell holds no valid code (so no shop is ever dropped)."""
    if not any(word in _cell_text(value) for value in cells for word in TOTAL_WORDS):
        return False
    index = columns["uscc"]
    try:
        normalize_uscc(cells[index] if index < len(cells) else None)
    except ValidationError:
        return True
    return False


def parse(rows: Iterable[tuple[int, Sequence[object]]]) -> LedgerParse:
    """Parse ledger rows ``(sheet_row_number, cells)`` into shops.

    The header row is found by its column names (商户名称 and 统一社会信用代码 are required;
    synonyms in HEADER_NAMES); title rows above it, blank rows, repeated header rows and the
    合计 row are skipped. A row with any bad field is rejected whole, with every problem named.
    Codes are compared after normalisation, so a code typed again in another case, width or
    spacing is the same shop: the later row is reported in ``duplicates`` and not imported.
    Raises ValidationError (code ``ledger_empty``) when no cell holds any text, and
    (code ``ledger_no_header``) if no header row is found.
    """
    result = LedgerParse()
    columns: dict[str, int] | None = None
    first_row_of: dict[str, int] = {}
    any_text = False
    for sheet_row, cells in rows:
        cells = list(cells)
        if columns is None:
            any_text = any_text or any(_cell_text(value) for value in cells)
            columns = _match_header(cells)
            if columns is not None:
                result.header_row = sheet_row
            continue
        if not any(_cell_text(value) for value in cells):
            continue
        if _match_header(cells) is not None or _is_total_row(cells, columns):
            continue
        row, problems = _parse_data_row(sheet_row, cells, columns)
        if row is None:
            result.rejected.append(Rejected(sheet_row, f"第{sheet_row}行：" + "；".join(problems)))
        elif row.uscc in first_row_of:
            result.duplicates.append((sheet_row, first_row_of[row.uscc], row.uscc))
        else:
            first_row_of[row.uscc] = sheet_row
            result.rows.append(row)
    if columns is None and not any_text:
        raise ValidationError("文件为空", code="ledger_empty")
    if columns is None:
        # Also what a file in another encoding (Big5, UTF-16 …) looks like once decoded as GBK.
        raise ValidationError(
            "未找到表头行：请确认文件为 UTF-8 或 GBK 编码，且包含“商户名称”“统一社会信用代码”等列",
            code="ledger_no_header",
        )
    return result


HOUSE_SORT_WIDTH = 8
_DIGIT_RUN = re.compile(r"\d+", re.ASCII)


def house_sort_key(house_number: object) -> str:
    """A text key that sorts house numbers by their numbers: every digit run zero-padded to 8.

    "1号" → "00000001号", "19号" → "00000019号", "200号" → "00000200号", "A区3-2号" →
    "A区00000003-00000002号"; full-width digits count (NFKC). Stored as Shop.house_sort.
    """
    text = clean_text(house_number)
    return _DIGIT_RUN.sub(lambda m: m.group(0).lstrip("0").rjust(HOUSE_SORT_WIDTH, "0")[-40:], text)[:160]


def house_search_token(query: object) -> str | None:
    """For a board search that is a house number ("103", "103号", "１０３号"): the padded number to look
    for inside Shop.house_sort (exactly that number, so 103 does not find 1103); else None."""
    text = "".join(clean_text(query).split())
    m = re.fullmatch(r"(\d{1,8})号?", text, re.ASCII)
    return m.group(1).lstrip("0").rjust(HOUSE_SORT_WIDTH, "0") if m else None



#: A shop name longer than this is almost always an address or business scope typed into the name.
NAME_MAX_PLAUSIBLE = 50
#: An opening date further ahead than this is a typo (2031 for 2021), not a shop about to open.
FUTURE_OPENING_MAX_DAYS = 366


def doubtful(row: LedgerRow, today: date) -> tuple[str | None, list[str]]:
    """Plausibility of one ledger row on ``today`` (the street's local date): (reject reason, warnings).

    Rejected, with the reason: a name over NAME_MAX_PLAUSIBLE characters; an opening date more than
    FUTURE_OPENING_MAX_DAYS ahead; a licence that expires before the shop opened. Imported with a
    warning: an opening date ahead within that year (the shop is kept off every public page until
    it opens), a licence already expired. Messages are Chinese and name the row.
    """
    where = f"第{row.sheet_row}行"
    name_len = len(row.name)
    if name_len > NAME_MAX_PLAUSIBLE:
        return (f"{where}：商户名称有{name_len}个字（超过{NAME_MAX_PLAUSIBLE}字），"
                "请核对是否把地址或经营范围写进了名称"), []
    if row.opened_on and (row.opened_on - today).days > FUTURE_OPENING_MAX_DAYS:
        return f"{where}：开业日期{row.opened_on.isoformat()}在一年以后，请核对年份", []
    if row.opened_on and row.licence_expires_on and row.licence_expires_on < row.opened_on:
        return (f"{where}：营业执照有效期至{row.licence_expires_on.isoformat()}早于开业日期"
                f"{row.opened_on.isoformat()}，请核对"), []
    warnings = []
    if row.opened_on and row.opened_on > today:
        warnings.append(f"{where}：{row.name}尚未开业（开业日期{row.opened_on.isoformat()}），开业前不在公示栏和商户页显示")
    if row.licence_expires_on and row.licence_expires_on < today:
        warnings.append(f"{where}：{row.name}的营业执照已于{row.licence_expires_on.isoformat()}过期，请提醒商户换照")
    return None, warnings
