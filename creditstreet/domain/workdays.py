"""Working days: China's statutory holidays and make-up working days (SPEC §3, K4).

Source of truth, in order: the admin-editable extra tables (``extra_workdays``, then
``extra_holidays``), then the ``chinese_calendar`` library (holidays and 调休 make-up days),
and for years the library does not cover, weekends only (Mon–Fri work). ``is_complete``
tells the UI when a year falls back to weekends only ("工作日历不完整").

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

_MAX_SCAN_DAYS = 3660  # guard against a table that makes every day a holiday


@lru_cache(maxsize=8192)
def _library_workday(day: date) -> bool:
    """chinese_calendar's answer for ``day`` (Mon–Fri outside the years it covers), memoised: the
    library validates and looks up every date afresh, and intake asks for dozens per complaint."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


class WorkCalendar:
    """China's working-day calendar with admin overrides; immutable after construction.

    Raises ``ValidationError`` when a date is both an extra holiday and an extra workday.
    """

    def __init__(self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()) -> None:
        self.extra_holidays = frozenset(_check_date(d) for d in extra_holidays)
        self.extra_workdays = frozenset(_check_date(d) for d in extra_workdays)
        both = self.extra_holidays & self.extra_workdays
        if both:
            days = "、".join(d.isoformat() for d in sorted(both))
            raise ValidationError(f"日期 {days} 不能同时设为节假日和工作日", code="calendar_conflict")

    def is_workday(self, day: date) -> bool:
        """True for a working day (extra tables first, then the library, then Mon–Fri)."""
        day = _check_date(day)
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return _library_workday(day)

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself never counts; n=0 → start).

        Raises ``ValidationError`` for negative n.
        """
        start = _check_date(start)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValidationError(f"工作日天数“{n}”无效", code="bad_workdays")
        day, left, scanned = start, n, 0
        while left:
            day += timedelta(days=1)
            scanned += 1
            if scanned > _MAX_SCAN_DAYS + n:
                raise ValidationError("工作日历中找不到足够的工作日", code="calendar_broken")
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (so ``workdays_between(a, add_workdays(a, n)) == n``).

        Negative (−count of b < d <= a) when b is before a.
        """
        a, b = _check_date(a), _check_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        return sum(1 for i in range(1, (b - a).days + 1) if self.is_workday(a + timedelta(days=i)))

    @staticmethod
    def is_complete(year: int) -> bool:
        """True when ``chinese_calendar`` has the official holiday schedule for ``year``."""
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
            chinese_calendar.is_workday(date(year, 12, 31))
        except NotImplementedError:
            return False
        return True

    def incomplete_years(self, years: Iterable[int]) -> list[int]:
        """The given years that fall back to weekends only, sorted (for the UI warning)."""
        return sorted({y for y in years if not self.is_complete(y)})


def is_overdue(deadline: date, today: date) -> bool:
    """True once the local date is past the deadline day (the deadline day is still on time)."""
    return _check_date(today) > _check_date(deadline)


def _check_date(day: date) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValidationError("需要当地日期（不是时间点）", code="not_a_date")
    return day
