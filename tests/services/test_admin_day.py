"""The admin landing page's figures (issue 17, Admins), worked by hand.

Now: Wed 2026-09-02 10:00 in Shanghai; this week runs to Sun 2026-09-06.
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from creditstreet.extensions import db
from creditstreet.services import admin_day
from creditstreet.services import complaints as svc

from .. import factories

CST = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 2, 10, tzinfo=CST)


_n = iter(range(10, 99))


def _complaint(street, shop, received, **fields):
    n = next(_n)  # a different phone each: the same content from one phone would be one complaint (K7)
    data = {"kind": "complaint", "shop_id": shop.id, "description": f"买的鞋子开胶了，要求退货（第{n}双）",
            "consumer_phone": f"138001380{n}", "consumer_name": "王小明", "amount": "199"}
    c, _ = svc.file_complaint(None, street, data, None, now=received)
    for k, v in fields.items():
        setattr(c, k, v)
    db.session.flush()
    return c


def test_new_overdue_and_due_this_week(app, street):
    shop = factories.make_shop(street)
    other_street = factories.make_street(name="另一条街")
    other_shop = factories.make_shop(other_street)
    _complaint(street, shop, datetime(2026, 9, 2, 9, tzinfo=CST), decide_by=date(2026, 9, 11))  # new today
    _complaint(street, shop, datetime(2026, 9, 1, 23, 59, tzinfo=CST), decide_by=date(2026, 9, 10))  # yesterday
    _complaint(street, shop, datetime(2026, 8, 20, 9, tzinfo=CST), decide_by=date(2026, 9, 1))  # overdue
    for due in (date(2026, 9, 2), date(2026, 9, 4), date(2026, 9, 6), date(2026, 9, 7)):  # today, Fri, Sun, Mon
        _complaint(street, shop, datetime(2026, 8, 1, 9, tzinfo=CST), status="accepted", mediate_by=due)
    _complaint(street, shop, datetime(2026, 8, 1, 9, tzinfo=CST), status="closed", mediate_by=date(2026, 9, 3))
    _complaint(other_street, other_shop, datetime(2026, 9, 2, 9, tzinfo=CST), decide_by=date(2026, 9, 1))
    figures = admin_day.day_figures([street.id], NOW)
    assert (figures.today, figures.new_today, figures.overdue, figures.due_this_week) == (date(2026, 9, 2), 1, 1, 3)
    city = admin_day.day_figures(None, NOW)  # a city admin: both streets
    assert (city.new_today, city.overdue) == (2, 2)


def test_the_landing_page_shows_the_figures(client, login_as, street):
    login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'id="day-figures"' in html and 'id="fig-new">0<' in html and 'id="fig-overdue">0<' in html
    assert 'id="fig-rect"' in html


def test_open_rectifications_are_counted(app, street):
    """Two rectifications ordered on a patrol of this street, one closed by a re-inspection: 1 open."""
    from creditstreet.models import Patrol, Rectification

    shop = factories.make_shop(street)
    patrol = Patrol(shop_id=shop.id, patrolled_at=datetime(2026, 8, 20, 9, tzinfo=CST))
    db.session.add(patrol)
    db.session.flush()
    for item, closed in (("prices", None), ("ledger", datetime(2026, 8, 30, 9, tzinfo=CST))):
        db.session.add(Rectification(patrol_id=patrol.id, shop_id=shop.id, checklist_item=item, workdays=5,
                                     due_on=date(2026, 8, 27), closed_at=closed))
    db.session.flush()
    assert admin_day.day_figures([street.id], NOW).rectifications == 1


def test_the_inspectors_own_figures(app, street):
    """Issue 17, Inspectors: my open complaints, overdue, due this week (Wed 2026-09-02 → Sun 09-06),
    counted as the queue's "我承办的" list. Mine: a received complaint due 09-01 (overdue), mediations
    due 09-02, 09-06 (this week) and 09-07 (next week), one closed, one paused due 09-04 (open, its
    clock stopped: neither overdue nor due). Someone else's and an unassigned one do not count.
    Open = 5, overdue = 1, due this week = 2."""
    from creditstreet.models import ComplaintPause

    me = factories.make_user("inspector", street=street)
    other = factories.make_user("inspector", street=street)
    shop = factories.make_shop(street)
    received = datetime(2026, 8, 1, 9, tzinfo=CST)
    _complaint(street, shop, datetime(2026, 8, 20, 9, tzinfo=CST), decide_by=date(2026, 9, 1), handler_id=me.id)
    for due in (date(2026, 9, 2), date(2026, 9, 6), date(2026, 9, 7)):
        _complaint(street, shop, received, status="accepted", mediate_by=due, handler_id=me.id)
    _complaint(street, shop, received, status="closed", mediate_by=date(2026, 9, 3), handler_id=me.id)
    paused = _complaint(street, shop, received, status="mediating", mediate_by=date(2026, 9, 4), handler_id=me.id)
    db.session.add(ComplaintPause(complaint_id=paused.id, reason="inspection", paused_on=date(2026, 8, 30),
                                  paused_at=datetime(2026, 8, 30, 9, tzinfo=CST), paused_by=me.id))
    _complaint(street, shop, received, status="accepted", mediate_by=date(2026, 9, 3), handler_id=other.id)
    _complaint(street, shop, received, status="accepted", mediate_by=date(2026, 9, 3))
    db.session.flush()
    figures = admin_day.handler_figures(me, street, NOW)
    assert (figures.today, figures.open, figures.overdue, figures.due_this_week) == (date(2026, 9, 2), 5, 1, 2)
    assert admin_day.handler_figures(other, street, NOW).open == 1


def test_the_inspectors_landing_page_shows_them(client, login_as, street):
    me = login_as("inspector")
    shop = factories.make_shop(street)
    _complaint(street, shop, datetime(2026, 8, 20, 9, tzinfo=CST), decide_by=date(2026, 9, 1), handler_id=me.id)
    db.session.commit()
    html = client.get("/inspector/").get_data(as_text=True)
    assert 'id="fig-mine-open">1<' in html and 'id="fig-mine-overdue">1<' in html and 'id="fig-mine-due">0<' in html
    assert "/inspector/complaints?mine=1&amp;overdue=1" in html
