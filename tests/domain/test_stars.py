"""Table tests for creditstreet.domain.stars (SPEC S1–S3).

T = 2024-04-01 00:00+08:00 (2024Q1's grading instant), so the trailing four quarters are
2023Q2..2024Q1 and "within the year" is [2023-04-01 00:00+08, 2024-04-01 00:00+08).
"""

import os
import time as host_time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.records import BadRecord, ExamResult, Violation
from creditstreet.domain.settings import RuleSettings
from creditstreet.domain.stars import (
    CRITERIA, BallotTally, QuarterResult, ShopFacts, ballot_quarter_at, ballot_window,
    criterion_passes, current_stars, is_open_long_enough, quarter_result, quorum, trailing_quarters,
)
from creditstreet.domain.time import Quarter

UTC = timezone.utc
CST = timezone(timedelta(hours=8))
T = datetime(2024, 4, 1, tzinfo=CST)
TRAILING = [Quarter(2023, 2), Quarter(2023, 3), Quarter(2023, 4), Quarter(2024, 1)]
ALL = frozenset(CRITERIA)
EXAM_OK = (ExamResult("E1", datetime(2023, 9, 1, tzinfo=CST), 80),)


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


@pytest.mark.parametrize("active, need", [
    (10, 5),   # the street: ⌈10/2⌉ = 5
    (3, 3), (1, 3), (0, 3),   # floor of 3
    (4, 3), (6, 3), (7, 4), (9, 5), (11, 6), (40, 20),
])
def test_quorum(active, need):
    assert quorum(active) == need


@pytest.mark.parametrize("active, ballots, ok", [
    (10, 5, True), (10, 4, False), (3, 3, True), (3, 2, False), (7, 4, True), (7, 3, False),
])
def test_quarter_result_quorum(active, ballots, ok):
    r = quarter_result(BallotTally(1, Quarter(2024, 1), ballots, {c: ballots for c in CRITERIA}), active)
    assert r.has_quorum is ok
    assert r.passed == (ALL if ok else frozenset())


@pytest.mark.parametrize("yes, ballots, passes", [
    (2, 3, True),        # exactly 2/3
    (6, 9, True), (200, 300, True),
    (199, 300, False),   # just below 2/3
    (2 * 10**17 - 1, 3 * 10**17, False),   # below 2/3 although a float division rounds to 2/3
    (5, 9, False), (7, 10, True), (6, 10, False), (19, 30, False), (20, 30, True),
    (0, 0, False), (3, 3, True), (0, 5, False),
])
def test_criterion_passes_exact(yes, ballots, passes):
    assert criterion_passes(yes, ballots) is passes


def test_quarter_result_per_criterion():
    # 6 ballots, quorum 5 (10 supervisors): 4/6 = 2/3 passes, 3/6 fails
    tally = BallotTally(1, "2024Q1", 6, {"lawful": 4, "service": 3, "compliance": 6, "honesty": 5})
    assert quarter_result(tally, 10).passed == {"lawful", "compliance", "honesty"}


@pytest.mark.parametrize("ballots, yes", [
    (3, {"lawful": 4}), (-1, {}), (3, {"price": 1}), (3, {"lawful": -1}), (True, {}),
])
def test_tally_rejects(ballots, yes):
    with pytest.raises(ValidationError):
        BallotTally(1, "2024Q1", ballots, yes)


def test_trailing_quarters():
    assert trailing_quarters(T) == TRAILING
    # one second earlier, 2024Q1 has not ended yet
    assert trailing_quarters(T - timedelta(seconds=1))[-1] == Quarter(2023, 4)


def results(pattern):
    """pattern: one char per trailing quarter: 'P' quorum+lawful passed, 'F' quorum+lawful
    failed (others pass), '-' no quorum, ' ' no result at all."""
    out = []
    for q, ch in zip(TRAILING, pattern):
        if ch == " ":
            continue
        passed = {"P": ALL, "F": ALL - {"lawful"}, "-": frozenset()}[ch]
        out.append(QuarterResult(1, q, 5 if ch != "-" else 2, 5, ch != "-", passed))
    return out


