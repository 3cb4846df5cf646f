"""Issue 17: on a street's public pages under /s/<slug>/ every link and form to another street page
stays under that prefix — the tracking form posted to /track (the default street) because the
track view never looked its street up, and links followed the street only once a view had.

The kind: every public page of street B is read and each href/action that names a street page
(one registered both at /x and /s/<slug>/x) must carry /s/binjiang/. Tracking codes are unique
city-wide (SPEC Y1), so a code is also found from the other street's form.
"""
import re

import pytest

from creditstreet.extensions import db
from creditstreet.models import Complaint

from .. import factories
from ..conftest import csrf_token

STREET_PAGES = ("/", "/complaints/new", "/track", "/cards/verify")


@pytest.fixture
def city(app):
    a = factories.make_street("城关××街", slug="chengguan")
    b = factories.make_street("滨江路美食街", slug="binjiang")
    factories.make_shop(a, name="老王服装店")
    shop_b = factories.make_shop(b, name="江畔鱼庄")
    db.session.commit()
    return a, b, shop_b


def _street_rules(app) -> set[str]:
    """The paths registered at both /x and /s/<street>/x, as regexes on the unprefixed path."""
    rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("public.")]
    prefixed = {r[len("/s/<street>"):] or "/" for r in rules if r.startswith("/s/<street>")}
    return {"^" + re.sub(r"<[^>]+>", "[^/]+", p) + "$" for p in prefixed if p in rules or p == "/"}


def _targets(html: str) -> list[str]:
    return [t for t in re.findall(r'(?:href|action)="(/[^"#?]*)', html) if not t.startswith("/static/")]


def test_every_link_on_street_b_stays_on_street_b(app, client, city):
    _a, _b, shop_b = city
    patterns = _street_rules(app)
    assert "^/track$" in patterns and "^/shops/[^/]+$" in patterns
    checked = 0
    for page in (*STREET_PAGES, f"/shops/{shop_b.id}"):
        resp = client.get("/s/binjiang" + page)
        assert resp.status_code == 200, page
        for target in _targets(resp.get_data(as_text=True)):
            if any(re.match(p, target) for p in patterns):
                pytest.fail(f"/s/binjiang{page} links to {target}, off street B")
            checked += target.startswith("/s/binjiang")
    assert checked >= 10  # the board's menu, the forms, the shops


def test_the_tracking_form_posts_under_the_street(client, city):
    html = client.get("/s/binjiang/track").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/s/binjiang/track"', html)
    assert re.search(r'<form method="post" action="/track"', client.get("/track").get_data(as_text=True))


def test_a_code_filed_on_street_b_is_found_from_either_form(client, city):
    _a, _b, shop_b = city
    token = csrf_token(client, "/s/binjiang/complaints/new")
    resp = client.post("/s/binjiang/complaints/new", data={
        "csrf_token": token, "kind": "complaint", "shop_id": str(shop_b.id), "title": "多收钱",
        "description": "结账多收了二十元", "consumer_phone": "13912345678", "submission_token": "links-1"})
    assert resp.status_code == 302
    code = db.session.scalar(db.select(Complaint.tracking_code).where(Complaint.submission_token == "links-1"))
    for form in ("/s/binjiang/track", "/track"):
        resp = client.post(form, data={"csrf_token": csrf_token(client, form), "code": code,
                                       "phone": "13912345678"})
        assert resp.status_code == 200 and code in resp.get_data(as_text=True), form
