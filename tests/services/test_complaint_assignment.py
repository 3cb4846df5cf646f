"""A complaint is handled by the inspector it is assigned to (SPEC K6, issue 13 Build 3)."""
import pytest

from creditstreet.domain.complaints import Outcome
from creditstreet.domain.errors import InvalidTransition, ValidationError
from creditstreet.models import AuditEntry, ComplaintEvent
from creditstreet.services import complaints as svc
from tests.factories import make_shop, make_street, make_user


@pytest.fixture
def setting(db, street):
    shop = make_shop(street)
    a = make_user("inspector", street=street, display_name="甲检查员")
    b = make_user("inspector", street=street, display_name="乙检查员")
    admin = make_user("admin", street=street)
    c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": "鞋开胶", "consumer_name": "王小明",
                                             "consumer_phone": "13800138000"}, None)
    db.session.commit()
    return c, a, b, admin


def test_an_unassigned_open_item_can_be_taken_once(db, setting):
    c, a, b, _admin = setting
    svc.take_complaint(a, c)
    assert c.handler_id == a.id and svc.view_for(a, c).personal and not svc.view_for(b, c).personal
    with pytest.raises(InvalidTransition) as e:
        svc.take_complaint(b, c)
    assert e.value.code == "not_handler" and c.handler_id == a.id


@pytest.mark.parametrize("step", [
    lambda u, c: svc.accept_complaint(u, c),
    lambda u, c: svc.refuse_complaint(u, c, "outside_remit"),
    lambda u, c: svc.add_mediation_note(u, c, "联系商家"),
])
def test_only_the_handler_takes_a_step(db, setting, step):
    c, a, b, _admin = setting
    svc.take_complaint(a, c)
    with pytest.raises(InvalidTransition) as e:
        step(b, c)
    assert e.value.code == "not_handler"


def test_a_closed_item_cannot_be_taken(db, setting):
    c, a, b, _admin = setting
    svc.accept_complaint(a, c)
    svc.close_complaint(a, c, Outcome("agreement", {"refund"}, 100))
    c.handler_id = None  # e.g. the handler's account was removed from it
    with pytest.raises(InvalidTransition) as e:
        svc.take_complaint(b, c)
    assert e.value.code == "closed"


def test_admin_reassigns_with_a_reason_audited(db, setting):
    c, a, b, admin = setting
    svc.accept_complaint(a, c)
    svc.reassign_complaint(admin, c, b, "甲检查员休假，电话13912345678转乙")
    db.session.commit()
    assert c.handler_id == b.id
    assert not svc.view_for(a, c).personal and svc.view_for(b, c).personal  # the earlier handler loses access
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "complaint.reassign")).one()
    assert entry.before["handler_id"] == a.id and entry.after["handler_id"] == b.id
    assert entry.after["reason"] == "甲检查员休假，电话139****5678转乙"  # K6: no phone in the audit log
    ev = db.session.scalars(db.select(ComplaintEvent).where(ComplaintEvent.kind == "reassign")).one()
    assert ev.note_public == "改派给乙检查员：甲检查员休假，电话139****5678转乙"
    svc.add_mediation_note(b, c, "已联系")  # the new handler acts


@pytest.mark.parametrize("who, to, reason, code", [
    ("a", "b", "休假", "not_admin"),
    ("admin", "admin", "休假", "bad_handler"),
    ("admin", "b", "  ", "required"),
    ("admin", "b", "长" * 201, "too_long"),
    ("admin", "other_street", "休假", "bad_handler"),
])
def test_reassign_refusals(db, setting, who, to, reason, code):
    c, a, b, admin = setting
    people = {"a": a, "b": b, "admin": admin,
              "other_street": make_user("inspector", street=make_street("另一街"))}
    with pytest.raises(ValidationError) as e:
        svc.reassign_complaint(people[who], c, people[to], reason)
    assert e.value.code == code and c.handler_id is None
