"""The day counts behind the statistics pages (SPEC W2, P4, Y3), worked by hand.

Street in Shanghai (UTC+8). Three complaints in two months:
- a: 2026-07-10 10:00 Beijing, 食品, accepted and closed with an agreement, 28.00 yuan recovered;
- b: 2026-07-31 23:30 Beijing (15:30 UTC, still July locally), 服装鞋帽, refused as outside remit;
- c: 2026-08-01 00:30 Beijing (07-31 16:30 UTC: August locally), 食品, received only.
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from creditstreet.domain.complaints import Outcome
from creditstreet.domain.complaint_counts import COLUMNS
from creditstreet.models import ComplaintDayCount, ComplaintMonthCount
from creditstreet.services import complaint_counts as counts
from creditstreet.services import complaint_stats as stats
from creditstreet.services import complaints as svc

from .. import factories

CST = ZoneInfo("Asia/Shanghai")
A_AT = datetime(2026, 7, 10, 10, tzinfo=CST)
B_AT = datetime(2026, 7, 31, 23, 30, tzinfo=CST)
C_AT = datetime(2026, 8, 1, 0, 30, tzinfo=CST)


@pytest.fixture
def three(db, street):
    shop = factories.make_shop(street, "张记面馆")
    insp = factories.make_user("inspector", street=street)

    def file(at, category, n):
        data = {"shop_id": shop.id, "description": f"第{n}件事", "consumer_phone": f"1380013800{n}",
                "goods_category": category}
        return svc.file_complaint(None, street, data, None, now=at)[0]

    a, b, c = file(A_AT, "食品", 1), file(B_AT, "服装鞋帽", 2), file(C_AT, "食品", 3)
    svc.accept_complaint(insp, a, now=A_AT)
    svc.close_complaint(insp, a, Outcome("agreement", {"refund"}, 2800), now=A_AT)
    svc.refuse_complaint(insp, b, "outside_remit", now=B_AT)
    db.session.commit()
    return {"a": a, "b": b, "c": c, "inspector": insp, "shop": shop}


def _table(db) -> dict:
    return {(r.day, r.category): {c: getattr(r, c) for c in COLUMNS if getattr(r, c)}
            for r in db.session.scalars(select(ComplaintDayCount))}


def test_rows_per_local_day_and_category(db, street, three):
    assert _table(db) == {
        (date(2026, 7, 10), "食品"): {"complaints": 1, "accepted": 1, "mediated": 1, "success": 1,
                                    "recovered_fen": 2800, "counted": 1, "closed": 1, "p_mediated": 1,
                                    "agreed": 1, "p_recovered_fen": 2800},
        # refused as outside remit: a W2 complaint, not counted for P4
        (date(2026, 7, 31), "服装鞋帽"): {"complaints": 1},
        (date(2026, 8, 1), "食品"): {"complaints": 1, "counted": 1},
    }


def _months(db) -> dict:
    return {(r.month, r.category): {c: getattr(r, c) for c in COLUMNS if getattr(r, c)}
            for r in db.session.scalars(select(ComplaintMonthCount))}


def test_month_rows_are_the_sums_of_their_days(db, street, three):
    assert _months(db) == {
        (date(2026, 7, 1), "食品"): {"complaints": 1, "accepted": 1, "mediated": 1, "success": 1,
                                   "recovered_fen": 2800, "counted": 1, "closed": 1, "p_mediated": 1,
                                   "agreed": 1, "p_recovered_fen": 2800},
        (date(2026, 7, 1), "服装鞋帽"): {"complaints": 1},
        (date(2026, 8, 1), "食品"): {"complaints": 1, "counted": 1},
    }


def test_months_add_up(db, street, three):
    jul, aug = stats.by_month(street, date(2026, 7, 1), 2)
    assert (jul.received, jul.accepted, jul.mediated, jul.success, jul.recovered_fen) == (2, 1, 1, 1, 2800)
    assert (aug.received, aug.accepted, aug.success) == (1, 0, 0)
    assert stats.total([jul, aug]).received == 3


def test_a_change_of_state_moves_the_counts(db, street, three):
    insp, c = three["inspector"], three["c"]
    svc.accept_complaint(insp, c, now=C_AT)
    svc.close_complaint(insp, c, Outcome("no_agreement"), now=C_AT)
    db.session.commit()
    assert _table(db)[(date(2026, 8, 1), "食品")] == {"complaints": 1, "accepted": 1, "mediated": 1,
                                                    "counted": 1, "closed": 1, "p_mediated": 1}
    # a change made without reading the row first (expired after the commit) is counted from the
    # database's old values: c moves to another category and loses its outcome
    db.session.expire_all()
    c.goods_category = "服装鞋帽"
    c.outcome = None
    db.session.commit()
    table = _table(db)
    assert table[(date(2026, 8, 1), "食品")] == {}
    assert table[(date(2026, 8, 1), "服装鞋帽")] == {"complaints": 1, "accepted": 1, "counted": 1}
    assert _months(db)[(date(2026, 8, 1), "服装鞋帽")] == {"complaints": 1, "accepted": 1, "counted": 1}


def test_a_deleted_complaint_leaves_the_counts(db, street, three):
    db.session.delete(three["c"])
    db.session.commit()
    assert _table(db)[(date(2026, 8, 1), "食品")] == {}


def test_rebuild_finds_the_same_rows(db, street, three):
    before, months = _table(db), _months(db)
    counts.rebuild()
    db.session.commit()
    assert _table(db) == before and _months(db) == months


def test_a_period_with_partial_days_counts_exactly(db, street, three):
    # [07-10 10:00, 08-01 00:30) Beijing: a (received at the very start) and b, not c (at the end)
    start, end = A_AT, C_AT
    total = counts.as_dict(counts.sums([street], start, end)[None])
    assert (total["complaints"], total["counted"], total["agreed"]) == (2, 1, 1)
    # one second later at the start: a is out; one second later at the end: c is in
    total = counts.as_dict(counts.sums([street], datetime(2026, 7, 10, 10, 0, 1, tzinfo=CST),
                                       datetime(2026, 8, 1, 0, 30, 1, tzinfo=CST))[None])
    assert (total["complaints"], total["counted"], total["agreed"]) == (2, 1, 0)
    by_cat = counts.sums([street], start, datetime(2026, 9, 1, tzinfo=CST), by="category")
    assert {k: counts.as_dict(v)["complaints"] for k, v in by_cat.items()} == {"食品": 2, "服装鞋帽": 1}
    # a window of whole months (July from the month table), a partial month's days (Aug 1) and a
    # partial day (Aug 2 before noon): 3 complaints, two of them in July
    by_month = counts.sums([street], datetime(2026, 7, 1, tzinfo=CST), datetime(2026, 8, 2, 12, tzinfo=CST),
                           by="month")
    assert {k: counts.as_dict(v)["complaints"] for k, v in by_month.items()} == {
        date(2026, 7, 1): 2, date(2026, 8, 1): 1}
    # two hours across midnight, no whole day: b on July 31, c on August 1
    by_month = counts.sums([street], datetime(2026, 7, 31, 23, tzinfo=CST), datetime(2026, 8, 1, 1, tzinfo=CST),
                           by="month")
    assert {k: counts.as_dict(v)["complaints"] for k, v in by_month.items()} == {
        date(2026, 7, 1): 1, date(2026, 8, 1): 1}


def test_the_street_headline_equals_its_only_shops_figures(db, street, three):
    """The street's figures (day counts, contribution) and a shop's (SQL, counted/aggregates) are one
    definition: on a street of one shop they are the same, categories included."""
    from creditstreet.services import disclosure

    now = datetime(2026, 8, 15, tzinfo=CST)
    shop_f, street_f = disclosure.shop_figures(three["shop"], now), disclosure.street_figures(street, now)
    # a (agreement, 28.00) and c count; b was refused as outside remit
    assert (street_f.figures.received, street_f.figures.closed, street_f.figures.agreed) == (2, 1, 1)
    assert street_f.figures == shop_f.figures and street_f.figures.categories == (("食品", 2),)
    assert (street_f.first_day, street_f.last_day) == (shop_f.first_day, shop_f.last_day)


def test_the_rebuild_command(app, db, street, three):
    before = _table(db)
    db.session.execute(ComplaintDayCount.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["complaint-counts", "rebuild"])
    assert result.exit_code == 0 and "3 行" in result.output, result.output
    db.session.expire_all()
    assert _table(db) == before
