"""Admin: rule settings (SPEC "default" values) and the working-day calendar overrides (SPEC §3).

Every change goes through services.settings, which validates the whole set and audits before/after.
"""
import unicodedata
from datetime import date

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ...domain.i18n import N_
from ...domain.settings import LABELS
from ...extensions import db
from ...models import CalendarDay, utcnow
from ...services import calendar as calendar_service
from ...services import settings as settings_service
from ..roles import city_rules_writer, keeps_input
from ..scope import committing, shown_message
from . import bp

EDITABLE = [k for k in LABELS if k != "version"]
KIND_LABELS = {"holiday": N_("节假日（不上班）"), "workday": N_("工作日（调休上班）"), "clear": N_("取消特别设置")}


def _settings_form_class():
    attrs = {k: StringField(_l(LABELS[k]), validators=[DataRequired(_l("请填写"))]) for k in EDITABLE}
    return type("SettingsForm", (FlaskForm,), attrs)


class CalendarForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired(_l("请选择日期"))])
    kind = SelectField(_l("设为"), choices=[(k, _l(v)) for k, v in KIND_LABELS.items()])
    note = StringField(_l("说明（如：2031年国庆调休）"), validators=[Length(max=200)])


def _page(form, cal_form, status=200):
    current = settings_service.rule_settings()
    cal = settings_service.work_calendar()
    this_year = utcnow().astimezone(current.zone).year
    years = list(range(this_year - 1, this_year + 3))
    days = db.session.scalars(select(CalendarDay).order_by(CalendarDay.day)).all()
    return render_template(
        "admin/settings.html", form=form, cal_form=cal_form, keys=EDITABLE, version=current.version,
        incomplete=cal.incomplete_years(years), years=years, days=days, kinds=KIND_LABELS,
    ), status


@bp.route("/settings", methods=["GET", "POST"])
@city_rules_writer
@keeps_input
def settings():
    current = settings_service.rule_settings().to_mapping()
    form = _settings_form_class()(data=None if request.method == "POST" else current)
    if not g.get("redisplay_only") and form.validate_on_submit():
        typed = {k: unicodedata.normalize("NFKC", form[k].data).strip() for k in EDITABLE}  # ２／３ → 2/3
        changes = {k: v for k, v in typed.items() if v != current[k]}
        with committing(flash_error=False) as done:
            settings_service.update_settings(current_user, changes)
        if not done.ok:
            field_errors = getattr(done.exception, "errors", None) or {}
            for key, message in field_errors.items():
                if key in form:  # each error next to its field; the typed values stay in the form
                    form[key].errors = [*form[key].errors, shown_message(message)]
            shown = [k for k in field_errors if k in form]
            flash(ngettext("有 %(num)s 项设置无效，请按各项下方的提示修改", "有 %(num)s 项设置无效，请按各项下方的提示修改",
                           len(shown)) if shown else gettext(done.error), "danger")
            return _page(form, CalendarForm(formdata=None), 400)
        flash(ngettext("已保存 %(num)s 项设置", "已保存 %(num)s 项设置", len(changes)) if changes else gettext("设置没有变化"),
              "success")
        return redirect(url_for("admin.settings"))
    return _page(form, CalendarForm(formdata=None))


@bp.route("/settings/calendar", methods=["POST"])
@city_rules_writer
@keeps_input
def settings_calendar():
    cal_form = CalendarForm()
    if not g.get("redisplay_only") and cal_form.validate_on_submit():
        kind = None if cal_form.kind.data == "clear" else cal_form.kind.data
        day: date = cal_form.day.data
        with committing() as done:
            summary = calendar_service.set_day(current_user, day, kind, (cal_form.note.data or "").strip())
        if done.ok:
            flash(gettext("已将 %(day)s 设为%(kind)s；重算 %(items)s 件未办结事项的期限，新逾期 %(flagged)s 件",
                          day=day.isoformat(), kind=gettext(KIND_LABELS[cal_form.kind.data]), items=summary["items"],
                          flagged=len(summary["flagged"])), "success")
            return redirect(url_for("admin.settings"))
    current = settings_service.rule_settings().to_mapping()
    return _page(_settings_form_class()(formdata=None, data=current), cal_form, 400)
