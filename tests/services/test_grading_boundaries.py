"""Grading at the edges of S2 and K5 (issue 13, Build 12), worked by hand, on both grading paths:
the set-based write (``grading.recompute`` → services/grade_batch.py) and the per-shop path
(``grading.compute_grades``, the register's live preview).

Grading 2024Q2: its end E = T = 2024-07-01 00:00 CST (2024-06-30 16:00 UTC); trailing quarters
2023Q3..2024Q2; year window [2023-07-01 00:00 CST, 2024-07-01 00:00 CST).
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from creditstreet.domain.complaints import Outcome
from creditstreet.domain.time import Quarter
from creditstreet.models import AuditEntry, Ballot, BadRecord, CreditGrade, QuarterResult
from creditstreet.services import accounts, grading
from creditstreet.services import complaints as svc
from creditstreet.services.settings import rule_settings
from tests import factories

CST = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
E = datetime(2024, 7, 1, tzinfo=CST)
NOW = datetime(2024, 7, 2, 9, tzinfo=CST)
QUARTERS = ("2023Q3", "2023Q4", "2024Q1", "2024Q2")
ALL_YES = dict(lawful=True, service=True, compliance=True, honesty=True)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def _supervisors(street, n):
    return [factories.make_user("supervisor", street=street, created_at=LONG_AGO) for _ in range(n)]


def _shop_with_ballots(db, street, voters, quarters=QUARTERS):
    shop = factories.make_shop(street, created_at=LONG_AGO)
    for q in quarters:
        for s in voters:
            db.session.add(Ballot(supervisor_id=s.id, shop_id=shop.id, quarter=q, **ALL_YES))
    db.session.flush()
    return shop


def _both_paths(db, street, shop, quarter="2024Q2"):
    """(stored QuarterResult, per-shop ShopGrade) for ``shop`` in ``quarter`` graded at NOW."""
    grading.recompute(quarter, NOW, street_id=street.id, trigger="test")
    stored = db.session.scalar(select(QuarterResult).where(QuarterResult.shop_id == shop.id,
                                                           QuarterResult.quarter == quarter))
    q = Quarter.parse(quarter)
    T = grading.grading_instant(q, NOW, street.timezone)
    per_shop = {g.shop_id: g for g in grading.compute_grades(street, q, T, rule_settings())}[shop.id]
    return stored, per_shop


# --- S2: who is in post at the quarter's last instant ---------------------------------------------

def test_a_supervisor_disabled_exactly_at_the_quarter_end_still_counts(db, street):
    """(a) Nine supervisors since 2020; one disabled at E exactly. At the instant just before E all
    nine were in post → 9 active, quorum max(3, ⌈9/2⌉) = 5. A shop with 4 ballots in 2024Q2 has no
    quorum (counting 8 would give quorum 4 and pass it)."""
    sups = _supervisors(street, 9)
    accounts.set_disabled(None, sups[8], True, now=E)
    shop = _shop_with_ballots(db, street, sups[:4])
    q2 = Quarter.parse("2024Q2")
    assert grading.active_supervisors(street, [q2], NOW) == {q2: 9}
    stored, per_shop = _both_paths(db, street, shop)
    assert (stored.ballots, stored.quorum, stored.quorum_reached, stored.passed) == (4, 5, False, [])
    assert (per_shop.result.ballots, per_shop.result.quorum, per_shop.result.has_quorum) == (4, 5, False)
    # in the next quarter the disabling has taken effect: 8 in post at 2024Q3's end
    q3 = Quarter.parse("2024Q3")
    assert grading.active_supervisors(street, [q3], datetime(2024, 10, 2, tzinfo=CST)) == {q3: 8}


def test_a_supervisor_re_enabled_exactly_at_the_quarter_end_does_not_count(db, street):
    """(b) Nine supervisors since 2020; one disabled 2024-05-10 and re-enabled at E exactly: just
    before E they were disabled → 8 active, quorum max(3, ⌈8/2⌉) = 4, which 4 ballots reach. At the
    end of 2024Q1 (before the disabling) all nine count: quorum 5, 4 ballots fall short."""
    sups = _supervisors(street, 9)
    accounts.set_disabled(None, sups[8], True, now=datetime(2024, 5, 10, 9, tzinfo=CST))
    accounts.set_disabled(None, sups[8], False, now=E)
    shop = _shop_with_ballots(db, street, sups[:4])
    q1, q2, q3 = (Quarter.parse(q) for q in ("2024Q1", "2024Q2", "2024Q3"))
    assert grading.active_supervisors(street, [q1, q2], NOW) == {q1: 9, q2: 8}
    stored, per_shop = _both_paths(db, street, shop)
    assert (stored.ballots, stored.quorum, stored.quorum_reached) == (4, 4, True)
    assert stored.passed == ["lawful", "service", "compliance", "honesty"]
    assert (per_shop.result.quorum, per_shop.result.has_quorum) == (4, True)
    stored_q1, per_shop_q1 = _both_paths(db, street, shop, "2024Q1")
    assert (stored_q1.quorum, stored_q1.quorum_reached) == (5, False)
    assert (per_shop_q1.result.quorum, per_shop_q1.result.has_quorum) == (5, False)
    assert grading.active_supervisors(street, [q3], datetime(2024, 10, 2, tzinfo=CST)) == {q3: 9}


@pytest.mark.parametrize("created, counted", [
    (datetime(2024, 6, 30, 23, 59, 59, tzinfo=CST), 9),  # the last second of the quarter: in post
    (E, 8),  # created at E exactly: the next quarter's, like a disabling or re-enabling at E
])
def test_creation_follows_the_same_boundary(db, street, created, counted):
    _supervisors(street, 8)
    factories.make_user("supervisor", street=street, created_at=created)
    q2 = Quarter.parse("2024Q2")
    assert grading.active_supervisors(street, [q2], NOW) == {q2: counted}


def test_disabled_and_re_enabled_inside_the_quarter_counts(db, street):
    """Disabled 2024-05-10, re-enabled 2024-06-30 23:59:59 CST: in post just before E → 4 of 4."""
    sups = _supervisors(street, 4)
    accounts.set_disabled(None, sups[0], True, now=datetime(2024, 5, 10, 9, tzinfo=CST))
    accounts.set_disabled(None, sups[0], False, now=datetime(2024, 6, 30, 23, 59, 59, tzinfo=CST))
    q2 = Quarter.parse("2024Q2")
    assert grading.active_supervisors(street, [q2], NOW) == {q2: 4}


# --- K5: the final closing decides -------------------------------------------------------------------

@pytest.fixture
def graded_shop(db, street):
    """A four-star shop: 3 of 4 supervisors vote all-yes in every trailing quarter (quorum 3)."""
    sups = _supervisors(street, 4)
    return _shop_with_ballots(db, street, sups[:3])


def _closed_at_fault_then_reopened(street, shop, inspector):
    data = {"kind": "complaint", "shop_id": shop.id, "description": "买的电饭煲不加热，要求退货",
            "consumer_phone": "13800138000", "consumer_name": "王小明", "amount": "299"}
    filed = datetime(2024, 3, 1, 10, tzinfo=CST)
    c, _ = svc.file_complaint(None, street, data, None, now=filed)
    svc.accept_complaint(inspector, c, now=filed)
    svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 29900), shop_at_fault=True,
                        now=datetime(2024, 3, 4, 10, tzinfo=CST))
    svc.reopen_complaint(c, "退款没到账", now=datetime(2024, 3, 6, 10, tzinfo=CST))
    svc.add_mediation_note(inspector, c, "再次调解", now=datetime(2024, 3, 7, 10, tzinfo=CST))
    return c


def _grades(db, street, shop):
    grading.recompute("2024Q2", NOW, street_id=street.id, trigger="test")
    stored = db.session.scalar(select(CreditGrade).where(CreditGrade.shop_id == shop.id,
                                                         CreditGrade.quarter == "2024Q2"))
    q = Quarter.parse("2024Q2")
    per_shop = {g.shop_id: g for g in grading.compute_grades(street, q, E, rule_settings())}[shop.id]
    return stored, per_shop


def test_closed_at_fault_reopened_then_closed_not_at_fault_leaves_no_bad_record(db, street, graded_shop):
    """(c) Closed at fault 2024-03-04, reopened 2024-03-06, closed 2024-03-12 not at fault (no
    agreement): the final closing decides, so no bad record counts; a clean four-star shop is A
    (G2) on both paths. The first closing's record is withdrawn, kept in the audit log."""
    inspector = factories.make_user("inspector", street=street)
    c = _closed_at_fault_then_reopened(street, graded_shop, inspector)
    svc.close_complaint(inspector, c, Outcome("no_agreement"), now=datetime(2024, 3, 12, 10, tzinfo=CST))
    stored, per_shop = _grades(db, street, graded_shop)
    assert (stored.grade, stored.stars) == ("A", 4)
    assert [r for r in stored.reasons if r["kind"] == "bad_record"] == []
    assert (per_shop.grade.grade, per_shop.stars.stars) == ("A", 4)
    rec = db.session.scalar(select(BadRecord).where(BadRecord.complaint_id == c.id))
    assert rec.withdrawn_at == datetime(2024, 3, 6, 2, tzinfo=UTC)
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "bad_record",
                                                                      AuditEntry.entity_id == str(rec.id))
                                      .order_by(AuditEntry.id)))
    assert actions == ["bad_record.create", "bad_record.withdraw"]


