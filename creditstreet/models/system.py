"""Settings, calendar overrides, the append-only audit log and the scheduler lock (SPEC §11)."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Setting(db.Model):
    """One rule setting (SPEC "default" values); every change bumps ``version`` (G3)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class StreetSetting(db.Model):
    """A street's override of one rule setting (SPEC Y2); the city value applies where there is none."""

    __tablename__ = "street_settings"

    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class CalendarDay(db.Model):
    """An admin's override of the working-day calendar: extra holiday or make-up working day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # holiday | workday
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarYear(db.Model):
    """A year the office entered from the State Council's notice and confirmed complete (SPEC §3).

    Its holidays and make-up working days are ``CalendarDay`` rows; ``notice_text`` is the notice
    as pasted (kept for the record).
    """

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    notice_text: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class AuditEntry(db.Model):
    """Append-only: who, when, what, before/after (SPEC A1). No route edits or deletes it.

    ``street_id``: the street the entry is about (its object's street, set when it is written:
    ``services.audit.street_of``); None for city-wide entries (rules, the calendar, city-wide
    accounts). A street admin reads only its street's entries (SPEC Y2)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),
                      Index("ix_audit_log_street_at", "street_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[Optional[str]] = mapped_column(String(40))
    before: Mapped[Optional[dict]] = mapped_column(JSON)
    after: Mapped[Optional[dict]] = mapped_column(JSON)
    street_id: Mapped[Optional[int]] = mapped_column(ForeignKey("streets.id"))


class SchedulerLock(db.Model):
    """A lock row: only the holder runs scheduled jobs (SQLite; PostgreSQL uses an advisory lock)."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
