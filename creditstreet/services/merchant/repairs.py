"""Credit repair (信用修复, SPEC M5): a shop asks that an aged, corrected record stop counting.

Eligible: a bad record or a general violation at least ``repair_months_general`` (default 6)
months old, a serious violation at least ``repair_months_serious`` (default 12) months old —
months counted on the street-local calendar from the record's instant (month ends clamp, §3) —
not void, not repaired, with no application pending. The application carries what was corrected,
proof photos and the signed pledge (守信承诺书, ``pledge_pdf`` prints it). The office decides with a
reason by ``decide_by`` (+ ``repair_decision_workdays``, default 15 working days). Granted: the
record's ``repaired_at`` = the decision instant; it stops counting in S3 and G1–G2 for every
grading instant T ≥ that (``services.grade_batch.counted``), stays in the register marked
repaired, and can never be repaired again.
"""
from datetime import datetime

from sqlalchemy import select

from ...domain.i18n import Msg, N_
from ...domain.errors import InvalidTransition, ValidationError
from ...domain.time import add_months, as_utc, to_local
from ...extensions import db
from ...models import CreditRepair, Shop, User, Violation
from ...models.types import utcnow
from .. import audit
from ..settings import rule_settings
from . import files
from .common import (add_workdays, clean_text, local_day, record_of_shop, record_title, require_shop,
                     stamp_record, street_tz)

STATUS_LABELS = {"pending": N_("待决定"), "granted": N_("已修复"), "rejected": N_("不予修复")}
AUDIT_FIELDS = ("shop_id", "record_type", "record_id", "status", "decide_by", "decided_by", "decision_reason")


def eligible_from(record) -> datetime:
    """The first instant (UTC) ``record`` is old enough to be repaired (M5)."""
    s = rule_settings()
    serious = isinstance(record, Violation) and record.severity == "serious"
    months = s.repair_months_serious if serious else s.repair_months_general
    return as_utc(add_months(to_local(record.recorded_at, street_tz(record.shop_id)), months))


def _pending_or_granted(record_type: str, record_id: int) -> CreditRepair | None:
    return db.session.scalar(select(CreditRepair).where(
        CreditRepair.record_type == record_type, CreditRepair.record_id == record_id,
        CreditRepair.status.in_(("pending", "granted"))))


def can_apply(record_type: str, record, now: datetime | None = None) -> bool:
    """Whether the shop may apply for ``record`` now (old enough, not void/repaired, none pending)."""
    now = as_utc(now) if now else utcnow()
    return (record.void_at is None and record.repaired_at is None and now >= eligible_from(record)
            and _pending_or_granted(record_type, record.id) is None)


def apply_for_repair(actor: User, record_type: str, record_id: object, correction: object,
                     pledge: bytes | None, proofs: list[bytes] | None = None,
                     now: datetime | None = None) -> CreditRepair:
    """The merchant applies to repair one record of its shop (M5), with the signed pledge.

    Errors (ValidationError): "not_found" (not this shop's record), "required"/"too_long" for the
    correction text (≤ 1000), "too_recent" (with the first date it may apply), "already_void",
    "already_repaired", "pending", "pledge_required" and the photo errors.
    """
    now = as_utc(now) if now else utcnow()
    shop = require_shop(actor)
    record = record_of_shop(shop.id, record_type, record_id)
    if record is None:
        raise ValidationError("没有这条记录", code="not_found")
    text = clean_text(correction, "整改情况", 1000)
    if record.void_at is not None:
        raise ValidationError("这条记录已因异议成立而撤销，无需修复", code="already_void")
    if record.repaired_at is not None:
        raise ValidationError("这条记录已修复过，每条记录只能修复一次", code="already_repaired")
    existing = _pending_or_granted(record_type, record.id)
    if existing is not None:
        raise ValidationError("这条记录已有待决定的修复申请", code="pending")
    start = eligible_from(record)
    if now < start:
        day = local_day(start, shop.id).isoformat()
        raise ValidationError(Msg(N_("这条记录登记未满规定期限，%(day)s起可以申请信用修复"), day=day), code="too_recent")
    pledge_file = files.prepare_pledge(pledge)
    proof_files = files.prepare_photos(proofs or [])
    repair = CreditRepair(shop_id=shop.id, record_type=record_type, record_id=record.id, correction=text,
                          filed_by=actor.id, filed_at=now, status="pending",
                          decide_by=add_workdays(local_day(now, shop.id), rule_settings().repair_decision_workdays))
    db.session.add(repair)
    db.session.flush()
    files.attach([(pledge_file[0], pledge_file[1], "pledge")] + [(d, "image/jpeg", "proof") for d in proof_files],
                 repair_id=repair.id)
    audit.record(actor, "credit_repair.apply", "credit_repair", repair.id, None,
                 {**audit.snapshot(repair, AUDIT_FIELDS), "proofs": len(proof_files)})
    return repair


def decide_repair(actor: User, repair: CreditRepair, grant: bool, reason: object,
                  now: datetime | None = None) -> CreditRepair:
    """The office grants or refuses a pending application with a reason (M5).

    Granted: the record's ``repaired_at`` = ``now``. InvalidTransition when decided already.
    """
    now = as_utc(now) if now else utcnow()
    if repair.status != "pending":
        raise InvalidTransition("该申请已决定", code="already_decided")
    text = clean_text(reason, "决定理由", 1000)
    before = audit.snapshot(repair, AUDIT_FIELDS)
    repair.status = "granted" if grant else "rejected"
    repair.decided_by, repair.decided_at, repair.decision_reason = actor.id, now, text
    if grant:
        record = record_of_shop(repair.shop_id, repair.record_type, repair.record_id)
        if record.repaired_at is not None or record.void_at is not None:
            raise InvalidTransition("这条记录已修复或已撤销", code="already_repaired")
        stamp_record(actor, repair.record_type, record, "repaired_at", "repair",
                     {"at": now, "credit_repair_id": repair.id})
    db.session.flush()
    audit.record(actor, "credit_repair.decide", "credit_repair", repair.id, before, audit.snapshot(repair, AUDIT_FIELDS))
    return repair


def repairs_of_shop(shop_id: int) -> list[CreditRepair]:
    return list(db.session.scalars(select(CreditRepair).where(CreditRepair.shop_id == shop_id)
                                   .order_by(CreditRepair.filed_at.desc())))


def repair_of_shop(shop_id: int, repair_id: int) -> CreditRepair | None:
    row = db.session.get(CreditRepair, repair_id)
    return row if row is not None and row.shop_id == shop_id else None


def pledge_html(shop: Shop, record_type: str, record, now: datetime | None = None) -> str:
    """The printable pledge (守信承诺书) for one record, as HTML for WeasyPrint (templates/pdf/pledge.html)."""
    from flask import render_template

    now = as_utc(now) if now else utcnow()
    return render_template("pdf/pledge.html", shop=shop, record_title=record_title(record_type, record),
                           recorded_on=local_day(record.recorded_at, shop.id), today=local_day(now, shop.id))


def pledge_pdf(shop: Shop, record_type: str, record, now: datetime | None = None) -> bytes:
    """The pledge as PDF bytes (WeasyPrint)."""
    from ..awards import render_pdf

    return render_pdf(pledge_html(shop, record_type, record, now)).write_pdf()
