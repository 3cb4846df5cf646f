"""Tests for creditstreet.domain.complaints (SPEC K2–K5). Deadlines hand-counted on the
2026 official calendar (see test_workdays.py)."""

from datetime import date, datetime, timedelta, timezone

import pytest

from creditstreet.domain.complaints import (
    REFUSAL_REASONS, Outcome, allowed_actions, bad_record_kind, can_confirm_or_reopen, deadlines,
    is_bad_record, refusal_label, report_transition, transition,
)
from creditstreet.domain.errors import InvalidTransition, ValidationError
from creditstreet.domain.settings import RuleSettings
from creditstreet.domain.workdays import WorkCalendar

CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize("state, action, nxt", [
    ("received", "accept", "accepted"),
    ("received", "refuse", "refused"),
    ("accepted", "mediate", "mediating"),
    ("accepted", "close", "closed"),
    ("mediating", "close", "closed"),
    ("closed", "confirm", "closed"),
    ("closed", "reopen", "reopened"),
    ("reopened", "mediate", "mediating"),
])
def test_allowed(state, action, nxt):
    assert transition(state, action) == nxt


@pytest.mark.parametrize("state, action, from_label, to_label", [
    ("received", "close", "已接收", "已办结"),
    ("received", "mediate", "已接收", "调解中"),
    ("refused", "accept", "不予受理", "已受理"),
    ("closed", "accept", "已办结", "已受理"),
    ("mediating", "reopen", "调解中", "已重新打开"),
    ("accepted", "accept", "已受理", "已受理"),
    ("reopened", "close", "已重新打开", "已办结"),
])
def test_invalid(state, action, from_label, to_label):
    with pytest.raises(InvalidTransition) as info:
        transition(state, action)
    assert from_label in info.value.message and to_label in info.value.message
    assert info.value.code == "invalid_transition"


def test_unknown_state_or_action():
    with pytest.raises(ValidationError):
        transition("lost", "accept")
    with pytest.raises(ValidationError):
        transition("received", "delete")


def test_allowed_actions():
    assert allowed_actions("received") == ["accept", "refuse"]
    assert allowed_actions("closed") == ["confirm", "reopen"]
    assert allowed_actions("refused") == []


@pytest.mark.parametrize("code, label", [
    ("outside_remit", "不属于本部门职责范围"),
    ("handled_elsewhere", "已由法院/仲裁机构/消协受理或处理"),
    ("not_consumption", "不属于消费者权益争议"),
    ("over_three_years", "超过三年"),
    ("missing_materials", "材料不全"),
])
def test_refusal_reasons(code, label):
    assert refusal_label(code) == label


def test_refusal_list_is_fixed():
    assert len(REFUSAL_REASONS) == 5
    with pytest.raises(ValidationError):
        refusal_label("too_busy")


@pytest.mark.parametrize("kind, remedies, fen", [
    ("agreement", {"refund"}, 2800), ("agreement", {"repair", "compensation"}, 0),
    ("no_agreement", set(), 0), ("withdrawn", set(), 0), ("referred", set(), 0),
])
def test_outcome_valid(kind, remedies, fen):
    assert Outcome(kind, remedies, fen).recovered_fen == fen


@pytest.mark.parametrize("kind, remedies, fen", [
    ("agreement", set(), 2800),           # agreement without remedy
    ("agreement", {"refund"}, -1),
    ("agreement", {"refund"}, 28.0),      # money is integer fen
    ("agreement", {"refund"}, True),
    ("agreement", {"apology"}, 0),
    ("no_agreement", set(), 100),
    ("withdrawn", {"refund"}, 0),
    ("settled", set(), 0),
])
def test_outcome_invalid(kind, remedies, fen):
    with pytest.raises(ValidationError):
        Outcome(kind, remedies, fen)


def test_report_track():
    assert report_transition("received", "extend", 0) == ("received", 1)
    with pytest.raises(InvalidTransition):
        report_transition("received", "extend", 1)          # only once
    assert report_transition("received", "open_case", 1) == ("case_opened", 1)
    assert report_transition("received", "decline") == ("not_opened", 0)
    with pytest.raises(InvalidTransition):
        report_transition("not_opened", "open_case")


def test_deadlines_2026_national_day():
    d = deadlines(date(2026, 9, 28), date(2026, 7, 1), WorkCalendar())
    assert d.decide_by == date(2026, 10, 13)      # 7: 9-29, 9-30, 10-8, 10-9, 10-10(Sat), 10-12, 10-13
    assert d.mediation_end == date(2026, 9, 2)    # 45 after Jul 1 (see test_workdays)
    # 15: the 7 above to 10-13, then 10-14..16 (10), 10-19..23 (15)
    assert d.report_decide_by == date(2026, 10, 23)
    # +15: 10-26..30 (5), 11-2..6 (10), 11-9..13 (15)
    assert d.report_extended_decide_by == date(2026, 11, 13)


def test_deadlines_not_accepted_yet_and_settings():
    d = deadlines(date(2026, 9, 28), None, WorkCalendar(), RuleSettings(accept_deadline_workdays=3))
    assert d.mediation_end is None
    assert d.decide_by == date(2026, 10, 8)       # 9-29, 9-30, 10-8


CLOSED = datetime(2024, 5, 1, 10, tzinfo=CST)


@pytest.mark.parametrize("now, ok", [
    (CLOSED, True),
    (CLOSED + timedelta(days=14, hours=23, minutes=59), True),
    (CLOSED + timedelta(days=15), False),          # half-open
    (CLOSED - timedelta(seconds=1), False),
    (datetime(2024, 5, 16, 1, 59), True),          # naive UTC = 09:59 CST on day 15
])
def test_can_confirm_or_reopen(now, ok):
    assert can_confirm_or_reopen(CLOSED, now) is ok


@pytest.mark.parametrize("outcome, at_fault, refused, kind", [
    (Outcome("agreement", {"refund"}, 2800), True, False, "complaint_at_fault"),
    ("no_agreement", False, True, "refused_mediation"),
    ("no_agreement", True, True, "refused_mediation"),   # one complaint → one bad record
    ("withdrawn", False, False, None),
    (None, True, False, None),                           # not closed yet
])
def test_bad_record(outcome, at_fault, refused, kind):
    assert bad_record_kind(outcome, at_fault, refused) == kind
    assert is_bad_record(outcome, at_fault, refused) is (kind is not None)
