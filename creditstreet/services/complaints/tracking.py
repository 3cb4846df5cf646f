"""Tracking by the consumer (SPEC K3, K6, K7): look-ups, confirming and reopening an outcome."""

import re
import secrets
import unicodedata
from datetime import datetime

from sqlalchemy import bindparam, func, inspect as sa_inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from ...domain import complaints as rules
from ...domain.errors import InvalidTransition, ValidationError
from ...domain.text import char_count, clean_text, normalize_phone
from ...domain.time import local_date
from ...extensions import db
from ...models import Complaint, ComplaintPause, Shop
from ...models.types import utcnow
from .. import audit, sql
from ..settings import rule_settings, work_calendar

from . import bad_records
from .common import _event, _snap, _step, _tz


# --- lookups -------------------------------------------------------------------------------------

_STORED_UNDER: list = []


def stored_under(token: str | None) -> tuple[Complaint, str | None] | None:
    """(the complaint stored under the submission ``token``, its shop's name or None), or None when
    there is none (K7): a replay's answer from one prepared statement — the complaint's columns, the
    shop's name, whether it has pauses — instead of four (issue 18). The complaint is an ORM object
    as if loaded; its pauses are known empty when it has none (else loaded when read)."""
    if not token:
        return None
    if not _STORED_UNDER:
        attrs = [p for p in sa_inspect(Complaint).column_attrs]
        has_pauses = select(ComplaintPause.id).where(ComplaintPause.complaint_id == Complaint.id).exists()
        _STORED_UNDER.append(([p.key for p in attrs], select(*[p.columns[0] for p in attrs], Shop.name, has_pauses)
                              .outerjoin(Shop, Shop.id == Complaint.shop_id)
                              .where(Complaint.submission_token == bindparam("token"))))
    keys, stmt = _STORED_UNDER[0]
    row = sql.run(stmt, {"token": token}).first()
    if row is None:
        return None
    c = sql.loaded(Complaint, dict(zip(keys, row)))
    if not row[-1] and "pauses" not in c.__dict__:
        set_committed_value(c, "pauses", [])
    return c, row[-2]


def find_for_tracking(code: object, phone: object) -> Complaint | None:
    """The complaint with this tracking code filed from this mobile, else None (SPEC K6, CASES K-15).

    ``phone``: the whole number the consumer gave (a mobile, or a landline with its area code) in any
    spelling ``normalize_phone`` reads (spaces, dashes, full-width digits, +86); the last 4 digits
    alone are not enough, because the masked phone shown to others ends with them (K6). A wrong
    pair and an unknown code give the same None.
    """
    # as people copy it: lower case, spaces, dashes (the way invitation codes are grouped), full width
    code = re.sub(r"[\s\-‐-―－_.]", "", unicodedata.normalize("NFKC", clean_text(code))).upper()
    try:
        whole = normalize_phone(phone)
    except ValidationError:
        return None
    if not code or len(code) > 20:
        return None
    c = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    if c is None or not c.consumer_phone or not secrets.compare_digest(c.consumer_phone, whole):
        return None
    return c


def get_by_code(code: str) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))


def earlier_complaints_count(phone: str, exclude_id: int | None = None) -> int:
    """How many other intakes came from the same normalised phone (CASES K-10; shown, never a rule)."""
    if not phone:
        return 0
    q = select(func.count(Complaint.id)).where(Complaint.consumer_phone == phone)
    if exclude_id is not None:
        q = q.where(Complaint.id != exclude_id)
    return db.session.scalar(q) or 0



def _window_open(c: Complaint, now: datetime) -> bool:
    settings = rule_settings(c.street_id)
    return c.closed_at is not None and rules.can_confirm_or_reopen(c.closed_at, now, settings)


def confirm_outcome(c: Complaint, now: datetime | None = None) -> Complaint:
    """The consumer confirms the outcome within the window (K3, default 15 days)."""
    now = now or utcnow()
    before = _snap(c)
    new = _step(c, "confirm")
    if not _window_open(c, now):
        raise InvalidTransition("已超过确认期限（办结后15天内）", code="window_closed")
    if c.confirmed_at is not None:
        raise InvalidTransition("您已确认过办理结果", code="already_confirmed")
    c.status, c.confirmed_at = new, now
    _event(c, None, "confirm", "", now)
    audit.record(None, "complaint.confirm", "complaint", c.id, before, _snap(c), actor_label="consumer")
    db.session.flush()
    return c


def reopen_complaint(c: Complaint, reason: str = "", now: datetime | None = None) -> Complaint:
    """The consumer reopens a closed complaint within the window (K3); mediation restarts."""
    now = now or utcnow()
    reason = (reason or "").replace("\r\n", "\n").strip()
    if char_count(reason) > 500:
        raise ValidationError("重新打开的理由不能超过500个字", code="too_long")
    if c.kind != "complaint":
        raise InvalidTransition("咨询已答复；如仍有疑问，请重新提交咨询或投诉", code="not_a_complaint")
    before = _snap(c)
    new = _step(c, "reopen")
    if not _window_open(c, now):
        raise InvalidTransition("已超过重新打开期限（办结后15天内）", code="window_closed")
    if c.confirmed_at is not None:
        raise InvalidTransition("您已确认办理结果，不能重新打开", code="already_confirmed")
    settings = rule_settings(c.street_id)
    c.status = new
    c.reopened_count += 1
    c.mediate_by = work_calendar().add_workdays(local_date(now, _tz(c)), settings.mediation_deadline_workdays)
    c.overdue = False
    _event(c, None, "reopen", reason, now)
    bad_records.withdraw(None, c, now)  # K5: the next closing decides afresh
    audit.record(None, "complaint.reopen", "complaint", c.id, before, _snap(c), actor_label="consumer")
    db.session.flush()
    return c
