"""Paused clocks (中止计时, SPEC K4; CASES K-20): an inspector pauses an item's running deadlines
with a reason from the fixed list and resumes them; the paused working days do not count.

While paused the item is never newly overdue (an item already overdue stays flagged: its "overdue"
freezes). On resuming, every running deadline moves by the working days paused. Pausing again with
another reason while paused ends the current pause that day and starts the next the same day, so
no day is counted twice or lost. Whether pausing is allowed is the setting ``pausing_allowed``;
resuming is always allowed.
"""
from datetime import datetime

from ...domain.errors import InvalidTransition
from ...domain.i18n import Msg, N_
from ...domain.pauses import pause_label, paused_workdays
from ...domain.time import local_date
from ...extensions import db
from ...models import Complaint, ComplaintPause, User
from ...models.types import utcnow
from .. import audit, notify
from ..settings import rule_settings, work_calendar

from .common import _event, _snap, _tz
from .deadlines import closed_pauses, open_pause, recompute_item, reflag, running_fields


def pausing_allowed() -> bool:
    """Whether the office allows pausing clocks (setting ``pausing_allowed``, K4)."""
    return bool(rule_settings().pausing_allowed)


def pause_workdays(pause: ComplaintPause) -> int:
    """Working days a lifted pause took off the clock (0 while it is still running)."""
    if pause.resumed_on is None:
        return 0
    return paused_workdays(work_calendar(), pause.paused_on, pause.resumed_on)


def pause_clock(actor: User, c: Complaint, reason: str, now: datetime | None = None) -> ComplaintPause:
    """Pause the item's running deadlines from today (local) with ``reason`` (K4 fixed list).

    Errors: ``ValidationError`` for a reason not on the list; ``InvalidTransition`` when pausing
    is switched off, nothing is running, or it is already paused for the same reason.
    """
    now = now or utcnow()
    label = pause_label(reason)
    if not pausing_allowed():
        raise InvalidTransition("按本单位设置，不允许中止计时", code="pausing_off")
    if not running_fields(c):
        raise InvalidTransition("此件没有正在计算的期限，无需中止计时", code="nothing_running")
    current = open_pause(c)
    if current is not None and current.reason == reason:
        raise InvalidTransition(Msg(N_("已因“%(label)s”中止计时"), label=Msg(label)), code="already_paused")
    before = _snap(c)
    if current is not None:  # another reason: end this pause today, the next starts today
        _resume(actor, c, now)
    pause = ComplaintPause(complaint_id=c.id, reason=reason, paused_on=local_date(now, _tz(c)), paused_at=now,
                           paused_by=actor.id if actor else None)
    db.session.add(pause)
    c.pauses.append(pause)
    _event(c, actor, "pause", label, now)
    db.session.flush()
    audit.record(actor, "complaint.pause", "complaint", c.id, before,
                 {**_snap(c), "pause": audit.snapshot(pause, ("reason", "paused_on"))})
    notify.complaint_event(c, "paused", now, detail=label)
    return pause


def resume_clock(actor: User, c: Complaint, now: datetime | None = None) -> Complaint:
    """Resume a paused item today (local); its running deadlines move by the working days paused.

    ``InvalidTransition`` when it is not paused.
    """
    now = now or utcnow()
    if open_pause(c) is None:
        raise InvalidTransition("此件没有中止计时", code="not_paused")
    before = _snap(c)
    pause = _resume(actor, c, now)
    audit.record(actor, "complaint.resume", "complaint", c.id, before,
                 {**_snap(c), "pause": audit.snapshot(pause, ("reason", "paused_on", "resumed_on"))})
    db.session.flush()
    return c


def _resume(actor: User | None, c: Complaint, now: datetime):
    pause = open_pause(c)
    today = local_date(now, _tz(c))
    old_pauses = closed_pauses(c)
    pause.resumed_on, pause.resumed_at = max(today, pause.paused_on), now
    pause.resumed_by = actor.id if actor else None
    cal = work_calendar()
    moved = recompute_item(c, cal, cal, old_pauses, closed_pauses(c))
    reflag(c, today)
    days = paused_workdays(cal, pause.paused_on, pause.resumed_on)
    dates = "；".join(f"{new.isoformat()}" for _old, new in moved.values())
    _event(c, actor, "resume", f"中止{days}个工作日" + (f"，期限顺延至{dates}" if dates else ""), now)
    db.session.flush()
    return pause
