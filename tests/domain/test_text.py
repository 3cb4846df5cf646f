"""Table tests for creditstreet.domain.text (CASES K-10, K-11, K-12, K-14).

Expected values are worked out by hand from the rules, one row per case.
"""

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.text import (
    clean_text,
    mask_phone,
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


def test_clean_prose_keeps_text_as_typed_but_trims_the_edges():
    # QA round 2: "QA测试：…" lost its full-width colon through NFKC; prose is stored as typed.
    from creditstreet.domain.text import clean_prose

    assert clean_prose("  消费警示：假冒ＡＢＣ牙膏  \n") == "消费警示：假冒ＡＢＣ牙膏"
    assert clean_prose(None) == ""
