"""Complaints, reports and inquiries from the 12315 channel (SPEC §7), with their timeline."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, LargeBinary, String, Text, event, inspect, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.redact import redact
from ..extensions import db
from .types import UTCDateTime, utcnow

KINDS = ("complaint", "report", "inquiry")
CHANNELS = ("online", "hotline", "box", "walk_in", "transfer_12315", "api")


class Complaint(db.Model):
    """One intake. ``kind`` says complaint/report/inquiry; a complaint may also carry a report (K2).

    Money in integer fen. Personal data (consumer_name, consumer_phone) is shown only to the
    handling inspector and admins (K6). ``tracking_code`` is random (K7); ``submission_token``
    is the one-time form token that makes a resubmission return the first complaint (CASES K-06).

    Free text has a redacted copy (``*_public``, SPEC K6) written with it on every insert or
    change (the listeners below): everyone but the handler and admins reads only those copies.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_shop_received", "shop_id", "received_at"),
        Index("ix_complaints_street_status", "street_id", "status"),
        Index("ix_complaints_phone", "consumer_phone"),
        # K7: the same content from the same phone within 30 minutes, found by one index (issue 18).
        Index("ix_complaints_same_content", "content_key", "consumer_phone", "received_at"),
        # The inspectors' queue reads open items only: by status (above), undecided reports here (Y3).
        Index("ix_complaints_street_report", "street_id", "report_status"),
        # A street's complaints received in a window (Y3): the partial days of a statistics period
        # (services.complaint_counts), today's new ones (admin landing), a quarter's export.
        Index("ix_complaints_street_received", "street_id", "received_at", "kind", "status", "outcome",
              "refusal_reason", "money_recovered_fen"),
        # Complaints that cost the shop a bad record (K5), by closing instant: the grading reads only
        # these, not every complaint ever filed (services/grade_batch.py). The predicate is spelled as
        # the query spells it, so both planners see the index applies.
        Index("ix_complaints_fault_closed", "closed_at", "shop_id", "refused_mediation",
              sqlite_where=text("shop_at_fault IS 1 OR refused_mediation IS 1"),
              postgresql_where=text("shop_at_fault IS true OR refused_mediation IS true")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    shop_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(12), default="complaint")
    carries_report: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(20), default="online")
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    submission_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    # K7: digest of the content (domain.complaints.content_key); the same phone sending the same
    # content again within RESUBMIT_WINDOW gets the first complaint back.
    content_key: Mapped[Optional[str]] = mapped_column(String(64))
    # A trader not in the register (street stall, new shop): named by the consumer, matched to a
    # shop by an inspector later (shop_id then set; the typed text stays as evidence).
    trader_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    trader_address: Mapped[str] = mapped_column(String(60), default="", server_default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    goods: Mapped[str] = mapped_column(String(200), default="")
    goods_category: Mapped[str] = mapped_column(String(40), default="")
    # "" or "broken_commitment" (承诺未兑现, SPEC §13 P2): a commitment the shop made was not kept.
    subject: Mapped[str] = mapped_column(String(24), default="", server_default="")
    amount_fen: Mapped[Optional[int]] = mapped_column(BigInteger)  # fen; 64-bit: up to 1亿 yuan
    purchased_on: Mapped[Optional[date]] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    demand: Mapped[str] = mapped_column(Text, default="")
    # Redacted copies (K6), made when the text is stored; see PUBLIC_COPIES.
    title_public: Mapped[str] = mapped_column(String(400), default="", server_default="")
    goods_public: Mapped[str] = mapped_column(String(400), default="", server_default="")
    description_public: Mapped[str] = mapped_column(Text, default="", server_default="")
    demand_public: Mapped[str] = mapped_column(Text, default="", server_default="")
    consumer_name: Mapped[str] = mapped_column(String(60), default="")
    consumer_phone: Mapped[str] = mapped_column(String(20), default="")
    card_serial: Mapped[Optional[int]]
    status: Mapped[str] = mapped_column(String(16), default="received")
    refusal_reason: Mapped[Optional[str]] = mapped_column(String(40))
    outcome: Mapped[Optional[str]] = mapped_column(String(20))  # agreement|no_agreement|withdrawn|referred
    remedy: Mapped[Optional[str]] = mapped_column(String(20))  # refund|exchange|repair|compensation
    money_recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    shop_at_fault: Mapped[bool] = mapped_column(Boolean, default=False)
    refused_mediation: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decide_by: Mapped[Optional[date]] = mapped_column(Date)
    mediate_by: Mapped[Optional[date]] = mapped_column(Date)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    handler_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reopened_count: Mapped[int] = mapped_column(default=0)
    # The report track (K2), handled separately from mediation.
    report_status: Mapped[Optional[str]] = mapped_column(String(16))
    report_decide_by: Mapped[Optional[date]] = mapped_column(Date)
    report_extended: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list["ComplaintEvent"]] = relationship(
        order_by="ComplaintEvent.at", cascade="all, delete-orphan"
    )
    pauses: Mapped[list["ComplaintPause"]] = relationship(
        order_by="ComplaintPause.paused_at", cascade="all, delete-orphan"
    )


