"""Storing a checked intake with Core statements (issue 18): the same rows as the ORM wrote, K7 read
again in the writing transaction, settings and calendar read there too."""
from datetime import date, datetime, timezone

from sqlalchemy import select

from creditstreet.domain.redact import redact
from creditstreet.models import AuditEntry, Complaint, ComplaintEvent
from creditstreet.services import complaints as svc
from creditstreet.services import settings as settings_service
from creditstreet.services.complaints.store import _insert_once, _with_defaults
from tests import factories

# Tuesday 2026-03-03, 10:00 in Shanghai: no holiday within the next weeks.
NOW = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)


def _data(shop, **kw):
    d = {"shop_id": shop.id, "title": "面里有头发", "description": "王小明说打13912345678找老板",
         "consumer_name": "王小明", "consumer_phone": "13800138000", "amount": "28"}
    d.update(kw)
    return d


def test_the_row_written_by_core_reads_back_as_the_object_returned(db, street):
    shop = factories.make_shop(street, "张记面馆")
    c, created = svc.file_complaint(None, street, _data(shop), "tok-1", channel="api", now=NOW)
    assert created
    held = {col.key: getattr(c, col.key) for col in Complaint.__table__.columns}
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Complaint, c.id)
    assert {col.key: getattr(stored, col.key) for col in Complaint.__table__.columns} == held
    # K6: the redacted copies, as the ORM listener writes them (phone masked 3+4, the name first + **)
    assert stored.description_public == "王**说打139****5678找老板"
    assert stored.title_public == "面里有头发"
    # Defaults the ORM would have filled in
    assert (stored.status, stored.money_recovered_fen, stored.overdue, stored.reopened_count) == ("received", 0, False, 0)
    assert stored.amount_fen == 2800 and stored.received_at == NOW
    # K4: 7 working days (the default) after Tuesday 3 March, the day of receipt not counted:
    # Wed 4, Thu 5, Fri 6, Mon 9, Tue 10, Wed 11, Thu 12
    assert stored.decide_by == date(2026, 3, 12)
    ev = db.session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)).all()
    assert [(e.kind, e.note, e.note_public) for e in ev] == [("intake", "接口", "接口")]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "complaint.intake"))
    assert entry.entity_id == str(c.id) and entry.actor_label == "consumer"
    assert entry.after["decide_by"] == "2026-03-12" and entry.after["photos"] == 0
    assert "13800138000" not in str(entry.after) and "王小明" not in str(entry.after)  # K6


def test_a_public_copy_is_the_redactor_s_answer_with_the_consumer_s_name(db, street):
    shop = factories.make_shop(street, "张记面馆")
    text = "请联系 王小明 ，电话 0719-8117836，QQ 12345678"
    c, _ = svc.file_complaint(None, street, _data(shop, description=text), "tok-r", channel="api", now=NOW)
    assert c.description_public == redact(text, ["王小明"])
    assert "8117836" not in c.description_public and "王小明" not in c.description_public


def test_same_content_stored_between_check_and_store_is_found_under_the_lock(db, street):
    shop = factories.make_shop(street, "张记面馆")
    first = svc.check_complaint(None, street, _data(shop), "tok-a", channel="api", now=NOW)
    second = svc.check_complaint(None, street, _data(shop), "tok-b", channel="api", now=NOW)
    a, created_a = svc.store_complaint(first)
    b, created_b = svc.store_complaint(second)
    assert created_a and not created_b and b.id == a.id  # K7: one complaint
    assert db.session.scalar(select(Complaint.id).where(Complaint.submission_token == "tok-b")) is None


def test_same_token_stored_between_check_and_store_returns_the_first(db, street):
    shop = factories.make_shop(street, "张记面馆")
    one = svc.check_complaint(None, street, _data(shop), "tok-same", channel="api", now=NOW)
    two = svc.check_complaint(None, street, _data(shop, title="另一件"), "tok-same", channel="api", now=NOW)
    a, _ = svc.store_complaint(one)
    b, created = svc.store_complaint(two)
    assert not created and b.id == a.id


def test_the_insert_does_nothing_on_a_token_already_stored(db, street):
    """The PostgreSQL race (two transactions both past the check): ON CONFLICT returns no id."""
    v = {"street_id": street.id, "kind": "complaint", "channel": "api", "submission_token": "tok-x",
         "tracking_code": "TSAAAAAAAAAA", "received_at": NOW, "description": "甲"}
    assert _insert_once(_with_defaults(v)) is not None
    assert _insert_once(_with_defaults(dict(v, tracking_code="TSBBBBBBBBBB"))) is None


def test_settings_changed_after_the_check_are_the_ones_used(db, street):
    shop = factories.make_shop(street, "张记面馆")
    checked = svc.check_complaint(None, street, _data(shop), "tok-s", channel="api", now=NOW)
    settings_service.update_street_settings(None, street, {"accept_deadline_workdays": "3"})
    c, _ = svc.store_complaint(checked)
    assert c.decide_by == date(2026, 3, 6)  # 3 working days after Tuesday → Friday


def test_no_phone_is_never_the_same_content(db, street):
    """An inspector's box complaint without a phone: two of the same text are two complaints (K7)."""
    inspector = factories.make_user(role="inspector", street=street)
    shop = factories.make_shop(street, "张记面馆")
    a, _ = svc.file_complaint(inspector, street, _data(shop, consumer_phone=""), "t1", channel="box", now=NOW)
    b, created = svc.file_complaint(inspector, street, _data(shop, consumer_phone=""), "t2", channel="box", now=NOW)
    assert created and a.id != b.id and b.handler_id == inspector.id
