"""Admin: credit grades per shop, A/B/C counts, and "立即重算" for a chosen quarter (SPEC G1–G4)."""
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from ...domain.errors import DomainError
from ...domain.grades import GRADE_LABELS
from ...domain.time import last_completed_quarter
from ...extensions import db
from ...models import GradeRun, Shop, Street, utcnow
from ...services import grading
from ..roles import keeps_input
from . import bp


class RecomputeForm(FlaskForm):
    quarter = StringField("季度（如 2026Q3）", validators=[DataRequired("请填写季度")])
    street_id = SelectField("商业街", choices=[], validate_choice=False)


def _form() -> RecomputeForm:
    form = RecomputeForm()
    streets = db.session.scalars(select(Street).order_by(Street.id)).all()
    form.street_id.choices = [("", "全部商业街")] + [(str(s.id), s.name) for s in streets]
    if not form.quarter.data:
        form.quarter.data = str(last_completed_quarter(utcnow(), current_app.config.get("STREET_TIMEZONE")))
    return form


def _page(form, error=None, status_code=200, preview=None):
    rows = grading.latest_grades(page=request.args.get("page", type=int))
    quarter, counts = grading.grade_counts()
    active = db.session.scalar(select(func.count(Shop.id)).where(Shop.status == "active")) or 0
    runs = db.session.scalars(select(GradeRun).order_by(GradeRun.id.desc()).limit(10)).all()
    zones = {s.id: s.timezone for s in db.session.scalars(
        select(Street).where(Street.id.in_({shop.street_id for shop, _ in rows.items})))}
    # 正式 = graded at the quarter's end (SPEC G1); 临时（按需） = the open quarter recomputed mid-quarter
    status = {shop.id: grading.official_label(g, zones.get(shop.street_id, "Asia/Shanghai")) for shop, g in rows.items}
    return render_template("admin/grades.html", form=form, rows=rows, counts=counts, quarter=quarter, active=active,
                           runs=runs,
                           labels=GRADE_LABELS, error=error, status=status, preview=preview), status_code


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
        return _page(form, error="请从列表中选择商业街，或选“全部商业街”", status_code=400)
    street_id = int(chosen) if chosen else None
    try:
        if grading.is_unfinished(form.quarter.data.strip(), utcnow(), street_id):
            # An unfinished quarter is a preview only: nothing is written, nothing dated in the future.
            counts = grading.preview(form.quarter.data.strip(), utcnow(), street_id)
            db.session.rollback()
            return _page(form, preview=(form.quarter.data.strip(), counts))
        run = grading.recompute(form.quarter.data.strip(), utcnow(), street_id=street_id, trigger="admin",
                                actor=current_user)
    except DomainError as e:
        db.session.rollback()
        return _page(form, error=e.message, status_code=400)
    db.session.commit()
    flash(f"已重算 {run.quarter}：{run.shops} 家商户", "success")
    return redirect(url_for("admin.grade_run", run_id=run.id))


@bp.route("/grades/runs/<int:run_id>")
def grade_run(run_id: int):
    run = db.session.get(GradeRun, run_id)
    if run is None:
        abort(404)
    return render_template("admin/grade_run.html", run=run)
