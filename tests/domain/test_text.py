"""Table tests for creditstreet.domain.text (CASES K-10, K-11, K-12, K-14).

Expected values are worked out by hand from the rules, one row per case.
"""

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.text import (
    char_count,
    check_length,
    clean_text,
    mask_name,
    mask_phone,
    mask_contacts_in_text,
    mask_phones_in_text,
    normalize_mobile,
    normalize_phone,
    normalize_uscc,
    search_key,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  范记化妆品店 ", "范记化妆品店"),
        ("\u3000张记面馆\u3000", "张记面馆"),
        ("\ufeff张记\n", "张记"),
        ("ＡＢＣ１２３", "ABC123"),  # full-width letters and digits → ASCII
        ("张 记", "张 记"),  # inner space kept
        (28, "28"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


# Check digits below were computed by hand with the GB 32100 weights
# (1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28) over the alphabet 0-9 A-H J-N P-R T U W-Y:
# 91110000600037341L is stdnum's own example; 924203811KHT6GN254 sums to 2514 ≡ 3 (mod 31),
# so its check char must be alphabet[31-3] = 'W', not '4'.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91110000600037341L", "91110000600037341L"),
        ("91110000600037341l", "91110000600037341L"),
        (" 92420381 7ME1D4HGJU ", "924203817ME1D4HGJU"),
        ("９２４２０３８１１４Ｃ１Ｇ１Ｎ０６Ｇ", "9242038114C1G1N06G"),
        ("92420381k6rxy9phr2", "92420381K6RXY9PHR2"),
        ("9242038114C1G1N06G\n", "9242038114C1G1N06G"),
        ("924203811KHT6GN25W", "924203811KHT6GN25W"),  # the hand-corrected check char
    ],
)
def test_normalize_uscc_accepts(raw, expected):
    assert normalize_uscc(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code", "reason"),
    [
        (None, "uscc_empty", "为空"),
        ("\u3000", "uscc_empty", "为空"),
        ("9142038100", "uscc_length", "长度不是18位"),
        ("91110000600037341L1", "uscc_length", "长度不是18位"),
        ("92420381KEOPYJBWLR", "uscc_format", "非法字符O"),
        ("92420381KEIPYJBWLR", "uscc_format", "非法字符I"),
        ("9242038A1KHT6GN25W", "uscc_format", "前8位应为数字"),
        ("924203811KHT6GN254", "uscc_checksum", "校验失败"),
        ("91110000600037341M", "uscc_checksum", "校验失败"),
    ],
)
def test_normalize_uscc_rejects(raw, code, reason):
    with pytest.raises(ValidationError) as caught:
        normalize_uscc(raw)
    assert caught.value.code == code
    assert caught.value.message.startswith("统一社会信用代码")
    assert reason in caught.value.message


# CASES K-10 table, exactly.
K10_ACCEPTED = [
    ("13800138000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),
    ("＋８６　１３８－００１３－８０００", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0086-13800138000", "13800138000"),
    ("13800138000\n", "13800138000"),
    ("138００１３８０００", "13800138000"),
]
K10_REJECTED = ["1380013800O", "12800138000", "1380013800"]


@pytest.mark.parametrize(("raw", "expected"), K10_ACCEPTED)
def test_k10_mobile_spellings_store_11_ascii_digits(raw, expected):
    for normalize in (normalize_phone, normalize_mobile):
        stored = normalize(raw)
        assert stored == expected
        assert stored.isascii() and len(stored) == 11


@pytest.mark.parametrize("raw", K10_REJECTED + ["", None, "138001380001", "١٣٨٠٠١٣٨٠٠٠"])
def test_k10_rejected(raw):
    # the last row is Arabic-Indic digits: str.isdigit() and \d accept them, the rule must not
    for normalize in (normalize_phone, normalize_mobile):
        with pytest.raises(ValidationError) as caught:
            normalize(raw)
        assert caught.value.message.startswith("手机号码格式不正确")
        assert caught.value.code == "phone_invalid"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0719-8117836", "0719-8117836"),
        ("0719 8117836", "0719-8117836"),
        ("(0719)8117836", "0719-8117836"),
        ("（０７１９）８１１７８３６", "0719-8117836"),
        ("07198117836", "0719-8117836"),
        ("+86 719 8117836", "0719-8117836"),
        ("010-62345678", "010-62345678"),
        ("021 6234 5678", "021-62345678"),
        ("8613800138000", "13800138000"),
    ],
)
def test_normalize_phone_landlines(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["0719-8117836", "010-62345678"])
def test_normalize_mobile_refuses_landlines(raw):
    with pytest.raises(ValidationError):
        normalize_mobile(raw)


