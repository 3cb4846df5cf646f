"""Tests for creditstreet.services.ledger_io.read_rows, and parse on the shipped ledger."""

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.ledger import parse
from creditstreet.services.ledger_io import read_rows

# The ledger ships inside the package, so a fresh clone tests it without ../shared.
SHIPPED = Path(__file__).resolve().parents[2] / "creditstreet" / "demo" / "street-ledger.xlsx"

# ---------------------------------------------------------------------------------------------
# The shipped ledger, counted by hand (openpyxl, cell by cell, then the rules):
#
# Row 1: title "城关××街经营户经济户口台账(2026年)", merged A1:K1. Row 2: "填报单位:城关工商所" …
# "填报日期:" "2026-11-20" (filler). Row 3: the header, the 11 names in the standard order.
# Rows 4-158 hold serials 1-153 with two blank rows (41 and 103): serial n is on row n+3 for
# n ≤ 37, n+4 for 38-98, n+5 for 99-153. Row 159: "合计:153户" in column B, no code.
# → 153 numbered data rows.
#
# Codes, after NFKC + removing whitespace + upper-casing, checked against GB 32100:
#   serial 10 秦记化妆品坊 (row 13) 924203811KHT6GN254: weighted sum 2514 ≡ 3 (mod 31) → the check
#       char must be alphabet[28] = W, the sheet has 4 → rejected.
#   serial 11 蔡记手机通讯 (row 14) 92420381PR8CAA9T9D: sum 3311 ≡ 25 → must be 6, has D → rejected.
#   serial 31 郭海玉烟酒坊 (row 34) 9242038119URYNLL2X: sum 3233 ≡ 9 → must be N, has X → rejected.
#   serial 66 泰瑞美妆店 (row 70): code cell empty → rejected.
#   serial 80 莫记美妆店 (row 84) 92420381KEOPYJBWLR: letter O is not in the alphabet → rejected.
#   serial 14 沈记五金 (row 17) 92420381k6rxy9phr2 = serial 7 (row 10) 92420381K6RXY9PHR2 in lower
#       case, same name/address/phone → duplicate of row 10.
#   Spelled oddly but valid: serials 54 and 128 (spaces inside), 81, 127 and 131 (full width),
#   2, 39, 45, 56 (lower case).
# All other fields are fine: phones are mobiles, "+86 186 0549 9600"-style (serials 30, 48, 118)
# or 0719-xxxxxxx landlines; ownership is one of 个体工商户 (122), 集体 (17), 国有 (8),
# 私营企业 (6); opening dates are Excel dates except 4 texts (serials 34 '2011/10/05',
# 40 '2009年12月8日', 60 '2022年2月28日', 143 '2023/11/08'); expiry is a date or 长期.
# → 153 − 5 rejected − 1 duplicate = 147 distinct shops. This agrees with the lead's count.
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    assert SHIPPED.is_file(), f"shipped ledger missing at {SHIPPED}"
    return parse(read_rows(SHIPPED))


@pytest.fixture(scope="module")
def by_serial(shipped):
    return {row.serial: row for row in shipped.rows}


def test_shipped_counts(shipped):
    assert shipped.header_row == 3
    assert len(shipped.rows) + len(shipped.rejected) + len(shipped.duplicates) == 153
    assert len(shipped.rows) == 147
    assert len({row.uscc for row in shipped.rows}) == 147


def test_shipped_rejections(shipped):
    assert [(r.sheet_row, r.reason_zh) for r in shipped.rejected] == [
        (13, "第13行：统一社会信用代码校验失败（924203811KHT6GN254）"),
        (14, "第14行：统一社会信用代码校验失败（92420381PR8CAA9T9D）"),
        (34, "第34行：统一社会信用代码校验失败（9242038119URYNLL2X）"),
        (70, "第70行：统一社会信用代码为空"),
        (84, "第84行：统一社会信用代码含非法字符O，代码只用数字和除I、O、Z、S、V外的大写字母（92420381KEOPYJBWLR）"),
    ]


