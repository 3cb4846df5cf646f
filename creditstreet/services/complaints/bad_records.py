"""A complaint's bad record follows its final closing (SPEC K5).

One row per complaint (``bad_records.complaint_id`` is unique): written at the first closing at
fault or refusing mediation; withdrawn (``withdrawn_at``) when the consumer reopens the complaint,
so it no longer counts on either grading path (``grade_batch.counted``); at the next closing it is
reinstated, dated at that closing with that closing's kind — a new finding, counting again even if
an objection (M4) or a repair (M5) had taken the earlier closing's record out — or stays withdrawn
when the shop is not at fault. Every change is in the audit log, which keeps the earlier closing's record.
"""

from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...models import BadRecord, Complaint, User
from .. import audit

_FIELDS = ("shop_id", "kind", "complaint_id", "description", "recorded_at", "withdrawn_at", "void_at", "repaired_at")


def _label(c: Complaint, kind: str) -> str:
    if kind == "refused_mediation":
        return "拒绝调解"
    return "承诺未兑现，经查属实" if c.subject == "broken_commitment" else "经查商家有责"


def record_closing(actor: User | None, c: Complaint, kind: str | None, now: datetime) -> BadRecord | None:
    """The bad record after ``c`` closed at ``now`` (UTC) with K5 ``kind`` (None: not at fault).

    Returns the counting record, or None when the closing makes none."""
    existing = db.session.scalar(select(BadRecord).where(BadRecord.complaint_id == c.id))
    if kind is None or c.shop_id is None:
        if existing is not None:
            withdraw(actor, c, now)  # a record left counting by a reopen before K5's final-closing rule
        return None
    # The complaint by its number, never its tracking code: code + phone is the consumer's secret (K6).
    description = f"投诉#{c.id}：{_label(c, kind)}"
    if existing is None:
        rec = BadRecord(shop_id=c.shop_id, kind=kind, complaint_id=c.id, recorded_at=now, description=description)
        db.session.add(rec)
        db.session.flush()
        audit.record(actor, "bad_record.create", "bad_record", rec.id, None,
                     audit.snapshot(rec, ("shop_id", "kind", "complaint_id", "description")))
        return rec
    if existing.withdrawn_at is None and existing.kind == kind and existing.shop_id == c.shop_id:
        return existing  # closed again the same way without a reopen in between: never doubled
    before = audit.snapshot(existing, _FIELDS)
    existing.shop_id, existing.kind, existing.description = c.shop_id, kind, description
    existing.recorded_at, existing.withdrawn_at = now, None
    # A new finding: an objection upheld (M4) or a repair granted (M5) on the earlier closing decided
    # about that closing, not this one (the audit log keeps them), so the record counts again.
    existing.void_at = existing.repaired_at = None
    db.session.flush()
    audit.record(actor, "bad_record.reinstate", "bad_record", existing.id, before, audit.snapshot(existing, _FIELDS))
    return existing


def withdraw(actor: User | None, c: Complaint, now: datetime) -> BadRecord | None:
    """Withdraw ``c``'s counting bad record at ``now`` (the consumer reopened it, K5); None if none."""
    rec = db.session.scalar(select(BadRecord).where(BadRecord.complaint_id == c.id, BadRecord.withdrawn_at.is_(None)))
    if rec is None:
        return None
    before = audit.snapshot(rec, _FIELDS)
    rec.withdrawn_at = now
    db.session.flush()
    audit.record(actor, "bad_record.withdraw", "bad_record", rec.id, before, audit.snapshot(rec, _FIELDS),
                 actor_label=None if actor else "consumer")
    return rec