@pytest.mark.parametrize(
    "raw",
    ["0719-811783", "0719-811783612", "719-8117836", "0719-0117836", "0719-8117836 转 12", "123"],
)
def test_normalize_phone_rejects_bad_landlines(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


# CASES K-11: traditional → simplified, never the reverse.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("張記麵館", "张记面馆"),
        ("张记麵馆", "张记面馆"),
        ("张记面馆\u3000", "张记面馆"),
        ("张记面馆", "张记面馆"),
        (" 张 记\t面 馆 ", "张记面馆"),
        ("ＡＢＣ 超市", "abc超市"),
        ("臺灣", "台湾"),
        (None, ""),
    ],
)
def test_search_key(raw, expected):
    assert search_key(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "138****8000"),
        ("+86 139 1234 5678", "139****5678"),
        ("0719-8117836", "0719-***7836"),
        ("010-62345678", "010-****5678"),
        ("", ""),
        (None, ""),
        ("abc12345", "****2345"),  # not a phone: never shown beyond 4 digits
    ],
)
def test_mask_phone(raw, expected):
    assert mask_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # QA #9: always first character + "**", so the mask never reveals the name's length.
        ("王小明", "王**"),
        ("王五", "王**"),
        ("王", "王**"),
        ("欧阳小明", "欧**"),
        ("欧阳娜娜", "欧**"),
        ("阿" * 22, "阿**"),
        ("", "匿名"),
        ("\u3000", "匿名"),
        (None, "匿名"),
    ],
)
def test_mask_name(raw, expected):
    assert mask_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (  # CASES K-14: both numbers, not only the first
            "老板让我打13912345678找他，我的电话13800138000，微信wxid_test01",
            "老板让我打139****5678找他，我的电话138****8000，微信wxid_test01",
        ),
        ("电话 138 0013 8000 谢谢", "电话 138****8000 谢谢"),
        ("电话138-0013-8000", "电话138****8000"),
        ("电话１３８００１３８０００。", "电话138****8000。"),
        ("打+86 139 1234 5678", "打139****5678"),
        ("打００８６１３９１２３４５６７８", "打139****5678"),
        ("面里有头发，要求退款28元", "面里有头发，要求退款28元"),
        ("代码924203811KHT6GN254和91420381600037341013", "代码924203811KHT6GN254和91420381600037341013"),
        ("订单号202403311380013800099", "订单号202403311380013800099"),
        ("12800138000不是手机", "12800138000不是手机"),
        ("门店电话0719-8117836", "门店电话0719-8117836"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phones_in_text(raw, expected):
    assert mask_phones_in_text(raw) == expected


# CASES K-12: one code point = one character; the browser counts [...s].length.
TITLE_19_HAN_AND_EMOJI = "一" * 19 + "😡"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (TITLE_19_HAN_AND_EMOJI, 20),  # 21 UTF-16 units, 20 code points
        ("一二三四五六七八👍🏻", 10),  # skin tone modifier is its own code point
        ("第一行\r\n第二行", 7),  # browsers send CRLF but count one
        ("第一行\n第二行", 7),
        ("", 0),
        (None, 0),
    ],
)
def test_char_count(raw, expected):
    assert char_count(raw) == expected


def test_check_length_accepts_20_code_points_byte_for_byte():
    assert check_length(TITLE_19_HAN_AND_EMOJI, 20).encode() == TITLE_19_HAN_AND_EMOJI.encode()
    body = "服务很差😡😡后面还有很多字……"
    assert check_length(body, 2000) == body


def test_check_length_rejects_21():
    with pytest.raises(ValidationError) as caught:
        check_length(TITLE_19_HAN_AND_EMOJI + "!", 20, label="标题")
    assert caught.value.code == "too_long"
    assert caught.value.message == "标题不能超过20个字，现有21个字"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # QA #9 / CASES K-14: mobiles, the WeChat ID, a landline (area code + last 4 kept).
        ("老板让我打13912345678找他，我的电话13800138000，微信wxid_test01，座机0571-88886666",
         "老板让我打139****5678找他，我的电话138****8000，微信wxid_****，座机0571-****6666"),
        ("店里电话 010 62345678", "店里电话 010-****5678"),          # 3-digit area code 010
        ("座机02087654321", "座机020-****4321"),                      # 02X without a dash
        ("身份证33010219900101123X", "身份证330102********123X"),      # first 6 + 8 stars + last 4
        ("邮箱 zhang.san@example.com 联系", "邮箱 z***@example.com 联系"),
        ("加微信号：abc_12345 详谈", "加微信号：**** 详谈"),
        # Left alone: prices, dates, a 20-digit order number, an amount with a decimal comma.
        ("花了28元，2026-01-30买的，订单号20260101123456789012", "花了28元，2026-01-30买的，订单号20260101123456789012"),
    ],
)
def test_mask_contacts_in_text(raw, expected):
    assert mask_contacts_in_text(raw) == expected


def test_clean_prose_keeps_text_as_typed_but_trims_the_edges():
    # QA round 2: "QA测试：…" lost its full-width colon through NFKC; prose is stored as typed.
    from creditstreet.domain.text import clean_prose

    assert clean_prose("  消费警示：假冒ＡＢＣ牙膏  \n") == "消费警示：假冒ＡＢＣ牙膏"
    assert clean_prose(None) == ""


@pytest.mark.parametrize("typed, shown", [
    # QA round 2: a bracketed area code and QQ numbers were shown in full on public pages.
    ("电话(0931)8123456找他", "电话0931-****3456找他"),
    ("（0931）8123456", "0931-****3456"),
    ("加我QQ 12345678", "加我QQ ****"),
    ("qq:1234567", "qq:****"),
    ("价格28元，共1234567件", "价格28元，共1234567件"),  # a count is not a contact
])
def test_mask_contacts_in_text_more_spellings(typed, shown):
    from creditstreet.domain.text import mask_contacts_in_text

    assert mask_contacts_in_text(typed) == shown
