"""Which passwords an account may have (issue 17, Admins: weak passwords refused).

Pure: ``check_password(password, username)`` raises ValidationError with a Chinese message, or
returns None. The rule: at least MIN_LENGTH characters; not one of the passwords people pick first
(``12345678``, ``password``, ``88888888``, ``qwerty123`` …); not one character repeated, nor a run
up or down a row of digits, letters or the keyboard (``87654321``, ``abcdefgh``, ``asdfghjk``);
letters and digits (or other characters) mixed; not the account's own login name with digits or
symbols around it.
"""
from .errors import ValidationError
from .i18n import Msg, N_

MIN_LENGTH = 8
MAX_LENGTH = 128

#: Passwords refused outright, compared case-folded (the start of every public leaked-password list,
#: and the ones offices write on the first day).
COMMON = frozenset("""
12345678 123456789 1234567890 87654321 11111111 00000000 88888888 66666666 12341234 11223344 13141314
password password1 password123 passw0rd p@ssw0rd qwerty123 qwertyui qwe12345 1qaz2wsx abc12345 abcd1234
a1234567 a12345678 aa123456 asd12345 zxcvbnm1 iloveyou woaini1314 5201314520 admin123 admin888 admin1234
root1234 test1234 welcome1 12345678a 123456abc 123qweasd qweasdzxc 1q2w3e4r 1q2w3e4r5t zaq12wsx
""".split())
_ROWS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _is_run(text: str) -> bool:
    """One character repeated, or consecutive characters of one row, forwards or backwards."""
    if len(set(text)) == 1:
        return True
    for row in _ROWS:
        for seq in (row, row[::-1]):
            if text in seq * 2:
                return True
    return False


def check_password(password: object, username: str = "") -> None:
    """Refuse a weak password (ValidationError, code ``weak_password`` / ``password_too_short``)."""
    text = password if isinstance(password, str) else ""
    if len(text) < MIN_LENGTH:
        raise ValidationError(Msg(N_("密码至少 %(min_length)s 位"), min_length=MIN_LENGTH), code="password_too_short")
    if len(text) > MAX_LENGTH:
        raise ValidationError(Msg(N_("密码最多 %(max_length)s 位"), max_length=MAX_LENGTH), code="password_too_long")
    folded = text.casefold()
    stem = folded.rstrip("0123456789!@#.")  # "abcdefgh1", "password123!" are the same guesses
    if folded in COMMON or _is_run(folded) or stem in COMMON or (len(stem) >= 6 and _is_run(stem)):
        raise ValidationError("密码太简单（如 12345678、连续或重复的字符），请换一个", code="weak_password")
    if username and folded.strip("0123456789-_.!@#$%&* ") == username.casefold().strip():
        raise ValidationError("密码不能是用户名（加上数字或符号也不行）", code="weak_password")
    if folded.isdigit() or folded.isalpha():
        raise ValidationError("密码要同时包含字母和数字（或其他符号）", code="weak_password")
