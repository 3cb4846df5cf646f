"""Table tests for creditstreet.domain.grades (SPEC G1–G3, CASES K-04).

T = 2024-04-01 00:00+08:00; records count in [2023-04-01 00:00+08, T).
improves_on = local date of record + 12 months (time.leaves_window_at).
"""

import os
import time as host_time
from datetime import date, datetime, timedelta, timezone

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.grades import grade_for_counts, grade_shop
from creditstreet.domain.records import BadRecord, Violation
from creditstreet.domain.settings import RuleSettings
from creditstreet.domain.stars import CRITERIA, StarOutcome

UTC = timezone.utc
CST = timezone(timedelta(hours=8))
T = datetime(2024, 4, 1, tzinfo=CST)


@pytest.fixture(autouse=True, params=["UTC", "America/New_York"])
def host_tz(request):
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    host_time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    host_time.tzset()


def stars(n, missing=()):
    """A StarOutcome with n stars (None = not yet rated) missing the given criteria."""
    earned = frozenset() if n is None else frozenset(CRITERIA) - set(missing)
    return StarOutcome(n, T, earned, earned, {}, (), 4)


@pytest.mark.parametrize("serious, general, bad, n_stars, grade", [
    (0, 0, 0, 4, "A"),
    (0, 0, 0, 3, "B"),      # clean but < 4 stars
    (0, 0, 0, 0, "B"),
    (0, 0, 0, None, "B"),   # not yet rated
    (1, 0, 0, 4, "C"),
    (0, 1, 0, 4, "B"),
    (0, 0, 1, 4, "B"),
    (0, 1, 1, 4, "C"),
    (0, 2, 0, 4, "C"),
    (0, 0, 2, 3, "C"),
    (2, 5, 5, 4, "C"),
])
def test_grade_for_counts(serious, general, bad, n_stars, grade):
    assert grade_for_counts(serious, general, bad, n_stars) == grade


def v(id_, at, severity="general", kind="other"):
    return Violation(id_, at, severity, kind)


def b(id_, at, kind="yellow_card"):
    return BadRecord(id_, at, kind)


@pytest.mark.parametrize("records, n_stars, grade, reason_ids, improves_on", [
    ([], 4, "A", [], None),
    ([], 3, "B", [], None),                                            # clean shop with 3 stars
    ([v("V1", datetime(2023, 6, 10, 10, tzinfo=CST))], 4, "B", ["V1"], date(2024, 6, 10)),
    ([v("V1", datetime(2023, 6, 10, 10, tzinfo=CST), "serious")], 4, "C", ["V1"], date(2024, 6, 10)),
    ([v("V1", datetime(2023, 6, 10, tzinfo=CST)), b("Y1", datetime(2023, 11, 2, tzinfo=CST))],
     4, "C", ["V1", "Y1"], date(2024, 11, 2)),                         # last one decides the date
    ([b("K1", datetime(2023, 5, 5, tzinfo=CST), "complaint_at_fault"),
      b("K2", datetime(2023, 9, 9, tzinfo=CST), "refused_mediation")], 4, "C", ["K1", "K2"], date(2024, 9, 9)),
    # K-04: V1 at 2024-03-31 23:30 UTC (naive) = 2024-04-01 07:30 CST → in 2024Q2, not counted
    ([v("V1", datetime(2024, 3, 31, 23, 30), "serious")], 4, "A", [], None),
    # K-04: C1 closed 2024-03-31 15:30 UTC = 23:30 CST → counted; leaves 2025-03-31 23:30 CST
    ([b("C1", datetime(2024, 3, 31, 15, 30), "complaint_at_fault")], 4, "B", ["C1"], date(2025, 3, 31)),
    ([v("V9", T, "serious")], 4, "A", [], None),                        # exactly at T: later period
    ([v("V8", datetime(2023, 4, 1, tzinfo=CST), "serious")], 4, "C", ["V8"], date(2024, 4, 1)),  # first instant
    ([v("V7", datetime(2023, 3, 31, 23, 59, 59, tzinfo=CST), "serious")], 4, "A", [], None),
])
def test_grade_shop(records, n_stars, grade, reason_ids, improves_on):
    out = grade_shop(records, stars(n_stars, () if n_stars == 4 else ("service",)), T)
    assert out.grade == grade
    assert [r.id for r in out.reasons] == reason_ids
    assert out.improves_on == improves_on
    assert out.as_of == datetime(2024, 3, 31, 16, tzinfo=UTC)


def test_counts_and_settings_version():
    recs = [v(1, datetime(2023, 6, 1, tzinfo=CST), "serious"), v(2, datetime(2023, 7, 1, tzinfo=CST)),
            b(3, datetime(2023, 8, 1, tzinfo=CST)), b(4, datetime(2022, 8, 1, tzinfo=CST))]
    out = grade_shop(recs, stars(4), T, RuleSettings(version=6))
    assert (out.serious, out.general, out.bad) == (1, 1, 1)
    assert out.settings_version == 6 and out.stars == 4


@pytest.mark.parametrize("n_stars, missing, expected", [
    (3, ("honesty",), ("honesty",)),
    (2, ("service", "lawful"), ("lawful", "service")),   # CRITERIA order
    (None, (), CRITERIA),                                # not yet rated: all four
    (4, (), ()),
])
def test_missing_criteria(n_stars, missing, expected):
    out = grade_shop([], stars(n_stars, missing), T)
    assert out.missing_criteria == expected
    assert out.improves_on is None


def test_records_and_stars_both_block_a():
    out = grade_shop([b("Y", datetime(2023, 10, 1, tzinfo=CST))], stars(3, ("compliance",)), T)
    assert out.grade == "B" and out.improves_on == date(2024, 10, 1)
    assert out.missing_criteria == ("compliance",)


def test_leap_day_boundary_for_improves_on():
    # record 2023-02-28 10:00 CST; at T 2023-06-01 it counts; a T on 2024-02-29 still
    # looks back to 2023-02-28, so A returns on 2024-02-29, not 2024-02-28
    out = grade_shop([b("Y", datetime(2023, 2, 28, 10, tzinfo=CST))], stars(4),
                     datetime(2023, 6, 1, tzinfo=CST))
    assert out.improves_on == date(2024, 2, 29)


def test_reason_text():
    out = grade_shop([Violation(5, datetime(2023, 6, 10, tzinfo=CST), "serious", "counterfeit", "售假")],
                     stars(4), T)
    assert out.reasons[0].text == "2023-06-10 严重违法违章：假冒伪劣商品（售假）"


def test_rejects_other_record_types():
    with pytest.raises(ValidationError):
        grade_shop(["V1"], stars(4), T)


def test_on_demand_grade_on_leap_day_uses_local_window():
    # T = 2024-02-29 05:00+08 → window starts 2023-02-28 05:00+08 (local clamp), so a
    # yellow card at 2023-02-28 12:00+08 still counts → B (a UTC clamp would drop it → A)
    out = grade_shop([b("Y", datetime(2023, 2, 28, 12, tzinfo=CST))], stars(4),
                     datetime(2024, 2, 29, 5, tzinfo=CST))
    assert out.grade == "B"
