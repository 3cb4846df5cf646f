"""Consumer warnings on the notice board (SPEC W1)."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class ConsumerWarning(db.Model):
    __tablename__ = "consumer_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    goods_category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # counts behind the draft
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft|approved|dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    expires_on: Mapped[Optional[date]] = mapped_column(Date)
