"""Build CSV and XLSX downloads safely (CASES K-17 formula injection, K-18 Chinese exports).

No database: callers pass headers and rows of plain values (str, int, float, Decimal, date,
datetime, bool, None). Text never becomes a formula; real numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

__all__ = ["csv_bytes", "xlsx_bytes", "attachment", "neutralize", "CSV_MIMETYPE", "XLSX_MIMETYPE"]

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Characters that make Excel/LibreOffice read a cell as a formula (OWASP CSV injection), plus
# their full-width forms, which a Chinese IME types and some spreadsheet apps also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\]")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def neutralize(text: str) -> str:
    """Return ``text`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if _is_number(value):
        return str(value)  # Decimal('28.00') → 28.00; -3 stays -3, unprefixed
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return neutralize(str(value))


def csv_bytes(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a CSV for Excel on Chinese Windows: UTF-8 with BOM, CRLF lines (CASES K-17, K-18).

    Text cells starting with = + - @ tab or CR get a leading ``'``; int, float and Decimal
    values are written as plain numbers. Datetimes are written as given (pass local time).
    CSV cannot protect all-digit identifiers from Excel (leading zeros, 15+ digits); give
    them letters or use ``xlsx_bytes``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(value) for value in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_ILLEGAL.sub("_", title).strip("'") or "Sheet1"
    return cleaned[:31]


def xlsx_bytes(headers: Sequence[object], rows: Iterable[Sequence[object]], sheet_title: str = "Sheet1") -> bytes:
    """Return an .xlsx with strings as text cells and numbers as numbers (CASES K-17, K-18).

    Formula-looking text is stored as a string, never a formula; digit-only identifiers keep
    their leading zeros. Decimal keeps its places as a number format (28.00). Time zones
    are dropped from datetimes (pass local time).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    widths = [_display_width(value) for value in headers]
    materialised = []
    for row in rows:
        materialised.append(row)
        for index, value in enumerate(row):
            if index < len(widths):
                widths[index] = max(widths[index], min(_display_width(value), 60))
            else:
                widths.append(min(_display_width(value), 60))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    sheet.append([_xlsx_cell(sheet, value, font=bold) for value in headers])
    for row in materialised:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: object, font=None):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, bool):
        value = "是" if value else "否"
    if value is None:
        cell = WriteOnlyCell(sheet, value=None)
    elif _is_number(value):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal):
            places = -value.as_tuple().exponent if isinstance(value.as_tuple().exponent, int) else 0
            if places > 0:
                cell.number_format = "0." + "0" * places
    elif isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
    else:
        cell = WriteOnlyCell(sheet)
        cell.value = _XLSX_ILLEGAL.sub("", str(value))
        cell.data_type = "s"  # never 'f': '=HYPERLINK(...)' stays literal text
        cell.number_format = "@"
    if font is not None:
        cell.font = font
    return cell


def attachment(data: bytes, filename_zh: str, mimetype: str, ascii_name: str | None = None):
    """Return a download response for ``data`` named ``filename_zh`` (CASES K-18).

    ``Content-Disposition: attachment; filename="<ascii_name>"; filename*=UTF-8''<percent-encoded>``
    (latin-1 safe under gunicorn). ``ascii_name`` is the fallback for old clients; without it the
    ASCII letters/digits of the name are kept and an empty stem becomes ``download``.
    A ``text/*`` mimetype gets ``; charset=utf-8`` exactly once.
    """
    from urllib.parse import quote

    import flask

    fallback = _ascii_fallback(ascii_name or filename_zh)
    base = mimetype.split(";")[0].strip()
    if base.startswith("text/"):
        mimetype = f"{base}; charset=utf-8"
    response = flask.Response(data, content_type=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(filename_zh, safe="")}')
    return response


def _ascii_fallback(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-") or "download"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)
    return f"{clean}.{ext}" if ext else clean
