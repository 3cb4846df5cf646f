"""A city of two streets in a real browser (issue 18, SPEC Y1–Y2, K8).

A consumer on street B scans the QR on a street-B shop's plaque (the URL the plaque PDF encodes),
lands on that shop's page under ``/s/binjiang/``, and files a complaint about it; the inspector of
street A never sees it (not in the queue, 404 on its id); a city admin sees both streets' figures on
the city page and the complaint in street B's queue.
"""
import re
import tempfile
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from creditstreet import create_app
from creditstreet.domain.text import search_key
from creditstreet.extensions import db
from creditstreet.models import AnnualStar, Complaint, InspectorGroup, Shop, Street, User

from .conftest import PASSWORD, SIZES, Journey

pytestmark = pytest.mark.browser


@dataclass
class CitySite:
    base: str
    size: str
    viewport: dict
    app: object
    quarter: str = ""


def _seed() -> None:
    """Street A (default, 城关××街) with one shop and its inspector; street B (滨江路美食街) with a
    titled shop (a confirmed 2025 annual star, so it has a plaque); a city admin of no street."""
    a = Street(name="城关××街", slug="chengguan", is_default=True, timezone="Asia/Shanghai",
               hotlines=[{"label": "投诉举报热线", "number": "12315"}])
    b = Street(name="滨江路美食街", slug="binjiang", timezone="Asia/Shanghai",
               hotlines=[{"label": "美食街值班电话", "number": "0719-8654321"}])
    db.session.add_all([a, b])
    db.session.flush()
    for street, name, uscc in ((a, "老王服装店", "92420381CITYA0001"), (b, "江畔鱼庄", "92420381CITYB0001")):
        db.session.add(Shop(street_id=street.id, uscc=uscc, name=name, search_key=search_key(name),
                            ownership="individual", industry="餐饮", house_number="1号", opened_on=date(2015, 1, 1)))
    group = InspectorGroup(street_id=a.id, name="第一巡查组")
    db.session.add(group)
    db.session.flush()
    for username, role, street_id, gid in (("insp-a", "inspector", a.id, group.id), ("city", "admin", None, None)):
        user = User(username=username, role=role, display_name=username, street_id=street_id, group_id=gid)
        user.set_password(PASSWORD)
        db.session.add(user)
    shop_b = db.session.scalar(select(Shop).where(Shop.street_id == b.id))
    db.session.add(AnnualStar(shop_id=shop_b.id, year=2025, stars=4, status="confirmed"))
    db.session.commit()


@pytest.fixture(scope="module", params=list(SIZES))
def city_site(request):
    tmp = Path(tempfile.mkdtemp(prefix="creditstreet-city-"))
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'city.sqlite3'}", PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        db.create_all()
        _seed()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base  # what the printed QR codes encode
    yield CitySite(base, request.param, SIZES[request.param], app)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def _plaque_url(app) -> str:
    """The URL the 2025 plaque of street B's titled shop encodes (admin.awards.plaque_pages)."""
    from creditstreet.web.admin.awards import plaque_pages

    with app.test_request_context():
        b = db.session.scalar(select(Street).where(Street.slug == "binjiang"))
        pages = plaque_pages(b.id, 2025)
        assert [p["shop"].name for p in pages] == ["江畔鱼庄"]
        return pages[0]["url"]


def test_a_street_b_complaint_from_a_plaque_qr_stays_on_street_b(browser, city_site):
    site = city_site
    url = _plaque_url(site.app)
    assert re.fullmatch(re.escape(site.base) + r"/s/binjiang/shops/\d+", url)

    consumer = Journey(browser, site, "city-consumer")
    inspector = Journey(browser, site, "city-inspector-a")
    admin = Journey(browser, site, "city-admin")
    try:
        # The consumer scans the plaque: the shop's page on street B, then its complaint form.
        consumer.goto(url)
        assert consumer.page.inner_text("h1").strip() == "江畔鱼庄"
        assert "滨江路美食街" in consumer.page.inner_text("main")
        consumer.shot("plaque-qr")
        consumer.page.click("#complain-shop a")
        assert "/s/binjiang/complaints/new" in consumer.page.url
        assert consumer.page.is_checked("input[name=shop_id]")
        assert "江畔鱼庄" in consumer.page.inner_text("main form")
        consumer.shot("complaint-form")
        consumer.page.fill("#title", "菜价与菜单不符")
        consumer.page.fill("#goods", "清蒸鱼")
        consumer.page.fill("#amount", "88")
        consumer.page.fill("#description", "菜单标价68元，结账收88元，店家不肯退差价。")
        consumer.page.fill("#consumer_phone", "13912345678")
        consumer.page.click("main form .actions-bottom button[type=submit]")
        consumer.page.wait_for_url(re.compile(r"/s/binjiang/track/"))
        code = consumer.page.inner_text("#tracking-code").strip()
        consumer.shot("filed")
        with site.app.app_context():
            c = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))
            shop_b = db.session.get(Shop, c.shop_id)
            assert (shop_b.name, c.street_id) == ("江畔鱼庄", shop_b.street_id)
            cid = c.id
            db.session.remove()

        # The inspector of street A: not in the queue, and its id is a 404.
        inspector.login("insp-a")
        inspector.goto("/inspector/complaints")
        assert code not in inspector.page.inner_text("main")
        inspector.shot("queue-a")
        resp = inspector.page.goto(f"/inspector/complaints/{cid}")
        assert resp.status == 404

        # The city admin: both streets with their figures on the city page, B's complaint in B's queue.
        admin.login("city")
        admin.goto("/streets")
        rows = {slug: admin.page.inner_text(f"tr[data-street={slug}]") for slug in ("chengguan", "binjiang")}
        assert "城关××街" in rows["chengguan"] and "滨江路美食街" in rows["binjiang"]
        cells_b = admin.page.locator("tr[data-street=binjiang] td").all_inner_texts()
        cells_a = admin.page.locator("tr[data-street=chengguan] td").all_inner_texts()
        assert (cells_b[0], cells_b[1]) == ("1", "1")  # 1 active shop, 1 complaint received
        assert (cells_a[0], cells_a[1]) == ("1", "0")
        admin.shot("city-page")
        admin.goto("/inspector/complaints?street=binjiang")
        assert code in admin.page.inner_text("main") or f"/inspector/complaints/{cid}" in admin.page.content()
        admin.shot("queue-b")
        for j in (consumer, inspector, admin):
            j.finish()
    finally:
        for j in (consumer, inspector, admin):
            j.close()