class ComplaintPause(db.Model):
    """A paused clock (中止, SPEC K4): from ``paused_on`` until ``resumed_on`` (street-local dates,
    half-open; ``resumed_on`` None while still paused). Working days inside do not count."""

    __tablename__ = "complaint_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    paused_on: Mapped[date] = mapped_column(Date)
    resumed_on: Mapped[Optional[date]] = mapped_column(Date)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resumed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    paused_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    resumed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class ComplaintEvent(db.Model):
    """A step on a complaint's timeline: intake, acceptance, mediation note, outcome, reopen."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    note_public: Mapped[str] = mapped_column(Text, default="", server_default="")  # redacted copy (K6)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Photo(db.Model):
    """A re-encoded, metadata-stripped photo attached to a complaint or a patrol.

    A photo sent with a complaint form that came back (a validation error, the shop search) is
    *staged*: no complaint yet, ``staged_token`` = the form's one-time submission token, so the next
    submit of the same form attaches it; stale staged photos are purged daily.
    """

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaints.id"), index=True)
    patrol_id: Mapped[Optional[int]] = mapped_column(ForeignKey("patrols.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40), default="image/jpeg")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    staged_token: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    staged_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: Raw free-text field → its redacted copy (SPEC K6).
PUBLIC_COPIES = {"title": "title_public", "goods": "goods_public", "description": "description_public",
                 "demand": "demand_public"}


def public_copies(values, names: tuple[str, ...]) -> dict[str, str]:
    """The redacted copy of each free-text field in ``values`` (a mapping or an object), for
    ``PUBLIC_COPIES`` (K6): {"title_public": …, …}. ``names``: the consumer's own name(s)."""
    get = values.get if isinstance(values, dict) else (lambda k: getattr(values, k))
    return {public: redact(get(raw) or "", names) for raw, public in PUBLIC_COPIES.items()}


@event.listens_for(Complaint, "before_insert")
@event.listens_for(Complaint, "before_update")
def _write_public_copies(mapper, connection, target: Complaint) -> None:
    """Redact free text when it is stored, not when shown (K6), with the consumer's own name.
    (``services.complaints.store`` inserts with Core and writes the same ``public_copies``.)"""
    state = inspect(target)
    renamed = state.attrs.consumer_name.history.has_changes()
    names = (target.consumer_name or "",)
    for raw, public in PUBLIC_COPIES.items():
        if state.pending or renamed or state.attrs[raw].history.has_changes():
            setattr(target, public, redact(getattr(target, raw) or "", names))


@event.listens_for(ComplaintEvent, "before_insert")
@event.listens_for(ComplaintEvent, "before_update")
def _write_public_note(mapper, connection, target: ComplaintEvent) -> None:
    state = inspect(target)
    if state.pending or state.attrs.note.history.has_changes():
        name = connection.scalar(select(Complaint.consumer_name).where(Complaint.id == target.complaint_id))
        target.note_public = redact(target.note or "", [name or ""])
