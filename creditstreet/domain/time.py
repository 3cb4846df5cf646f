"""Quarters, year windows and month arithmetic in the street's time zone (SPEC §3).

Conventions (used by every other domain module):

- An *instant* is an aware ``datetime``; a naive one is taken to be **UTC** (that is how
  the database stores them). Results that are instants are aware UTC datetimes.
- Every rule is evaluated in the street's zone (default ``Asia/Shanghai``), never the
  server's: ``TZ`` of the host process has no effect on any function here.
- Windows are half-open, ``[start, end)``: a record stamped exactly at a boundary belongs
  to the later period (a violation at a quarter's first instant is in that quarter).
- "Within a year" of T is ``[T − 12 calendar months, T)``. Month arithmetic is done on the
  local wall clock and clamps the day to the month's last day: one year before
  2024-02-29 10:00 is 2023-02-28 10:00; one month after 2024-01-31 is 2024-02-29.
  Clamping makes the backward map non-monotonic around 29 February, which is why
  ``leaves_window_at`` exists.
- ``tz`` parameters accept a zone name, a ``tzinfo`` or ``None`` (= Asia/Shanghai).
"""

from __future__ import annotations

import calendar
import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ValidationError
from .i18n import Msg, N_

UTC = timezone.utc
DEFAULT_TZ = "Asia/Shanghai"

TzLike = str | tzinfo | None


