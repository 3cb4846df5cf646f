"""Shops take part (SPEC §12 M1–M5): invitations, early settlement, replies, objections, credit repair.

Records of the register (violations, bad records) carry ``void_at`` (an upheld objection, M4) and
``repaired_at`` (a granted credit repair, M5) in models/patrol.py; the rows here are the requests
and their decisions. Money in integer fen; instants in UTC; deadlines are street-local dates.
"""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

#: What a merchant may object to or ask to repair (M4, M5): the register's counted records.
RECORD_TYPES = ("violation", "bad_record")
REQUEST_STATES = ("pending", "upheld", "rejected")  # objections
REPAIR_STATES = ("pending", "granted", "rejected")
SETTLEMENT_STATES = ("open", "proposed", "accepted", "declined", "expired", "requested")


class MerchantInvitation(db.Model):
    """A one-time code the office hands a shop so its staff can sign up (M1). Only its hash is kept."""

    __tablename__ = "merchant_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    used_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class SettlementMembership(db.Model):
    """A span a shop takes part in early settlement (M2): [joined_at, left_at), left_at None while it does."""

    __tablename__ = "settlement_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    joined_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    left_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class Settlement(db.Model):
    """A complaint's early settlement (先行和解, M2): open → proposed → accepted | declined;
    open/proposed → expired (no answer by ``settle_by``) | requested (the consumer asks the office).

    ``share_contact``: the consumer let the shop see name and phone for this purpose.
    ``ended_at`` is when the office's K3 track started (or the complaint closed as settled).
    """

    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    share_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settle_by: Mapped[date] = mapped_column(Date)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class SettlementProposal(db.Model):
    """One proposal of the shop (M2): remedy, amount (fen), text (and its redacted copy, K6), answer."""

    __tablename__ = "settlement_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)
    remedy: Mapped[str] = mapped_column(String(20))  # refund|exchange|repair|compensation
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    text_redacted: Mapped[str] = mapped_column(Text, default="")
    proposed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[Optional[str]] = mapped_column(String(10))  # accepted|declined
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class MerchantReply(db.Model):
    """A shop's one reply on a closed complaint (M3), ≤ 500 characters, stored with its redacted copy."""

    __tablename__ = "merchant_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    text_redacted: Mapped[str] = mapped_column(Text)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Objection(db.Model):
    """A shop's objection (异议, M4) to one record of its register, decided by an admin."""

    __tablename__ = "objections"
    __table_args__ = (Index("ix_objections_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    record_type: Mapped[str] = mapped_column(String(12))  # one of RECORD_TYPES
    record_id: Mapped[int]
    reasons: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decide_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class CreditRepair(db.Model):
    """A shop's credit-repair application (信用修复, M5) for one aged record, with proof and pledge."""

    __tablename__ = "credit_repairs"
    __table_args__ = (Index("ix_credit_repairs_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    record_type: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[int]
    correction: Mapped[str] = mapped_column(Text)  # what the shop corrected (proof described)
    filed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decide_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class MerchantAttachment(db.Model):
    """A file of an objection (photos) or a repair (proof photos, the signed pledge: image or PDF)."""

    __tablename__ = "merchant_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[Optional[int]] = mapped_column(ForeignKey("objections.id"), index=True)
    repair_id: Mapped[Optional[int]] = mapped_column(ForeignKey("credit_repairs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="photo")  # photo|proof|pledge
    content_type: Mapped[str] = mapped_column(String(40), default="image/jpeg")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
