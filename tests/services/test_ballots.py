"""Ballots (SPEC S1–S2, CASES K-07/K-08): window, upsert with history, conflicts, participation."""
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.time import Quarter, quarter_of
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, Ballot
from creditstreet.services import accounts, ballots

from .. import factories

CST = timezone(timedelta(hours=8))
IN_Q2 = datetime(2024, 6, 20, 10, 0, tzinfo=CST)  # inside 2024Q2's window [06-16, 07-11)
YES = dict(lawful="1", service="1", compliance="1", honesty="1")
NO = dict(lawful="0", service="0", compliance="0", honesty="0")


@pytest.mark.parametrize("local, expected", [
    (datetime(2024, 6, 15, 23, 59, 59), None),        # day −16: before 2024Q2's window
    (datetime(2024, 6, 16, 0, 0), "2024Q2"),           # end 07-01 − 15 days = 06-16, first instant
    (datetime(2024, 6, 30, 23, 59), "2024Q2"),
    (datetime(2024, 7, 1, 0, 0), "2024Q2"),            # after the end the ending quarter is still open
    (datetime(2024, 7, 10, 23, 59, 59), "2024Q2"),     # 07-01 + 10 days = 07-11 exclusive
    (datetime(2024, 7, 11, 0, 0), None),
    (datetime(2024, 9, 16, 0, 0), "2024Q3"),           # 10-01 − 15 days
])
def test_open_quarter_at_window_edges(app, local, expected):
    got = ballots.open_quarter(local.replace(tzinfo=CST))
    assert (str(got) if got else None) == expected


def test_closed_message_names_the_current_quarters_dates(app):
    # 2026Q4 ends 2027-01-01: opens 2026-12-17 (−15 d), last day 2027-01-10 (+10 d exclusive 01-11).
    msg = ballots.closed_message(datetime(2026, 11, 1, tzinfo=CST))
    assert "本季度投票时间为 2026-12-17 至 2027-01-10" in msg


def _setup(street):
    sup = factories.make_user("supervisor", street=street)
    shop = factories.make_shop(street)
    return sup, shop


def test_revote_replaces_and_audit_keeps_every_version(app, street):
    sup, shop = _setup(street)
    ballots.cast_ballot(sup, shop, "2024Q2", YES, IN_Q2)
    ballots.cast_ballot(sup, shop, "2024Q2", NO, IN_Q2 + timedelta(hours=1))
    db.session.commit()
    rows = db.session.scalars(select(Ballot)).all()
    assert len(rows) == 1 and rows[0].lawful is False and rows[0].honesty is False
    log = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "ballot").order_by(AuditEntry.id)).all()
    assert [e.action for e in log] == ["ballot.cast", "ballot.recast"]
    assert log[0].before is None and log[0].after["lawful"] is True
    assert log[1].before["lawful"] is True and log[1].after["lawful"] is False


def test_outside_window_is_refused_with_dates(app, street):
    sup, shop = _setup(street)
    with pytest.raises(ValidationError) as e:
        ballots.cast_ballot(sup, shop, "2024Q2", YES, datetime(2024, 5, 1, tzinfo=CST))
    assert "2024-06-16 至 2024-07-10" in e.value.message
    # A quarter other than the open one is refused too (2024Q1's window closed on 04-10).
    with pytest.raises(ValidationError):
        ballots.cast_ballot(sup, shop, "2024Q1", YES, IN_Q2)
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_conflict_blocks_the_shop_and_hides_it_from_the_todo_list(app, street):
    admin = factories.make_user("admin", street=street)
    sup, shop = _setup(street)
    other = factories.make_shop(street)
    ballots.declare_conflict(admin, sup, shop, "亲属经营")
    with pytest.raises(ValidationError) as e:
        ballots.cast_ballot(sup, shop, "2024Q2", YES, IN_Q2)
    assert e.value.code == "conflict_of_interest"
    todo, done = ballots.shops_to_vote(sup, Quarter(2024, 2))
    assert [s.id for s in todo] == [other.id] and done == []
    with pytest.raises(ValidationError):
        ballots.declare_conflict(admin, sup, shop)


