"""Which login names a new account may have (one rule for the admin's form, ``flask users create``
and the merchant's sign-up; QA: "shop 102!" was accepted).

Pure: ``check_username(name)`` returns the name without surrounding whitespace, or raises
ValidationError with a Chinese message that states the rule. The rule: MIN_LENGTH–MAX_LENGTH
characters, each an English letter, a digit, "_", "-" or "." (no spaces, no Chinese characters:
a login name is typed on any keyboard; the person's name goes in the display name). Accounts
created before the rule keep their names and log in as before: only creation checks it.
"""
import re

from .errors import ValidationError
from .i18n import N_

MIN_LENGTH = 3
MAX_LENGTH = 30
_ALLOWED = re.compile(r"[A-Za-z0-9_.\-]+", re.ASCII)

REQUIRED = N_("用户名不能为空")
#: Shown for a name of the wrong length or with a character outside the rule.
RULE = N_("用户名须为3至30个字符，只能使用英文字母、数字和 _ - .（不能有空格、汉字或其他符号）")


def check_username(name: object) -> str:
    """Return ``name`` stripped of surrounding whitespace if it follows the rule.

    Raises ValidationError: code ``username_required`` (empty), ``username_length`` (fewer than
    MIN_LENGTH or more than MAX_LENGTH characters), ``username_chars`` (any other character).
    """
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise ValidationError(REQUIRED, code="username_required")
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise ValidationError(RULE, code="username_length")
    if not _ALLOWED.fullmatch(text):
        raise ValidationError(RULE, code="username_chars")
    return text
