"""Merchant pages (SPEC M1–M5): sign-up with an invitation, own shop only, settlement on the tracking page."""
import re
from datetime import datetime, timezone

from sqlalchemy import select

from creditstreet.extensions import db
from creditstreet.models import Complaint, Violation
from creditstreet.services.merchant import accounts, settlement

from .. import factories
from ..conftest import csrf_token, login


def _merchant(client, street, shop, username="owner"):
    factories.make_user("merchant", username=username, street=street, shop_id=shop.id)
    db.session.commit()
    assert login(client, username, factories.PASSWORD).status_code == 302


def test_signup_with_an_invitation_code_logs_in_as_the_shops_merchant(app, client, street):
    shop = factories.make_shop(street, name="邀请码商店")
    admin = factories.make_user("admin", street=street)
    _, code = accounts.create_invitation(admin, shop)
    db.session.commit()
    page = client.get(f"/auth/signup?code={code}").get_data(as_text=True)
    assert code in page
    token = csrf_token(client, "/auth/signup")
    resp = client.post("/auth/signup", data={"csrf_token": token, "code": code, "username": "staff",
                                             "password": "password-123", "password2": "password-123"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/merchant/")
    home = client.get("/merchant/").get_data(as_text=True)
    assert "邀请码商店" in home and "信用等级" not in home and "A级" not in home
    resp = client.post("/auth/signup", data={"csrf_token": token, "code": code, "username": "staff2",
                                             "password": "password-123", "password2": "password-123"})
    assert resp.status_code == 400 and "邀请码无效" in resp.get_data(as_text=True)


def test_admin_prints_an_invitation_with_a_qr(app, client, login_as, street):
    shop = factories.make_shop(street)
    login_as("admin")
    token = csrf_token(client, f"/admin/shops/{shop.id}/merchants")
    html = client.post(f"/admin/shops/{shop.id}/merchants", data={"csrf_token": token, "what": "invite"}).get_data(as_text=True)
    code = re.search(r'id="invitation-code">([A-Z0-9-]+)<', html).group(1)
    assert "data:image/svg+xml" in html and "/auth/signup?code=" + code.replace("-", "") in html


def test_a_merchant_of_shop_a_gets_404_for_anything_of_shop_b(app, client, street):
    a, b = factories.make_shop(street, name="甲店"), factories.make_shop(street, name="乙店")
    vb = Violation(shop_id=b.id, severity="general", kind="other", description="乙店违章",
                   recorded_at=datetime.now(timezone.utc))
    cb = Complaint(street_id=street.id, shop_id=b.id, tracking_code="TSBBBBBBBB", title="乙店投诉",
                   description="乙店", consumer_phone="13800000000", status="closed")
    db.session.add_all([vb, cb])
    db.session.flush()
    _merchant(client, street, a)
    for path in (f"/merchant/records/violation/{vb.id}/objection", f"/merchant/records/violation/{vb.id}/repair",
                 f"/merchant/records/violation/{vb.id}/pledge.pdf", f"/merchant/complaints/{cb.id}"):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/merchant/register")
    assert client.post(f"/merchant/complaints/{cb.id}", data={"csrf_token": token, "what": "reply",
                                                               "text": "x"}).status_code == 404
    found = client.get("/merchant/register?q=乙店").get_data(as_text=True)
    assert "乙店违章" not in found and "乙店投诉" not in found
    assert client.get("/admin/").status_code == 403 and client.get("/inspector/").status_code == 403


def test_settle_on_the_merchant_page_and_accept_on_the_tracking_page(app, client, street):
    shop = factories.make_shop(street, name="和解商店")
    _merchant(client, street, shop)
    token = csrf_token(client, "/merchant/")
    assert client.post("/merchant/settlement", data={"csrf_token": token, "join": "1"}).status_code == 302
    assert settlement.is_member(shop.id)
    from creditstreet.services.complaints import file_complaint
    c, _ = file_complaint(None, street, {"kind": "complaint", "shop_id": shop.id, "description": "鞋开胶",
                                          "consumer_name": "李四", "consumer_phone": "13912345678"}, None)
    db.session.commit()
    page = client.get(f"/merchant/complaints/{c.id}").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page  # no consent: masked
    resp = client.post(f"/merchant/complaints/{c.id}", data={"csrf_token": token, "what": "propose",
                                                             "remedy": "refund", "amount": "88", "text": "退款"})
    assert resp.status_code == 302
    consumer = app.test_client()
    t = csrf_token(consumer, "/track")
    html = consumer.post("/track", data={"csrf_token": t, "code": c.tracking_code, "phone": "13912345678"}).get_data(as_text=True)
    assert "88.00" in html and "settle-accept" in html
    consumer.post("/track/settle_accept", data={"csrf_token": t, "code": c.tracking_code})
    c = db.session.scalar(select(Complaint).where(Complaint.id == c.id))
    assert c.status == "closed" and c.outcome == "settled_by_shop" and c.money_recovered_fen == 8800


def test_register_shows_complaints_redacted_and_no_reports(app, client, street):
    shop = factories.make_shop(street, name="户口商店")
    from creditstreet.services.complaints import file_complaint
    file_complaint(None, street, {"kind": "complaint", "shop_id": shop.id, "title": "鞋",
                                  "description": "王小明说请打13912345678", "consumer_name": "王小明",
                                  "consumer_phone": "13912345678"}, None)
    file_complaint(None, street, {"kind": "report", "shop_id": shop.id, "description": "举报卖假货",
                                  "consumer_phone": "13912345678"}, None)
    db.session.commit()
    _merchant(client, street, shop)
    html = client.get("/merchant/register").get_data(as_text=True)
    assert "13912345678" not in html and "王小明" not in html and "举报卖假货" not in html
    assert "投诉：鞋" in html
    assert "投诉：鞋" not in client.get("/merchant/register?q=13912345678").get_data(as_text=True)


def test_reply_shows_on_the_public_page_and_the_handler_sees_the_settlement_history(app, client, street):
    shop = factories.make_shop(street, name="回复商店")
    _merchant(client, street, shop)
    owner = db.session.scalar(select(factories.User).where(factories.User.username == "owner"))
    settlement.join(owner)
    from creditstreet.services.complaints import file_complaint
    c, _ = file_complaint(None, street, {"kind": "complaint", "shop_id": shop.id, "description": "坏了",
                                          "consumer_name": "赵六", "consumer_phone": "13712345678"}, None)
    settlement.propose(owner, c, "repair", "0", "免费修理")
    settlement.answer(c, True)
    db.session.commit()
    token = csrf_token(client, f"/merchant/complaints/{c.id}")
    client.post(f"/merchant/complaints/{c.id}", data={"csrf_token": token, "what": "reply",
                                                      "text": "已为赵六免费修理，电话13712345678"})
    public = app.test_client().get(f"/shops/{shop.id}").get_data(as_text=True)
    assert "已为" in public and "免费修理" in public and "13712345678" not in public and "赵六" not in public
    inspector = app.test_client()
    factories.make_user("inspector", username="ins", street=street)
    db.session.commit()
    login(inspector, "ins", factories.PASSWORD)
    detail = inspector.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert "early-settlement-history" in detail and "免费修理" in detail and "消费者已接受" in detail


def test_home_shows_the_shops_commitments(app, client, street):
    from creditstreet.models import Commitment

    shop = factories.make_shop(street, name="承诺商店")
    db.session.add(Commitment(shop_id=shop.id, kind="no_reason_returns", return_days=7, categories="服装",
                              status="approved"))
    _merchant(client, street, shop)
    html = client.get("/merchant/").get_data(as_text=True)
    assert "本店承诺" in html and "7天" in html and "服装" in html


def test_the_shop_declares_a_commitment_and_it_waits_for_approval(app, client, street):
    """§13 P1: a shop with a merchant account declares its own commitment; an admin approves it later."""
    from creditstreet.models import Commitment

    shop = factories.make_shop(street, name="自主承诺店")
    other = factories.make_shop(street, name="别家店")
    _merchant(client, street, shop)
    token = csrf_token(client, "/merchant/commitments")
    bad = client.post("/merchant/commitments", data={"csrf_token": token, "kind": "no_reason_returns",
                                                     "return_days": "5", "categories": "服装"})
    assert bad.status_code == 400 and "服装" in bad.get_data(as_text=True)  # fewer than 7 days: refused, text kept
    resp = client.post("/merchant/commitments", data={"csrf_token": token, "kind": "no_reason_returns",
                                                      "return_days": "15", "categories": "服装、鞋帽"})
    assert resp.status_code == 302
    rows = db.session.scalars(select(Commitment)).all()
    assert [(c.shop_id, c.status, c.return_days, c.categories) for c in rows] == [(shop.id, "pending", 15, "服装、鞋帽")]
    assert other.id not in {c.shop_id for c in rows}
    assert "待审核" in client.get("/merchant/").get_data(as_text=True)
