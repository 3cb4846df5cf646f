"""Handling by assignment, admin reassignment, 我承办的, and no-store (SPEC K6; issues 13 and 17)."""
from creditstreet.services import complaints as svc

from .. import factories
from ..conftest import csrf_token


def _filed(db, street, n=2):
    shop = factories.make_shop(street)
    out = []
    for i in range(n):
        c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": f"第{i}件，电话13912345678",
                                                 "consumer_name": "王小明", "consumer_phone": "13800138000"}, None)
        out.append(c)
    return out


def test_a_non_handler_cannot_take_over(client, db, street, login_as):
    a, _b = _filed(db, street)
    owner = factories.make_user("inspector", street=street)
    svc.take_complaint(owner, a)
    db.session.commit()
    login_as("inspector")
    page = client.get(f"/inspector/complaints/{a.id}").get_data(as_text=True)
    assert "由我承办" not in page and 'id="not-handler"' in page and 'id="reassign"' not in page
    assert "13800138000" not in page and "13912345678" not in page
    token = csrf_token(client, f"/inspector/complaints/{a.id}")
    for action in ("take", "accept"):
        resp = client.post(f"/inspector/complaints/{a.id}/{action}", data={"csrf_token": token})
        assert resp.status_code == 409 and "管理员改派" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(svc.Complaint, a.id).handler_id == owner.id


def test_admin_reassigns_from_the_detail_page(client, db, street, login_as):
    a, _b = _filed(db, street)
    owner = factories.make_user("inspector", street=street)
    new = factories.make_user("inspector", street=street, display_name="新承办人")
    svc.take_complaint(owner, a)
    db.session.commit()
    login_as("admin")
    page = client.get(f"/inspector/complaints/{a.id}").get_data(as_text=True)
    assert 'id="reassign"' in page and "新承办人" in page
    token = csrf_token(client, f"/inspector/complaints/{a.id}")
    empty = client.post(f"/inspector/complaints/{a.id}/reassign", data={"csrf_token": token, "handler_id": new.id})
    assert empty.status_code == 409 and "请填写改派理由" in empty.get_data(as_text=True)
    ok = client.post(f"/inspector/complaints/{a.id}/reassign",
                     data={"csrf_token": token, "handler_id": new.id, "reason": "原承办人出差"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(svc.Complaint, a.id).handler_id == new.id


def test_mine_filter_and_tel_link_for_the_handler_only(client, db, street, login_as):
    a, b = _filed(db, street)
    me = login_as("inspector")
    svc.take_complaint(me, a)
    db.session.commit()
    everything = client.get("/inspector/complaints").get_data(as_text=True)
    assert a.tracking_code in everything and b.tracking_code in everything
    assert everything.count('href="tel:13800138000"') == 1  # only on the one I handle
    mine = client.get("/inspector/complaints?mine=1")
    html = mine.get_data(as_text=True)
    assert a.tracking_code in html and b.tracking_code not in html and 'class="table cards-on-phone"' in html
    assert mine.headers["Cache-Control"] == "no-store"


def test_no_store_on_personal_responses_only(client, db, street, login_as):
    [a] = _filed(db, street, 1)
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")  # the public board
    token = csrf_token(client, "/track")
    tracked = client.post("/track", data={"csrf_token": token, "code": a.tracking_code, "phone": "13800138000"})
    assert tracked.headers["Cache-Control"] == "no-store"
    login_as("admin")
    for path in (f"/inspector/complaints/{a.id}", "/inspector/complaints",
                 "/admin/complaint-stats/export.csv?quarter=2026Q1"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
