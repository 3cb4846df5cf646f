"""Tests for creditstreet.domain.ledger.parse on hand-built rows.

The shipped ledger (creditstreet/demo/street-ledger.xlsx) is tested end to end in
tests/services/test_ledger_io.py.
"""

from datetime import date, datetime

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.ledger import LedgerRow, Rejected, parse, parse_date

HEADER = ["序号", "商户名称", "统一社会信用代码", "经济性质", "行业", "门牌号", "负责人",
          "联系电话", "开业日期", "营业执照有效期至", "备注"]
# Valid codes (check chars verified by hand, see tests/domain/test_text.py).
CODE_A = "92420381K6RXY9PHR2"
CODE_B = "924203817ME1D4HGJU"
CODE_C = "91420381U4KBUT38XD"


def shop(serial, name, code, **overrides):
    values = {
        "ownership": "个体工商户", "industry": "日杂", "house": "1号", "principal": "张三",
        "phone": "13800138000", "opened": datetime(2015, 3, 8), "expires": "长期", "note": None,
    } | overrides
    return [serial, name, code, values["ownership"], values["industry"], values["house"],
            values["principal"], values["phone"], values["opened"], values["expires"], values["note"]]


def numbered(rows, start=1):
    return list(enumerate(rows, start=start))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2015, 3, 8, 0, 0), date(2015, 3, 8)),
        (date(2015, 3, 8), date(2015, 3, 8)),
        ("2015.3.8", date(2015, 3, 8)),
        ("2015年3月8日", date(2015, 3, 8)),
        ("2009年12月8日", date(2009, 12, 8)),
        ("2015/03/08", date(2015, 3, 8)),
        ("2011/10/05", date(2011, 10, 5)),
        ("2015-03-08", date(2015, 3, 8)),
        ("２０１５．３．８", date(2015, 3, 8)),
        (" 2015-03-08 ", date(2015, 3, 8)),
        ("20150308", date(2015, 3, 8)),
        (20150308, date(2015, 3, 8)),
        (42071, date(2015, 3, 8)),  # Excel serial: 1899-12-30 + 42071 days
        (42071.0, date(2015, 3, 8)),
        # QA: spreadsheet exports carry a time of day; it is dropped.
        ("2025-09-24 00:00:00", date(2025, 9, 24)),
        ("2025/9/24 0:00", date(2025, 9, 24)),
        ("2025-09-24T08:30", date(2025, 9, 24)),
        ("2025年9月24日 23:59:59", date(2025, 9, 24)),
    ],
)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2015年2月30日", "2015.13.1", "15.3.8", "三月八日", "长期", "", None, 42071.5,
                                 "2025-09-24 24:00", "2025-09-24 00:00 下午", "2025-09-2400:00:00"])
def test_parse_date_rejects(raw):
    with pytest.raises(ValueError):
        parse_date(raw)


def test_header_found_below_title_rows_and_totals_skipped():
    rows = numbered([
        ["某街经营户经济户口台账"] + [None] * 10,
        ["填报单位:城关工商所", None, None, None, None, None, None, None, "填报日期:", "2026-11-20", None],
        HEADER,
        shop(1, "沈记五金", CODE_A, opened="2015.3.8"),
        [None] * 11,
        ["", " ", "\u3000", None, None, None, None, None, None, None, None],
        shop(2, "源新副食行", CODE_B, expires=datetime(2024, 2, 6)),
        [None, "合计:2户", None, None, None, None, None, None, None, None, None],
    ])
    result = parse(rows)
    assert result.header_row == 3
    assert [r.sheet_row for r in result.rows] == [4, 7]
    assert result.rejected == [] and result.duplicates == []
    first, second = result.rows
    assert first == LedgerRow(
        sheet_row=4, name="沈记五金", uscc=CODE_A, ownership="individual", industry="日杂",
        house_number="1号", principal="张三", phone="13800138000", opened_on=date(2015, 3, 8),
        licence_expires_on=None, licence_no_expiry=True, note="", serial="1",
    )
    assert second.licence_expires_on == date(2024, 2, 6) and second.licence_no_expiry is False


def test_header_synonyms_and_column_order():
    header = ["名称", "电话", "地址", "企业名称2", "统一社会信用代码", "经济性质"]
    rows = numbered([header, ["张记面馆", "0719 8117836", "5号", "x", CODE_A, "个体"]])
    (row,) = parse(rows).rows
    assert (row.name, row.phone, row.house_number, row.uscc, row.ownership) == (
        "张记面馆", "0719-8117836", "5号", CODE_A, "individual")
    assert row.opened_on is None and row.licence_expires_on is None and row.licence_no_expiry is False


