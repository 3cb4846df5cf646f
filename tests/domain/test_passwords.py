"""Weak passwords refused (issue 17, Admins), one row per kind of weakness."""
import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.passwords import check_password


@pytest.mark.parametrize("password, code", [
    ("1234567", "password_too_short"),
    ("", "password_too_short"),
    ("12345678", "weak_password"),  # the example
    ("88888888", "weak_password"),
    ("PASSWORD", "weak_password"),  # case does not help
    ("password123", "weak_password"),  # a common word with digits after it
    ("abcdefgh1", "weak_password"),  # a run of letters with a digit after it
    ("87654321", "weak_password"),  # digits downwards
    ("asdfghjk", "weak_password"),  # a keyboard row
    ("zzzzzzzzz", "weak_password"),
    ("woaini1314", "weak_password"),
    ("97318642", "weak_password"),  # digits only
    ("qmwnebrvt", "weak_password"),  # letters only
    ("wangfang-2026", "weak_password"),  # contains the login name
])
def test_weak_passwords_are_refused_in_chinese(password, code):
    with pytest.raises(ValidationError) as e:
        check_password(password, "wangfang")
    assert e.value.code == code and e.value.message and all(ord(ch) < 0x10000 for ch in e.value.message)


@pytest.mark.parametrize("password", ["correct-horse-9", "inspector-demo-2026", "Zs9!kq2Lm", "市场监管2026"])
def test_good_passwords_pass(password):
    assert check_password(password, "wangfang") is None
