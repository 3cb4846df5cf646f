"""Admin: the working-day calendar (SPEC §3; issue 14). Paste the State Council's notice, check the
year shown as a calendar with anything unread named, confirm; every open deadline is recomputed in
the same transaction. Also: which years are complete and from where, and where the office's entries
disagree with a later chinesecalendar release (shown, never resolved).
"""
import calendar as stdcal
from datetime import date

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ...domain.holiday_notice import MAX_NOTICE_CHARS, NoticeSchedule
from ...extensions import db
from ...models import CalendarDay, utcnow
from ...services import calendar as cal_service
from ...services import settings as settings_service
from ..roles import city_rules_writer, keeps_input
from ..scope import committing
from . import bp

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def _this_year() -> int:
    return utcnow().astimezone(settings_service.rule_settings().zone).year


class NoticeForm(FlaskForm):
    year = SelectField(_l("年份"), coerce=int)
    text = TextAreaField(_l("通知全文"), validators=[DataRequired(_l("请粘贴通知全文")),
                                             Length(max=MAX_NOTICE_CHARS, message=_l("通知文字过长"))])
    accept_problems = BooleanField(_l("未能读懂的内容我已逐条核对，确认按上面的日历录入"))


def _form(data=None) -> NoticeForm:
    form = NoticeForm(formdata=None if data is False else request.form if request.method == "POST" else None)
    this = _this_year()
    form.year.choices = [(0, _l("按通知标题中的年份"))] + [(y, _l("%(year)s年", year=y)) for y in range(this - 1, this + 3)]
    if form.year.data is None:
        form.year.data = 0
    return form


def year_grid(year: int, is_workday, names: dict[date, str]) -> list[dict]:
    """Twelve months of weeks (Monday first) for the page: each day with its kind and title."""
    months = []
    for month in range(1, 13):
        weeks = []
        for week in stdcal.Calendar(0).monthdatescalendar(year, month):
            row = []
            for d in week:
                if d.month != month:
                    row.append(None)
                    continue
                work = is_workday(d)
                kind = ("makeup" if work and d.weekday() >= 5 else "holiday" if not work and d.weekday() < 5
                        else "weekend" if not work else "work")
                row.append({"day": d, "kind": kind, "name": names.get(d, "")})
            weeks.append(row)
        months.append({"month": month, "weeks": weeks})
    return months


def _preview_grid(schedule: NoticeSchedule) -> list[dict]:
    def is_workday(d):
        return d in schedule.workdays or (d not in schedule.holidays and d.weekday() < 5)

    return year_grid(schedule.year, is_workday, {**schedule.holidays, **schedule.workdays})


def _page(form, schedule=None, status=200, error=None):
    cal = settings_service.work_calendar()
    this = _this_year()
    shown = request.args.get("year", type=int) or this + 1
    if not 2000 <= shown <= 2200:
        shown = this + 1
    names = {r.day: r.note for r in db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(shown, 1, 1), CalendarDay.day <= date(shown, 12, 31)))}
    return render_template(
        "admin/calendar.html", form=form, schedule=schedule, error=error,
        preview=_preview_grid(schedule) if schedule else None,
        statuses=cal_service.year_statuses(range(this - 1, this + 3), cal),
        shown=shown, grid=year_grid(shown, cal.is_workday, names), shown_complete=cal.is_complete(shown),
        weekdays=WEEKDAYS, calendar_reminder=cal_service.reminder_year(),
    ), status


@bp.route("/calendar")
def calendar_page():
    return _page(_form(False))


@bp.route("/calendar/notice", methods=["POST"])
@city_rules_writer
@keeps_input
def calendar_notice():
    """Read the pasted notice and show it (button "preview"), or store it (button "confirm")."""
    form = _form()
    if g.get("redisplay_only") or not form.validate_on_submit():
        return _page(form, status=200 if g.get("redisplay_only") else 400)
    with committing(flash_error=False) as done:
        if request.form.get("action") != "confirm":
            return _page(form, cal_service.preview(form.text.data, form.year.data or None))
        schedule, summary = cal_service.confirm_year(current_user, form.text.data, form.year.data or None,
                                                     accept_problems=form.accept_problems.data)
    if not done.ok:
        schedule = None
        if done.code == "notice_problems":
            schedule = cal_service.preview(form.text.data, form.year.data or None)
        return _page(form, schedule, 400, done.error)
    flash(_("已录入%(y)s年节假日安排：放假%(h)s天、调休上班%(w)s天；重算%(n)s件未办结事项的期限，新逾期%(f)s件",
            y=schedule.year, h=len(schedule.holidays), w=len(schedule.workdays), n=summary["items"],
            f=len(summary["flagged"])), "success")
    return redirect(url_for("admin.calendar_page", year=schedule.year))
