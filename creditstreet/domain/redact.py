"""One redactor for the free text a consumer types (SPEC K6; CASES K-14).

Pure: no flask, no sqlalchemy. ``redact(text, names)`` returns the copy of ``text`` that anyone who
is not the handling inspector or an admin may read: phones (mobile and landline, however written),
ID numbers (18 and 15 digits, grouped or not), e-mail addresses, QQ and WeChat ids and the
consumer's own name are replaced; everything else stays exactly as typed.

How it finds them. The text is read through a *detection view*: each character NFKC-normalised
(full-width digits, ＠, ．), zero-width and format characters dropped, every kind of space, line
break and ``_`` read as a space, and Chinese numerals (一二三…, 〇, 幺, 壹贰叁…) read as digits.
Phones are then found with ``phonenumbers.PhoneNumberMatcher`` (region CN), ID numbers with
``stdnum.cn.ric``, and the rest by their keywords (QQ/扣扣/企鹅/Q, 微信/V信/VX/WeChat…). The view
keeps, for each of its characters, the index of the original character, so a match maps back to
a span of the original text: only that span is replaced and the rest reads naturally.

Replacements: a mobile keeps its first 3 and last 4 digits (``139****5678``, the K6 mask); a
landline keeps its area code and last 4 (``0719-****7836``); an ID number ``[身份证号]``; an e-mail ``[邮箱]``; a QQ or WeChat id
``[QQ号]`` / ``[微信号]`` (the keyword before it stays); a name its first character + ``**``.

Shorten only a redacted copy (``shorten``), never the raw text before redacting (K6).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

__all__ = ["Found", "find", "redact", "shorten", "detection_key"]

# Chinese numerals as people write phone numbers (一三九…, 幺 for 1, 〇/零 for 0, banker's 壹贰…).
_CN_DIGITS = str.maketrans({
    "〇": "0", "零": "0", "○": "0", "洞": "0", "一": "1", "幺": "1", "壹": "1", "二": "2", "贰": "2", "貳": "2",
    "三": "3", "叁": "3", "參": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6", "陆": "6", "陸": "6",
    "七": "7", "柒": "7", "八": "8", "捌": "8", "九": "9", "玖": "9", "拐": "7", "勾": "9",
})
# Read as a space: every Unicode space and line break, plus characters people put inside numbers.
_AS_SPACE = "_\u3000\u00a0\u2007\u202f\u205f\u1680"
# Separators allowed between the digits of one number in the squeezed view (at most 3 in a row).
_SQUEEZE = re.compile(r"(?<=[0-9])[\s.\-_/\\|~·•*,，、:：]{1,3}(?=[0-9Xx])")
#: The fewest digits a phone number that ``PhoneNumberMatcher`` accepts can have (a valid number:
#: country code + shortest national number of any region, e.g. +98 and 4 digits; a CN number without
#: a country code has at least 7), fewer than an ID number's 15 or a mobile's 11: a text with fewer
#: digits holds no phone or ID number (tests/domain/test_redact.py derives it from the metadata).
MIN_NUMBER_DIGITS = 6
_ANY_DIGIT = re.compile(r"\d")  # Unicode decimal digits, as phonenumbers reads them
_SPACES = re.compile(r"\s+")
_ID = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_MOBILE = re.compile(r"(?=((?:\+?86|0086)?(1[3-9][0-9]{9})))")  # overlapping: every start is tried
_FILL = r"[\s:：=＝是为號号码碼账帐户戶id#＃\-/（）()\[\]【】「」\"'“”]{0,6}"
_QQ = re.compile(r"(?i)(?:(?<![a-z])(?:qq|扣扣|抠抠|企鹅|企鵝)" + _FILL + r"|(?<![a-z])q[号號]?[:：=＝])([0-9]{5,12})(?![0-9])")
_WECHAT_WORD = r"(?:微信|威信|薇信|维信|微芯|v信|vx|wx|weixin|wechat|we chat|vchat|v)"
_WECHAT = re.compile(r"(?i)(?<![a-z])" + _WECHAT_WORD + _FILL
                     + r"(wxid_[a-z0-9_-]+|[a-z][-_a-z0-9]{4,19}|[0-9]{5,12})(?![-_a-z0-9])")
_WXID = re.compile(r"(?i)wxid_[a-z0-9_-]+")
_AT = r"(?:@|\[at\]|\(at\)|\{at\}|（at）|【at】|<at>|艾特|#)"
_DOT = r"(?:\.|。|\[dot\]|\(dot\)|（dot）|点|點)"
_EMAIL = re.compile(r"(?i)(?<![a-z0-9._%+-])[a-z0-9._%+-]+" + _AT + r"[a-z0-9-]+(?:" + _DOT + r"[a-z0-9-]+)*"
                    + _DOT + r"[a-z]{2,10}(?![a-z])")


@dataclass(frozen=True)
class Found:
    """A piece of contact data: the span [start, end) of the original text, its kind
    (``mobile``, ``phone``, ``id``, ``email``, ``qq``, ``wechat``, ``name``) and its replacement."""

    start: int
    end: int
    kind: str
    replacement: str


class _View:
    """A detection view of a text: ``s`` with ``idx[i]`` = the original index of ``s[i]``."""

    def __init__(self, s: str, idx: list[int], cn: list[bool]):
        self.s, self.idx, self.cn = s, idx, cn

    @classmethod
    def of(cls, text: str) -> "_View":
        out: list[str] = []
        idx: list[int] = []
        cn: list[bool] = []
        for i, ch in enumerate(text):
            cat = unicodedata.category(ch)
            if cat in ("Cf", "Mn", "Me") or ch == "\u180e":
                continue  # zero-width spaces and joiners, BOM, soft hyphen, combining marks
            nfkc = unicodedata.normalize("NFKC", ch)
            norm = nfkc.translate(_CN_DIGITS)
            for n in norm:
                out.append(" " if n.isspace() or n in _AS_SPACE or cat.startswith("Z") else n)
                idx.append(i)
                cn.append(norm != nfkc)
        return cls("".join(out), idx, cn)

    def without(self, pattern: re.Pattern[str]) -> "_View":
        """The view with every match of ``pattern`` removed (the map follows)."""
        keep = [True] * len(self.s)
        for m in pattern.finditer(self.s):
            for j in range(m.start(), m.end()):
                keep[j] = False
        return _View("".join(c for c, k in zip(self.s, keep) if k), [i for i, k in zip(self.idx, keep) if k],
                     [c for c, k in zip(self.cn, keep) if k])

    def edge(self, i: int) -> bool:
        """Whether a number may begin or end at ``i``: no digit on the other side, separators removed
        there (``139 1234 5678 2024年`` squeezes to ``…56782024年``), or a Chinese numeral meeting a
        digit (``第一13912345678``)."""
        if i <= 0 or i >= len(self.s):
            return True
        return (not (self.s[i - 1].isdigit() and self.s[i].isdigit()) or self.idx[i] - self.idx[i - 1] > 1
                or self.cn[i - 1] != self.cn[i])

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.idx[start], self.idx[end - 1] + 1


def _phones(view: _View) -> Iterable[tuple[int, int, str, str]]:
    for m in phonenumbers.PhoneNumberMatcher(view.s, "CN"):
        start, end = m.start, m.end
        while start < end and not (view.s[start].isdigit() or view.s[start] == "+"):
            start += 1  # "(138…": the bracket is the text's, not the number's …
        if "(" in view.s[m.start:start] and ")" in view.s[start:end]:
            start = m.start  # … unless it closes inside: "(0931)8123456"
        while end > start and not view.s[end - 1].isdigit():
            end -= 1
        nsn = phonenumbers.national_significant_number(m.number)
        mobile = phonenumbers.number_type(m.number) == phonenumbers.PhoneNumberType.MOBILE
        if mobile and len(nsn) == 11:
            yield start, end, "mobile", f"{nsn[:3]}****{nsn[-4:]}"
        else:
            area = phonenumbers.length_of_geographical_area_code(m.number)
            yield start, end, "phone", (f"0{nsn[:area]}-****{nsn[-4:]}" if area else f"****{nsn[-4:]}")
    for m in _MOBILE.finditer(view.s):  # new ranges; a number run on into the next one
        end = m.start() + len(m.group(1))
        if view.edge(m.start()) and view.edge(end):
            d = m.group(2)
            yield m.start(), end, "mobile", f"{d[:3]}****{d[-4:]}"


def _is_id(number: str) -> bool:
    """An 18-digit number with a real birth date and place (a wrong check digit is a typo, still an
    ID), or a 15-digit first-generation ID (its 18-digit form with the check digit computed is valid)."""
    number = number.upper()
    if len(number) == 15:
        long = number[:6] + "19" + number[6:] + "0"  # calc_check_digit ignores the last place
        return ric.is_valid(long[:-1] + ric.calc_check_digit(long))
    try:
        ric.get_birth_place(number)
    except (stdnum_exceptions.ValidationError, ValueError, KeyError):
        return False
    return ric.is_valid(number) or number[:17].isdigit()


def _ids(view: _View) -> Iterable[tuple[int, int, str, str]]:
    for m in _ID.finditer(view.s):
        if _is_id(m.group(1)):
            yield m.start(), m.end(), "id", "[身份证号]"


def _keyed(view: _View) -> Iterable[tuple[int, int, str, str]]:
    for m in _QQ.finditer(view.s):
        yield m.start(1), m.end(1), "qq", "[QQ号]"
    for m in _WECHAT.finditer(view.s):
        if m.group(1).isdigit() or re.search(r"[0-9_-]", m.group(1)) or _looks_like_wechat_word(m.group(0)):
            yield m.start(1), m.end(1), "wechat", "[微信号]"
    for m in _WXID.finditer(view.s):
        yield m.start(), m.end(), "wechat", "[微信号]"
    for m in _EMAIL.finditer(view.s):
        yield m.start(), m.end(), "email", "[邮箱]"


def _looks_like_wechat_word(match: str) -> bool:
    """A letters-only id counts only after an explicit WeChat word (not a lone "v"/"wx")."""
    return re.match(r"(?i)(微信|威信|薇信|维信|微芯|v信|vx|wx|weixin|wechat|we chat|vchat)", match) is not None


def _names(view: _View, names: Iterable[str]) -> Iterable[tuple[int, int, str, str]]:
    folded = view.s.casefold()
    if len(folded) != len(view.s):  # a letter whose folding is longer would shift the indices
        folded = view.s
    for name in names:
        plain = "".join(unicodedata.normalize("NFKC", name or "").split())
        key = plain.translate(_CN_DIGITS).casefold()  # read as the view reads it: 张三 → 张3
        if len(key) < 2 or len(key) != len(plain):
            continue  # one character is too common to hide
        start = folded.find(key)
        while start >= 0:
            yield start, start + len(key), "name", plain[0] + "**"
            start = folded.find(key, start + len(key))


def find(text: str, names: Iterable[str] = ()) -> list[Found]:
    """Contact data in ``text`` as non-overlapping spans of the original, in order (SPEC K6).

    ``names``: the consumer's own name(s) (2 characters or more are looked for). Overlapping
    finds merge into one span that keeps the replacement of the longest.
    """
    if not text:
        return []
    base = _View.of(text)
    # Every view's digits are the base view's (Chinese numerals already read as digits): fewer than
    # MIN_NUMBER_DIGITS and no phone or ID number can be there, so phonenumbers is not asked.
    numbers = len(_ANY_DIGIT.findall(base.s)) >= MIN_NUMBER_DIGITS
    tight = base.without(_SPACES).without(_SQUEEZE)  # "Q Q 号 码 8765 4321", "王 小 明", "a b@qq. com"
    hits: list[tuple[int, int, str, str]] = []
    for view in (base, base.without(_SQUEEZE)) if numbers else ():  # "139 1234\n5678", "1101 0119 9003 0712 3X"
        for s, e, kind, rep in (*_phones(view), *_ids(view)):
            hits.append((*view.span(s, e), kind, rep))
    for s, e, kind, rep in (*_keyed(tight), *_names(tight, tuple(names)), *(_ids(tight) if numbers else ())):
        hits.append((*tight.span(s, e), kind, rep))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    merged: list[list] = []
    for s, e, kind, rep in hits:
        if merged and s < merged[-1][1]:
            last = merged[-1]
            if e - s > last[1] - last[0]:
                last[2], last[3] = kind, rep
            last[1] = max(last[1], e)
        else:
            merged.append([s, e, kind, rep])
    return [Found(s, e, kind, rep) for s, e, kind, rep in merged]


def redact(text: object, names: Iterable[str] = ()) -> str:
    """The redacted copy of ``text`` (None → ""): contact data replaced, the rest as typed (SPEC K6)."""
    if text is None:
        return ""
    text = str(text)
    out, pos = [], 0
    for f in find(text, names):
        out.append(text[pos:f.start])
        out.append(f.replacement)
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with "…" when longer; only ever applied to a redacted
    copy (K6: redaction happens before any shortening)."""
    text = text or ""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def detection_key(text: object) -> str:
    """``text`` NFKC-normalised with every space and zero-width character removed, casefolded: the
    form in which tests check that a planted spelling appears nowhere in a response (K6)."""
    norm = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(ch for ch in norm if not ch.isspace() and unicodedata.category(ch) != "Cf").casefold()