def test_shipped_duplicate(shipped, by_serial):
    assert shipped.duplicates == [(17, 10, "92420381K6RXY9PHR2")]
    assert by_serial["7"].sheet_row == 10 and "14" not in by_serial


@pytest.mark.parametrize(
    ("serial", "field", "expected"),
    [
        ("81", "uscc", "9242038114C1G1N06G"),  # full-width in the sheet
        ("127", "uscc", "92420381JN80DC9P38"),
        ("54", "uscc", "924203817ME1D4HGJU"),  # ' 92420381 7ME1D4HGJU '
        ("2", "uscc", "92420381AXL5T17H86"),  # lower case in the sheet
        ("34", "opened_on", date(2011, 10, 5)),  # text '2011/10/05'
        ("40", "opened_on", date(2009, 12, 8)),  # text '2009年12月8日'
        ("60", "opened_on", date(2022, 2, 28)),
        ("143", "opened_on", date(2023, 11, 8)),
        ("1", "opened_on", date(2025, 9, 24)),  # an Excel date
        ("1", "licence_expires_on", None),  # 长期
        ("1", "licence_no_expiry", True),
        ("2", "licence_expires_on", date(2043, 10, 12)),
        ("2", "licence_no_expiry", False),
        ("30", "phone", "18605499600"),  # '+86 186 0549 9600'
        ("118", "phone", "18743645150"),
        ("16", "phone", "0719-8117836"),  # landline kept
        ("16", "ownership", "collective"),
        ("42", "ownership", "state"),
        ("33", "ownership", "private"),
        ("1", "ownership", "individual"),
        ("18", "name", "范记化妆品店"),  # '  范记化妆品店 '
        ("92", "name", "隆盛烧烤店"),
        ("1", "principal", "范磊"),
        ("1", "house_number", "7号"),
        ("1", "industry", "食品"),
        ("153", "sheet_row", 158),
    ],
)
def test_shipped_rows(by_serial, serial, field, expected):
    assert getattr(by_serial[serial], field) == expected


def test_xlsx_rows_numbered_as_in_excel_with_merged_title(tmp_path):
    path = tmp_path / "台账.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    cells = {"A2": "某街台账", "A3": "商户名称", "B3": "统一社会信用代码", "C3": "行业",
             "A4": "甲", "B4": "92420381K6RXY9PHR2", "C4": "服装", "B5": "924203817ME1D4HGJU"}
    for coordinate, value in cells.items():
        sheet[coordinate] = value
    sheet.merge_cells("A2:C2")
    sheet.merge_cells("C4:C5")  # 行业 merged down two shops
    workbook.save(path)
    rows = list(read_rows(path))  # numbered as Excel shows them, even with row 1 empty
    assert rows == [
        (1, [None, None, None]),
        (2, ["某街台账", "某街台账", "某街台账"]),
        (3, ["商户名称", "统一社会信用代码", "行业"]),
        (4, ["甲", "92420381K6RXY9PHR2", "服装"]),
        (5, [None, "924203817ME1D4HGJU", "服装"]),
    ]


