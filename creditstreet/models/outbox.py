"""The notification outbox: SMS written in the same transaction as the change they announce,
sent later by ``services.notify.deliver_due`` with retries and backoff (issue 17)."""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

OUTBOX_STATES = ("pending", "delivered", "failed")


class OutboxMessage(db.Model):
    """One message to one phone: a provider template id and its parameters, and the plain text.

    ``status``: pending (waiting for ``next_attempt_at``), delivered, failed (attempts used up or a
    permanent error). ``dedupe_key`` (unique) makes the same event queue one message only.
    Consumer messages hold the tracking code and status, never a name or free text (K6).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[Optional[int]] = mapped_column(ForeignKey("streets.id"))
    complaint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaints.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    phone: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(40))  # our key, e.g. complaint_accepted
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(Text, default="")
    dedupe_key: Mapped[Optional[str]] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
