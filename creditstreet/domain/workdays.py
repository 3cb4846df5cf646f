"""Working days: China's statutory holidays and make-up working days (SPEC §3, K4).

Source of truth, in order: the admin-editable extra tables (``extra_workdays``, then
``extra_holidays``); for a year the office entered and confirmed from the State Council's notice
(``office_years``), weekends otherwise — the office's entries stay in force even when a later
``chinese_calendar`` release covers that year (``library_disagreements`` lists where the two differ,
for the admin); else the ``chinese_calendar`` library (holidays and 调休 make-up days); for years
neither covers, weekends only (Mon–Fri work). ``is_complete`` tells the UI when a year falls back
to weekends only ("工作日历不完整"): such deadlines are provisional (暂定).

Paused clocks (中止, K4): ``add_workdays``/``workdays_between`` take ``pauses``, half-open local
date ranges [first paused day, resume day); a working day inside one does not count.

Deadline convention (K4): the day a thing is received does **not** count; a deadline of
n working days is the n-th working day after the start date, and the item is on time
through the whole of that day (``is_overdue(deadline, today)`` is ``today > deadline``).
All dates are street-local calendar dates (use ``time.local_date`` on instants).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Iterable

import chinese_calendar

from .errors import ValidationError
from .i18n import Msg, N_

_MAX_SCAN_DAYS = 3660  # guard against a table that makes every day a holiday


@lru_cache(maxsize=8192)
def _library_answer(day: date) -> bool | None:
    """chinese_calendar's answer for ``day`` (None outside the years it covers), memoised: the
    library validates and looks up every date afresh, and intake asks for dozens per complaint."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


class WorkCalendar:
    """China's working-day calendar with admin overrides; immutable after construction.

    Raises ``ValidationError`` when a date is both an extra holiday and an extra workday.
    """

    def __init__(self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = (),
                 office_years: Iterable[int] = (), library_until: int | None = None) -> None:
        """``office_years``: years the office confirmed from the notice; ``library_until``: the last
        year to take from ``chinese_calendar`` (None = all it has; a test knob standing in for an
        older release)."""
        self.extra_holidays = frozenset(_check_date(d) for d in extra_holidays)
        self.extra_workdays = frozenset(_check_date(d) for d in extra_workdays)
        self.office_years = frozenset(int(y) for y in office_years)
        self.library_until = library_until
        self._memo: dict[date, bool] = {}  # is_workday per day: the calendar never changes
        both = self.extra_holidays & self.extra_workdays
        if both:
            days = "、".join(d.isoformat() for d in sorted(both))
            raise ValidationError(Msg(N_("日期 %(days)s 不能同时设为节假日和工作日"), days=days), code="calendar_conflict")

    def is_workday(self, day: date) -> bool:
        """True for a working day (extra tables first, then the library, then Mon–Fri)."""
        known = self._memo.get(day)
        if known is not None and type(day) is date:
            return known
        known = self._memo[_check_date(day)] = self._decide(day)
        return known

    def _decide(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if day.year in self.office_years:
            return day.weekday() < 5
        library = self.library_workday(day)
        return day.weekday() < 5 if library is None else library

    def library_workday(self, day: date) -> bool | None:
        """What ``chinese_calendar`` says of ``day`` (None when it does not cover the year)."""
        if self.library_until is not None and day.year > self.library_until:
            return None
        return _library_answer(day)

    def library_covers(self, year: int) -> bool:
        """True when ``chinese_calendar`` (up to ``library_until``) has the schedule for ``year``."""
        return (self.library_workday(date(year, 1, 1)) is not None
                and self.library_workday(date(year, 12, 31)) is not None)

    def library_disagreements(self, year: int) -> list[tuple[date, bool, bool]]:
        """For an office year the library also covers: (day, office says workday, library says
        workday) for every day the two differ, in date order (SPEC §3; shown, never resolved)."""
        if year not in self.office_years or not self.library_covers(year):
            return []
        out, day = [], date(year, 1, 1)
        while day.year == year:
            mine, theirs = self.is_workday(day), self.library_workday(day)
            if mine != theirs:
                out.append((day, mine, bool(theirs)))
            day += timedelta(days=1)
        return out

    def add_workdays(self, start: date, n: int, pauses: Iterable[tuple[date, date]] = ()) -> date:
        """The n-th working day after ``start`` (``start`` itself never counts; n=0 → start),
        skipping working days inside ``pauses`` ([from, until) local dates, K4).

        Raises ``ValidationError`` for negative n.
        """
        pauses = tuple(pauses)
        start = _check_date(start)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValidationError(Msg(N_("工作日天数“%(n)s”无效"), n=n), code="bad_workdays")
        day, left, scanned = start, n, 0
        while left:
            day += timedelta(days=1)
            scanned += 1
            if scanned > _MAX_SCAN_DAYS + n:
                raise ValidationError("工作日历中找不到足够的工作日", code="calendar_broken")
            if self.is_workday(day) and not _paused(day, pauses):
                left -= 1
        return day

    def workdays_between(self, a: date, b: date, pauses: Iterable[tuple[date, date]] = ()) -> int:
        """Working days d with a < d <= b, outside ``pauses`` (so ``workdays_between(a,
        add_workdays(a, n, p), p) == n``). Negative (−count of b < d <= a) when b is before a.
        """
        a, b = _check_date(a), _check_date(b)
        pauses = tuple(pauses)
        if b < a:
            return -self.workdays_between(b, a, pauses)
        return sum(1 for i in range(1, (b - a).days + 1)
                   if self.is_workday(a + timedelta(days=i)) and not _paused(a + timedelta(days=i), pauses))

    def is_complete(self, year: int) -> bool:
        """True when ``year`` has the official schedule: the office confirmed it, or the library has it."""
        return year in self.office_years or self.library_covers(year)

    def incomplete_years(self, years: Iterable[int]) -> list[int]:
        """The given years that fall back to weekends only, sorted (for the UI warning)."""
        return sorted({y for y in years if not self.is_complete(y)})


def is_overdue(deadline: date, today: date) -> bool:
    """True once the local date is past the deadline day (the deadline day is still on time)."""
    return _check_date(today) > _check_date(deadline)


def _paused(day: date, pauses: tuple[tuple[date, date], ...]) -> bool:
    return any(start <= day < until for start, until in pauses)


def _check_date(day: date) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValidationError("需要当地日期（不是时间点）", code="not_a_date")
    return day
