"""Free text is redacted when stored, not when shown (SPEC K6, issue 13 Build 2)."""
from creditstreet.domain.redact import redact
from creditstreet.models import Complaint, ComplaintEvent
from creditstreet.services import complaints as svc
from tests.factories import make_shop, make_user


def _file(db, street, **over):
    shop = make_shop(street)
    data = {"kind": "complaint", "shop_id": shop.id, "title": "本人王小明", "goods": "手机 139 1234 5678 QQ号码12345678",
            "description": "甲" * 33 + "13912345678", "demand": "退款，邮箱wangxm＠example.com",
            "consumer_name": "王小明", "consumer_phone": "13800138000", **over}
    c, _ = svc.file_complaint(None, street, data, None)
    db.session.commit()
    return c


def test_intake_writes_the_redacted_copies(db, street):
    c = _file(db, street)
    db.session.expire_all()
    c = db.session.get(Complaint, c.id)
    assert c.title_public == "本人王**"
    assert c.goods_public == "手机 139****5678 QQ号码[QQ号]"
    assert c.description_public == "甲" * 33 + "139****5678"
    assert c.demand_public == "退款，邮箱[邮箱]"
    assert c.description == "甲" * 33 + "13912345678"  # the raw text is kept as typed for the handler


def test_event_notes_get_a_redacted_copy(db, street):
    c = _file(db, street)
    inspector = make_user("inspector", street=street)
    svc.take_complaint(inspector, c) if hasattr(svc, "take_complaint") else None
    c.handler_id = inspector.id
    svc.accept_complaint(inspector, c)
    svc.add_mediation_note(inspector, c, "已电话联系王小明（13800138000），商家同意退款")
    db.session.commit()
    ev = db.session.scalars(db.select(ComplaintEvent).where(ComplaintEvent.kind == "mediation_note")).one()
    assert ev.note_public == "已电话联系王**（138****8000），商家同意退款"


def test_changing_the_text_rewrites_the_copy(db, street):
    c = _file(db, street)
    c.description = "新号码15012345678"
    db.session.commit()
    assert c.description_public == "新号码150****5678" == redact(c.description)