@pytest.mark.parametrize("pattern, stars, lawful", [
    ("PPPP", 4, True),
    ("PPPF", 4, True),     # 3 of 4 = 3/4: still earned
    ("PPFF", 3, False),    # 2 of 4
    ("-PPP", 4, True),     # 3 of 3
    ("-PPF", 3, False),    # 2 of 3 < 3/4
    ("--PP", 4, True),     # 2 of 2
    ("--PF", 3, False),    # 1 of 2
    ("   P", None, False),  # 1 quorum quarter: not yet rated
    ("---P", None, False),
    ("    ", None, False),
])
def test_current_stars_by_ballots(pattern, stars, lawful):
    out = current_stars(results(pattern), ShopFacts(date(2020, 1, 1), exams=EXAM_OK), T)
    assert out.stars == stars
    assert ("lawful" in out.earned) is lawful


def test_quarters_outside_trailing_four_ignored():
    extra = [QuarterResult(1, Quarter(2024, 2), 5, 5, True, ALL),   # in progress at T
             QuarterResult(1, Quarter(2023, 1), 5, 5, True, ALL)]   # fifth back
    out = current_stars(results("---P") + extra, ShopFacts(date(2020, 1, 1), exams=EXAM_OK), T)
    assert out.stars is None and out.quorum_quarters == 1
    assert [n.code for n in out.notes] == ["not_rated_quorum"]


def test_duplicate_quarter_rejected():
    with pytest.raises(ValidationError):
        current_stars(results("PPPP") + results("   P"), ShopFacts(date(2020, 1, 1)), T)


@pytest.mark.parametrize("opened_on, rated", [
    (date(2024, 1, 1), True),    # exactly 3 months before T
    (date(2024, 1, 2), False),   # less than 3 months
    (date(2023, 12, 31), True),
])
def test_new_shop_not_rated(opened_on, rated):
    assert is_open_long_enough(opened_on, T) is rated
    out = current_stars(results("PPPP"), ShopFacts(opened_on, exams=EXAM_OK), T)
    assert (out.stars == 4) if rated else (out.stars is None and out.notes[0].code == "not_rated_new_shop")


V = Violation
B = BadRecord


@pytest.mark.parametrize("facts_kw, stars, lost", [
    ({}, 4, {}),
    ({"violations": (V("V1", datetime(2023, 8, 1, tzinfo=CST), "general", "price_unmarked"),)},
     3, {"lawful": ["V1"]}),
    ({"violations": (V("V7", datetime(2023, 8, 1, tzinfo=CST), "general", "counterfeit"),)},
     2, {"lawful": ["V7"], "honesty": ["V7"]}),
    ({"violations": (V("V2", datetime(2023, 8, 1, tzinfo=CST), "serious", "false_advertising"),)},
     2, {"lawful": ["V2"], "honesty": ["V2"]}),
    # exactly at T: belongs to the next period, not counted
    ({"violations": (V("V3", T, "serious", "counterfeit"),)}, 4, {}),
    # first instant of the window counts, one second before does not
    ({"violations": (V("V4", datetime(2023, 4, 1, tzinfo=CST), "general", "price_fraud"),)},
     2, {"lawful": ["V4"], "honesty": ["V4"]}),
    ({"violations": (V("V5", datetime(2023, 3, 31, 23, 59, 59, tzinfo=CST), "serious", "counterfeit"),)},
     4, {}),
    ({"bad_records": (B("K1", datetime(2023, 8, 1, tzinfo=CST), "complaint_at_fault"),)}, 4, {}),
    ({"bad_records": (B("K1", datetime(2023, 8, 1, tzinfo=CST), "complaint_at_fault"),
                      B("K2", datetime(2024, 1, 1, tzinfo=CST), "complaint_at_fault"))},
     3, {"service": ["K1", "K2"]}),
    ({"bad_records": (B("K3", datetime(2023, 8, 1, tzinfo=CST), "refused_mediation"),)},
     3, {"service": ["K3"]}),
    ({"bad_records": (B("Y1", datetime(2023, 8, 1, tzinfo=CST), "yellow_card"),)},
     3, {"compliance": ["Y1"]}),
    ({"bad_records": (B("Y1", datetime(2022, 8, 1, tzinfo=CST), "yellow_card"),)}, 4, {}),  # too old
])
def test_losses(facts_kw, stars, lost):
    facts = ShopFacts(date(2020, 1, 1), exams=EXAM_OK, **facts_kw)
    out = current_stars(results("PPPP"), facts, T)
    assert out.stars == stars
    assert {c: [r.id for r in rs] for c, rs in out.lost.items()} == lost
    assert out.earned == ALL - set(lost)


