"""The admin landing page's figures of the day (issue 17, Admins), per street or city-wide.

``day_figures(street_ids, now)``: complaints received today, items overdue, deadlines falling due
this week (today to Sunday) that are not yet overdue, and open rectifications. "Today" and "this
week" are local dates in each street's zone (SPEC §3); deadlines follow K4 (the same conditions as
the daily overdue flag, paused clocks excluded).

Open rectifications come from the patrol rectification model (issue 17, Inspectors); the count is
None only when no street is asked for.

``handler_figures(user, street, now)``: the inspector's own complaints, counted as the complaint
queue's "我承办的" list shows them (``complaints.handling.queue_query``): open, overdue (the queue's
overdue filter), and due this week by the same ``_due_between`` as the admin's figures.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, union

from ..domain.time import as_utc, local_date, local_midnight
from ..extensions import db
from ..models import Complaint, Street
from ..models.types import utcnow
from .complaints.deadlines import _late_conditions, _paused_now


@dataclass(frozen=True)
class DayFigures:
    """Counts for one landing page; ``rectifications`` is None when there is no street."""

    today: date
    new_today: int
    overdue: int
    due_this_week: int
    rectifications: int | None


@dataclass(frozen=True)
class HandlerFigures:
    """One handler's complaints on a street (the inspector's landing page, issue 17)."""

    today: date
    open: int
    overdue: int
    due_this_week: int


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def handler_figures(user, street: Street, now: datetime | None = None) -> HandlerFigures:
    """The complaints ``user`` handles on ``street`` at ``now``: open (the queue's "我承办的": open
    items, undecided reports, unpaid fund payouts; not those with the shop first, M2), overdue (the
    queue's overdue filter: the daily flag or a passed K4 deadline), and due from today to Sunday
    (street-local dates) with the clock running — the admin page's "本周到期" condition.

    E.g. on Wednesday 2026-09-02 a received complaint due 2026-09-06 (Sunday) is due this week,
    one due 2026-09-07 is not, one due 2026-09-01 is overdue.
    """
    from .complaints.handling import queue_query

    now = as_utc(now or utcnow())
    today = local_date(now, street.timezone)
    sunday = today + timedelta(days=6 - today.weekday())
    mine = queue_query(street.id, handler_id=user.id, now=now)
    late = queue_query(street.id, handler_id=user.id, overdue_only=True, now=now)
    return HandlerFigures(today, _count(mine), _count(late), _count(mine.where(or_(*_due_between(today, sunday)))))


def _streets(street_ids: list[int] | None) -> list[Street]:
    stmt = select(Street).order_by(Street.id)
    if street_ids is not None:
        stmt = stmt.where(Street.id.in_(street_ids))
    return list(db.session.scalars(stmt))


def _due_between(first: date, last: date):
    """SQL conditions (decide, mediate, report): an open deadline (K4, the next one of the item) falls
    in [first, last] and its clock runs. Three conditions, each on an index with the street."""
    running = ~_paused_now()
    return (
        and_(Complaint.kind == "complaint", Complaint.status == "received", Complaint.decide_by.between(first, last),
             running),
        and_(Complaint.status.in_(("accepted", "mediating", "reopened")), Complaint.mediate_by.between(first, last),
             running),
        and_(Complaint.report_status == "received", Complaint.report_decide_by.between(first, last), running))


def _count_items(ids: list[int], conditions) -> int:
    """Items of the streets matching any of ``conditions``, each counted once.

    ``street AND (a OR b OR c)`` is asked as the UNION of ``street AND a``, … : each branch reads its
    own index — (street_id, status) or (street_id, report_status) — instead of the street's whole
    history (SQLite does not split such an OR itself); the UNION counts a complaint matching two
    branches (a complaint carrying a report, both late) once."""
    branches = union(*(select(Complaint.id).where(Complaint.street_id.in_(ids), c) for c in conditions))
    return db.session.scalar(select(func.count()).select_from(branches.subquery())) or 0


def open_rectifications(street_ids: list[int]) -> int:
    """Open rectifications (issue 17, Inspectors) of the streets' shops."""
    from ..models import Rectification, Shop

    stmt = select(func.count()).select_from(Rectification).join(Shop, Shop.id == Rectification.shop_id).where(
        Rectification.closed_at.is_(None), Shop.street_id.in_(street_ids))
    return db.session.scalar(stmt) or 0


def day_figures(street_ids: list[int] | None = None, now: datetime | None = None) -> DayFigures:
    """The figures of ``now``'s local day for the streets (None: every street).

    Streets sharing a time zone share "today", so each zone is three counts whatever the number of
    streets (a city of 300 streets on one zone: three queries, not 900), each on indexes."""
    now = as_utc(now or utcnow())
    streets = _streets(street_ids)
    zones: dict[str, list[int]] = {}
    for street in streets:
        zones.setdefault(street.timezone, []).append(street.id)
    new = overdue = due = 0
    today = None
    for tz, ids in zones.items():
        today = local_date(now, tz)
        start = local_midnight(today, tz)
        end = local_midnight(today + timedelta(days=1), tz)
        sunday = today + timedelta(days=6 - today.weekday())
        mine = Complaint.street_id.in_(ids)
        new += db.session.scalar(select(func.count(Complaint.id)).where(
            mine, Complaint.received_at >= as_utc(start), Complaint.received_at < as_utc(end))) or 0
        overdue += _count_items(ids, _late_conditions(today))
        due += _count_items(ids, _due_between(today, sunday))
    rect = open_rectifications([s.id for s in streets]) if streets else None
    return DayFigures(today or local_date(now, "Asia/Shanghai"), new, overdue, due, rect)