def test_xlsx_from_upload_stream_uses_given_filename():
    workbook = openpyxl.Workbook()
    workbook.active.append(["商户名称", "统一社会信用代码", "开业日期"])
    workbook.active.append(["甲", "92420381K6RXY9PHR2", datetime(2015, 3, 8)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = parse(read_rows(buffer, "上传.XLSX"))
    assert result.rows[0].opened_on == date(2015, 3, 8)


CSV_TEXT = (
    "城关××街经营户经济户口台账\r\n"
    "填报单位:城关工商所,,,,,,,,填报日期:,2026-11-20,\r\n"
    "序号,商户名称,统一社会信用代码,经济性质,行业,门牌号,负责人,联系电话,开业日期,营业执照有效期至,备注\r\n"
    "1,张记面馆,92420381K6RXY9PHR2,个体工商户,餐饮,5号,张三,+86 138 0013 8000,2015.3.8,长期,\r\n"
    ",,,,,,,,,,\r\n"
    '2,"源新,副食行",９２４２０３８１７ＭＥ１Ｄ４ＨＧＪＵ,集体,食品,376号,潘明磊,0719-8117836,2004年2月6日,2024/02/06,"备注\n两行"\r\n'
    "3,张记面馆,92420381k6rxy9phr2,个体,餐饮,5号,张三,13800138000,2015-03-08,长期,\r\n"
    "4,秦记化妆品坊,924203811KHT6GN254,个体,化妆品,241号,秦斌艳,13318812280,2002/06/19,长期,\r\n"
    ",合计:4户,,,,,,,,,\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "expected_start"),
    [("utf-8", b"\xe5\x9f\x8e"), ("utf-8-sig", b"\xef\xbb\xbf"), ("gbk", b"\xb3\xc7"), ("gb18030", b"\xb3\xc7")],
)
def test_csv_encodings(tmp_path, encoding, expected_start):
    path = tmp_path / f"ledger-{encoding}.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    assert path.read_bytes().startswith(expected_start)  # the fixture really is in that encoding
    rows = list(read_rows(path))
    assert rows[0] == (1, ["城关××街经营户经济户口台账"])
    assert rows[3][1][:3] == ["1", "张记面馆", "92420381K6RXY9PHR2"]
    assert rows[4] == (5, [None] * 11)
    assert rows[5][1][1] == "源新,副食行" and rows[5][1][10] == "备注\n两行"

    result = parse(rows)
    assert result.header_row == 3
    first, second = result.rows
    assert (first.sheet_row, first.name, first.phone, first.opened_on, first.licence_no_expiry) == (
        4, "张记面馆", "13800138000", date(2015, 3, 8), True)
    assert (second.sheet_row, second.uscc, second.ownership, second.phone) == (
        6, "924203817ME1D4HGJU", "collective", "0719-8117836")
    assert (second.opened_on, second.licence_expires_on) == (date(2004, 2, 6), date(2024, 2, 6))
    assert second.note == "备注\n两行"
    assert result.duplicates == [(7, 4, "92420381K6RXY9PHR2")]
    assert [(r.sheet_row, r.reason_zh) for r in result.rejected] == [
        (8, "第8行：统一社会信用代码校验失败（924203811KHT6GN254）")]


def test_csv_from_binary_stream():
    stream = io.BytesIO(CSV_TEXT.encode("gbk"))
    result = parse(read_rows(stream, "台账.csv"))
    assert [row.name for row in result.rows] == ["张记面馆", "源新,副食行"]


def test_progress_is_reported(tmp_path):
    path = tmp_path / "big.csv"
    lines = ["商户名称,统一社会信用代码"] + ["甲,92420381K6RXY9PHR2"] * 1200
    path.write_text("\n".join(lines), encoding="utf-8")
    seen = []
    rows = list(read_rows(path, progress=seen.append))
    assert len(rows) == 1201
    assert seen == [500, 1000, 1201]


def test_too_many_rows(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a\n" * 11 + "\n" * 50, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        list(read_rows(path, max_rows=10))
    assert caught.value.code == "ledger_too_big"
    assert len(list(read_rows(path, max_rows=11))) == 61  # blank rows do not count


@pytest.mark.parametrize("filename", ["台账.xls", "台账.txt", "台账"])
def test_unsupported_file_type_raises_at_call(filename):
    with pytest.raises(ValidationError) as caught:
        read_rows(io.BytesIO(b"x"), filename)
    assert caught.value.code == "ledger_file_type"


def test_broken_xlsx_raises_at_call():
    with pytest.raises(ValidationError) as caught:
        read_rows(io.BytesIO(b"not a zip"), "台账.xlsx")
    assert caught.value.code == "ledger_unreadable"
