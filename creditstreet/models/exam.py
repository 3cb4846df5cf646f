"""Trainings, law exams and responsibility agreements (SPEC E1–E2)."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Training(db.Model):
    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendees: Mapped[list["TrainingAttendee"]] = relationship(cascade="all, delete-orphan")


class TrainingAttendee(db.Model):
    __tablename__ = "training_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    attendee_name: Mapped[str] = mapped_column(String(60), default="")


class ExamResult(db.Model):
    """A shop's law exam: score 0–100 against a pass mark (default 60, SPEC S3)."""

    __tablename__ = "exam_results"
    __table_args__ = (Index("ix_exam_results_shop_taken", "shop_id", "taken_at"),
                      # the admin's latest exams of a street, newest first (Y3: not a sort of a big street's)
                      Index("ix_exam_results_taken", "taken_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int]
    pass_mark: Mapped[int] = mapped_column(default=60)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class Agreement(db.Model):
    """A signed responsibility agreement (责任状, SPEC E2)."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date)
    signer: Mapped[str] = mapped_column(String(60))
    note: Mapped[str] = mapped_column(Text, default="")
