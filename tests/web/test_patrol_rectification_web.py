"""Issue 17 on the inspector's pages: an empty patrol is refused in Chinese with nothing stored; the
"all items pass" button; a failed item's rectification deadline shows on the landing page until a
re-inspection passes it; a patrol posted after the session was lost goes to the login page (the
browser keeps the typed entry: tests/browser/test_patrol_draft.py)."""
import re

from sqlalchemy import func, select

from creditstreet.extensions import db
from creditstreet.models import Patrol, Rectification
from tests import factories

from .test_inspector_patrols import _patrol_data

ITEMS = ("licence", "ledger", "advertising", "counterfeit", "prices", "cards")


def _form(client, shop, **checklist):
    html = client.get(f"/inspector/patrols/new?shop_id={shop.id}").get_data(as_text=True)
    return _patrol_data(html, **checklist)


def test_an_empty_patrol_is_refused_and_the_note_kept(client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    data = _form(client, shop, **{item: "na" for item in ITEMS})
    data["note"] = "店主不在，未检查"
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "请至少检查一项" in html and "店主不在，未检查" in html
    assert db.session.scalar(select(func.count(Patrol.id))) == 0


def test_the_all_items_pass_button(client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/patrols/new?shop_id={shop.id}").get_data(as_text=True)
    assert re.search(r'<button[^>]*name="all_pass"[^>]*>', html) and "全部合格并保存" in html
    data = _patrol_data(html, **{item: "na" for item in ITEMS})
    data["all_pass"] = "1"
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data)
    assert resp.status_code == 302
    patrol = db.session.scalar(select(Patrol))
    assert [getattr(patrol, item) for item in ITEMS] == ["pass"] * 6
    data = _form(client, shop, prices="fail")
    data["all_pass"] = "1"
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data)
    assert resp.status_code == 200 and "已有不合格项" in resp.get_data(as_text=True)


def test_a_rectification_shows_on_the_landing_page_until_re_inspected(client, login_as, street):
    shop = factories.make_shop(street, "张记面馆")
    db.session.commit()
    login_as("inspector")
    assert "没有待整改的项目" in client.get("/inspector/").get_data(as_text=True)
    data = _form(client, shop, prices="fail")
    data["rectify_prices"] = "5"
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data)
    assert resp.status_code == 302
    r = db.session.scalar(select(Rectification))
    assert (r.checklist_item, r.workdays) == ("prices", 5)
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "整改要求" in shown and r.due_on.isoformat() in shown
    home = client.get("/inspector/").get_data(as_text=True)
    section = home.split('id="open-rectifications"')[1]
    assert "张记面馆" in section and "明码标价" in section and r.due_on.isoformat() in section and "复查" in section
    # The re-inspection passes the item: the rectification closes and leaves the landing page.
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=_form(client, shop))
    assert resp.status_code == 302
    db.session.refresh(r)
    assert r.closed_at is not None
    assert "没有待整改的项目" in client.get("/inspector/").get_data(as_text=True)


def test_a_deadline_on_a_passed_item_is_a_chinese_error(client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    data = _form(client, shop)
    data["rectify_licence"] = "3"
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data)
    assert resp.status_code == 200 and "只有不合格项才能设整改期限" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Patrol.id))) == 0


def test_a_patrol_posted_after_the_session_was_lost_goes_to_login_and_back(app, client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    user = login_as("inspector")
    page = client.get(f"/inspector/patrols/new?shop_id={shop.id}").get_data(as_text=True)
    assert f'data-draft-key="patrol:{user.id}:{shop.id}"' in page and "js/draft.js" in page
    data = _patrol_data(page, prices="fail")
    lost = app.test_client()  # the same browser after its session ended: no cookies
    resp = lost.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/auth/login")
    assert f"shop_id%3D{shop.id}" in resp.headers["Location"] or f"shop_id={shop.id}" in resp.headers["Location"]
    assert db.session.scalar(select(func.count(Patrol.id))) == 0


def test_the_all_items_pass_button_fails_an_expired_licence(client, login_as, street):
    """Issue 17: the form warns what the button will do; pressing it records item 1 "不合格"."""
    from datetime import date
    shop = factories.make_shop(street, licence_expires_on=date(2020, 6, 30))
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/patrols/new?shop_id={shop.id}").get_data(as_text=True)
    assert "营业执照已于2020-06-30过期" in html and "第1项将记为不合格" in html
    data = _patrol_data(html, **{item: "na" for item in ITEMS})
    data["all_pass"] = "1"
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data, follow_redirects=True)
    assert "“主体资格有效、亮证经营”一项已记为不合格：营业执照已于2020-06-30过期" in resp.get_data(as_text=True)
    patrol = db.session.scalar(select(Patrol))
    assert [getattr(patrol, item) for item in ITEMS] == ["fail"] + ["pass"] * 5
