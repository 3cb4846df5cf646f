"""Deadlines (SPEC K4, §3): overdue conditions, the daily flag, provisional (暂定) deadlines,
paused clocks (中止) and recomputing every open deadline when the calendar changes."""

from datetime import date, datetime

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import selectinload

from ...domain.i18n import Msg, N_
from ...domain.pauses import PAUSE_REASONS
from ...domain.time import local_date
from ...domain.workdays import WorkCalendar, is_overdue
from ...extensions import db
from ...models import Complaint, ComplaintEvent, ComplaintPause, Street
from ...models.types import utcnow
from .. import audit
from ..settings import work_calendar

from .common import _tz

#: The deadline fields, in the order they run (K4), with their Chinese names.
DEADLINE_FIELDS = ("decide_by", "mediate_by", "report_decide_by")
DEADLINE_LABELS = {"decide_by": N_("受理决定期限"), "mediate_by": N_("调解期限"), "report_decide_by": N_("举报决定期限")}


# --- daily job -----------------------------------------------------------------------------------

def _paused_now():
    """SQL: the item's clock is paused (an open ComplaintPause): it cannot become overdue (K4)."""
    return exists().where(ComplaintPause.complaint_id == Complaint.id, ComplaintPause.resumed_on.is_(None))


def _late_conditions(today: date):
    """SQL conditions (decide, mediate, report): a deadline before ``today`` is passed (K4, is_overdue),
    and the clock is not paused."""
    running = ~_paused_now()
    decide = and_(Complaint.kind == "complaint", Complaint.status == "received", Complaint.decide_by < today,
                  running)
    mediate = and_(Complaint.status.in_(("accepted", "mediating", "reopened")), Complaint.mediate_by < today,
                   running)
    report = and_(Complaint.report_status == "received", Complaint.report_decide_by < today, running)
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


def flag_overdue(now: datetime | None = None, street_id: int | None = None) -> OverdueCounts:
    """Flag open items whose deadline passed in their street's zone (K4); returns counts.

    Every street (the daily job), or only ``street_id`` (a street being loaded: the rest of the
    city is not read).

    ``counts["decide"]``: received complaints past decide_by; ``"mediate"``: accepted/mediating/
    reopened past mediate_by; ``"report"``: reports still undecided past report_decide_by;
    ``"flagged"`` (also the int value) = rows newly marked overdue. Set-based, one UPDATE per street.
    """
    now = now or utcnow()
    counts = {"decide": 0, "mediate": 0, "report": 0, "flagged": 0}
    streets = select(Street) if street_id is None else select(Street).where(Street.id == street_id)
    for street in db.session.scalars(streets):
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
    """Whether any of the item's open deadlines passed (for display; K4). A paused clock is never
    newly overdue (its deadline moves when it resumes)."""
    if open_pause(c) is not None:
        return False
    if c.kind == "complaint" and c.status == "received" and c.decide_by and is_overdue(c.decide_by, today):
        return True
    if c.status in ("accepted", "mediating", "reopened") and c.mediate_by and is_overdue(c.mediate_by, today):
        return True
    return bool(c.report_status == "received" and c.report_decide_by and is_overdue(c.report_decide_by, today))


def running_fields(c: Complaint) -> list[str]:
    """The names of the deadline fields still running for the item, in DEADLINE_FIELDS order."""
    out = []
    if c.kind == "complaint" and c.status == "received" and c.decide_by:
        out.append("decide_by")
    if c.status in ("accepted", "mediating", "reopened") and c.mediate_by:
        out.append("mediate_by")
    if c.report_status == "received" and c.report_decide_by:
        out.append("report_decide_by")
    return out


def open_deadlines(c: Complaint) -> list[date]:
    """The deadlines still running for the item (decide, mediate, report)."""
    return [getattr(c, f) for f in running_fields(c)]


#: The provisional-deadline sentence; ``%(years)s`` is the years joined by "、" (the web translates it).
CALENDAR_WARNING = N_("暂定：%(years)s年节假日安排尚未录入，期限暂按周末推算，录入后自动重算")


def provisional_years(c: Complaint, calendar: WorkCalendar | None = None, tz: str | None = None) -> list[int]:
    """SPEC §3: the years without the official holiday schedule that a running deadline of ``c``
    falls in or counts across ([] when every year from the start of the count to the deadline is
    complete). ``calendar``: pass one for many items; ``tz``: the street's zone (None: read it)."""
    deadlines = open_deadlines(c)
    if not deadlines:
        return []
    start = local_date(c.received_at, tz or _tz(c)).year if c.received_at else min(d.year for d in deadlines)
    return list((calendar or work_calendar()).incomplete_years(range(start, max(d.year for d in deadlines) + 1)))


def calendar_warning(c: Complaint, calendar: WorkCalendar | None = None, tz: str | None = None) -> str:
    """SPEC §3: a provisional (暂定) deadline's one-line Chinese reason (``CALENDAR_WARNING``), or ""
    when every year from the start of the count to the deadline is complete (arguments as
    ``provisional_years``)."""
    years = provisional_years(c, calendar, tz)
    return CALENDAR_WARNING % {"years": "、".join(str(y) for y in years)} if years else ""


# --- paused clocks (K4) --------------------------------------------------------------------------

def open_pause(c: Complaint) -> ComplaintPause | None:
    """The item's pause still in force, or None."""
    return next((p for p in c.pauses if p.resumed_on is None), None)


def closed_pauses(c: Complaint) -> list[tuple[date, date]]:
    """The item's lifted pauses as [paused_on, resumed_on) local date ranges."""
    return [(p.paused_on, p.resumed_on) for p in c.pauses if p.resumed_on is not None]


