"""What each reader of a complaint is given (SPEC K6): view models, not the stored row.

Everyone but the handling inspector and admins — the public tracking page and JSON, other
inspectors' queue, detail and register pages, supervisors, merchants, exports and PDFs — gets a
``ComplaintView`` made by ``public_view``: its text fields hold the redacted copies written when the
text was stored (``Complaint.*_public``, ``ComplaintEvent.note_public``) and name and phone are
masked. It has no attribute that holds raw text, so a template given one cannot print what it
was never given. ``handler_view`` fills the same shape from the raw fields, for the handler and
admins only; ``view_for`` picks one by the reader. Shorten a view's text (``summary``), never the
raw text: redaction comes first.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from ...domain.redact import redact, shorten
from ...domain.text import mask_name, mask_phone
from ...models import Complaint, User
from .handling import can_see_personal_data

__all__ = ["ComplaintView", "EventView", "public_view", "handler_view", "view_for", "RAW_FIELDS"]

#: Stored fields that hold what a consumer typed or who they are (K6): never copied into a public view.
RAW_FIELDS = ("title", "goods", "description", "demand", "consumer_name", "consumer_phone", "note",
              "trader_name", "trader_address")


@dataclass(frozen=True, slots=True)
class EventView:
    """One step of the timeline: ``note`` is the redacted copy unless the view is personal."""

    at: datetime
    kind: str
    note: str


@dataclass(frozen=True, slots=True)
class ComplaintView:
    """A complaint as one reader may see it. ``personal`` is True only for the handler and admins;
    then ``title``/``goods``/``description``/``demand`` are as typed and name/phone in full, else
    the redacted copies and ``王**`` / ``138****8000``. Money in fen; instants UTC."""

    personal: bool
    id: int
    street_id: int
    shop_id: int | None
    kind: str
    carries_report: bool
    channel: str
    subject: str
    tracking_code: str
    status: str
    refusal_reason: str | None
    outcome: str | None
    remedy: str | None
    money_recovered_fen: int
    amount_fen: int | None
    purchased_on: date | None
    goods_category: str
    card_serial: int | None
    shop_at_fault: bool
    refused_mediation: bool
    received_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None
    confirmed_at: datetime | None
    decide_by: date | None
    mediate_by: date | None
    overdue: bool
    handler_id: int | None
    reopened_count: int
    report_status: str | None
    report_decide_by: date | None
    report_extended: bool
    title: str
    goods: str
    description: str
    demand: str
    consumer_name: str
    consumer_phone: str
    trader_name: str
    trader_address: str
    events: tuple[EventView, ...]
    pauses: tuple = ()  # ComplaintPause rows (reasons and dates only, K4); empty in lists

    def summary(self, limit: int = 40) -> str:
        """The title, or the start of the description, cut after redaction (K6)."""
        return shorten(self.title or self.description, limit)


_COPIED = tuple(f.name for f in fields(ComplaintView)
                if f.name not in ("personal", "events", "pauses", *RAW_FIELDS))


def _view(c: Complaint, personal: bool, with_events: bool = True) -> ComplaintView:
    common = {name: getattr(c, name) for name in _COPIED}
    if personal:
        text = {"title": c.title, "goods": c.goods, "description": c.description, "demand": c.demand,
                "consumer_name": c.consumer_name or "匿名", "consumer_phone": c.consumer_phone,
                "trader_name": c.trader_name or "", "trader_address": c.trader_address or ""}
        events = tuple(EventView(e.at, e.kind, e.note) for e in c.events) if with_events else ()
    else:
        text = {"title": c.title_public, "goods": c.goods_public, "description": c.description_public,
                "demand": c.demand_public, "consumer_name": mask_name(c.consumer_name),
                "consumer_phone": mask_phone(c.consumer_phone),
                # a trader the consumer named (not in the register): short, redacted as read
                "trader_name": redact(c.trader_name or "", [c.consumer_name or ""]),
                "trader_address": redact(c.trader_address or "", [c.consumer_name or ""])}
        events = tuple(EventView(e.at, e.kind, e.note_public) for e in c.events) if with_events else ()
    pauses = tuple(getattr(c, "pauses", ())) if with_events else ()
    return ComplaintView(personal=personal, events=events, pauses=pauses, **common, **text)


def public_view(c: Complaint, *, with_events: bool = True) -> ComplaintView:
    """The complaint for anyone but the handler and admins: redacted copies, masked name and phone (K6).
    ``with_events=False`` leaves the timeline out (lists: one query less per item)."""
    return _view(c, False, with_events)


def handler_view(c: Complaint, *, with_events: bool = True) -> ComplaintView:
    """The complaint as stored, for the handling inspector and admins only (K6)."""
    return _view(c, True, with_events)


def view_for(user: User | None, c: Complaint, *, with_events: bool = True) -> ComplaintView:
    """``handler_view`` for the handler and admins, ``public_view`` for everyone else (K6)."""
    return (handler_view if can_see_personal_data(user, c) else public_view)(c, with_events=with_events)
