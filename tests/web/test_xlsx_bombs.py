"""Malformed and bomb-shaped .xlsx uploads are refused in Chinese within 5 s and 100 MB (issue 13 §7).

Measured before: a 5 KB file with <mergeCell ref="A1:J100000"/> took 22.5 s and 330 MB. Each file
below goes through the admin's ledger upload (the only place an .xlsx comes in) and through
``read_rows`` under tracemalloc."""
import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.services.ledger_io import read_rows

from .test_admin_shops import upload

HEADER = ["序号", "商户名称", "统一社会信用代码", "经济性质", "行业", "门牌号", "负责人", "联系电话", "开业日期"]


def _workbook_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([1, "张记面馆", "92420381K6RXY9PHR2", "个体", "餐饮", "5号", "张三", "13800138000", "2015-03-08"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite(data: bytes, change) -> bytes:
    """Copy the zip, letting ``change(name, bytes)`` return new bytes for any part."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return out.getvalue()


def _sheet(change_xml):
    return _rewrite(_workbook_bytes(),
                    lambda name, b: change_xml(b) if name == "xl/worksheets/sheet1.xml" else b)


def merge_bomb() -> bytes:
    return _sheet(lambda b: b.replace(b"</sheetData>", b'</sheetData><mergeCells count="1">'
                                                        b'<mergeCell ref="A1:J100000"/></mergeCells>'))


def many_merges() -> bytes:
    cells = b"".join(b'<mergeCell ref="A%d:J%d"/>' % (r, r + 99) for r in range(3, 200_000, 100))
    return _sheet(lambda b: b.replace(b"</sheetData>", b"</sheetData><mergeCells>" + cells + b"</mergeCells>"))


def whole_column_merge() -> bytes:
    return _sheet(lambda b: b.replace(b"</sheetData>", b'</sheetData><mergeCells><mergeCell ref="A:J"/></mergeCells>'))


def far_cell() -> bytes:
    """Two cells, A1 and XFD1048576: reading rows would create 17 billion cells."""
    return _sheet(lambda b: b.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c>'
                                                        b"</row></sheetData>"))


def tall_sparse() -> bytes:
    return _sheet(lambda b: b.replace(b"</sheetData>", b'<row r="900000"><c r="J900000" t="n"><v>1</v></c>'
                                                        b"</row></sheetData>"))


def billion_laughs() -> bytes:
    """Entities nested 9 deep, 10 each: a billion "lol"s in the first cell if expanded."""
    doctype = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
               + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                          for i in range(1, 10))
               + b"]>")
    return _sheet(lambda b: doctype + b.replace("序号".encode(), b"&lol9;", 1))


def zip_bomb() -> bytes:
    src = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info.filename))
        z.writestr("xl/media/padding.bin", b"\0" * (80 * 1024 * 1024))  # 80 MB unpacked, ~80 KB packed
    return out.getvalue()


def not_a_zip() -> bytes:
    return "序号,商户名称\n1,张记面馆\n".encode()


def truncated() -> bytes:
    return _workbook_bytes()[:1500]


def garbage_sheet() -> bytes:
    return _rewrite(_workbook_bytes(),
                    lambda name, b: b"<worksheet><sheetData><row" if name == "xl/worksheets/sheet1.xml" else b)


def no_workbook_part() -> bytes:
    src = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            if info.filename != "xl/workbook.xml":
                z.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


BAD_FILES = [merge_bomb, many_merges, whole_column_merge, far_cell, tall_sparse, billion_laughs, zip_bomb,
             not_a_zip, truncated, garbage_sheet, no_workbook_part]


def _rows(data: bytes):
    return list(read_rows(io.BytesIO(data), "台账.xlsx"))


@pytest.mark.parametrize("make", BAD_FILES, ids=lambda f: f.__name__)
def test_bad_xlsx_is_refused_in_chinese_within_5_s_and_100_mb(make):
    data = make()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValidationError) as refused:
            _rows(data)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code in ("ledger_unreadable", "ledger_too_big")
    assert not refused.value.message.isascii()
    assert elapsed < 5, f"{make.__name__}: {elapsed:.1f} s"
    assert peak < 100 * 1024 * 1024, f"{make.__name__}: {peak / 2**20:.0f} MB"


def test_the_merge_bomb_is_small():
    assert len(merge_bomb()) < 10_000


def test_a_good_file_with_a_merged_title_still_reads():
    def title(b):
        return b.replace(b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>')

    rows = _rows(_sheet(title))
    assert rows[0][1][:3] == ["序号", "序号", "序号"]  # a merged range's value repeats (read_rows' contract)
    assert rows[1][1][1] == "张记面馆"


@pytest.mark.parametrize("make", [merge_bomb, billion_laughs, not_a_zip, garbage_sheet], ids=lambda f: f.__name__)
def test_the_upload_page_answers_in_chinese(client, street, db, login_as, make):
    login_as("admin")
    start = time.perf_counter()
    resp = upload(client, "台账.xlsx", make(), dry_run=True)
    assert time.perf_counter() - start < 5
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "无法读取该 Excel 文件" in html or "内容范围过大" in html
