"""Public promises (SPEC §13): commitments, the compensation fund, key disclosure, corrections."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Commitment(db.Model):
    """A shop's declared promise (P1): offline no-reason returns or advance compensation.

    ``status``: pending (declared, awaiting approval) → approved → ending (notice given; in force
    until ``ends_on``, a street-local date) | rejected. Terms are public text (no personal data).
    """

    __tablename__ = "commitments"
    __table_args__ = (Index("ix_commitments_shop_kind", "shop_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(24))  # domain.promises.COMMITMENT_KINDS
    return_days: Mapped[Optional[int]]  # no_reason_returns only, ≥ 7
    categories: Mapped[str] = mapped_column(Text, default="")  # goods in scope
    exclusions: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    declared_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    notice_on: Mapped[Optional[date]] = mapped_column(Date)
    ends_on: Mapped[Optional[date]] = mapped_column(Date)

    shop = relationship("Shop")


class FundEntry(db.Model):
    """One line of a street's advance-compensation fund ledger (P3), money in integer fen.

    A payout names the complaint it pays and the shop; a recovery names the shop it came from.
    ``pay_by`` is the payout's target date (street-local, working days after the decision).
    """

    __tablename__ = "fund_entries"
    __table_args__ = (Index("ix_fund_entries_street_at", "street_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    kind: Mapped[str] = mapped_column(String(10))  # deposit | payout | recovery
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    complaint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaints.id"))
    shop_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shops.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    pay_by: Mapped[Optional[date]] = mapped_column(Date)
    paid_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    recovery_status: Mapped[Optional[str]] = mapped_column(String(10))  # payouts: open|recovered|refused
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KeyDisclosure(db.Model):
    """A shop marked for key disclosure (重点公示, P4) from ``starts_on`` to ``ends_on`` (exclusive)."""

    __tablename__ = "key_disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CorrectionRequest(db.Model):
    """A shop's request to correct its public figures (P4), decided by an admin."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|granted|rejected
    requested_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
