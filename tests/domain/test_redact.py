"""The one redactor (SPEC K6, CASES K-14, issue 13): table tests over the planted corpus."""
import pytest

from creditstreet.domain.redact import detection_key, find, redact, shorten
from tests.contact_corpus import CONSUMER_NAME, CORPUS, KEEP


def test_corpus_has_sixty_spellings():
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("text,secret", CORPUS)
def test_every_spelling_is_redacted(text, secret):
    out = redact(text, [CONSUMER_NAME])
    assert detection_key(secret) not in detection_key(out), out


@pytest.mark.parametrize("text", KEEP)
def test_ordinary_text_stays(text):
    assert redact(text, [CONSUMER_NAME]) == text


@pytest.mark.parametrize("text,expected", [
    # K-14: both numbers masked, the rest reads as typed
    ("老板让我打13912345678找他，我的电话13800138000，微信wxid_test01",
     "老板让我打139****5678找他，我的电话138****8000，微信[微信号]"),
    ("本人王小明，电话139.1234.5678", "本人王**，电话139****5678"),
    ("一三九一二三四五六七八是我的", "139****5678是我的"),
    ("身份证1101 0119 9003 0712 3X。", "身份证[身份证号]。"),
    ("QQ号码：87654321 谢谢", "QQ号码：[QQ号] 谢谢"),
    ("邮箱 wangxm＠example.com 谢谢", "邮箱 [邮箱] 谢谢"),
    ("座机0719-8117836", "座机0719-****7836"),
])
def test_replacements_read_naturally(text, expected):
    assert redact(text, [CONSUMER_NAME]) == expected


def test_spans_map_back_to_the_original():
    text = "电话139\u200b1234\u00a05678！"
    [f] = find(text)
    assert (text[:f.start], text[f.end:], f.kind) == ("电话", "！", "mobile")


def test_one_character_name_is_not_hunted():
    assert redact("王先生说王老板", ["王"]) == "王先生说王老板"


def test_redact_before_shortening():
    # 33 characters then a phone: cut at 40 after redaction shows no 7-digit prefix (issue 13)
    text = "甲" * 33 + "13912345678"
    short = shorten(redact(text), 40)
    assert "1391234" not in short and short == "甲" * 33 + "139***…"
    assert shorten("短", 40) == "短"


def test_none_and_empty():
    assert redact(None) == "" and redact("") == "" and find("") == []


def test_a_chinese_numeral_next_to_a_number_is_not_part_of_it():
    assert redact("我第一13912345678") == "我第一139****5678"
    assert redact("买了三13912345678") == "买了三139****5678"


@pytest.mark.parametrize("raw,expected", [
    # Rows carried over from the earlier pattern masker (tests/domain/test_text.py), now one redactor.
    ("老板让我打13912345678找他，我的电话13800138000，微信wxid_test01，座机0571-88886666",
     "老板让我打139****5678找他，我的电话138****8000，微信[微信号]，座机0571-****6666"),
    ("电话 138 0013 8000 谢谢", "电话 138****8000 谢谢"),
    ("电话１３８００１３８０００。", "电话138****8000。"),
    ("打００８６１３９１２３４５６７８", "打139****5678"),
    ("店里电话 010 62345678", "店里电话 010-****5678"),
    ("座机02087654321", "座机020-****4321"),
    ("电话(0931)8123456找他", "电话0931-****3456找他"),
    ("身份证33010219900101123X", "身份证[身份证号]"),
    ("邮箱 zhang.san@example.com 联系", "邮箱 [邮箱] 联系"),
    ("加微信号：abc_12345 详谈", "加微信号：[微信号] 详谈"),
    ("加我QQ 12345678", "加我QQ [QQ号]"),
    ("qq:1234567", "qq:[QQ号]"),
    ("代码924203811KHT6GN254和91420381600037341013", "代码924203811KHT6GN254和91420381600037341013"),
    ("订单号202403311380013800099", "订单号202403311380013800099"),
    ("12800138000不是手机", "12800138000不是手机"),
    ("花了28元，2026-01-30买的，订单号20260101123456789012", "花了28元，2026-01-30买的，订单号20260101123456789012"),
    ("价格28元，共1234567件", "价格28元，共1234567件"),
])
def test_earlier_rows(raw, expected):
    assert redact(raw) == expected


def test_a_name_with_a_numeral_character():
    assert redact("已与张三协商退款", ["张三"]) == "已与张**协商退款"
    assert redact("我是一一，号码13912345678", ["一一"]) == "我是一**，号码139****5678"


def test_no_phone_number_has_fewer_digits_than_the_early_exit_assumes():
    """Issue 18: ``find`` skips phonenumbers below MIN_NUMBER_DIGITS digits. The fewest digits a valid
    number can have, from phonenumbers' own metadata: a CN number dialled nationally (its shortest
    national number), or any region's with its country code (+98 and 4 digits = 6); an ID has 15."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    from creditstreet.domain import redact as r

    shortest = min(PhoneMetadata.metadata_for_region("CN").general_desc.possible_length)
    for region in phonenumbers.SUPPORTED_REGIONS:
        m = PhoneMetadata.metadata_for_region(region)
        shortest = min(shortest, len(str(m.country_code)) + min(m.general_desc.possible_length))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        m = PhoneMetadata.metadata_for_nongeo_region(code)
        shortest = min(shortest, len(str(code)) + min(m.general_desc.possible_length))
    assert r.MIN_NUMBER_DIGITS <= shortest == 6


@pytest.mark.parametrize("text", [
    "客户端3第12次（2）：面里有头发😡", "打12345", "一二三四五", "QQ 12-345", "QQ号：5 4 3 2 1", "座机8117-836",
    "+98 1234", "１２３４５６", "编号Ａ１２３４５", "微信 ab_12 3", "王小明 一三九",
])
def test_the_early_exit_changes_no_answer(text, monkeypatch):
    from creditstreet.domain import redact as r

    fast = find(text, [CONSUMER_NAME])
    monkeypatch.setattr(r, "MIN_NUMBER_DIGITS", 0)  # every text through phonenumbers and the ID check
    assert find(text, [CONSUMER_NAME]) == fast


@pytest.mark.parametrize("text", [t for t, _ in CORPUS] + list(KEEP))
def test_the_early_exit_changes_no_answer_on_the_corpus(text, monkeypatch):
    from creditstreet.domain import redact as r

    fast = find(text, [CONSUMER_NAME])
    monkeypatch.setattr(r, "MIN_NUMBER_DIGITS", 0)
    assert find(text, [CONSUMER_NAME]) == fast
