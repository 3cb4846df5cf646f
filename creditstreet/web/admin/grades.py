"""Admin: credit grades per shop, A/B/C counts, and "立即重算" for a chosen quarter (SPEC G1–G4)."""
from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from ...domain.errors import DomainError
from ...domain.i18n import N_
from ...domain.grades import GRADE_LABELS
from ...domain.time import last_completed_quarter
from ...extensions import db
from ...models import GradeRun, Street, utcnow
from ...services import grading
from ..roles import keeps_input
from ..scope import shown_message, committing, current_street, get_or_404, is_city_wide
from . import bp


class RecomputeForm(FlaskForm):
    quarter = StringField(_l("季度（如 2026Q3）"), validators=[DataRequired(_l("请填写季度"))])
    street_id = SelectField(_l("商业街"), choices=[], validate_choice=False)


def _form() -> RecomputeForm:
    form = RecomputeForm()
    if is_city_wide():
        streets = db.session.scalars(select(Street).order_by(Street.id)).all()
        form.street_id.choices = [("", _l("全部商业街"))] + [(str(s.id), s.name) for s in streets]
    else:  # a street admin grades its own street only (SPEC Y2); "" stands for it
        form.street_id.choices = [("", current_street().name)]
    if not form.quarter.data:
        form.quarter.data = str(last_completed_quarter(utcnow(), current_app.config.get("STREET_TIMEZONE")))
    return form


def _page(form, error=None, status_code=200, preview=None):
    own = None if is_city_wide() else current_street().id  # a street admin sees its street (Y2)
    rows = grading.latest_grades(own, page=request.args.get("page", type=int))
    quarter, counts = grading.grade_counts(own)
    active = rows.total  # the list is the active shops (of the street): its count is theirs
    runs = db.session.scalars(select(GradeRun).where(*([] if own is None else [GradeRun.street_id == own]))
                              .order_by(GradeRun.id.desc()).limit(10)).all()
    zones = {s.id: s.timezone for s in db.session.scalars(
        select(Street).where(Street.id.in_({shop.street_id for shop, _ in rows.items})))}
    # 正式 = graded at the quarter's end (SPEC G1); 临时（按需） = the open quarter recomputed mid-quarter
    status = {shop.id: grading.official_label(g, zones.get(shop.street_id, "Asia/Shanghai")) for shop, g in rows.items}
    return render_template("admin/grades.html", form=form, rows=rows, counts=counts, quarter=quarter, active=active,
                           runs=runs,
                           labels=GRADE_LABELS, error=shown_message(error), status=status, preview=preview), status_code


@bp.route("/grades")
def grades():
    return _page(_form())


@bp.route("/grades/recompute", methods=["POST"])
@keeps_input
def grades_recompute():
    form = _form()
    # keeps_input re-calls this view when the CSRF token expired: show the form again, run nothing.
    if g.get("redisplay_only") or not form.validate_on_submit():
        return _page(form, status_code=400)
    chosen = form.street_id.data or ""
    if chosen not in {value for value, _ in form.street_id.choices}:
        return _page(form, error=N_("请从列表中选择商业街，或选“全部商业街”"), status_code=400)
    street_id = int(chosen) if chosen else (None if is_city_wide() else current_street().id)
    quarter_text = form.quarter.data.strip()
    try:
        unfinished = grading.is_unfinished(quarter_text, utcnow(), street_id)
        counts = grading.preview(quarter_text, utcnow(), street_id) if unfinished else None
    except DomainError as e:
        db.session.rollback()
        return _page(form, error=shown_message(e.message), status_code=400)
    if unfinished:  # an unfinished quarter is a preview only: nothing written, nothing dated in the future
        db.session.rollback()
        return _page(form, preview=(quarter_text, counts))
    with committing(flash_error=False) as done:
        run = grading.recompute(form.quarter.data.strip(), utcnow(), street_id=street_id, trigger="admin",
                                actor=current_user)
    if not done.ok:
        return _page(form, error=done.error, status_code=400)
    flash(gettext("已重算 %(quarter)s：%(n)s 家商户", quarter=run.quarter, n=run.shops), "success")
    return redirect(url_for("admin.grade_run", run_id=run.id))


@bp.route("/grades/runs/<int:run_id>")
def grade_run(run_id: int):
    run = get_or_404(GradeRun, run_id)  # a city-wide run (no street) is a city admin's
    return render_template("admin/grade_run.html", run=run)
