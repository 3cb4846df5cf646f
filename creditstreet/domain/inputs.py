"""What input the system accepts at all, before any form or rule reads it (issue 13 §7, CASES K-23).

Pure: no flask, no database. The web boundary (``web/boundary.py``) applies these to every request:
NUL bytes and lone surrogates are refused (PostgreSQL cannot store the first, no UTF-8 codec the
second); other control characters are removed; ids above a PostgreSQL ``integer`` are not ids.
"""
import re

#: The largest value of a PostgreSQL ``integer`` (and of every id column): 2³¹ − 1.
MAX_DB_INT = 2**31 - 1
#: Deepest JSON nesting accepted (objects and arrays); our API bodies are 1 level deep.
MAX_JSON_DEPTH = 20

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
# C0 and C1 control characters and DEL, except tab and newline (carriage returns become newlines).
_CONTROLS = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def has_forbidden_chars(s: str) -> bool:
    """True when ``s`` holds a NUL byte or a lone surrogate (U+D800–U+DFFF): refused, never stored."""
    return _FORBIDDEN.search(s) is not None


def strip_controls(s: str) -> str:
    """``s`` without control characters other than tab and newline; CR LF and CR become LF.

    "王小明\\x08" → "王小明", "面里有头发\\x0b退款28元" → "面里有头发退款28元", "甲\\r\\n乙" → "甲\\n乙".
    Zero-width and other format characters are kept (the redactor reads past them).
    """
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", s)


def json_depth(raw: bytes) -> int:
    """Deepest nesting of arrays and objects in the JSON text ``raw`` (0 for a scalar).

    Counts brackets outside strings without parsing, so a 1 MB ``[[[[…`` costs one regex pass,
    not a recursion error. For text that is not JSON the number is meaningless but finite.
    """
    depth = deepest = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub(b"", raw)):
        if m.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def db_id(value: object) -> int | None:
    """An id typed or sent by someone: an int in 1..2³¹−1, else None (treat as "not found").

    Accepts int or a string of ASCII digits (surrounding spaces allowed); bools, longer digit
    strings (a phone number in an id field) and anything else give None, never an overflow.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 10:
            return None
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_DB_INT:
        return None
    return value


def query_int(value: str) -> int:
    """``type=`` for ``request.args.get``: an int in −(2³¹−1)..2³¹−1, else ValueError (→ the default).

    "page=99999999999999999999" then reads as absent instead of overflowing a query.
    """
    text = value.strip()
    if len(text.lstrip("+-")) > len(str(MAX_DB_INT)):
        raise ValueError("too long")
    n = int(text)
    if not -MAX_DB_INT <= n <= MAX_DB_INT:
        raise ValueError("out of range")
    return n
