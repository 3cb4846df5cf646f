"""Table tests for creditstreet.domain.workdays (SPEC §3, K4).

2026 values are from the State Council's 2026 holiday notice: 元旦 1.1–1.3 (1.4 Sun works);
春节 2.15–2.23 (2.14 Sat, 2.28 Sat work); 中秋 9.25–9.27; 国庆 10.1–10.7 (9.20 Sun,
10.10 Sat work). Deadlines are counted by hand on that calendar.
"""

from datetime import date, datetime

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.workdays import WorkCalendar, is_overdue

CAL = WorkCalendar()


@pytest.mark.parametrize("day, workday", [
    (date(2026, 9, 19), False),   # Sat
    (date(2026, 9, 20), True),    # Sun, 国庆 make-up day
    (date(2026, 9, 25), False),   # Fri, 中秋
    (date(2026, 9, 30), True),
    (date(2026, 10, 1), False),
    (date(2026, 10, 7), False),   # Wed, still 国庆
    (date(2026, 10, 8), True),
    (date(2026, 10, 10), True),   # Sat, make-up day
    (date(2026, 10, 11), False),
    (date(2026, 1, 2), False),    # Fri, 元旦
    (date(2026, 1, 4), True),     # Sun, make-up day
    (date(2026, 2, 14), True),    # Sat, 春节 make-up
    (date(2026, 2, 16), False),   # Mon, 春节
    (date(2026, 2, 23), False),   # Mon, last day of 春节
    (date(2026, 2, 28), True),    # Sat, make-up
    (date(2030, 1, 1), True),     # year not in the library: weekends only, no 元旦
    (date(2030, 1, 5), False),    # Sat
])
def test_is_workday(day, workday):
    assert CAL.is_workday(day) is workday


@pytest.mark.parametrize("holidays, workdays, day, expected", [
    ({date(2030, 1, 1)}, set(), date(2030, 1, 1), False),   # admin fills an uncovered year
    (set(), {date(2030, 1, 5)}, date(2030, 1, 5), True),
    (set(), {date(2026, 10, 3)}, date(2026, 10, 3), True),  # overrides the library
    ({date(2026, 9, 30)}, set(), date(2026, 9, 30), False),
])
def test_extra_tables_override(holidays, workdays, day, expected):
    assert WorkCalendar(holidays, workdays).is_workday(day) is expected


def test_conflicting_tables_refused():
    with pytest.raises(ValidationError):
        WorkCalendar({date(2026, 10, 3)}, {date(2026, 10, 3)})


@pytest.mark.parametrize("start, n, expected", [
    # Mon 9-28: 9-29(1) 9-30(2) [10-1..7 off] 10-8(3) 10-9(4) 10-10 Sat(5) 10-12(6) 10-13(7)
    (date(2026, 9, 28), 7, date(2026, 10, 13)),
    # Fri 9-18: 9-20 Sun(1) 9-21..24(2..5) [9-25..27 off] 9-28(6) 9-29(7)
    (date(2026, 9, 18), 7, date(2026, 9, 29)),
    (date(2026, 10, 9), 1, date(2026, 10, 10)),   # next working day is the make-up Saturday
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 10, 1), 1, date(2026, 10, 8)),    # received on a holiday
    (date(2026, 9, 28), 0, date(2026, 9, 28)),
    # Jul 1 2026 Wed + 45: no holidays Jul–Aug; Jul 2-3 (2), 4 weeks of Jul → 22 by Jul 31,
    # Aug 3..28 → 42, Aug 31 (43), Sep 1 (44), Sep 2 (45)
    (date(2026, 7, 1), 45, date(2026, 9, 2)),
    (date(2030, 1, 4), 1, date(2030, 1, 7)),      # Fri → Mon in a weekends-only year
])
def test_add_workdays(start, n, expected):
    assert CAL.add_workdays(start, n) == expected
    assert CAL.workdays_between(start, expected) == n


@pytest.mark.parametrize("bad_n", [-1, 1.5, True, "7"])
def test_add_workdays_rejects(bad_n):
    with pytest.raises(ValidationError):
        CAL.add_workdays(date(2026, 9, 28), bad_n)


def test_workdays_between_signed():
    assert CAL.workdays_between(date(2026, 10, 13), date(2026, 9, 28)) == -7
    assert CAL.workdays_between(date(2026, 10, 1), date(2026, 10, 7)) == 0


def test_dates_only():
    with pytest.raises(ValidationError):
        CAL.is_workday(datetime(2026, 10, 1, 9))


@pytest.mark.parametrize("year, complete", [(2026, True), (2024, True), (1990, False), (2099, False)])
def test_is_complete(year, complete):
    assert CAL.is_complete(year) is complete


def test_incomplete_years():
    assert CAL.incomplete_years([2099, 2026, 1990, 2024, 2099]) == [1990, 2099]


@pytest.mark.parametrize("today, overdue", [
    (date(2026, 10, 12), False), (date(2026, 10, 13), False), (date(2026, 10, 14), True),
])
def test_is_overdue(today, overdue):
    assert is_overdue(date(2026, 10, 13), today) is overdue


def test_office_year_is_complete_and_ignores_the_library():
    cal = WorkCalendar({date(2026, 10, 1)}, set(), office_years={2026})
    assert cal.is_complete(2026) and cal.is_workday(date(2026, 10, 2)) is True  # only the office's days
    assert cal.library_disagreements(2026)[0] == (date(2026, 1, 1), True, False)


def test_library_until_stands_in_for_an_older_release():
    cal = WorkCalendar(library_until=2025)
    assert not cal.is_complete(2026) and cal.is_workday(date(2026, 10, 8)) is True
    assert cal.is_workday(date(2026, 10, 1)) is True  # weekends only


@pytest.mark.parametrize("pauses, expected", [
    ((), date(2026, 10, 13)),
    # paused [9-29, 9-30): one working day off the clock → one more after 10-13
    (((date(2026, 9, 29), date(2026, 9, 30)),), date(2026, 10, 14)),
    # a pause over the holiday week only: no working day inside, no change
    (((date(2026, 10, 1), date(2026, 10, 8)),), date(2026, 10, 13)),
])
def test_add_workdays_skips_paused_days(pauses, expected):
    assert CAL.add_workdays(date(2026, 9, 28), 7, pauses) == expected
    assert CAL.workdays_between(date(2026, 9, 28), expected, pauses) == 7


@pytest.mark.parametrize("received, n, due, weekends_only", [
    # CASES K-19 (receipt day not counted; the due date is the n-th working day after it)
    (date(2026, 9, 28), 7, date(2026, 10, 13), date(2026, 10, 7)),
    (date(2026, 10, 3), 7, date(2026, 10, 15), date(2026, 10, 13)),
    (date(2026, 10, 10), 7, date(2026, 10, 20), date(2026, 10, 20)),
    (date(2026, 2, 13), 7, date(2026, 3, 2), date(2026, 2, 24)),
    (date(2026, 9, 30), 15, date(2026, 10, 27), date(2026, 10, 21)),
    (date(2026, 2, 13), 15, date(2026, 3, 12), date(2026, 3, 6)),
])
def test_cases_k19_table(received, n, due, weekends_only):
    assert CAL.add_workdays(received, n) == due
    assert WorkCalendar(library_until=2025).add_workdays(received, n) == weekends_only
