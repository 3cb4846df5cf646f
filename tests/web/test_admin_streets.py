"""The city admin's street pages (SPEC Y1, Y2): add a street, rename it, its slug and hotlines,
the default street; a street admin cannot."""
from sqlalchemy import select

from creditstreet.domain.settings import LABELS
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, Street

from .. import factories
from ..conftest import csrf_token, login


def _city_admin(client):
    user = factories.make_user("admin", username="cityadmin")  # no street: city-wide
    db.session.commit()
    assert login(client, user.username, factories.PASSWORD).status_code == 302
    return user


def test_city_admin_adds_a_street_with_its_slug_and_hotlines(client, street):
    _city_admin(client)
    token = csrf_token(client, "/admin/streets")
    resp = client.post("/admin/streets", data={
        "csrf_token": token, "name": " 东门步行街 ", "slug": "DongMen", "duty_hours": "09:00–21:00",
        "hotlines": "投诉热线 0719-12315\n\n12345"})
    assert resp.status_code == 302
    new = db.session.scalar(select(Street).where(Street.name == "东门步行街"))
    assert new.slug == "dongmen" and new.duty_hours == "09:00–21:00" and not new.is_default
    assert new.hotlines == [{"label": "投诉热线", "number": "0719-12315"}, {"label": "投诉热线", "number": "12345"}]
    assert client.get("/s/dongmen/").status_code == 200  # its public board answers at once
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "street.create"))
    assert entry.after["slug"] == "dongmen"
    listing = client.get("/admin/streets").get_data(as_text=True)
    assert "东门步行街" in listing and "/s/dongmen/" in listing and "共 2 条商业街" in listing


def test_every_mistake_is_named_at_once_and_nothing_is_written(client, street):
    _city_admin(client)
    before = db.session.scalar(select(db.func.count(Street.id)))
    resp = client.post("/admin/streets", data={
        "csrf_token": csrf_token(client, "/admin/streets"), "name": street.name, "slug": "admin",
        "duty_hours": "", "hotlines": "热线 打我电话"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert f"已有名为“{street.name}”的商业街" in html
    assert "街道简称“admin”是系统保留字" in html
    assert "第 1 行“热线 打我电话”应为“名称 号码”" in html
    assert db.session.scalar(select(db.func.count(Street.id))) == before
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "street.create")) is None


def test_rename_change_slug_and_make_default(client, street):
    _city_admin(client)
    other = factories.make_street(name="西关街")
    db.session.commit()
    url = f"/admin/streets/{other.id}"
    resp = client.post(url, data={"csrf_token": csrf_token(client, url), "name": "西关美食街", "slug": "xiguan",
                                  "duty_hours": "08:00–20:00", "hotlines": "值班电话 0719 8888888\n热线2 12315"})
    assert resp.status_code == 302
    db.session.refresh(other)
    assert (other.name, other.slug, other.hotlines) == ("西关美食街", "xiguan",
                                                       [{"label": "值班电话", "number": "0719 8888888"},
                                                        {"label": "热线2", "number": "12315"}])
    update = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "street.update"))
    assert update.before["name"] == "西关街" and update.after["name"] == "西关美食街"
    # a slug already used by another street is refused
    taken = client.post(url, data={"csrf_token": csrf_token(client, url), "name": "西关美食街",
                                   "slug": street.slug, "duty_hours": "", "hotlines": ""})
    assert taken.status_code == 400 and f"街道简称“{street.slug}”已被其他商业街使用" in taken.get_data(as_text=True)
    resp = client.post(f"{url}/default", data={"csrf_token": csrf_token(client, url)})
    assert resp.status_code == 302
    db.session.refresh(other)
    db.session.refresh(street)
    assert other.is_default and not street.is_default


def test_a_street_admin_may_not(client, login_as, street):
    login_as("admin")  # bound to ``street``
    assert client.get("/admin/streets").status_code == 403
    assert client.get(f"/admin/streets/{street.id}").status_code == 403
    token = csrf_token(client, "/admin/")
    assert client.post(f"/admin/streets/{street.id}/default", data={"csrf_token": token}).status_code == 403
    assert client.post("/admin/streets", data={"csrf_token": token, "name": "私设街", "slug": "sishe"}).status_code == 403
    assert "全市商业街" not in client.get("/admin/").get_data(as_text=True)


def test_city_rules_are_changed_by_a_city_admin_once_there_are_several_streets(client, login_as, street):
    """A street admin may not change what holds for every street (Y2) — the city's rule settings or
    the working-day calendar — once the deployment has another street; alone, it may (one office)."""
    admin = login_as("admin")  # bound to ``street``, the only street so far
    assert "city-rules-readonly" not in client.get("/admin/settings").get_data(as_text=True)
    factories.make_street(name="西关街")
    db.session.commit()
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "city-rules-readonly" in page and 'action="/admin/settings"' not in page
    values = page.split('id="city-rules-values"')[1]  # read, not changed: every rule shown, disabled
    assert values.count(" disabled") == len(LABELS) - 1 and 'id="pass_share"' in values and 'value="2/3"' in values
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/settings", data={"csrf_token": token, "quorum_min": "1"}).status_code == 403
    assert client.post("/admin/settings/calendar", data={"csrf_token": token, "day": "2027-01-04",
                                                         "kind": "holiday"}).status_code == 403
    assert client.post("/admin/calendar/notice", data={"csrf_token": token, "text": "x"}).status_code == 403
    assert "city-rules-readonly" in client.get("/admin/calendar").get_data(as_text=True)
    assert client.get("/admin/settings/street").status_code == 200  # its own street's clocks stay its own
    assert admin.street_id == street.id


def test_a_city_admin_sees_the_chosen_streets_figures(client, street):
    """One complaint received today on street B: the landing page about street A counts 0 new,
    about street B 1."""
    from creditstreet.services import complaints as svc

    other = factories.make_street(name="西关街", slug="xiguan")
    shop = factories.make_shop(other, name="西关面馆")
    svc.file_complaint(None, other, {"kind": "complaint", "shop_id": shop.id, "consumer_phone": "13800138000",
                                     "description": "面里有头发，要求退款"}, None)
    db.session.commit()
    _city_admin(client)
    a = client.get(f"/admin/?street={street.slug}").get_data(as_text=True)
    b = client.get("/admin/?street=xiguan").get_data(as_text=True)
    assert 'id="fig-new">0<' in a and 'id="fig-new">1<' in b
