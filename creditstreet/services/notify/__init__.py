"""Notifications through an outbox (issue 17; SPEC K4 overdue flags, K6 privacy).

A change that should tell someone (a complaint accepted, refused, closed or paused; the morning's
overdue items) writes an ``OutboxMessage`` in the same transaction, so a rolled-back change sends
nothing and a committed one is never forgotten. ``deliver_due`` (a scheduler job, every minute)
sends what is due through the configured sender (``senders.sender_from_config``) and retries a
temporary failure with exponential backoff (1, 2, 4 … minutes, at most 1 hour apart) up to
``MAX_ATTEMPTS``; then, or on a permanent error, the message is ``failed``. Admins see every
message's state on /admin/notifications.

Consumer messages carry the tracking code and the new state only: never a name, a phone in the
text, a shop's reply or any free text (K6). Only mobile numbers get SMS; a landline gets none.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...domain.time import local_date
from ...extensions import db
from ...models import Complaint, OutboxMessage, Street, User
from ...models.types import utcnow
from .senders import ConsoleSender, SendResult, Sender, TencentSmsSender, sender_from_config  # noqa: F401

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)

#: Our template keys → (parameters in order, the text). The provider's templates must match.
TEMPLATES = {
    "complaint_accepted": "您的投诉（查询码{0}）已受理，工作人员将在期限内调解。凭查询码可查询进度。",
    "complaint_refused": "您的投诉（查询码{0}）不予受理，原因请凭查询码在查询页查看。",
    "complaint_closed": "您的投诉（查询码{0}）已办结。请凭查询码查看结果，{1}天内可确认或要求重新办理。",
    "complaint_paused": "您的投诉（查询码{0}）暂停计时：{1}。恢复后期限顺延，凭查询码可查看。",
    "overdue_digest": "{0}：您有{1}件投诉举报已逾期、{2}件本周到期，请登录系统处理。",
}
EVENTS = {"accepted": "complaint_accepted", "refused": "complaint_refused", "closed": "complaint_closed",
          "paused": "complaint_paused"}


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 1, 2, 4, 8 … minutes, ≤ 1 hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def is_mobile(phone: str | None) -> bool:
    return bool(phone) and bool(_MOBILE.fullmatch(phone))


def enqueue(phone: str, template: str, params: list, *, dedupe_key: str | None = None,
            street_id: int | None = None, complaint_id: int | None = None, user_id: int | None = None,
            now: datetime | None = None) -> OutboxMessage | None:
    """Queue one SMS (flushes); None for a non-mobile phone or an event already queued."""
    if not is_mobile(phone):
        return None
    if dedupe_key and db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    params = [str(p) for p in params]
    msg = OutboxMessage(phone=phone, template=template, params=params, body=TEMPLATES[template].format(*params),
                        dedupe_key=dedupe_key, street_id=street_id, complaint_id=complaint_id, user_id=user_id,
                        status="pending", attempts=0, next_attempt_at=now or utcnow(), created_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(msg)
            db.session.flush()
    except IntegrityError:  # the same event queued by a concurrent request
        return None
    return msg


def complaint_event(c: Complaint, event: str, now: datetime | None = None, detail: str = "") -> OutboxMessage | None:
    """Tell the consumer of ``c`` that it was accepted, refused, closed or paused (tracking code only).

    ``detail``: the pause reason's label for "paused". Queued once per event instant.
    """
    from ..settings import rule_settings

    now = now or utcnow()
    template = EVENTS[event]
    second = {"closed": rule_settings().confirm_window_days, "paused": detail}.get(event, "")
    params = [c.tracking_code] + ([second] if event in ("closed", "paused") else [])
    return enqueue(c.consumer_phone, template, params, street_id=c.street_id, complaint_id=c.id, now=now,
                   dedupe_key=f"complaint:{c.id}:{event}:{now.isoformat()}")


def queue_overdue_digests(now: datetime | None = None) -> int:
    """Each morning: every active inspector and admin with a mobile gets how many items are overdue
    and due within 7 days — an inspector their own and the unassigned ones of their street, an
    admin their street's (all streets for a city admin). Nothing is sent when both are zero."""
    from ..complaints import deadlines as dl

    now = now or utcnow()
    staff = db.session.scalars(select(User).where(User.role.in_(("inspector", "admin")), User.disabled.is_(False),
                                                  User.phone != "")).all()
    streets = {s.id: s for s in db.session.scalars(select(Street))}
    open_items = db.session.scalars(select(Complaint).where(Complaint.status.in_(("received", "accepted",
                                                                                   "mediating", "reopened")))).all()
    queued = 0
    for user in staff:
        mine = [c for c in open_items
                if (user.street_id is None or c.street_id == user.street_id)
                and (user.role == "admin" or c.handler_id in (None, user.id))]
        overdue = due_soon = 0
        for c in mine:
            street = streets.get(c.street_id)
            today = local_date(now, street.timezone if street else None)
            due = c.decide_by if c.status == "received" else c.mediate_by
            if c.overdue or dl.is_item_overdue(c, today):
                overdue += 1
            elif due is not None and today <= due <= today + timedelta(days=7):
                due_soon += 1
        if not (overdue or due_soon):
            continue
        day = local_date(now, None)
        msg = enqueue(user.phone, "overdue_digest", [f"{day.month}月{day.day}日", overdue, due_soon],
                      dedupe_key=f"digest:{user.id}:{day.isoformat()}", street_id=user.street_id, user_id=user.id,
                      now=now)
        queued += msg is not None
    return queued


def deliver_due(now: datetime | None = None, sender: Sender | None = None, limit: int = 100) -> dict[str, int]:
    """Send the pending messages that are due (flushes; the job commits). Returns counts by result."""
    from flask import current_app

    now = now or utcnow()
    sender = sender or sender_from_config(current_app.config)
    due = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending",
                                                         OutboxMessage.next_attempt_at <= now)
                             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    for msg in due:
        try:
            result = sender.send(msg.phone, msg.template, list(msg.params or []), msg.body)
        except Exception as e:  # a sender bug must not stop the queue; counted as a temporary failure
            result = SendResult(False, error=f"{type(e).__name__}: {e}")
        msg.attempts += 1
        if result.ok:
            msg.status, msg.sent_at, msg.provider_id, msg.last_error = "delivered", now, result.provider_id[:80], ""
            counts["delivered"] += 1
        elif result.permanent or msg.attempts >= MAX_ATTEMPTS:
            msg.status, msg.last_error = "failed", result.error[:500]
            counts["failed"] += 1
        else:
            msg.last_error, msg.next_attempt_at = result.error[:500], now + backoff(msg.attempts)
            counts["retry"] += 1
    db.session.flush()
    return counts


def retry_now(msg: OutboxMessage, now: datetime | None = None) -> None:
    """An admin sends a failed message again: pending, due now, attempts kept for the record."""
    msg.status, msg.next_attempt_at = "pending", now or utcnow()
    db.session.flush()


def set_staff_phone(actor: User | None, user: User, phone: str) -> User:
    """Set the mobile an inspector's or admin's overdue digests go to ("" clears it); audited.
    Raises ValidationError for anything but a mainland mobile number (CASES K-10 spellings accepted)."""
    from ...domain.text import clean_text, normalize_mobile
    from .. import audit

    before = {"phone": user.phone}
    user.phone = normalize_mobile(phone) if clean_text(phone) else ""
    db.session.flush()
    audit.record(actor, "user.phone", "user", user.id, before, {"phone": user.phone})
    return user
