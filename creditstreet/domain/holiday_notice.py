"""Reading the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知, SPEC §3).

``read_notice(text, year=None)`` turns the notice as published (pasted from the web, with or
without line breaks, full- or half-width punctuation) into a ``NoticeSchedule``: every holiday day
(放假, 放假调休, 补休 — a span ``1月28日至2月4日`` counts every day in it) and every make-up working
day (上班), each with the festival's name, plus ``problems``: Chinese sentences naming what it could
not read or what does not add up, for the admin to check before confirming.

Wordings read (all used by the notices 2008–2026): weekdays in brackets or not (``（周四）``,
``（星期日）``), lunar dates and other remarks in brackets (``（农历除夕、周二）``, ``除夕（2月9日）``
in an exhortation, which is never a holiday), ``补休``, ``与周末连休``, ``不调休``, a span across
months (``5月31日至6月2日``) or years (``2018年12月30日至2019年1月1日``, or without years: the
December part of a 元旦 item is the previous year), ``共N天`` (checked against the span).

Checks that become problems (never silent): a weekday in brackets that is not the date's weekday;
``共N天`` that does not match the days read; a make-up working day that is not a Saturday or
Sunday; a day named both holiday and working day; a numbered item or a sentence with a date
that says neither 放假 nor 上班; no items at all. Pure: no I/O; dates are calendar dates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from .errors import ValidationError
from .i18n import Msg, N_

MAX_NOTICE_CHARS = 20_000
_NUMERALS = "一二三四五六七八九十"
_ITEM = re.compile(rf"(?:^|(?<=[。\n\s]))([{_NUMERALS}]{{1,3}})、\s*([^:\n。]{{1,30}}?)\s*:")
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日")
_SPAN_JOIN = re.compile(r"^\s*(?:至|到|-|—|–|~|〜)\s*$")
_BRACKET = re.compile(r"\(([^()]*)\)")
_WEEKDAY = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天])")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NAMES = "一二三四五六日"
_COUNT = re.compile(r"(?:共|放假)\s*(\d{1,2})\s*天")
_YEAR_IN_TITLE = (re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日"), re.compile(r"将\s*(\d{4})\s*年\s*元旦"),
                  re.compile(r"(\d{4})\s*年\s*部分节假日安排"))
#: A line that ends the numbered items: the closing paragraph, the signature and its date.
_END_OF_ITEMS = re.compile(r"\n\s*(?=节假日期间|鼓励|国务院办公厅|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:\n|$))")
_HOLIDAY_WORDS = ("放假", "补休", "休息", "连休")
_WORK_WORDS = ("上班",)


@dataclass(frozen=True)
class NoticeSchedule:
    """What a notice says: ``holidays``/``workdays`` map each date to the festival's name.

    ``year`` is the notice's year; dates of the previous year (a 元旦 span starting in December)
    are kept as read. ``problems`` lists, in Chinese, everything that could not be read or does not
    add up; ``items`` the festival names read, in order.
    """

    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    items: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the whole notice was read with no problem."""
        return not self.problems


def normalise(text: str) -> str:
    """NFKC (full-width digits, brackets and colons become ASCII), unified line breaks."""
    text = unicodedata.normalize("NFKC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u3000", " ").replace("\xa0", " ")


def notice_year(text: str) -> int | None:
    """The year the notice is about, from its title or first sentence, or None."""
    text = normalise(text)
    for pattern in _YEAR_IN_TITLE:
        m = pattern.search(text)
        if m:
            return int(m.group(1))
    return None


