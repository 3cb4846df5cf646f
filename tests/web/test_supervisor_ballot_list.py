"""The ballot list (issue 17, Supervisors): find a shop by name or number, skip one; only shops in
business in the quarter (SPEC G1) are on it and on the annual-star list.

Voting 2024Q2 (window 2024-06-16 .. 2024-07-10): its end is 2024-07-01 00:00 CST, so a shop opening
on 2024-06-30 is on the list and one opening on 2024-07-01 (or in 2031) is not.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.time import Quarter
from creditstreet.extensions import db
from creditstreet.models import AnnualStar, Ballot, CreditGrade
from creditstreet.services import awards, ballots
from creditstreet.web.supervisor import ballots as views

from .. import factories
from ..conftest import csrf_token

CST = timezone(timedelta(hours=8))
IN_WINDOW = datetime(2024, 6, 20, 10, 0, tzinfo=CST)
YES = dict(lawful="1", service="1", compliance="1", honesty="1")


@pytest.fixture
def in_window(monkeypatch):
    monkeypatch.setattr(views, "now", lambda: IN_WINDOW)


@pytest.fixture
def street_shops(street):
    """House numbers 2号, 10号, 101号 (natural order), plus shops opening on the quarter's last day,
    on the day after it and in 2031."""
    shops = {
        "ten": factories.make_shop(street, "張記麵館", house_number="10号"),
        "two": factories.make_shop(street, "李家鞋店", house_number="2号"),
        "hundred": factories.make_shop(street, "王氏百货", house_number="101号"),
        "last_day": factories.make_shop(street, "月末开业店", house_number="5号", opened_on=date(2024, 6, 30)),
        "next_day": factories.make_shop(street, "下季开业店", house_number="6号", opened_on=date(2024, 7, 1)),
        "future": factories.make_shop(street, "未来开业店", house_number="7号", opened_on=date(2031, 5, 1)),
    }
    return shops


def _names(shops):
    return [s.name for s in shops]


def test_the_ballot_list_holds_the_shops_in_business_in_the_quarter_in_house_order(app, street, street_shops):
    sup = factories.make_user("supervisor", street=street)
    todo, done = ballots.shops_to_vote(sup, "2024Q2")
    assert (_names(todo), done) == (["李家鞋店", "月末开业店", "張記麵館", "王氏百货"], [])
    # in 2031Q2 the shop opening 2031-05-01 is on it
    assert "未来开业店" in _names(ballots.shops_to_vote(sup, "2031Q2")[0])


def test_a_ballot_on_a_shop_not_yet_open_is_refused(app, street, street_shops):
    sup = factories.make_user("supervisor", street=street)
    with pytest.raises(ValidationError, match="尚未开业"):
        ballots.cast_ballot(sup, street_shops["future"], "2024Q2", YES, IN_WINDOW)
    ballots.cast_ballot(sup, street_shops["last_day"], "2024Q2", YES, IN_WINDOW)


@pytest.mark.parametrize("query, found", [
    ("张记面馆", ["張記麵館"]),  # simplified finds the traditional spelling
    ("面馆", ["張記麵館"]),
    ("10", ["張記麵館"]),  # exactly house number 10: not 101号
    ("10号", ["張記麵館"]),
    ("１０１号", ["王氏百货"]),  # full-width digits
    ("未来开业店", []),  # not on the 2024Q2 list
    ("不存在", []),
])
def test_find_a_shop_by_name_or_number(app, street, street_shops, query, found):
    sup = factories.make_user("supervisor", street=street)
    assert [s.name for s, _ in ballots.find_ballot_shops(sup, "2024Q2", query)] == found


def test_skip_goes_to_the_next_shop_and_wraps_round(app, street, street_shops):
    """Order 2号, 5号, 10号, 101号. Skipping 101号 wraps to 2号; after voting 2号 and 5号,
    skipping 10号 goes to 101号, and skipping 101号 comes back to 10号, the only other one left."""
    sup = factories.make_user("supervisor", street=street)
    s = street_shops
    assert ballots.next_to_vote(sup, "2024Q2").name == "李家鞋店"
    assert ballots.next_to_vote(sup, "2024Q2", after=s["hundred"].id).name == "李家鞋店"
    for shop in (s["two"], s["last_day"]):
        ballots.cast_ballot(sup, shop, "2024Q2", YES, IN_WINDOW)
    assert ballots.next_to_vote(sup, "2024Q2", after=s["ten"].id).name == "王氏百货"
    assert ballots.next_to_vote(sup, "2024Q2", after=s["hundred"].id).name == "張記麵館"
    ballots.cast_ballot(sup, s["hundred"], "2024Q2", YES, IN_WINDOW)
    assert ballots.next_to_vote(sup, "2024Q2", after=s["ten"].id) is None


def test_screens_search_skip_and_hide_a_future_shop(client, login_as, street, street_shops, in_window):
    login_as("supervisor")
    s = street_shops
    db.session.commit()
    html = client.get("/supervisor/?q=10号").get_data(as_text=True)
    assert f'/supervisor/vote/{s["ten"].id}"' in html and "待投" in html
    assert f'/supervisor/vote/{s["hundred"].id}"' not in html
    assert "没有找到" in client.get("/supervisor/?q=未来开业店").get_data(as_text=True)
    page = client.get(f"/supervisor/vote/{s['ten'].id}").get_data(as_text=True)
    assert f'/supervisor/vote?after={s["ten"].id}"' in page and "跳过此户" in page
    skip = client.get(f"/supervisor/vote?after={s['ten'].id}")
    assert skip.headers["Location"].endswith(f"/supervisor/vote/{s['hundred'].id}")
    assert client.get(f"/supervisor/vote/{s['future'].id}").status_code == 404
    token = csrf_token(client, f"/supervisor/vote/{s['ten'].id}")
    saved = client.post(f"/supervisor/vote/{s['ten'].id}", data=dict(YES, csrf_token=token))
    assert saved.headers["Location"].endswith(f"/supervisor/vote/{s['hundred'].id}")  # the next after it
    assert db.session.scalar(select(Ballot.shop_id)) == s["ten"].id


def test_the_annual_star_list_leaves_out_shops_opening_after_the_year(app, street, street_shops):
    """2024's list: shops in business in 2024Q4 (opened by 2024-12-31): not the one opening in 2031.
    A proposal row left from before (the opening date was corrected since) goes."""
    admin = factories.make_user("admin", street=street)
    t = Quarter.parse("2024Q4").end_utc("Asia/Shanghai")
    for shop in street_shops.values():
        db.session.add(CreditGrade(shop_id=shop.id, quarter="2024Q4", as_of=t, grade="B", stars=3,
                                   criteria=["lawful", "service", "honesty"]))
    db.session.add(AnnualStar(shop_id=street_shops["future"].id, year=2024, status="proposed", stars=3))
    db.session.flush()
    rows = awards.propose_annual_stars(admin, street.id, 2024, datetime(2025, 1, 15, tzinfo=timezone.utc))
    listed = {r.shop_id for r in rows}
    assert street_shops["future"].id not in listed
    assert listed == {s.id for k, s in street_shops.items() if k != "future"}
    assert [a.shop_id for a, _ in awards.annual_rows(street.id, 2024)] == [
        street_shops[k].id for k in ("two", "last_day", "next_day", "ten", "hundred")]
