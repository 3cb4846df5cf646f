"""Objections (异议, SPEC M4): a shop challenges a record of its register; an admin decides.

An upheld objection voids the record (``void_at``): it is kept and shown marked void, and stops
counting at once in the live register (``grading.grade_preview``) and at the next recompute in the
official grade, on both grading paths (``services.grade_batch.counted``).
Deadlines are street-local dates in working days (K4 calendar): the shop may object until
``objection_deadline`` = the record's local date + ``objection_workdays`` (default 15); the admin
should decide by the objection's ``decide_by`` (+ ``objection_decision_workdays``, default 15).
"""
from datetime import date, datetime

from sqlalchemy import select

from ...domain.i18n import Msg, N_
from ...domain.errors import InvalidTransition, ValidationError
from ...domain.time import as_utc
from ...extensions import db
from ...models import Objection, User
from ...models.types import utcnow
from .. import audit
from ..settings import rule_settings
from . import files
from .common import add_workdays, clean_text, local_day, record_of_shop, require_shop, stamp_record

STATUS_LABELS = {"pending": N_("待处理"), "upheld": N_("异议成立"), "rejected": N_("异议不成立")}
AUDIT_FIELDS = ("shop_id", "record_type", "record_id", "status", "decide_by", "decided_by", "decision_reason")


def objection_deadline(record, now: datetime | None = None) -> date:
    """The last local date the shop may object to ``record`` (M4: record's date + N working days)."""
    return add_workdays(local_day(record.recorded_at, record.shop_id), rule_settings().objection_workdays)


def can_object(record, now: datetime | None = None) -> bool:
    """Whether the shop may still object to ``record`` now: not void, no objection yet, within the window."""
    now = as_utc(now) if now else utcnow()
    if record.void_at is not None or _objection_for(record) is not None:
        return False
    return local_day(now, record.shop_id) <= objection_deadline(record)


def _objection_for(record) -> Objection | None:
    """The objection to ``record`` as it stands: one filed since it was recorded (a complaint's record
    reinstated at a new closing is a new finding; objections to the earlier closing don't count)."""
    rtype = "violation" if record.__tablename__ == "violations" else "bad_record"
    return db.session.scalar(select(Objection).where(Objection.record_type == rtype,
                                                     Objection.record_id == record.id,
                                                     Objection.filed_at >= record.recorded_at)
                             .order_by(Objection.id.desc()).limit(1))


def file_objection(actor: User, record_type: str, record_id: object, reasons: object,
                   photos: list[bytes] | None = None, now: datetime | None = None) -> Objection:
    """The merchant objects to one record of its own shop, with reasons and photos (M4).

    One objection per record. Errors: ValidationError "not_found" for a record that is not this
    shop's, "required"/"too_long" for the reasons (≤ 1000 characters), "window_closed" after the
    deadline, "already_objected"; photo errors of services.photos.
    """
    now = as_utc(now) if now else utcnow()
    shop = require_shop(actor)
    record = record_of_shop(shop.id, record_type, record_id)
    if record is None:
        raise ValidationError("没有这条记录", code="not_found")
    text = clean_text(reasons, "异议理由", 1000)
    if _objection_for(record) is not None:
        raise ValidationError("这条记录已提出过异议", code="already_objected")
    if record.void_at is not None:
        raise ValidationError("这条记录已撤销", code="already_void")
    deadline = objection_deadline(record)
    if local_day(now, shop.id) > deadline:
        raise ValidationError(Msg(N_("异议应在记录登记后%(objection_workdays)s个工作日内（%(deadline)s前）提出，已超过期限"),
                                  objection_workdays=rule_settings().objection_workdays,
                                  deadline=deadline.isoformat()), code="window_closed")
    prepared = files.prepare_photos(photos or [])
    obj = Objection(shop_id=shop.id, record_type=record_type, record_id=record.id, reasons=text, filed_by=actor.id,
                    filed_at=now, status="pending",
                    decide_by=add_workdays(local_day(now, shop.id), rule_settings().objection_decision_workdays))
    db.session.add(obj)
    db.session.flush()
    files.attach([(d, "image/jpeg", "photo") for d in prepared], objection_id=obj.id)
    audit.record(actor, "objection.file", "objection", obj.id, None,
                 {**audit.snapshot(obj, AUDIT_FIELDS), "photos": len(prepared)})
    return obj


def decide_objection(actor: User, obj: Objection, uphold: bool, reason: object,
                     now: datetime | None = None) -> Objection:
    """An admin upholds or rejects a pending objection with a reason (M4).

    Upheld: the record's ``void_at`` is set to ``now`` (kept, marked, audited). InvalidTransition
    when already decided; ValidationError without a reason.
    """
    now = as_utc(now) if now else utcnow()
    if obj.status != "pending":
        raise InvalidTransition("该异议已处理", code="already_decided")
    text = clean_text(reason, "处理理由", 1000)
    before = audit.snapshot(obj, AUDIT_FIELDS)
    obj.status = "upheld" if uphold else "rejected"
    obj.decided_by, obj.decided_at, obj.decision_reason = actor.id, now, text
    if uphold:
        record = record_of_shop(obj.shop_id, obj.record_type, obj.record_id)
        stamp_record(actor, obj.record_type, record, "void_at", "void", {"at": now, "objection_id": obj.id})
    db.session.flush()
    audit.record(actor, "objection.decide", "objection", obj.id, before, audit.snapshot(obj, AUDIT_FIELDS))
    return obj


def objections_of_shop(shop_id: int) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.shop_id == shop_id)
                                   .order_by(Objection.filed_at.desc())))


def objection_of_shop(shop_id: int, objection_id: int) -> Objection | None:
    obj = db.session.get(Objection, objection_id)
    return obj if obj is not None and obj.shop_id == shop_id else None