def test_disabled_supervisor_cannot_vote(app, street):
    sup, shop = _setup(street)
    accounts.set_disabled(None, sup, True)
    with pytest.raises(ValidationError) as e:
        ballots.cast_ballot(sup, shop, "2024Q2", YES, IN_Q2)
    assert e.value.code == "account_disabled"


def test_missing_mark_is_refused_in_chinese(app, street):
    sup, shop = _setup(street)
    with pytest.raises(ValidationError) as e:
        ballots.cast_ballot(sup, shop, "2024Q2", dict(YES, honesty=None), IN_Q2)
    assert "诚实信用好" in e.value.message


def test_outliers_by_hand():
    # lawful shares: A 1, B 1, C 0 → mean 2/3; |0 − 2/3| = 2/3 ≥ 1/2 → C flagged; |1 − 2/3| = 1/3 not.
    # service shares: A 1/2, B 1/2, C 1 → mean 2/3; C: 1/3, A and B: 1/6 → none flagged.
    one, half, zero = Fraction(1), Fraction(1, 2), Fraction(0)
    shares = {
        "A": dict(lawful=one, service=half, compliance=one, honesty=one),
        "B": dict(lawful=one, service=half, compliance=one, honesty=one),
        "C": dict(lawful=zero, service=one, compliance=one, honesty=one),
    }
    assert ballots.outlier_criteria(shares) == {"C": ("lawful",)}
    # Exactly at the gap: shares 1 and 0 → mean 1/2, each differs by exactly 1/2 → both flagged.
    two = {"X": dict(shares["A"], honesty=one), "Y": dict(shares["A"], honesty=zero)}
    assert ballots.outlier_criteria(two) == {"X": ("honesty",), "Y": ("honesty",)}


def test_participation_counts_and_quorum(app, street):
    # 4 supervisors in post at 2024Q2's end (+1 disabled) → quorum max(3, ⌈4/2⌉) = 3.
    made = datetime(2024, 4, 1, tzinfo=timezone.utc)
    sups = [factories.make_user("supervisor", street=street, created_at=made) for _ in range(4)]
    factories.make_user("supervisor", street=street, disabled=True, created_at=made)
    a, b = factories.make_shop(street), factories.make_shop(street)
    for s in sups[:3]:
        ballots.cast_ballot(s, a, "2024Q2", YES, IN_Q2)
    ballots.cast_ballot(sups[0], b, "2024Q2", NO, IN_Q2)
    p = ballots.participation(street.id, "2024Q2")
    assert (p.active, p.voted, p.quorum, p.ended) == (4, 3, 3, True)
    by_shop = {t.shop.id: t for t in p.shops}
    assert by_shop[a.id].ballots == 3 and by_shop[a.id].yes["lawful"] == 3
    assert by_shop[b.id].ballots == 1 and by_shop[b.id].yes["service"] == 0
    # shares a: 1, b: 0 on every criterion → mean 1/2 → both differ by exactly 1/2 → flagged.
    assert by_shop[a.id].flagged == ("lawful", "service", "compliance", "honesty")


def test_open_quarter_head_count_is_the_one_grading_uses(app, street):
    # 6 of the street's own + 1 city-wide (street_id NULL) supervisors in post, 1 disabled, 1 of
    # another street → 7 active → quorum max(3, ⌈7/2⌉) = 4 (the street's own alone: 6 → 3).
    for _ in range(6):
        factories.make_user("supervisor", street=street)
    factories.make_user("supervisor")
    factories.make_user("supervisor", street=street, disabled=True)
    factories.make_user("supervisor", street=factories.make_street("另一条街"))
    factories.make_shop(street)
    quarter = quarter_of(datetime.now(timezone.utc), street.timezone)
    p = ballots.participation(street.id, quarter)
    assert (p.active, p.quorum, p.graded) == (7, 4, False)
