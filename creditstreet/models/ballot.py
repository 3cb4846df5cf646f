"""Supervisors' quarterly ballots (SPEC S1–S2)."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

CRITERIA = ("lawful", "service", "compliance", "honesty")


class Ballot(db.Model):
    """One supervisor's vote on one shop in one quarter; re-voting replaces it (SPEC S1)."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("supervisor_id", "shop_id", "quarter"),
        # Covering index for the set-based recompute: one range scan per quarter, no row lookups.
        Index("ix_ballots_quarter_shop_marks", "quarter", "shop_id", "lawful", "service", "compliance", "honesty"),
        # A supervisor's own ballots, newest quarter first, a page at a time.
        Index("ix_ballots_supervisor_quarter", "supervisor_id", "quarter", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    quarter: Mapped[str] = mapped_column(String(6))  # "2026Q3"
    lawful: Mapped[bool] = mapped_column(Boolean)
    service: Mapped[bool] = mapped_column(Boolean)
    compliance: Mapped[bool] = mapped_column(Boolean)
    honesty: Mapped[bool] = mapped_column(Boolean)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