def test_reopened_and_still_open_at_t_counts_no_bad_record(db, street, graded_shop):
    inspector = factories.make_user("inspector", street=street)
    _closed_at_fault_then_reopened(street, graded_shop, inspector)
    stored, per_shop = _grades(db, street, graded_shop)
    assert stored.grade == per_shop.grade.grade == "A"


def test_closed_at_fault_again_is_one_record_dated_at_the_final_closing(db, street, graded_shop):
    """Closed at fault again on 2024-03-12: one bad record, dated 2024-03-12 → general + bad = 1 → B
    (G2), citing that date; it leaves the one-year window on 2025-03-12 (time.restores_on), the
    date that restores A — not a year after the first closing (2025-03-04)."""
    inspector = factories.make_user("inspector", street=street)
    c = _closed_at_fault_then_reopened(street, graded_shop, inspector)
    svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 29900), shop_at_fault=True,
                        now=datetime(2024, 3, 12, 10, tzinfo=CST))
    recs = db.session.scalars(select(BadRecord).where(BadRecord.shop_id == graded_shop.id)).all()
    assert [(r.kind, r.recorded_at, r.withdrawn_at) for r in recs] == [
        ("complaint_at_fault", datetime(2024, 3, 12, 2, tzinfo=UTC), None)]
    stored, per_shop = _grades(db, street, graded_shop)
    assert stored.grade == per_shop.grade.grade == "B"
    cited = [r for r in stored.reasons if r["kind"] == "bad_record"]
    assert [r["id"] for r in cited] == [recs[0].id] and cited[0]["text"].startswith("2024-03-12")
    assert str(stored.improves_on) == "2025-03-12"
