"""Ballot tallies kept as ballots are written (models.ballot_tallies; SPEC S2, Y3), and the
participation page's flags found in SQL from them (services.participation.far_condition)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from creditstreet.extensions import db
from creditstreet.models import Ballot, BallotTally, BallotVoter
from creditstreet.services import ballot_tallies, ballots

from .. import factories

CST = timezone(timedelta(hours=8))
IN_Q2 = datetime(2024, 6, 20, 10, 0, tzinfo=CST)  # inside 2024Q2's ballot window
YES = dict(lawful="1", service="1", compliance="1", honesty="1")


def _tallies():
    return sorted(tuple(r) for r in db.session.execute(select(
        BallotTally.shop_id, BallotTally.quarter, BallotTally.street_id, BallotTally.ballots, BallotTally.lawful,
        BallotTally.service, BallotTally.compliance, BallotTally.honesty).where(BallotTally.ballots > 0)))


def _voters():
    return sorted(tuple(r) for r in db.session.execute(select(
        BallotVoter.street_id, BallotVoter.quarter, BallotVoter.supervisor_id, BallotVoter.ballots)
        .where(BallotVoter.ballots > 0)))


def test_every_kind_of_write_is_tallied_and_a_rebuild_agrees(app, street):
    other = factories.make_street("另一条街")
    s1, s2 = (factories.make_user("supervisor", street=street) for _ in range(2))
    a, b = factories.make_shop(street), factories.make_shop(street)
    c = factories.make_shop(other)
    # cast (a Core insert), then a re-vote (an ORM update): a has 2 ballots, lawful yes 1 (s1 now no)
    ballots.cast_ballot(s1, a, "2024Q2", YES, IN_Q2)
    ballots.cast_ballot(s2, a, "2024Q2", YES, IN_Q2)
    ballots.cast_ballot(s1, a, "2024Q2", dict(YES, lawful="0"), IN_Q2 + timedelta(hours=1))
    # plain ORM rows: b gets one (service no), c on the other street one; then c's is deleted
    db.session.add(Ballot(supervisor_id=s1.id, shop_id=b.id, quarter="2024Q2", lawful=True, service=False,
                          compliance=True, honesty=True))
    gone = Ballot(supervisor_id=s2.id, shop_id=c.id, quarter="2024Q2", lawful=True, service=True,
                  compliance=True, honesty=True)
    db.session.add(gone)
    db.session.flush()
    # a change of quarter moves the ballot's counts: s2's on b in 2024Q1
    moved = Ballot(supervisor_id=s2.id, shop_id=b.id, quarter="2024Q2", lawful=False, service=False,
                   compliance=False, honesty=False)
    db.session.add(moved)
    db.session.flush()
    moved.quarter = "2024Q1"
    db.session.delete(gone)
    db.session.flush()

    assert _tallies() == sorted([
        (a.id, "2024Q2", street.id, 2, 1, 2, 2, 2),
        (b.id, "2024Q1", street.id, 1, 0, 0, 0, 0),
        (b.id, "2024Q2", street.id, 1, 1, 0, 1, 1),
    ])
    assert _voters() == sorted([
        (street.id, "2024Q2", s1.id, 2),  # a and b
        (street.id, "2024Q2", s2.id, 1),  # a (its other street's ballot deleted, its b ballot moved)
        (street.id, "2024Q1", s2.id, 1),
    ])
    kept_t, kept_v = _tallies(), _voters()
    assert ballot_tallies.rebuild() == (3, 3)
    assert (_tallies(), _voters()) == (kept_t, kept_v)


def test_flags_depend_on_the_ballot_count_not_only_the_yes_count(app, street):
    # Five shops with 1 ballot, lawful yes 1 (share 1); shop t with 3 ballots, lawful yes 1 (1/3).
    # Mean lawful share (5·1 + 1/3)/6 = 8/9: t is 8/9 − 1/3 = 5/9 ≥ 1/2 away → flagged; the five are
    # 1/9 away → not, although their lawful yes count (1) is t's. Every other criterion: all yes,
    # mean 1 → nothing. Three supervisors voted.
    made = datetime(2024, 1, 1, tzinfo=timezone.utc)
    sups = [factories.make_user("supervisor", street=street, created_at=made) for _ in range(3)]
    ones = [factories.make_shop(street) for _ in range(5)]
    t = factories.make_shop(street)
    for shop in ones:
        ballots.cast_ballot(sups[0], shop, "2024Q2", YES, IN_Q2)
    ballots.cast_ballot(sups[0], t, "2024Q2", YES, IN_Q2)
    for s in sups[1:]:
        ballots.cast_ballot(s, t, "2024Q2", dict(YES, lawful="0"), IN_Q2)
    p = ballots.participation(street.id, "2024Q2")
    assert p.voted == 3
    assert p.flagged_total == 1 and [x.shop.id for x in p.flagged] == [t.id]
    assert p.flagged[0].flagged == ("lawful",)
    assert p.flagged[0].ballots == 3 and p.flagged[0].yes == {"lawful": 1, "service": 3, "compliance": 3,
                                                               "honesty": 3}
    by_shop = {x.shop.id: x for x in p.shops}
    assert all(by_shop[s.id].flagged == () and by_shop[s.id].ballots == 1 for s in ones)
