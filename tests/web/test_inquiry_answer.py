"""An inquiry (咨询, SPEC K2: counted, not investigated) is answered and closed by its handler; the
consumer reads the answer on the tracking page and cannot reopen it as a complaint."""
import pytest
from sqlalchemy import select

from creditstreet.domain.errors import InvalidTransition, ValidationError
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, Complaint, OutboxMessage
from creditstreet.services import complaints as svc

from ..conftest import csrf_token


def _inquiry(street):
    c, _ = svc.file_complaint(None, street, {"kind": "inquiry", "description": "买的羽绒服不合适，七天内能退吗？",
                                             "consumer_phone": "13800138000", "consumer_name": "王小明"}, None)
    db.session.commit()
    return c


def test_the_handler_answers_an_inquiry_and_it_leaves_the_open_queue(client, login_as, street):
    inspector = login_as("inspector")
    c = _inquiry(street)
    token = csrf_token(client, f"/inspector/complaints/{c.id}")
    assert client.post(f"/inspector/complaints/{c.id}/take", data={"csrf_token": token}).status_code == 302
    page = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert 'id="answer-inquiry"' in page and "/accept" not in page and "/close" not in page
    token = csrf_token(client, f"/inspector/complaints/{c.id}")
    empty = client.post(f"/inspector/complaints/{c.id}/answer", data={"csrf_token": token, "answer": "  "})
    assert empty.status_code == 409 and "请填写答复内容" in empty.get_data(as_text=True)
    answer = "可以。商家承诺七日无理由退货，吊牌完好即可；联系电话 13900001111。"
    resp = client.post(f"/inspector/complaints/{c.id}/answer", data={"csrf_token": token, "answer": answer})
    assert resp.status_code == 302
    db.session.expire_all()
    c = db.session.get(Complaint, c.id)
    assert (c.status, c.handler_id, c.overdue) == ("closed", inspector.id, False) and c.closed_at is not None
    assert [e.kind for e in c.events][-1] == "answer"
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "complaint.answer"))
    assert db.session.scalar(select(OutboxMessage.template).where(OutboxMessage.complaint_id == c.id)
                             .order_by(OutboxMessage.id.desc()).limit(1)) == "complaint_closed"
    queue = client.get("/inspector/complaints").get_data(as_text=True)
    assert c.tracking_code not in queue  # the open queue no longer lists it

    # the consumer reads the answer (its redacted copy: no phone number), and may not reopen it
    consumer = client.application.test_client()
    token = csrf_token(consumer, "/track")
    html = consumer.post("/track", data={"csrf_token": token, "code": c.tracking_code,
                                         "phone": "13800138000"}).get_data(as_text=True)
    assert "商家承诺七日无理由退货" in html and "13900001111" not in html
    assert "重新打开" not in html
    with pytest.raises(InvalidTransition):
        svc.reopen_complaint(c, "还是不明白")


def test_only_an_open_inquiry_is_answered(db, street):
    from creditstreet.models import User

    inspector = User(username="insp-x", role="inspector", street_id=street.id, display_name="检查员")
    inspector.set_password("Passw0rd-long")
    db.session.add(inspector)
    from .. import factories

    shop = factories.make_shop(street, name="家电城")
    c, _ = svc.file_complaint(None, street, {"kind": "complaint", "description": "电饭煲不加热，要求退货",
                                             "consumer_phone": "13800138000", "shop_id": shop.id}, None)
    db.session.flush()
    with pytest.raises(InvalidTransition):
        svc.answer_inquiry(inspector, c, "答复")
    q = _inquiry(street)
    with pytest.raises(ValidationError) as e:
        svc.answer_inquiry(inspector, q, "长" * 2001)
    assert e.value.code == "too_long" and "现有2001个字" in e.value.message
    svc.answer_inquiry(inspector, q, "可以退。")
    with pytest.raises(InvalidTransition):
        svc.answer_inquiry(inspector, q, "再答一次")
