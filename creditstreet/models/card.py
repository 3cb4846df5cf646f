"""Quality credit cards: printed batches, ranges issued to shops, and spot checks (SPEC §6)."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class CardBatch(db.Model):
    """A printed batch: serials [first_serial, last_serial], both inclusive (C1)."""

    __tablename__ = "card_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    name: Mapped[str] = mapped_column(String(120))
    first_serial: Mapped[int]
    last_serial: Mapped[int]
    printed_on: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CardRange(db.Model):
    """Serials [first_serial, last_serial] of a batch issued free of charge to one shop (C1)."""

    __tablename__ = "card_ranges"
    __table_args__ = (Index("ix_card_ranges_serials", "first_serial", "last_serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("card_batches.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    first_serial: Mapped[int]
    last_serial: Mapped[int]
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class CardCheck(db.Model):
    """An inspector's spot check among consumers; a miss escalates by C4."""

    __tablename__ = "card_checks"
    __table_args__ = (
        Index("ix_card_checks_shop_at", "shop_id", "checked_at"),
        # Yellow cards (C4), by instant: the grading reads only these (services/grade_batch.py).
        Index("ix_card_checks_yellow_at", "checked_at", "shop_id", sqlite_where=text("consequence = 'yellow_card'"),
              postgresql_where=text("consequence = 'yellow_card'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    inspector_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    serial: Mapped[Optional[int]]
    card_given: Mapped[bool] = mapped_column(Boolean)
    # none | verbal_warning | yellow_card (the yellow card also creates a BadRecord)
    consequence: Mapped[str] = mapped_column(String(16), default="none")
    note: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submission_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)  # one-time form token


class PrintJob(db.Model):
    """A card sheet printed in the background (issue 17): progress, then the PDF to download.

    ``status``: queued → running → done | failed. ``done``/``total`` count cards; ``updated_at``
    moves with every page, so a job whose worker died is seen as stalled (services.print_jobs).
    """

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    range_id: Mapped[int] = mapped_column(ForeignKey("card_ranges.id"), index=True)
    first_serial: Mapped[int]
    last_serial: Mapped[int]
    base_url: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int]
    error: Mapped[str] = mapped_column(Text, default="")
    pdf: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    seconds: Mapped[Optional[float]]
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
