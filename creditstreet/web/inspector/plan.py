"""The quarter's patrol plan (双随机, SPEC G5): create, view by group with progress, print."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from ...domain.errors import DomainError
from ...domain.time import Quarter, quarter_of
from ...models import utcnow
from ...services import patrol_plan
from ..labels import licence_flag_texts as licence_flags
from ..scope import committing, current_street
from ..filters import quarter_label
from . import bp
from .patrols import street_today


def _quarter_arg(street) -> Quarter:
    try:
        return Quarter.parse(request.args.get("quarter") or request.form.get("quarter") or "")
    except DomainError:
        return quarter_of(utcnow(), street.timezone)


@bp.route("/plan", methods=["GET", "POST"])
def plan():
    street = current_street()
    quarter = _quarter_arg(street)
    form = FlaskForm()
    if request.method == "POST":
        if form.validate_on_submit():
            with committing() as done:
                patrol_plan.create_plan(current_user, street, quarter)
            if done.ok:
                flash(gettext("%(quarter)s巡查计划已随机抽取", quarter=quarter_label(quarter)), "success")
        return redirect(url_for("inspector.plan", quarter=str(quarter)))
    current = patrol_plan.plan_for(street, quarter)
    rows = patrol_plan.plan_rows(current, street.timezone) if current else []
    by_group: dict = {}
    for r in rows:
        by_group.setdefault(r.group.name, []).append(r)
    flags = licence_flags([r.shop for r in rows], street_today(street))
    return render_template("inspector/plan.html", plan=current, quarter=quarter, rows=rows,
                           priority=[r for r in rows if r.item.priority], by_group=by_group,
                           done=sum(1 for r in rows if r.done), flags=flags, form=form,
                           prev=quarter.prev(), next=quarter.next(),
                           allowed=patrol_plan.allowed_quarters(street))
