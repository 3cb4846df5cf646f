"""A city of streets (SPEC Y1, Y2, K8): slugs, the default street, city-wide search and intake,
per-street settings over city defaults, unique card serials, the city page's figures."""
from datetime import datetime, timezone

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.streets import check_slug
from creditstreet.extensions import db
from creditstreet.models import Complaint
from creditstreet.services import cards, city
from creditstreet.services import complaints as svc
from creditstreet.services import settings as settings_service

from .. import factories

# Monday 2 March 2026, 10:00 in Beijing (02:00 UTC): an ordinary working week follows.
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def two(app):
    a = factories.make_street("城关××街")
    b = factories.make_street("滨江路美食街", slug="binjiang")
    return a, b


def test_slugs_and_the_default_street(two):
    a, b = two
    assert a.slug == f"s{a.id}" and b.slug == "binjiang"  # given, or s<id> after insert
    assert a.is_default and not b.is_default  # the deployment's first street answers the old URLs
    assert check_slug(" Bin-Jiang2 ") == "bin-jiang2"
    for bad in ("", "-a", "a-", "滨江", "a" * 41, "a b", "admin"):
        with pytest.raises(ValidationError):
            check_slug(bad)


def test_a_consumer_finds_a_shop_on_any_street_by_name_or_house_number(two):
    a, b = two
    near = factories.make_shop(a, name="张记面馆", house_number="12号")
    far = factories.make_shop(b, name="张记面馆分店", house_number="滨江路7号")
    # city-wide, this street's shops first (K8); traditional characters still match (CASES K-11)
    assert [s.id for s in svc.search_shops(None, "張記麵館", first=a)] == [near.id, far.id]
    assert [s.id for s in svc.search_shops(None, "張記麵館", first=b)] == [far.id, near.id]
    assert [s.id for s in svc.search_shops(None, "滨江路7")] == [far.id]
    # an inspector's search stays on the street
    assert [s.id for s in svc.search_shops(a, "张记")] == [near.id]
    # the plaque's QR address pasted into the search (QA): that shop, on its own street or city-wide
    for typed in (f"http://127.0.0.1:5000/s/binjiang/shops/{far.id}", f"/shops/{far.id}?x=1", f" shops/{far.id} "):
        assert [s.id for s in svc.search_shops(None, typed)] == [far.id]
        assert [s.id for s in svc.search_shops(b, typed)] == [far.id]
        assert svc.search_shops(a, typed) == []  # another street's shop is not this street's
    assert svc.search_shops(None, f"/shops/{far.id}0000") == []  # no such shop


def _data(**kw):
    return {"kind": "complaint", "title": "退货", "description": "商品有质量问题", "consumer_phone": "13912345678",
            **kw}


def test_a_complaint_filed_on_one_streets_form_goes_to_the_shops_street(two):
    a, b = two
    far = factories.make_shop(b, name="江畔鱼庄")
    batch = cards.register_batch(None, b, "美食街第一批", 500, 599)
    cards.issue_range(None, batch, far, 500, 509, MONDAY.date())
    c, created = svc.file_complaint(None, a, _data(shop_id=far.id), "tok-1", now=MONDAY)
    assert created and (c.street_id, c.shop_id) == (b.id, far.id)
    # by the card serial alone, from street A's form
    c2, _ = svc.file_complaint(None, a, _data(card_serial="505"), "tok-2", now=MONDAY)
    assert (c2.street_id, c2.shop_id) == (b.id, far.id)
    # an inspector of street A cannot register a complaint about street B's shop
    inspector = factories.make_user("inspector", street=a)
    with pytest.raises(ValidationError):
        svc.file_complaint(inspector, a, _data(shop_id=far.id), "tok-3", channel="hotline", now=MONDAY)
    # card serials are unique city-wide: street A cannot print serials street B holds
    with pytest.raises(ValidationError):
        cards.register_batch(None, a, "重叠批次", 590, 700)


def test_street_settings_override_the_city_default_for_that_street_only(two):
    a, b = two
    admin_b = factories.make_user("admin", street=b)
    settings_service.update_street_settings(admin_b, b, {"accept_deadline_workdays": "3"})
    assert settings_service.rule_settings(b.id).accept_deadline_workdays == 3
    assert settings_service.rule_settings(a.id).accept_deadline_workdays == 7
    assert settings_service.rule_settings().accept_deadline_workdays == 7
    shop_a, shop_b = factories.make_shop(a), factories.make_shop(b)
    ca, _ = svc.file_complaint(None, a, _data(shop_id=shop_a.id), "s-a", now=MONDAY)
    cb, _ = svc.file_complaint(None, a, _data(shop_id=shop_b.id), "s-b", now=MONDAY)
    # Mon 2 Mar + 7 working days = Wed 11 Mar; + 3 working days = Thu 5 Mar (no holiday in March 2026)
    assert ca.decide_by.isoformat() == "2026-03-11"
    assert cb.decide_by.isoformat() == "2026-03-05"
    # a blank clears the override; keys outside the street's set are refused
    settings_service.update_street_settings(admin_b, b, {"accept_deadline_workdays": ""})
    assert settings_service.rule_settings(b.id).accept_deadline_workdays == 7
    with pytest.raises(ValidationError):
        settings_service.update_street_settings(admin_b, b, {"quorum_min": "5"})
    with pytest.raises(ValidationError):
        settings_service.update_street_settings(admin_b, b, {"accept_deadline_workdays": "-1"})


def test_the_city_page_has_each_streets_figures(two):
    a, b = two
    shop_a, shop_b = factories.make_shop(a), factories.make_shop(b)
    factories.make_shop(b, status="closed")
    for n in range(2):
        # two different complaints (the same text from the same phone would be one, K7)
        svc.file_complaint(None, a, _data(shop_id=shop_b.id, title=f"退货{n}"), f"c-{n}", now=MONDAY)
    svc.file_complaint(None, a, _data(shop_id=shop_a.id, kind="inquiry"), "c-i", now=MONDAY)
    db.session.flush()
    page = city.city_page(datetime(2026, 6, 1, tzinfo=timezone.utc))
    rows = {r.street.id: r for r in page.rows}
    # street B: 1 active shop (the closed one not counted), 2 complaints; street A: an inquiry only (not counted)
    assert (rows[b.id].shops, rows[b.id].figures.received) == (1, 2)
    assert (rows[a.id].shops, rows[a.id].figures.received) == (1, 0)
    assert (page.streets, page.shops, page.totals.received) == (2, 2, 2)
    assert db.session.query(Complaint).count() == 3