def get_zone(tz: TzLike = None) -> tzinfo:
    """Return the zone for ``tz`` (name, tzinfo or None = Asia/Shanghai); ValidationError if unknown."""
    if tz is None:
        tz = DEFAULT_TZ
    elif isinstance(tz, tzinfo):
        return tz
    try:
        return _zone_named(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(Msg(N_("未知时区“%(tz)s”"), tz=tz), code="bad_timezone") from None


@lru_cache(maxsize=64)
def _zone_named(name: str) -> tzinfo:
    """ZoneInfo by name, memoised (failures are not cached: they raise)."""
    return ZoneInfo(name)


def as_utc(instant: datetime) -> datetime:
    """Return the instant as an aware UTC datetime (naive input is read as UTC)."""
    if instant.__class__ is datetime and instant.tzinfo is UTC:  # hot path: already aware UTC
        return instant
    if not isinstance(instant, datetime):
        raise ValidationError("需要一个时间点（日期和时间）", code="not_an_instant")
    if instant.tzinfo is None or instant.utcoffset() is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def to_local(instant: datetime, tz: TzLike = None) -> datetime:
    """The instant on the street's wall clock (aware, in ``tz``)."""
    return as_utc(instant).astimezone(get_zone(tz))


def local_date(instant: datetime, tz: TzLike = None) -> date:
    """The street-local calendar date of an instant (e.g. the day a complaint was received)."""
    return to_local(instant, tz).date()


def local_midnight(day: date, tz: TzLike = None) -> datetime:
    """The first instant of a local date, as an aware datetime in ``tz``."""
    return datetime.combine(_plain_date(day), dtime(0), tzinfo=get_zone(tz))


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def last_day_of_month(year: int, month: int) -> int:
    """Number of days in the month (28–31)."""
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    if not 1 <= month <= 12:
        return calendar.monthrange(year, month)[1]  # raises calendar.IllegalMonthError
    return _MONTH_DAYS[month - 1]


def add_months(value: date | datetime, n: int) -> date | datetime:
    """Shift a date or wall-clock datetime by ``n`` months, clamping to the month's last day.

    Keeps the time of day and tzinfo; 2024-02-29 − 12 months = 2023-02-28.
    """
    index = value.year * 12 + (value.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    return value.replace(year=year, month=month, day=min(value.day, last_day_of_month(year, month)))


def months_back(instant: date | datetime, n: int, tz: TzLike = None) -> date | datetime:
    """``instant`` minus ``n`` calendar months (SPEC §3), clamped to month end.

    A date gives a date. An instant is shifted on the street's wall clock and returned
    as aware UTC: months_back(2024-02-29 10:00+08:00, 12) = 2023-02-28 10:00+08:00.
    """
    if isinstance(instant, datetime):
        return as_utc(add_months(to_local(instant, tz), -n))
    return add_months(instant, -n)


def year_window(T: datetime, tz: TzLike = None) -> tuple[datetime, datetime]:
    """"Within a year before T" as a half-open UTC pair ``(T − 12 months, T)`` (SPEC §3, G1).

    Memoised per (T, tz): a recompute asks for the same window once per shop and rule.
    """
    T = as_utc(T)
    try:
        return _year_window(T, tz)
    except TypeError:  # an unhashable tzinfo: compute directly
        return months_back(T, 12, tz), T


@lru_cache(maxsize=256)
def _year_window(T: datetime, tz: TzLike) -> tuple[datetime, datetime]:
    return months_back(T, 12, tz), T


def in_window(x: datetime, start: datetime, end: datetime) -> bool:
    """True when ``start <= x < end`` (half-open; naive values are UTC)."""
    return as_utc(start) <= as_utc(x) < as_utc(end)


def leaves_window_at(record_at: datetime, tz: TzLike = None, months: int = 12) -> datetime:
    """The last moment a record can still fall in ``[T − months, T)`` (UTC).

    The record counts for T in (record_at, result] and for no later T — except when
    the record is stamped on 29 February, where it counts for every T before the
    returned instant (1 March 00:00 local) and not at it. Examples (local times):
    2023-05-10 10:00 → 2024-05-10 10:00; 2023-02-28 10:00 → 2024-02-29 10:00 (a
    T on 2024-02-29 looks back to 2023-02-28); 2024-02-29 10:00 → 2025-03-01 00:00.
    Used for "what would restore A" (SPEC G3).
    """
    local = to_local(record_at, tz)
    target = add_months(local.replace(day=1), months)
    old_last = last_day_of_month(local.year, local.month)
    new_last = last_day_of_month(target.year, target.month)
    if local.day > new_last:
        nxt = add_months(target, 1)
        return as_utc(datetime.combine(nxt.date(), dtime(0), tzinfo=local.tzinfo))
    if local.day == old_last and new_last > old_last:
        return as_utc(target.replace(day=new_last))
    return as_utc(target.replace(day=local.day))


def restores_on(day: date) -> date:
    """The local date a record stamped on local date ``day`` leaves the one-year window (SPEC G3).

    ``local_date(leaves_window_at(at))`` as a function of the record's local date alone: the
    same month and day a year later, except 29 February → 1 March and 28 February before a
    leap year → 29 February. Monotonic, so the latest record of a shop gives its "restores A"
    date. 2023-05-10 → 2024-05-10; 2023-02-28 → 2024-02-29; 2024-02-29 → 2025-03-01.
    """
    day = _plain_date(day)
    year = day.year + 1
    if day.month == 2 and day.day == 29:
        return date(year, 3, 1)
    if day.month == 2 and day.day == 28 and calendar.isleap(year):
        return date(year, 2, 29)
    return day.replace(year=year)


def utc_offsets(start: datetime, end: datetime, tz: TzLike = None) -> list[tuple[datetime, int]]:
    """The zone's UTC offsets over ``[start, end)``: ``[(from_instant, minutes), ...]``, oldest first.

    The first pair starts at ``start``; each later one at a transition (found to the second).
    Asia/Shanghai gives one pair (+480). Lets a database turn stored UTC instants into local
    dates with plain arithmetic (services/grade_batch.py). Instants are aware UTC.
    """
    zone, start, end = get_zone(tz), as_utc(start), as_utc(end)

    def minutes(at: datetime) -> int:
        return int(at.astimezone(zone).utcoffset().total_seconds() // 60)

    out = [(start, minutes(start))]
    last = end - timedelta(microseconds=1)  # the last instant inside [start, end)
    step = timedelta(hours=6)  # no zone changes its offset twice within six hours
    at = start
    while at < last:
        nxt = min(at + step, last)
        if minutes(nxt) != out[-1][1]:
            lo, hi = 0, int((nxt - at).total_seconds()) + 1  # seconds after ``at``: old offset at lo, new at hi
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if minutes(at + timedelta(seconds=mid)) == out[-1][1] else (lo, mid)
            hi = at + timedelta(seconds=hi)  # transitions fall on whole seconds
            out.append((hi, minutes(hi)))
        at = nxt
    return out


_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter of the street's zone: 2026Q3 = [2026-07-01 00:00, 2026-10-01 00:00)."""

    year: int
    q: int

    def __post_init__(self) -> None:
        # Years 2..9998: a quarter's start is an instant in every zone (0001-01-01 local east of UTC
        # falls before datetime's range); 9998Q4 has no end (a clear ValidationError, not a crash).
        if not (isinstance(self.q, int) and 1 <= self.q <= 4) or not (
            isinstance(self.year, int) and 2 <= self.year <= 9998
        ):
            raise ValidationError(Msg(N_("无效的季度：%(year)s年第%(q)s季度"), year=self.year, q=self.q), code="bad_quarter")

    @classmethod
    def parse(cls, text: "str | Quarter") -> "Quarter":
        """Parse ``"2026Q3"`` (also ``"2026-Q3"``, ``"2026q3"``); ValidationError otherwise."""
        if isinstance(text, Quarter):
            return text
        m = _QUARTER_RE.match(text) if isinstance(text, str) else None
        if not m or not text.isascii():
            raise ValidationError(Msg(N_("无效的季度“%(text)s”，应为如 2026Q3 的格式"), text=text), code="bad_quarter")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of_date(cls, day: date) -> "Quarter":
        """The quarter a local calendar date falls in."""
        day = _plain_date(day)
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def label_zh(self) -> str:
        """UI label, e.g. 2026年第3季度."""
        return f"{self.year}年第{self.q}季度"

    @property
    def label_msg(self) -> Msg:
        """``label_zh`` as a ``Msg``, shown in the reader's language (2026年第3季度 / Q3 2026)."""
        return Msg(N_("%(year)s年第%(q)s季度"), year=self.year, q=self.q)

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def prev(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def start(self, tz: TzLike = None) -> datetime:
        """First instant, as local midnight in ``tz`` (aware)."""
        return local_midnight(self.first_day, tz)

    def end(self, tz: TzLike = None) -> datetime:
        """Exclusive end = the next quarter's first instant (local midnight, aware)."""
        return self.next().start(tz)

    def start_utc(self, tz: TzLike = None) -> datetime:
        return as_utc(self.start(tz))

    def end_utc(self, tz: TzLike = None) -> datetime:
        """Also the grading instant T of this quarter (SPEC G1)."""
        return as_utc(self.end(tz))

    def contains(self, instant: datetime, tz: TzLike = None) -> bool:
        return in_window(instant, self.start(tz), self.end(tz))


def quarter_of(instant: datetime, tz: TzLike = None) -> Quarter:
    """The quarter an instant falls in, on the street's clock (naive = UTC)."""
    return Quarter.of_date(local_date(instant, tz))


def quarter_start(day: date) -> date:
    """First day of the date's quarter: quarter_start(2024-05-31) = 2024-04-01."""
    return Quarter.of_date(day).first_day


def quarter_end(day: date) -> date:
    """Last day of the date's quarter: quarter_end(2022-08-31) = 2022-09-30."""
    return Quarter.of_date(day).last_day


def quarters_between(a: Quarter | str, b: Quarter | str) -> list[Quarter]:
    """Quarters from ``a`` to ``b``, both included, oldest first; [] when a > b.

    For catching up missed regrades: ``quarters_between(last_graded.next(), last_completed)``.
    """
    a, b = Quarter.parse(a), Quarter.parse(b)
    out: list[Quarter] = []
    while a <= b:
        out.append(a)
        a = a.next()
    return out


def last_completed_quarter(now: datetime, tz: TzLike = None) -> Quarter:
    """The latest quarter whose end (grading instant) is at or before ``now``.

    At 2024-04-01 00:00+08:00 exactly this is 2024Q1 (SPEC §3 half-open).
    """
    return quarter_of(now, tz).prev()


def _plain_date(day: date) -> date:
    if isinstance(day, datetime):
        raise ValidationError("需要日期而不是时间点；请先用 local_date() 换算到当地日期",
                              code="not_a_date")
    if not isinstance(day, date):
        raise ValidationError("需要一个日期", code="not_a_date")
    return day