@pytest.mark.parametrize("exams, lawful, missing_note", [
    ((ExamResult("E", datetime(2024, 3, 1, tzinfo=CST), 59),), False, False),
    ((ExamResult("E", datetime(2024, 3, 1, tzinfo=CST), 60),), True, False),   # pass mark
    ((ExamResult("E1", datetime(2023, 5, 1, tzinfo=CST), 40),
      ExamResult("E2", datetime(2024, 3, 1, tzinfo=CST), 75)), True, False),   # latest counts
    ((ExamResult("E1", datetime(2023, 5, 1, tzinfo=CST), 90),
      ExamResult("E2", datetime(2024, 3, 1, tzinfo=CST), 50)), False, False),
    ((), True, True),                                                          # missing: kept
    ((ExamResult("E", datetime(2023, 3, 1, tzinfo=CST), 30),), True, True),   # older than a year
])
def test_exam(exams, lawful, missing_note):
    out = current_stars(results("PPPP"), ShopFacts(date(2020, 1, 1), exams=exams), T)
    assert ("lawful" in out.earned) is lawful
    assert any(n.code == "exam_missing" for n in out.notes) is missing_note


def test_loss_reason_text_is_chinese_and_dated():
    facts = ShopFacts(date(2020, 1, 1), exams=EXAM_OK, violations=(
        V(9, datetime(2023, 7, 31, 16, 30), "general", "counterfeit", "售假牙膏"),))  # naive UTC = 08-01 CST
    reason = current_stars(results("PPPP"), facts, T).lost["honesty"][0]
    assert reason.id == 9 and reason.kind == "violation"
    assert reason.text.startswith("2023-08-01") and "假冒伪劣" in reason.text and "售假牙膏" in reason.text


def test_custom_quarters_share():
    s = RuleSettings(quarters_share="1/2")
    assert current_stars(results("PPFF"), ShopFacts(date(2020, 1, 1), exams=EXAM_OK), T, s).stars == 4


def test_ballot_window():
    start, end = ballot_window("2024Q1")
    assert start == datetime(2024, 3, 16, 16, tzinfo=UTC)   # 2024-03-17 00:00+08 = Apr 1 − 15 days
    assert end == datetime(2024, 4, 10, 16, tzinfo=UTC)     # 2024-04-11 00:00+08 = Apr 1 + 10 days


@pytest.mark.parametrize("now, quarter", [
    (datetime(2024, 3, 16, 15, 59, 59, tzinfo=UTC), None),
    (datetime(2024, 3, 16, 16, tzinfo=UTC), "2024Q1"),
    (datetime(2024, 4, 5, tzinfo=CST), "2024Q1"),            # after quarter end, still Q1's window
    (datetime(2024, 4, 10, 15, 59, 59, tzinfo=UTC), "2024Q1"),
    (datetime(2024, 4, 10, 16, tzinfo=UTC), None),
    (datetime(2024, 6, 20, tzinfo=CST), "2024Q2"),
])
def test_ballot_quarter_at(now, quarter):
    got = ballot_quarter_at(now)
    assert (str(got) if got else None) == quarter


@pytest.mark.parametrize("T, tz, last_day", [
    # a quarter's end, midnight in Shanghai: the quarter's last day
    (datetime(2024, 7, 1, tzinfo=ZoneInfo("Asia/Shanghai")), "Asia/Shanghai", date(2024, 6, 30)),
    # the same instant seen from New York is 2024-06-30 12:00 there: that day
    (datetime(2024, 7, 1, tzinfo=ZoneInfo("Asia/Shanghai")), "America/New_York", date(2024, 6, 30)),
    # on demand mid-quarter (T = now): today
    (datetime(2024, 8, 15, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai")), "Asia/Shanghai", date(2024, 8, 15)),
    # a microsecond after midnight: that day already
    (datetime(2024, 8, 15, 0, 0, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai")), "Asia/Shanghai", date(2024, 8, 15)),
    # 2024-03-10 07:00 UTC is 03:00 EDT, just after New York's spring-forward gap: still that day
    (datetime(2024, 3, 10, 7, tzinfo=timezone.utc), "America/New_York", date(2024, 3, 10)),
])
def test_in_business_by_is_the_last_local_day_before_t(T, tz, last_day):
    from creditstreet.domain.stars import in_business_by

    assert in_business_by(T, tz) == last_day
