"""Text rules shared by forms, imports and public pages: codes, phones, search keys, masking.

Pure: no flask, no sqlalchemy. Every rejection is a ``ValidationError`` whose ``message`` is
Chinese (safe to show) and whose ``code`` is a stable ASCII identifier.

Length rule (CASES K-12): a "character" is one Unicode code point, and a CRLF line break counts
as one (browsers submit textarea newlines as CRLF but count them as one). The browser side must
count the same way, ``[...value.replace(/\\r\\n/g, "\\n")].length``, and HTML ``maxlength`` must
NOT be used on fields with this rule, because it counts UTF-16 units (an emoji counts 2).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as stdnum_uscc

from creditstreet.domain.errors import ValidationError
from .i18n import Msg, N_

__all__ = [
    "ValidationError",
    "clean_text",
    "normalize_uscc",
    "normalize_phone",
    "normalize_mobile",
    "search_key",
    "mask_phone",
    "mask_name",
    "mask_contacts_in_text",
    "char_count",
    "check_length",
]

# Invisible characters that spreadsheets and IMEs leave at the ends of cells.
_EDGE_JUNK = "\u200b\u200c\u200d\u2060\ufeff"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_PHONE_SEPARATORS = re.compile(r"[\s()" + re.escape(_DASHES) + r"]+")
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
# Mainland numbering plan: 010 and 020-029 are 3-digit area codes, every other one is 4 digits.
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([2-9][0-9]{6,7})", re.ASCII)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

PHONE_MESSAGE = "手机号码格式不正确，请填写11位手机号码或带区号的固定电话（如0719-8117836）"
MOBILE_MESSAGE = "手机号码格式不正确，请填写11位手机号码（如13800138000）"


def clean_text(s: object) -> str:
    """Return ``s`` NFKC-normalised with surrounding whitespace (incl. U+3000) removed; None → ""."""
    if s is None:
        return ""
    return unicodedata.normalize("NFKC", str(s)).strip().strip(_EDGE_JUNK).strip()


def clean_prose(s: object) -> str:
    """Return free text as typed, only without surrounding whitespace; None → "".

    Prose (notes, descriptions, titles) is stored byte for byte: no NFKC, so full-width
    punctuation such as "：" stays as the user wrote it. Codes and names use ``clean_text``.
    """
    if s is None:
        return ""
    return str(s).strip()


def normalize_uscc(s: object) -> str:
    """Return the 18-char uppercase unified social credit code (GB 32100-2015, SPEC glossary).

    Full-width characters, any whitespace and lower case are accepted. Raises ValidationError
    (codes ``uscc_empty``, ``uscc_length``, ``uscc_format``, ``uscc_checksum``).
    """
    code = "".join(clean_text(s).split()).upper()
    if not code:
        raise ValidationError("统一社会信用代码为空", code="uscc_empty")
    if len(code) != 18:
        raise ValidationError(Msg(N_("统一社会信用代码长度不是18位，实为%(n)s位"), n=len(code)), code="uscc_length")
    bad = sorted({ch for ch in code if ch not in _USCC_ALPHABET}, key=code.index)
    if bad:
        raise ValidationError(
            Msg(N_("统一社会信用代码含非法字符%(bad)s，代码只用数字和除I、O、Z、S、V外的大写字母"), bad="".join(bad)),
            code="uscc_format",
        )
    if not code[:8].isascii() or not code[:8].isdigit():
        raise ValidationError("统一社会信用代码前8位应为数字", code="uscc_format")
    try:
        return stdnum_uscc.validate(code)
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError("统一社会信用代码校验失败", code="uscc_checksum") from None
    except stdnum_exceptions.ValidationError:
        raise ValidationError("统一社会信用代码格式不正确", code="uscc_format") from None


def _phone_digits(s: object) -> tuple[str, bool]:
    """Return (digits with separators and +86/0086/86 removed, whether a country code was dropped)."""
    raw = _PHONE_SEPARATORS.sub("", clean_text(s))
    for prefix in ("+86", "0086"):
        if raw.startswith(prefix):
            return raw[len(prefix):], True
    if raw.startswith("86") and len(raw) == 13:
        return raw[2:], True
    return raw, False


def normalize_mobile(s: object) -> str:
    """Return a mainland mobile number as 11 ASCII digits (CASES K-10); raise ValidationError."""
    digits, _ = _phone_digits(s)
    if _MOBILE.fullmatch(digits):
        return digits
    raise ValidationError(MOBILE_MESSAGE, code="phone_invalid")


def normalize_phone(s: object) -> str:
    """Return a mobile as 11 ASCII digits or a landline as ``area-number`` (``0719-8117836``).

    Accepts full-width digits, spaces, dashes, parentheses and a +86/0086/86 prefix
    (CASES K-10). Raises ValidationError (code ``phone_invalid``).
    """
    digits, international = _phone_digits(s)
    if _MOBILE.fullmatch(digits):
        return digits
    if international and digits[:1] != "0":
        digits = "0" + digits  # +86 719 8117836 → 0719 8117836
    match = _LANDLINE.fullmatch(digits)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    raise ValidationError(PHONE_MESSAGE, code="phone_invalid")


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc  # slow to load; only the search needs it

    return opencc.OpenCC("t2s")


def search_key(s: object) -> str:
    """Return the key shop names are matched on (CASES K-11).

    NFKC, traditional → simplified (never the reverse: 面 maps back to 面/麵), all whitespace
    removed, casefolded. ``張記麵館``, ``张记麵馆`` and ``张记面馆\\u3000`` all give ``张记面馆``.
    """
    text = clean_text(s)
    if not text:
        return ""
    text = _t2s().convert(text)
    return "".join(text.split()).casefold()


def mask_phone(s: object) -> str:
    """Mask a phone for public display (SPEC K6): ``138****8000``, ``0719-***7836``.

    A value that is not a phone keeps at most its last 4 digits (``****1234``); empty → "".
    """
    if not clean_text(s):
        return ""
    try:
        phone = normalize_phone(s)
    except ValidationError:
        digits = "".join(ch for ch in clean_text(s) if ch.isascii() and ch.isdigit())
        return "****" + digits[-4:]
    if "-" in phone:
        area, number = phone.split("-")
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}"
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(s: object) -> str:
    """Mask a consumer's name for public display (CASES K-14): first character + "**", whatever the
    length, so the mask never tells how long the name is (王小明 → 王**, 欧阳娜娜 → 欧**); "" → 匿名."""
    name = clean_text(s)
    if not name:
        return "匿名"
    return name[0] + "**"


def mask_contacts_in_text(text: object) -> str:
    """The redacted copy of free text for anyone but the handler (SPEC K6): ``domain.redact.redact``.

    Kept under this name for the template filter ``mask_text`` (office-written text such as
    warnings and shop replies); a complaint's text is redacted when stored, with the consumer's name.
    """
    from creditstreet.domain.redact import redact

    return redact(text)


def char_count(s: object) -> int:
    """Count characters the way browser and server agree (CASES K-12): code points, CRLF = 1."""
    if s is None:
        return 0
    return len(str(s).replace("\r\n", "\n"))


def check_length(s: object, max_chars: int, *, label: str = "内容") -> str:
    """Return ``s`` unchanged if it has at most ``max_chars`` characters (see char_count).

    Raises ValidationError (code ``too_long``) naming the field ``label``.
    """
    text = "" if s is None else str(s)
    count = char_count(text)
    if count > max_chars:
        raise ValidationError(
            Msg(N_("%(label)s不能超过%(max_chars)s个字，现有%(count)s个字"),
                label=Msg(label), max_chars=max_chars, count=count), code="too_long"
        )
    return text


_SHOP_URL = re.compile(r"(?:^|/)shops/(\d{1,9})(?:[/?#]|$)")


def shop_id_in_url(s: object) -> int | None:
    """The shop number of a shop page's address as a plaque's QR code gives it, pasted or typed:
    ".../shops/62" or ".../s/binjiang/shops/150" (with or without the host) → 62, 150; else None."""
    m = _SHOP_URL.search(clean_text(s).replace(" ", ""))
    return int(m.group(1)) if m else None
