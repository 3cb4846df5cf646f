"""The username rule (domain.usernames): 3–30 characters of English letters, digits, _ - ."""
import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.usernames import RULE, check_username


@pytest.mark.parametrize("name, kept", [
    ("abc", "abc"),                      # exactly 3
    ("a" * 30, "a" * 30),                # exactly 30
    ("  shop-102  ", "shop-102"),        # surrounding spaces dropped
    ("Li.Ming_2", "Li.Ming_2"),
    ("binjiang-inspector1", "binjiang-inspector1"),  # the demo city's names still fit
])
def test_names_inside_the_rule_are_kept(name, kept):
    assert check_username(name) == kept


@pytest.mark.parametrize("name, code", [
    ("", "username_required"),
    ("   ", "username_required"),
    (None, "username_required"),
    ("ab", "username_length"),           # 2 < 3
    ("a" * 31, "username_length"),       # 31 > 30
    ("shop 102!", "username_chars"),     # the QA tester's name: a space and "!"
    ("shop102!", "username_chars"),
    ("张老板", "username_chars"),         # 3 characters, but Chinese
    ("ｓｈｏｐ", "username_chars"),        # full-width letters are not English letters
    ("a@b.cn", "username_chars"),
])
def test_names_outside_the_rule_are_refused_with_the_rule_in_chinese(name, code):
    with pytest.raises(ValidationError) as e:
        check_username(name)
    assert e.value.code == code
    if code != "username_required":
        assert e.value.message == RULE and "3至30个字符" in RULE and "英文字母、数字和 _ - ." in RULE
