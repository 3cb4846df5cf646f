"""The inspector's working day over HTTP: patrol → violation → register → grade (issue 5 done-when)."""
import io
import re
import threading
from datetime import date, timedelta

import pytest
from PIL import Image

from creditstreet.domain.time import quarter_of
from creditstreet.extensions import db
from creditstreet.models import CreditGrade, Patrol, Photo, Violation, utcnow
from tests import factories
from tests.conftest import csrf_token


def _form_value(html: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    return m.group(1) if m else ""


def _patrol_data(html, **checklist):
    data = {"csrf_token": _form_value(html, "csrf_token"), "submission_token": _form_value(html, "submission_token"),
            "group_id": "0", "special_action_id": "0", "note": "检查货架"}
    for item in ("licence", "ledger", "advertising", "counterfeit", "prices", "cards"):
        data[item] = checklist.get(item, "pass")
    return data


def _jpeg(size: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), "blue").save(buf, "JPEG")
    return buf.getvalue() + b"\0" * size  # trailing bytes after the image end are ignored by decoders


def test_patrol_violation_register_and_grade(client, login_as, street):
    group = factories.make_group(street, "第二巡查组")
    shop = factories.make_shop(street, "好又多超市", house_number="128号", licence_expires_on=date(2020, 1, 1))
    db.session.commit()
    inspector = login_as("inspector", group_id=group.id)

    # Shop picker: nearest by house number shows the shop with its expired licence flagged.
    html = client.get("/inspector/patrols/new?house=126").get_data(as_text=True)
    assert "好又多超市" in html and "营业执照已于2020-01-01过期" in html

    page = client.get(f"/inspector/patrols/new?shop_id={shop.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "营业执照已于2020-01-01过期" in html
    assert 'class="choice-row"' in html and 'class="actions-bottom"' in html
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    assert f'<option selected value="{group.id}">' in html  # the inspector's group is the default

    data = _patrol_data(html, counterfeit="fail")
    data["group_id"] = str(group.id)
    data["photos"] = [(io.BytesIO(_jpeg()), "a.jpg")]
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data,
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    patrol = Patrol.query.one()
    assert (patrol.counterfeit, patrol.licence, patrol.group_id, patrol.inspector_id) == (
        "fail", "pass", group.id, inspector.id)
    assert Photo.query.filter_by(patrol_id=patrol.id).count() == 1
    # A double submit of the same form token does not create a second patrol.
    data["photos"] = []
    again = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data)
    assert again.status_code == 302 and Patrol.query.count() == 1

    show = client.get(resp.headers["Location"]).get_data(as_text=True)
    link = f"/inspector/shops/{shop.id}/violations/new?patrol={patrol.id}&amp;item=counterfeit"
    assert "立案/登记违法行为" in show and link in show

    form_html = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert '<option selected value="counterfeit">' in form_html  # counterfeit item → counterfeit kind
    assert form_html.count('name="seizures-') >= 9  # at least 3 rows × (goods, quantity, unit)
    vdata = {"csrf_token": _form_value(form_html, "csrf_token"), "patrol_id": str(patrol.id),
             "checklist_item": "counterfeit", "severity": "serious", "kind": "counterfeit",
             "legal_basis": "《产品质量法》第五十条", "description": "销售假冒某品牌牙膏",
             "penalty": "没收假冒商品，罚款", "fine_yuan": "2000",
             "seizures-0-goods": "牙膏", "seizures-0-quantity": "168", "seizures-0-unit": "支",
             "seizures-1-goods": "牙刷", "seizures-1-quantity": "20", "seizures-1-unit": "把"}
    resp = client.post(f"/inspector/shops/{shop.id}/violations/new", data=vdata)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/inspector/shops/{shop.id}")
    v = Violation.query.one()
    assert (v.patrol_id, v.severity, v.fine_fen, v.recorded_by) == (patrol.id, "serious", 200000, inspector.id)

    register = client.get(f"/inspector/shops/{shop.id}").get_data(as_text=True)
    assert "严重违法违章：假冒伪劣商品" in register and "牙膏 168支；牙刷 20把" in register
    assert "巡查：不合格项 无假冒伪劣商品" in register

    # The next grade: one serious violation within the year → C (SPEC G2).
    from creditstreet.services import grading

    now = utcnow() + timedelta(seconds=1)
    grading.recompute(quarter_of(now, street.timezone), now, street_id=street.id)
    db.session.commit()
    assert CreditGrade.query.filter_by(shop_id=shop.id).one().grade == "C"