def test_header_with_line_breaks_and_colon_is_recognised():
    rows = numbered([["商户\n名称", "统一社会\n信用代码：", "经济性质"], ["甲", CODE_A, "私营"]])
    assert parse(rows).rows[0].ownership == "private"


def test_no_header_raises():
    with pytest.raises(ValidationError) as caught:
        parse(numbered([["甲", CODE_A], ["乙", CODE_B]]))
    assert caught.value.code == "ledger_no_header"


@pytest.mark.parametrize(
    ("written", "code"),
    [("国有", "state"), ("集体", "collective"), ("私营企业", "private"), ("私营", "private"),
     ("个体工商户", "individual"), ("个体", "individual"), (" 个体工商户\u3000", "individual")],
)
def test_ownership_codes(written, code):
    rows = numbered([HEADER, shop(1, "甲", CODE_A, ownership=written)])
    assert parse(rows).rows[0].ownership == code


def test_same_code_however_typed_is_one_shop():
    rows = numbered([
        HEADER,
        shop(1, "沈记五金", CODE_A),
        shop(2, "沈记五金", CODE_A.lower()),
        shop(3, "沈记五金", "９２４２０３８１Ｋ６ＲＸＹ９ＰＨＲ２"),
        shop(4, "沈记五金", " 92420381 K6RXY9PHR2 "),
        shop(5, "源新副食行", CODE_B),
    ])
    result = parse(rows)
    assert [r.sheet_row for r in result.rows] == [2, 6]
    assert result.duplicates == [(3, 2, CODE_A), (4, 2, CODE_A), (5, 2, CODE_A)]


def test_rejections_name_row_column_and_value():
    rows = numbered([
        HEADER,
        shop(1, "秦记化妆品坊", "924203811KHT6GN254"),
        shop(2, "泰瑞美妆店", None),
        shop(3, "坏电话", CODE_A, phone="1380013800O"),
        shop(4, "坏日期", CODE_B, opened="2015年2月30日"),
        shop(5, "坏性质", CODE_C, ownership="股份制"),
        shop(6, "", "924203811KHT6GN254", expires="明年", phone="12800138000"),
    ], start=10)
    result = parse(rows)
    assert result.rows == []
    assert result.rejected == [
        Rejected(11, "第11行：统一社会信用代码校验失败（924203811KHT6GN254）"),
        Rejected(12, "第12行：统一社会信用代码为空"),
        Rejected(13, "第13行：联系电话格式不正确（1380013800O）"),
        Rejected(14, "第14行：开业日期无法识别（2015年2月30日）"),
        Rejected(15, "第15行：经济性质无法识别（股份制），应为国有、集体、私营企业或个体工商户"),
        Rejected(16, "第16行：商户名称为空；统一社会信用代码校验失败（924203811KHT6GN254）；"
                     "联系电话格式不正确（12800138000）；营业执照有效期至无法识别（明年），应为日期或“长期”"),
    ]


def test_rejected_row_does_not_block_a_later_valid_row_with_the_same_code():
    rows = numbered([HEADER, shop(1, "甲", CODE_A, phone="123"), shop(2, "甲", CODE_A)])
    result = parse(rows)
    assert [r.sheet_row for r in result.rows] == [3]
    assert [r.sheet_row for r in result.rejected] == [2]
    assert result.duplicates == []


def test_totals_word_never_drops_a_shop_with_a_valid_code():
    rows = numbered([HEADER, shop(1, "合计超市", CODE_A), [None, "合计", None], [None, "总计:1户"]])
    result = parse(rows)
    assert [r.name for r in result.rows] == ["合计超市"]
    assert result.rejected == []


def test_repeated_header_rows_are_skipped():
    rows = numbered([HEADER, shop(1, "甲", CODE_A), HEADER, shop(2, "乙", CODE_B)])
    result = parse(rows)
    assert [r.name for r in result.rows] == ["甲", "乙"] and result.rejected == []


def test_numeric_cells_are_read_as_text():
    rows = numbered([HEADER, shop(1.0, "甲", CODE_A, phone=13800138000.0, house=7)])
    (row,) = parse(rows).rows
    assert (row.serial, row.phone, row.house_number) == ("1", "13800138000", "7")


def test_blank_ownership_is_none_not_a_rejection():
    rows = numbered([HEADER, shop(1, "甲", CODE_A, ownership=None), shop(2, "乙", CODE_B, ownership=" ")])
    result = parse(rows)
    assert [r.ownership for r in result.rows] == [None, None] and result.rejected == []


def test_short_rows_are_padded():
    rows = numbered([HEADER, [1, "甲", CODE_A, "集体"]])
    (row,) = parse(rows).rows
    assert (row.ownership, row.phone, row.note) == ("collective", None, "")
