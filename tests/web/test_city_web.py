"""Each street's public pages under /s/<slug>/, the old one-street URLs for the default street, the
city page, and staff pages on the user's street or the street a city admin picked (SPEC Y1, Y2, K8)."""
import pytest

from creditstreet.extensions import db
from creditstreet.models import Complaint
from creditstreet.services import settings as settings_service

from .. import factories
from ..conftest import csrf_token, login


@pytest.fixture
def city(app):
    a = factories.make_street("城关××街", slug="chengguan")
    b = factories.make_street("滨江路美食街", slug="binjiang")
    shop_a = factories.make_shop(a, name="老王服装店")
    shop_b = factories.make_shop(b, name="江畔鱼庄")
    db.session.commit()
    return a, b, shop_a, shop_b


def test_each_street_has_its_pages_and_the_old_urls_are_the_default_streets(client, city):
    a, b, shop_a, shop_b = city
    board_a, board_b = client.get("/").get_data(as_text=True), client.get("/s/binjiang/").get_data(as_text=True)
    assert "城关××街" in board_a and "老王服装店" in board_a and "江畔鱼庄" not in board_a
    assert "滨江路美食街" in board_b and "江畔鱼庄" in board_b and "老王服装店" not in board_b
    # links between street B's pages stay on street B; the default street keeps its short URLs
    assert 'href="/s/binjiang/complaints/new"' in board_b and f'href="/s/binjiang/shops/{shop_b.id}"' in board_b
    assert 'href="/complaints/new"' in board_a and f'href="/shops/{shop_a.id}"' in board_a
    assert client.get("/s/chengguan/").status_code == 200  # the default street by its slug too
    assert client.get("/s/nowhere/").status_code == 404
    assert client.get("/s/nowhere/complaints/new").status_code == 404
    # a shop is shown on its own street: an old or wrong URL is sent there
    resp = client.get(f"/shops/{shop_b.id}")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/s/binjiang/shops/{shop_b.id}"
    resp = client.get(f"/s/binjiang/shops/{shop_a.id}")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/shops/{shop_a.id}"
    assert client.get(f"/s/binjiang/shops/{shop_b.id}").status_code == 200
    for path in ("/s/binjiang/track", "/s/binjiang/cards/verify", "/streets"):
        assert client.get(path).status_code == 200, path


def test_a_consumer_on_street_a_finds_and_complains_about_a_street_b_shop(client, city):
    a, b, shop_a, shop_b = city
    page = client.get("/complaints/new?q=江畔").get_data(as_text=True)
    assert "江畔鱼庄（滨江路美食街" in page  # another street's shop is labelled with its street (K8)
    token = csrf_token(client, "/complaints/new")
    resp = client.post("/complaints/new", data={
        "csrf_token": token, "kind": "complaint", "shop_id": str(shop_b.id), "title": "多收钱",
        "description": "结账多收了二十元", "consumer_phone": "13912345678", "submission_token": "city-web-1"})
    assert resp.status_code == 302
    c = db.session.scalar(db.select(Complaint).where(Complaint.submission_token == "city-web-1"))
    assert (c.street_id, c.shop_id) == (b.id, shop_b.id)


def test_staff_work_on_their_street_and_a_city_admin_picks_one(client, city):
    a, b, shop_a, shop_b = city
    street_admin = factories.make_user("admin", username="admin-a", street=a)
    factories.make_user("admin", username="city-admin")
    db.session.commit()
    login(client, street_admin.username, factories.PASSWORD)
    page = client.get("/admin/shops?street=binjiang").get_data(as_text=True)  # ignored: bound to street A
    assert "老王服装店" in page and "江畔鱼庄" not in page
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "city-admin", factories.PASSWORD)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/?street=binjiang"' in home and "当前商业街：城关××街" in home  # the default street
    assert "当前商业街：滨江路美食街" in client.get("/admin/?street=binjiang").get_data(as_text=True)
    assert "江畔鱼庄" in client.get("/admin/shops?street=binjiang").get_data(as_text=True)
    assert "江畔鱼庄" in client.get("/admin/shops").get_data(as_text=True)  # the pick is kept
    assert client.get("/admin/shops?street=nowhere").status_code == 404


def test_a_street_admin_sets_the_streets_own_deadline(client, city):
    a, b, shop_a, shop_b = city
    admin_b = factories.make_user("admin", username="admin-b", street=b)
    db.session.commit()
    login(client, admin_b.username, factories.PASSWORD)
    token = csrf_token(client, "/admin/settings/street")
    data = {"csrf_token": token, **{k: "" for k in settings_service.STREET_KEYS}, "accept_deadline_workdays": "5"}
    resp = client.post("/admin/settings/street", data=data)
    assert resp.status_code == 302
    assert settings_service.rule_settings(b.id).accept_deadline_workdays == 5
    assert settings_service.rule_settings(a.id).accept_deadline_workdays == 7
    resp = client.post("/admin/settings/street", data={**data, "accept_deadline_workdays": "0"})
    assert resp.status_code == 400 and settings_service.rule_settings(b.id).accept_deadline_workdays == 5
