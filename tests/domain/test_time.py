"""Table tests for creditstreet.domain.time (SPEC §3, CASES K-02/K-03/K-04).

Expected values are worked out by hand: Asia/Shanghai is UTC+8 all year (no DST), so
local midnight of day D is 16:00 UTC of D − 1.
"""

import os
import time as host_time
from datetime import date, datetime, timedelta, timezone

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.time import (
    Quarter, add_months, as_utc, in_window, last_completed_quarter, leaves_window_at,
    local_date, months_back, quarter_end, quarter_of, quarter_start, quarters_between, year_window,
)

UTC = timezone.utc
CST = timezone(timedelta(hours=8))


@pytest.fixture(autouse=True, params=["UTC", "America/New_York", "Asia/Kolkata"])
def host_tz(request):
    """Run every test under several host time zones: results must not change (K-03/K-04)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    host_time.tzset()
    yield request.param
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    host_time.tzset()


def test_host_tz_fixture_really_changes_the_process_zone(host_tz):
    offsets = {"UTC": 0, "America/New_York": -5 * 3600, "Asia/Kolkata": 19800}
    assert host_time.localtime(1704067200).tm_gmtoff == offsets[host_tz]  # 2024-01-01T00:00Z


@pytest.mark.parametrize("text, year, q, shown", [
    ("2026Q3", 2026, 3, "2026Q3"),
    ("2024q1", 2024, 1, "2024Q1"),
    (" 2024-Q4 ", 2024, 4, "2024Q4"),
])
def test_quarter_parse_and_str(text, year, q, shown):
    assert Quarter.parse(text) == Quarter(year, q)
    assert str(Quarter.parse(text)) == shown


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "26Q1", "2026", "Q3 2026", "２０２６Q3", "",
                                  "0001Q1", "0000Q1", "9999Q1"])
def test_quarter_parse_rejects(text):
    with pytest.raises(ValidationError):
        Quarter.parse(text)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Pacific/Kiritimati", "America/Adak", "Etc/GMT-14"])
def test_the_extreme_quarters_still_have_instants(zone):
    # the first and last accepted quarters: no OverflowError in any zone (0001Q1 is refused above)
    assert Quarter.parse("0002Q1").start_utc(zone).tzinfo == timezone.utc
    assert Quarter.parse("9997Q4").end_utc(zone).tzinfo == timezone.utc


@pytest.mark.parametrize("q, nxt, prv", [
    (Quarter(2024, 1), Quarter(2024, 2), Quarter(2023, 4)),
    (Quarter(2024, 4), Quarter(2025, 1), Quarter(2024, 3)),
])
def test_quarter_next_prev(q, nxt, prv):
    assert (q.next(), q.prev()) == (nxt, prv)


@pytest.mark.parametrize("q, start_utc, end_utc", [
    # local midnight 2026-07-01 00:00+08 = 2026-06-30 16:00Z; end = 2026-10-01 00:00+08
    (Quarter(2026, 3), datetime(2026, 6, 30, 16, tzinfo=UTC), datetime(2026, 9, 30, 16, tzinfo=UTC)),
    # K-03: the 2024Q2 start 2024-04-01 00:00+08:00 = 2024-03-31T16:00:00Z
    (Quarter(2024, 2), datetime(2024, 3, 31, 16, tzinfo=UTC), datetime(2024, 6, 30, 16, tzinfo=UTC)),
    (Quarter(2024, 4), datetime(2024, 9, 30, 16, tzinfo=UTC), datetime(2024, 12, 31, 16, tzinfo=UTC)),
])
def test_quarter_bounds(q, start_utc, end_utc):
    assert q.start_utc() == start_utc and q.end_utc() == end_utc
    assert q.start() == start_utc and q.start().utcoffset() == timedelta(hours=8)


def test_quarter_in_other_zone():
    # a street in UTC: 2024Q2 starts at 2024-04-01T00:00Z
    assert Quarter(2024, 2).start_utc("UTC") == datetime(2024, 4, 1, tzinfo=UTC)


@pytest.mark.parametrize("instant, expected", [
    (datetime(2024, 3, 31, 23, 30), Quarter(2024, 2)),          # K-04 V1, naive = UTC → 07:30 CST Apr 1
    (datetime(2024, 3, 31, 15, 30), Quarter(2024, 1)),          # K-04 C1 → 23:30 CST Mar 31
    (datetime(2024, 3, 31, 16, 0, tzinfo=UTC), Quarter(2024, 2)),    # exactly at quarter start
    (datetime(2024, 3, 31, 15, 59, 59, tzinfo=UTC), Quarter(2024, 1)),  # one second before
    (datetime(2024, 4, 1, 0, 0, tzinfo=CST), Quarter(2024, 2)),
    (datetime(2023, 12, 31, 16, 0, tzinfo=UTC), Quarter(2024, 1)),  # new year in Beijing
    (datetime(2023, 12, 31, 12, 0, tzinfo=timezone(timedelta(hours=-5))), Quarter(2024, 1)),  # 17:00Z
])
def test_quarter_of_uses_street_zone(instant, expected):
    assert quarter_of(instant) == expected
    assert Quarter(expected.year, expected.q).contains(instant)


@pytest.mark.parametrize("day, start, end", [
    (date(2022, 8, 31), date(2022, 7, 1), date(2022, 9, 30)),   # K-04: not 10-01
    (date(2024, 5, 31), date(2024, 4, 1), date(2024, 6, 30)),   # K-04
    (date(2024, 2, 29), date(2024, 1, 1), date(2024, 3, 31)),
    (date(2024, 12, 31), date(2024, 10, 1), date(2024, 12, 31)),
    (date(2024, 10, 1), date(2024, 10, 1), date(2024, 12, 31)),
    (date(2024, 3, 31), date(2024, 1, 1), date(2024, 3, 31)),
])
def test_quarter_start_end_dates(day, start, end):
    assert quarter_start(day) == start
    assert quarter_end(day) == end


def test_quarter_helpers_refuse_datetimes():
    # a datetime would be bucketed by its UTC date, the K-04 bug
    with pytest.raises(ValidationError):
        quarter_end(datetime(2024, 3, 31, 23, 30))


@pytest.mark.parametrize("value, n, expected", [
    (date(2024, 2, 29), 12, date(2023, 2, 28)),   # SPEC §3 example
    (date(2024, 3, 31), 1, date(2024, 2, 29)),
    (date(2023, 3, 31), 1, date(2023, 2, 28)),
    (date(2024, 5, 31), 3, date(2024, 2, 29)),
    (date(2024, 1, 15), 1, date(2023, 12, 15)),
    (date(2024, 8, 31), -1, date(2024, 9, 30)),   # negative n goes forward, still clamped
])
def test_months_back_dates(value, n, expected):
    assert months_back(value, n) == expected


@pytest.mark.parametrize("instant, n, expected", [
    # 2024-02-29 10:00+08 − 12 months = 2023-02-28 10:00+08 = 02:00Z
    (datetime(2024, 2, 29, 10, tzinfo=CST), 12, datetime(2023, 2, 28, 2, tzinfo=UTC)),
    # 2024-03-30T18:00Z is 2024-03-31 02:00 in Beijing; − 1 month there = 2024-02-29 02:00+08
    # = 2024-02-28T18:00Z. (Done in UTC it would wrongly give 2024-02-29T18:00Z.)
    (datetime(2024, 3, 30, 18, tzinfo=UTC), 1, datetime(2024, 2, 28, 18, tzinfo=UTC)),
    (datetime(2024, 3, 30, 18), 1, datetime(2024, 2, 28, 18, tzinfo=UTC)),   # naive = UTC
])
def test_months_back_instants_use_local_wall_clock(instant, n, expected):
    assert months_back(instant, n) == expected


def test_add_months_forward_clamps():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 13) == date(2024, 2, 29)


T_Q1_END = datetime(2024, 4, 1, tzinfo=CST)   # grading instant of 2024Q1


def test_year_window_bounds():
    start, end = year_window(T_Q1_END)
    assert start == datetime(2023, 3, 31, 16, tzinfo=UTC)   # 2023-04-01 00:00+08
    assert end == datetime(2024, 3, 31, 16, tzinfo=UTC)


@pytest.mark.parametrize("x, inside", [
    (datetime(2023, 3, 31, 16, tzinfo=UTC), True),                        # first instant
    (datetime(2023, 3, 31, 15, 59, 59, 999999, tzinfo=UTC), False),       # just before
    (datetime(2024, 3, 31, 15, 59, 59, 999999, tzinfo=UTC), True),        # last instant
    (datetime(2024, 3, 31, 16, tzinfo=UTC), False),                       # T itself: later period
    (datetime(2024, 3, 31, 23, 30), False),                               # K-04 V1
    (datetime(2024, 3, 31, 15, 30), True),                                # K-04 C1
])
def test_in_year_window(x, inside):
    assert in_window(x, *year_window(T_Q1_END)) is inside


@pytest.mark.parametrize("a, b, expected", [
    ("2024Q1", "2024Q3", ["2024Q1", "2024Q2", "2024Q3"]),
    ("2023Q4", "2024Q1", ["2023Q4", "2024Q1"]),
    ("2024Q2", "2024Q2", ["2024Q2"]),
    ("2024Q2", "2024Q1", []),
])
def test_quarters_between(a, b, expected):
    assert [str(q) for q in quarters_between(a, b)] == expected


@pytest.mark.parametrize("now, expected", [
    (datetime(2024, 3, 31, 12, tzinfo=CST), "2023Q4"),      # K-03 clock: Q1 not over yet
    (datetime(2024, 3, 31, 15, 59, 59, tzinfo=UTC), "2023Q4"),
    (datetime(2024, 4, 1, 0, 0, tzinfo=CST), "2024Q1"),     # exactly the grading instant
    (datetime(2024, 4, 1, 0, 20, tzinfo=CST), "2024Q1"),    # K-02 restart 00:20
])
def test_last_completed_quarter(now, expected):
    assert str(last_completed_quarter(now)) == expected


def test_catch_up_after_long_outage():
    # K-02: last grade row is for 2023Q4; down 2024-03-30 .. 2024-07-02.
    now = datetime(2024, 7, 2, 9, tzinfo=CST)
    missed = quarters_between(Quarter(2023, 4).next(), last_completed_quarter(now))
    assert [q.end() for q in missed] == [datetime(2024, 4, 1, tzinfo=CST), datetime(2024, 7, 1, tzinfo=CST)]


@pytest.mark.parametrize("record_at, last_counted", [
    (datetime(2023, 5, 10, 10, tzinfo=CST), datetime(2024, 5, 10, 10, tzinfo=CST)),
    # a T on 2024-02-29 looks back to 2023-02-28, so a Feb 28 record counts that day too
    (datetime(2023, 2, 28, 10, tzinfo=CST), datetime(2024, 2, 29, 10, tzinfo=CST)),
    # a leap-day record counts through all of 2025-02-28 and leaves at 03-01 00:00
    (datetime(2024, 2, 29, 10, tzinfo=CST), datetime(2025, 3, 1, 0, tzinfo=CST)),
    (datetime(2023, 3, 31, 23, 59, tzinfo=CST), datetime(2024, 3, 31, 23, 59, tzinfo=CST)),
])
def test_leaves_window_at(record_at, last_counted):
    assert leaves_window_at(record_at) == last_counted
    later = last_counted + timedelta(seconds=1)
    assert not in_window(record_at, *year_window(later))
    assert not in_window(record_at, *year_window(later + timedelta(days=40)))


def test_leaves_window_at_is_really_the_last_moment():
    r = datetime(2023, 5, 10, 10, tzinfo=CST)
    assert in_window(r, *year_window(datetime(2024, 5, 10, 10, tzinfo=CST)))
    r2 = datetime(2023, 2, 28, 10, tzinfo=CST)
    assert in_window(r2, *year_window(datetime(2024, 2, 29, 10, tzinfo=CST)))
    assert not in_window(r2, *year_window(datetime(2024, 2, 28, 10, 0, 1, tzinfo=CST)))
    r3 = datetime(2024, 2, 29, 10, tzinfo=CST)
    assert in_window(r3, *year_window(datetime(2025, 2, 28, 23, 59, 59, tzinfo=CST)))


def test_local_date_and_as_utc():
    assert local_date(datetime(2024, 3, 31, 16, 0)) == date(2024, 4, 1)
    assert as_utc(datetime(2024, 4, 1, tzinfo=CST)) == datetime(2024, 3, 31, 16, tzinfo=UTC)
    with pytest.raises(ValidationError):
        as_utc(date(2024, 4, 1))


def test_year_window_clamps_on_the_local_date_not_the_utc_date():
    # T = 2024-02-29 05:00+08 (= 2024-02-28 21:00Z). Locally, one year back is
    # 2023-02-28 05:00+08; clamping the UTC date would give 2023-02-28 21:00Z = 03-01 05:00+08.
    start, _ = year_window(datetime(2024, 2, 29, 5, tzinfo=CST))
    assert start == datetime(2023, 2, 28, 5, tzinfo=CST)
    assert in_window(datetime(2023, 2, 28, 12, tzinfo=CST), start, datetime(2024, 2, 29, 5, tzinfo=CST))