def test_violation_form_error_keeps_typed_text(client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/shops/{shop.id}/violations/new").get_data(as_text=True)
    data = {"csrf_token": _form_value(html, "csrf_token"), "severity": "general", "kind": "other",
            "legal_basis": "", "description": "店内商品未标价，共十二种", "fine_yuan": "",
            "seizures-0-goods": "毛巾", "seizures-0-quantity": "三", "seizures-0-unit": "条"}
    resp = client.post(f"/inspector/shops/{shop.id}/violations/new", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "请填写法律依据" in body
    assert "店内商品未标价，共十二种" in body and 'value="毛巾"' in body
    assert Violation.query.count() == 0


def test_patrol_photo_as_file_part_and_oversize_photo_keeps_the_text(client, login_as, street, app):
    """CASES K-13 / QA: a ~450 kB photo as a file part saves; a 12 MB photo (over the 10 MB per-photo
    limit, under the request cap) is refused in Chinese with the typed note kept."""
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/patrols/new?shop_id={shop.id}").get_data(as_text=True)
    photo_input = re.search(r'<input[^>]*type="file"[^>]*>', html).group(0)
    assert 'data-max-mb="10"' in photo_input and 'accept="image/*"' in photo_input  # client-side check hook
    data = _patrol_data(html)
    data["photos"] = [(io.BytesIO(_jpeg(450 * 1024)), "big.jpg")]
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    assert Photo.query.count() == 1

    html = client.get(f"/inspector/patrols/new?shop_id={shop.id}").get_data(as_text=True)
    data = _patrol_data(html, prices="fail")
    data["note"] = "价签缺失，店主称明天补齐"
    data["photos"] = [(io.BytesIO(_jpeg()), "ok.jpg"), (io.BytesIO(_jpeg(12 * 1024 * 1024)), "huge.jpg")]
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data, content_type="multipart/form-data")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "第2张照片" in body and "10MB" in body  # the 2nd photo is 12 MB > 10 MB
    assert "价签缺失，店主称明天补齐" in body
    assert re.search(r'<input checked[^>]*name="prices"[^>]*value="fail"', body)  # the failed item stays chosen
    assert Patrol.query.count() == 1 and Photo.query.count() == 1


@pytest.mark.parametrize("path", ["/inspector/patrols/new", "/inspector/patrols", "/inspector/shops",
                                  "/inspector/plan", "/inspector/actions", "/inspector/industry-groups"])
@pytest.mark.parametrize("role,status", [(None, 302), ("supervisor", 403), ("inspector", 200), ("admin", 200)])
def test_inspector_pages_authorization(client, login_as, path, role, status):
    if role:
        login_as(role)
    assert client.get(path).status_code == status


def test_special_action_and_peer_finding_pages(client, login_as, street):
    shops = [factories.make_shop(street, f"超市{i}") for i in range(2)]
    db.session.commit()
    login_as("inspector")
    token = csrf_token(client, "/inspector/actions")
    resp = client.post("/inspector/actions", data={"csrf_token": token, "theme": "牙膏专项检查",
                                                   "action_on": "2026-03-15"})
    assert resp.status_code == 302
    action_url = resp.headers["Location"]
    assert "检查商户 0 户" in client.get(action_url).get_data(as_text=True)

    token = csrf_token(client, "/inspector/industry-groups")
    client.post("/inspector/industry-groups", data={"csrf_token": token, "trade": "cosmetics"})
    from creditstreet.models import IndustryGroup, PeerFinding

    group = IndustryGroup.query.one()
    url = f"/inspector/industry-groups/{group.id}"
    token = csrf_token(client, url)
    client.post(url, data={"csrf_token": token, "add_shop_id": str(shops[0].id)})
    token = csrf_token(client, url)
    client.post(url, data={"csrf_token": token, "shop_id": str(shops[0].id), "suggested_kind": "counterfeit",
                           "description": "过期面霜"})
    finding = PeerFinding.query.one()
    assert finding.status == "pending" and Violation.query.count() == 0
    token = csrf_token(client, url)
    client.post(f"/inspector/findings/{finding.id}/confirm",
                data={"csrf_token": token, "severity": "general", "legal_basis": "《产品质量法》"})
    db.session.expire_all()
    assert PeerFinding.query.one().status == "confirmed" and Violation.query.one().kind == "counterfeit"


def test_patrol_saves_when_no_special_action_select_is_shown(client, login_as, street):
    """With no special actions the select is not rendered, so the POST lacks the field."""
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/patrols/new?shop_id={shop.id}").get_data(as_text=True)
    assert 'name="special_action_id"' not in html
    data = _patrol_data(html)
    del data["special_action_id"]
    resp = client.post(f"/inspector/patrols/new?shop_id={shop.id}", data=data)
    assert resp.status_code == 302 and Patrol.query.one().special_action_id is None


def _violation_data(html, patrol_id, shop_id):
    return {"csrf_token": _form_value(html, "csrf_token"), "submission_token": _form_value(html, "submission_token"),
            "patrol_id": str(patrol_id), "checklist_item": "counterfeit", "severity": "serious",
            "kind": "counterfeit", "legal_basis": "《产品质量法》第五十条", "description": "销售假冒某品牌牙膏",
            "penalty": "没收", "fine_yuan": "", "seizures-0-goods": "牙膏", "seizures-0-quantity": "168",
            "seizures-0-unit": "支"}


def test_violation_double_submit_and_second_form_for_the_same_item(app, client, login_as, street):
    """QA: POSTing one violation form twice at once made two violations with seized goods; opening the
    form twice for one failed patrol item made two "严重违法违章：假冒伪劣商品"."""
    shop = factories.make_shop(street, "好又多超市")
    inspector = login_as("inspector")
    from creditstreet.services import patrols

    patrol = patrols.record_patrol(inspector, shop, None, {"counterfeit": "fail"})
    shop_id, patrol_id = shop.id, patrol.id
    db.session.commit()
    url = f"/inspector/shops/{shop_id}/violations/new"
    form_url = f"{url}?patrol={patrol_id}&item=counterfeit"
    first_form = client.get(form_url).get_data(as_text=True)
    second_form = client.get(form_url).get_data(as_text=True)  # the same item opened again in another tab
    data = _violation_data(first_form, patrol_id, shop_id)
    cookie = client.get_cookie("session")
    barrier = threading.Barrier(2)
    statuses = []

    def post():
        c = app.test_client()  # its own connection, sharing the logged-in session cookie
        c.set_cookie("session", cookie.value, domain=cookie.domain or "localhost")
        barrier.wait(timeout=30)
        statuses.append(c.post(url, data=data).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [302, 302]  # the second POST lands on the first violation's register
    db.session.expire_all()
    v = Violation.query.one()
    assert [(s.goods, s.quantity) for s in v.seizures] == [("牙膏", 168)]

    resp = client.post(url, data=_violation_data(second_form, patrol_id, shop_id))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "该检查项已登记违法行为" in body
    assert f'href="/inspector/shops/{shop_id}#violation-{v.id}">#{v.id}</a>' in body
    assert Violation.query.count() == 1
    register = client.get(f"/inspector/shops/{shop_id}").get_data(as_text=True)
    assert register.count("严重违法违章：假冒伪劣商品") == 1 and f'id="violation-{v.id}"' in register
