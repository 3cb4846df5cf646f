"""The working-day calendar as the office keeps it (SPEC §3, K4): entering a year from the State
Council's notice, date-by-date corrections, recomputing every open deadline, the reminder.

Every change runs in the caller's transaction (flush, never commit): the calendar rows, the
audit entry with before/after, and the recomputed deadlines of every open item
(``complaints.recompute_open_deadlines``) are committed together or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select

from ..domain.errors import ValidationError
from ..domain.holiday_notice import NoticeSchedule, read_notice
from ..domain.time import local_date
from ..domain.workdays import WorkCalendar
from ..extensions import db
from ..models import CalendarDay, CalendarYear, User
from ..models.types import utcnow
from . import audit
from .settings import rule_settings, set_calendar_day, work_calendar


def preview(text: str, year: int | None = None) -> NoticeSchedule:
    """Read a pasted notice without storing anything (``ValidationError`` as ``read_notice``)."""
    return read_notice(text, year)


def confirm_year(actor: User | None, text: str, year: int | None = None, *, accept_problems: bool = False,
                 now: datetime | None = None) -> tuple[NoticeSchedule, dict]:
    """Store the year read from the notice and mark it complete (SPEC §3); recompute deadlines.

    The year's earlier entries are replaced by the notice's (a December day the notice names for
    the year before, as 2018-12-29 in the 2019 notice, is set too). Refused (``ValidationError``)
    when the reading had problems and ``accept_problems`` is False. Returns (schedule, the
    recompute summary of ``recompute_open_deadlines``).
    """
    schedule = read_notice(text, year)
    if schedule.problems and not accept_problems:
        raise ValidationError("通知中有未能读懂或对不上的内容，请先核对（或勾选“已逐条核对”）再确认",
                              code="notice_problems")
    if not schedule.holidays and not schedule.workdays:
        raise ValidationError("没有从通知中读出任何日期，不能确认", code="notice_empty")
    old_cal = work_calendar()
    y = schedule.year
    first, last = date(y, 1, 1), date(y, 12, 31)
    before_rows = db.session.scalars(select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last))
    before = {r.day.isoformat(): r.kind for r in before_rows}
    db.session.execute(delete(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last))
    for kind, days in (("holiday", schedule.holidays), ("workday", schedule.workdays)):
        for day, name in days.items():
            row = db.session.get(CalendarDay, day)
            note = f"{y}年通知：{name}"[:200]
            if row is None:
                db.session.add(CalendarDay(day=day, kind=kind, note=note))
            else:
                row.kind, row.note = kind, note
    row = db.session.get(CalendarYear, y)
    had_year = row is not None
    if row is None:
        row = CalendarYear(year=y)
        db.session.add(row)
    row.notice_text, row.confirmed_at, row.confirmed_by = text, now or utcnow(), actor.id if actor else None
    db.session.flush()
    new_cal = work_calendar()  # validates the whole table (a day both holiday and workday)
    after = {**{d.isoformat(): "holiday" for d in schedule.holidays},
             **{d.isoformat(): "workday" for d in schedule.workdays}}
    audit.record(actor, "calendar.confirm_year", "calendar_year", y,
                 {"complete": had_year, "days": before}, {"complete": True, "days": after,
                                                          "problems_accepted": list(schedule.problems)})
    summary = recompute_open_deadlines(actor, old_cal, new_cal, f"已录入{y}年节假日安排", now)
    return schedule, summary


def set_day(actor: User | None, day: date, kind: str | None, note: str = "",
            now: datetime | None = None) -> dict:
    """Correct one date (holiday / workday / None = clear) and recompute every open deadline."""
    old_cal = work_calendar()
    set_calendar_day(actor, day, kind, note)
    new_cal = work_calendar()  # ValidationError when the table contradicts itself
    return recompute_open_deadlines(actor, old_cal, new_cal, f"工作日历修改 {day.isoformat()}", now)


def recompute_open_deadlines(actor, old_cal: WorkCalendar, new_cal: WorkCalendar, cause: str,
                             now: datetime | None = None) -> dict:
    """Recompute every open item's deadlines (``complaints.recompute_open_deadlines``) and audit
    the run as a whole."""
    from . import complaints

    summary = complaints.recompute_open_deadlines(actor, old_cal, new_cal, cause, now)
    summary["merchant"] = _recompute_merchant_deadlines(actor, old_cal, new_cal, cause)
    audit.record(actor, "calendar.recompute", "calendar", None, None, {"cause": cause, **summary})
    return summary


def _recompute_merchant_deadlines(actor, old_cal: WorkCalendar, new_cal: WorkCalendar, cause: str) -> int:
    """The shops' running deadlines too (SPEC M2 settle_by, M4/M5 decide_by), by the same rule as
    complaints: the working days from the start to the old date, counted again on the new calendar.
    Each moved row is audited with old and new dates; returns how many moved."""
    from ..models import CreditRepair, Objection, Settlement
    from .merchant.common import local_day

    moved = 0
    for model, field, started, open_states in ((Settlement, "settle_by", "started_at", ("open", "proposed")),
                                               (Objection, "decide_by", "filed_at", ("pending",)),
                                               (CreditRepair, "decide_by", "filed_at", ("pending",))):
        for row in db.session.scalars(select(model).where(model.status.in_(open_states)).order_by(model.id)):
            old, start = getattr(row, field), local_day(getattr(row, started), row.shop_id)
            if old is None or old < start:
                continue
            new = new_cal.add_workdays(start, old_cal.workdays_between(start, old))
            if new != old:
                setattr(row, field, new)
                moved += 1
                audit.record(actor, f"{model.__tablename__}.deadline_recomputed", model.__tablename__, row.id,
                             {field: old.isoformat()}, {field: new.isoformat(), "cause": cause})
    db.session.flush()
    return moved


@dataclass(frozen=True)
class YearStatus:
    """How one year's working days are known: ``source`` "office" (entered from the notice),
    "library" (chinese_calendar) or "" (weekends only: incomplete); ``disagreements`` lists
    (day, office says workday, library says workday) where both know the year and differ."""

    year: int
    source: str
    disagreements: tuple[tuple[date, bool, bool], ...] = ()

    @property
    def complete(self) -> bool:
        return bool(self.source)


def year_statuses(years, cal: WorkCalendar | None = None) -> list[YearStatus]:
    """The status of each year, in order (SPEC §3; issue 14 item 6: shown, never resolved)."""
    cal = cal or work_calendar()
    out = []
    for y in years:
        source = "office" if y in cal.office_years else ("library" if cal.library_covers(y) else "")
        out.append(YearStatus(y, source, tuple(cal.library_disagreements(y))))
    return out


def reminder_year(now: datetime | None = None, timezone: str | None = None) -> int | None:
    """The year to remind about (SPEC §3): next year, from ``calendar_reminder_from`` (default
    1 November) while it is incomplete; otherwise None."""
    settings = rule_settings()
    today = local_date(now or utcnow(), timezone or settings.timezone)
    month, day = settings.reminder_month_day
    if today < date(today.year, month, day) or work_calendar().is_complete(today.year + 1):
        return None
    return today.year + 1


def reminder(now: datetime | None = None, timezone: str | None = None) -> str:
    """The reminder as one Chinese sentence (for the daily job's log), or ""."""
    nxt = reminder_year(now, timezone)
    if nxt is None:
        return ""
    return (f"{nxt}年的节假日安排尚未录入：国务院办公厅发布《关于{nxt}年部分节假日安排的通知》后，"
            "请在“工作日历”页粘贴通知全文并确认。在此之前，跨入该年的期限均为暂定。")