def pause_note(c: Complaint) -> str:
    """One line for a paused item: "已中止计时（待检验检测），自2026-03-09起；恢复后期限顺延", or ""."""
    p = open_pause(c)
    if p is None or not running_fields(c):  # closed while paused: nothing is waiting any more
        return ""
    reason = Msg(PAUSE_REASONS[p.reason]) if p.reason in PAUSE_REASONS else p.reason
    return Msg(N_("已中止计时（%(reason)s），自%(date)s起；恢复后期限顺延"), reason=reason, date=p.paused_on.isoformat())


# --- recomputing (SPEC §3, K4) -------------------------------------------------------------------

def deadline_start(c: Complaint, field: str, office_starts: dict | None = None) -> date | None:
    """The local date a deadline counts from: receipt (decide, report) or the latest acceptance or
    reopening (mediation; a reopening restarts the mediation period, K3). ``office_starts``:
    complaint id → the instant the office's track began after early settlement, fetched in bulk."""
    tz = _tz(c)
    if field == "decide_by":
        from ..merchant.settlement import office_start  # after early settlement, K3 starts then (M2)

        started = office_starts.get(c.id) if office_starts is not None else office_start(c)
        if started is not None:
            return local_date(started, tz)
    if field in ("decide_by", "report_decide_by"):
        return local_date(c.received_at, tz) if c.received_at else None
    instants = [c.accepted_at] + [e.at for e in c.events if e.kind == "reopen"]
    instants = [i for i in instants if i is not None]
    return local_date(max(instants), tz) if instants else None


def recompute_item(c: Complaint, old_cal: WorkCalendar, new_cal: WorkCalendar,
                   old_pauses: list[tuple[date, date]], new_pauses: list[tuple[date, date]],
                   office_starts: dict | None = None) -> dict:
    """Move the item's running deadlines from (old calendar, old pauses) to (new, new).

    Each keeps its number of working days: n = working days from its start to the old deadline
    on the old calendar outside the old pauses; the new deadline is the n-th working day after the
    start on the new calendar outside the new pauses (an extension stays in n: add_workdays
    composes). Sets the fields; returns {field: (old date, new date)} for those that moved.
    """
    moved = {}
    for field in running_fields(c):
        old, start = getattr(c, field), deadline_start(c, field, office_starts)
        if start is None or old < start:
            continue
        n = old_cal.workdays_between(start, old, old_pauses)
        new = new_cal.add_workdays(start, n, new_pauses)
        if new != old:
            setattr(c, field, new)
            moved[field] = (old, new)
    return moved


def reflag(c: Complaint, today: date) -> str:
    """Set the overdue flag from the deadlines as they now are: "flagged" when the item became
    overdue, "cleared" when it no longer is, "" when unchanged."""
    late = is_item_overdue(c, today)
    if late and not c.overdue:
        c.overdue = True
        return "flagged"
    if c.overdue and not late and open_pause(c) is None:
        c.overdue = False
        return "cleared"
    return ""


def _open_items():
    return (select(Complaint).where(or_(Complaint.status.not_in(("closed", "refused")),
                                        Complaint.report_status == "received"))
            .options(selectinload(Complaint.pauses), selectinload(Complaint.events)).order_by(Complaint.id))


def recompute_open_deadlines(actor, old_cal: WorkCalendar, new_cal: WorkCalendar, cause: str,
                             now: datetime | None = None) -> dict:
    """After a calendar change (SPEC §3): every open item's running deadlines recomputed on the
    new calendar, in the caller's transaction. Each moved item gets an audit entry with the old and
    new dates and ``cause``; an item the change makes overdue is flagged at once.

    Returns {"items": moved items, "flagged": [tracking codes newly overdue], "cleared": [...]}.
    """
    now = now or utcnow()
    out = {"items": 0, "flagged": [], "cleared": []}
    from ...models import Settlement

    office_starts = dict(db.session.execute(select(Settlement.complaint_id, Settlement.ended_at).where(
        Settlement.status.in_(("declined", "expired", "requested")))).all())
    events: list[dict] = []
    with db.session.no_autoflush:  # one flush at the end, not one per lazy load
        for c in db.session.scalars(_open_items()).all():
            _recompute_one(actor, c, old_cal, new_cal, cause, now, out, office_starts, events)
    db.session.flush()
    if events:  # one INSERT; the note is dates and labels only, so its public copy is itself (K6)
        db.session.execute(insert(ComplaintEvent), events)
    return out


def _recompute_one(actor, c: Complaint, old_cal: WorkCalendar, new_cal: WorkCalendar, cause: str,
                   now: datetime, out: dict, office_starts: dict, events: list) -> None:
    """Recompute one item (see ``recompute_open_deadlines``); counts into ``out``."""
    pauses = closed_pauses(c)
    moved = recompute_item(c, old_cal, new_cal, pauses, pauses, office_starts)
    if not moved:
        return
    out["items"] += 1
    change = reflag(c, local_date(now, _tz(c)))
    if change:
        out[change].append(c.tracking_code)
    note = "；".join(f"{DEADLINE_LABELS[f]} {old.isoformat()} → {new.isoformat()}"
                    for f, (old, new) in moved.items()) + f"（{cause}）"
    events.append({"complaint_id": c.id, "actor_id": actor.id if actor else None, "kind": "recompute",
                   "note": note, "note_public": note, "at": now})
    audit.record(actor, "complaint.deadlines_recomputed", "complaint", c.id,
                 {f: old.isoformat() for f, (old, _new) in moved.items()},
                 {**{f: new.isoformat() for f, (_old, new) in moved.items()}, "cause": cause,
                  "overdue": c.overdue})