def read_notice(text: str, year: int | None = None) -> NoticeSchedule:
    """Read a pasted notice (see the module docstring) into a ``NoticeSchedule``.

    ``year``: the year the admin says it is; when the text names another year that is a
    ``ValidationError``, as is a text naming no year when ``year`` is None, an empty text,
    or one longer than ``MAX_NOTICE_CHARS`` characters.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("请粘贴国务院办公厅节假日安排通知的全文", code="notice_empty")
    if len(text) > MAX_NOTICE_CHARS:
        raise ValidationError(Msg(N_("通知文字过长（超过%(max_notice_chars)s字），请只粘贴通知本身"),
                                  max_notice_chars=MAX_NOTICE_CHARS), code="notice_too_long")
    text = normalise(text)
    named = notice_year(text)
    if year is not None and named is not None and named != year:
        raise ValidationError(Msg(N_("通知写的是%(named)s年，与所选的%(year)s年不一致"),
                                  named=named, year=year), code="notice_year_mismatch")
    year = year or named
    if year is None:
        raise ValidationError("通知中没有找到年份（如“关于2027年部分节假日安排的通知”），请选择年份",
                              code="notice_no_year")
    if not 2000 <= year <= 2200:
        raise ValidationError(Msg(N_("年份“%(year)s”无效"), year=year), code="notice_bad_year")

    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    problems: list[str] = []
    names: list[str] = []
    matches = list(_ITEM.finditer(text))
    if not matches:
        problems.append("没有找到“一、元旦：……”这样的放假安排条目，请粘贴通知全文")
    for i, m in enumerate(matches):
        name = m.group(2).strip()
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[m.end():end]
        names.append(name)
        _read_item(name, body, year, holidays, workdays, problems)
    for day in sorted(set(holidays) & set(workdays)):
        problems.append(f"{_fmt(day)}既写为放假又写为上班（{holidays[day]}、{workdays[day]}）")
    for day, name in sorted(workdays.items()):
        if day.weekday() < 5:
            problems.append(f"{name}：{_fmt(day)}是周{_WEEKDAY_NAMES[day.weekday()]}，不是周末，"
                            "却写为调休上班，请核对")
    return NoticeSchedule(year, holidays, workdays, tuple(problems), tuple(names))


# --- one item ------------------------------------------------------------------------------------

def _read_item(name: str, body: str, year: int, holidays: dict, workdays: dict, problems: list) -> None:
    """Read one numbered item ``一、元旦：……`` into ``holidays``/``workdays``; note problems."""
    body = _END_OF_ITEMS.split(body, maxsplit=1)[0]
    _check_weekdays(name, body, year, problems)
    plain = _BRACKET.sub("", body)  # weekdays, lunar dates, 除夕(2月9日) in an exhortation: remarks
    read_any = False
    context = {"year": year, "month": None, "new_year_item": "元旦" in name}
    for sentence in re.split(r"[。;\n]", plain):
        if not sentence.strip() or sentence.strip().startswith("鼓励"):
            continue
        clauses = [c for c in re.split(r"[,，]", sentence) if c.strip()]
        kinds = [_kind(c) for c in clauses]
        dated = [bool(_DATE.search(c)) for c in clauses]
        span_days: list[date] = []
        for j, clause in enumerate(clauses):
            if not dated[j]:
                continue
            kind = kinds[j] or next((k for k in kinds[j + 1:] if k), None) or next(
                (k for k in reversed(kinds[:j]) if k), None)
            days = _dates_in(clause, context)
            if kind is None or not days:
                problems.append(f"{name}：未能读懂“{_short(clause)}”，请核对后逐日修改")
                continue
            read_any = True
            target = holidays if kind == "holiday" else workdays
            for d in days:
                target.setdefault(d, name)
            if kind == "holiday":
                span_days.extend(days)
        count = _COUNT.search(sentence)
        if count and span_days and int(count.group(1)) != len(set(span_days)):
            problems.append(f"{name}：通知写明共{count.group(1)}天，读出{len(set(span_days))}天"
                            f"（{'、'.join(_fmt(d) for d in sorted(set(span_days)))}），请核对")
    if not read_any:
        problems.append(f"{name}：没有读出任何放假或上班日期（“{_short(plain)}”）")


def _kind(clause: str) -> str | None:
    if any(w in clause for w in _WORK_WORDS):
        return "workday"
    if any(w in clause for w in _HOLIDAY_WORDS):
        return "holiday"
    return None


def _dates_in(clause: str, context: dict) -> list[date]:
    """Every date a clause names; ``A至B`` is every day from A to B. Month and year carry over."""
    out: list[date] = []
    found = list(_DATE.finditer(clause))
    k = 0
    while k < len(found):
        start = _to_date(found[k], context)
        if start is None:
            return []
        if k + 1 < len(found) and _SPAN_JOIN.match(clause[found[k].end():found[k + 1].start()]):
            explicit_year = found[k].group(1) is not None
            end = _to_date(found[k + 1], context)
            if end is None:
                return []
            if end < start and not explicit_year and start.month == 12:
                start = start.replace(year=start.year - 1)  # 12月30日至1月1日: December of last year
            if end < start or (end - start).days > 40:
                return []
            out.extend(start + timedelta(days=i) for i in range((end - start).days + 1))
            k += 2
        else:
            out.append(start)
            k += 1
    return out


def _to_date(m: re.Match, context: dict) -> date | None:
    """The date of one match; month and year carry over from the previous date of the item.

    Without a written year, a December date in the 元旦 item is in the year before the notice's.
    """
    y, mo, d = m.group(1), m.group(2), m.group(3)
    if mo is None and context["month"] is None:
        return None
    month = int(mo) if mo is not None else context["month"]
    if y is not None:
        context["year"], context["explicit"] = int(y), True
        the_year = int(y)
    else:
        the_year = context["year"]
        if context["new_year_item"] and month == 12 and not context.get("explicit"):
            the_year -= 1
    context["month"] = month
    try:
        return date(the_year, month, int(d))
    except ValueError:
        return None


def _check_weekdays(name: str, body: str, year: int, problems: list) -> None:
    """A date followed by a bracketed weekday must fall on that weekday (a typo check)."""
    context = {"year": year, "month": None, "new_year_item": "元旦" in name}
    for m in _DATE.finditer(body):
        day = _to_date(m, context)
        rest = body[m.end():m.end() + 20]
        bracket = re.match(r"\s*\(([^()]*)\)", rest)
        if day is None or not bracket:
            continue
        w = _WEEKDAY.search(bracket.group(1))
        if w and _WEEKDAYS[w.group(1)] != day.weekday():
            problems.append(f"{name}：{_fmt(day)}写为“{w.group(0)}”，实际是周{_WEEKDAY_NAMES[day.weekday()]}，请核对")


def _fmt(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"
