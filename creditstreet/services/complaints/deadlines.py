"""Deadlines (SPEC K4, §3): overdue conditions, the daily flag, the calendar warning."""

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update

from ...domain.time import local_date
from ...domain.workdays import is_overdue
from ...extensions import db
from ...models import Complaint, Street
from ...models.types import utcnow
from .. import audit
from ..settings import work_calendar

from .common import _tz


# --- daily job -----------------------------------------------------------------------------------

def _late_conditions(today: date):
    """SQL conditions (decide, mediate, report): a deadline before ``today`` is passed (K4, is_overdue)."""
    decide = and_(Complaint.kind == "complaint", Complaint.status == "received", Complaint.decide_by < today)
    mediate = and_(Complaint.status.in_(("accepted", "mediating", "reopened")), Complaint.mediate_by < today)
    report = and_(Complaint.report_status == "received", Complaint.report_decide_by < today)
    return decide, mediate, report


def overdue_condition(today: date):
    """SQL: an open deadline of the item passed by ``today`` (same rule as ``is_item_overdue``)."""
    return or_(*_late_conditions(today))


class OverdueCounts(int):
    """The number of items newly flagged (an int, for the job's log), with ``counts`` per deadline."""

    counts: dict[str, int]

    def __new__(cls, counts: dict[str, int]):
        obj = super().__new__(cls, counts["flagged"])
        obj.counts = counts
        return obj


def flag_overdue(now: datetime | None = None) -> OverdueCounts:
    """Flag open items whose deadline passed in their street's zone (K4); returns counts.

    ``counts["decide"]``: received complaints past decide_by; ``"mediate"``: accepted/mediating/
    reopened past mediate_by; ``"report"``: reports still undecided past report_decide_by;
    ``"flagged"`` (also the int value) = rows newly marked overdue. Set-based, one UPDATE per street.
    """
    now = now or utcnow()
    counts = {"decide": 0, "mediate": 0, "report": 0, "flagged": 0}
    for street in db.session.scalars(select(Street)):
        decide, mediate, report = _late_conditions(local_date(now, street.timezone))
        base = Complaint.street_id == street.id
        for key, cond in (("decide", decide), ("mediate", mediate), ("report", report)):
            counts[key] += db.session.scalar(select(func.count(Complaint.id)).where(base, cond)) or 0
        res = db.session.execute(
            update(Complaint).where(base, Complaint.overdue.is_(False), or_(decide, mediate, report))
            .values(overdue=True).execution_options(synchronize_session=False))
        counts["flagged"] += res.rowcount or 0
    if counts["flagged"]:
        audit.record(None, "complaint.flag_overdue", "complaint", None, None, counts, actor_label="scheduler")
    db.session.flush()
    db.session.expire_all()
    return OverdueCounts(counts)


def is_item_overdue(c: Complaint, today: date) -> bool:
    """Whether any of the item's open deadlines passed (for display; K4)."""
    if c.kind == "complaint" and c.status == "received" and c.decide_by and is_overdue(c.decide_by, today):
        return True
    if c.status in ("accepted", "mediating", "reopened") and c.mediate_by and is_overdue(c.mediate_by, today):
        return True
    return bool(c.report_status == "received" and c.report_decide_by and is_overdue(c.report_decide_by, today))


def open_deadlines(c: Complaint) -> list[date]:
    """The deadlines still running for the item (decide, mediate, report)."""
    out = []
    if c.kind == "complaint" and c.status == "received" and c.decide_by:
        out.append(c.decide_by)
    if c.status in ("accepted", "mediating", "reopened") and c.mediate_by:
        out.append(c.mediate_by)
    if c.report_status == "received" and c.report_decide_by:
        out.append(c.report_decide_by)
    return out


def calendar_warning(c: Complaint) -> str:
    """SPEC §3: a running deadline in (or spanning) a year without the official holiday schedule
    is only an estimate; returns the Chinese warning, or "" when every year is covered."""
    deadlines = open_deadlines(c)
    if not deadlines:
        return ""
    start = local_date(c.received_at, _tz(c)).year if c.received_at else min(d.year for d in deadlines)
    years = work_calendar().incomplete_years(range(start, max(d.year for d in deadlines) + 1))
    if not years:
        return ""
    return f"节假日安排尚未公布（{'、'.join(str(y) for y in years)} 年），期限按周末推算，仅供参考"
