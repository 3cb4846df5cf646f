"""Admin: supervisors' declared conflicts of interest (SPEC S1): declare and remove."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from ...domain.i18n import N_
from ...domain.errors import ValidationError
from ...extensions import db
from ...models import Shop, SupervisorConflict, User
from ...services import ballots, exams
from ..roles import keeps_input
from ..scope import committing, current_street_or_none, get_or_404
from . import bp


class ConflictForm(FlaskForm):
    supervisor_id = SelectField(_l("监督员"), coerce=int, choices=[])
    shop = StringField(_l("商户名称"), validators=[DataRequired(_l("请输入商户名称"))])
    reason = TextAreaField(_l("原因（如亲属经营）"))


class RemoveForm(FlaskForm):
    """Only the CSRF token."""


@bp.route("/supervisors/conflicts", methods=["GET", "POST"])
@keeps_input
def conflicts():
    street = current_street_or_none()
    if street is None:
        abort(404)
    sups = db.session.scalars(select(User).where(User.role == "supervisor", User.street_id == street.id)
                              .order_by(User.id)).all()
    form = ConflictForm()
    form.supervisor_id.choices = [(u.id, u.display_name) for u in sups]
    status = 200
    if form.validate_on_submit():
        with committing() as done:
            shop = exams.find_shop(street.id, form.shop.data)
            sup = db.session.get(User, form.supervisor_id.data)
            if sup is None or sup.role != "supervisor" or sup.street_id not in (None, street.id):
                raise ValidationError(N_("请选择本街或全市的监督员"), code="supervisor_scope")
            ballots.declare_conflict(current_user, sup, shop, form.reason.data)
        if not done.ok:
            status = 400
        else:
            flash(gettext("已登记利害关系，该监督员不能再对此商户投票"), "success")
            return redirect(url_for("admin.conflicts"))
    rows = db.session.execute(
        select(SupervisorConflict, User, Shop).join(User, User.id == SupervisorConflict.supervisor_id)
        .join(Shop, Shop.id == SupervisorConflict.shop_id).where(Shop.street_id == street.id)
        .order_by(User.id, Shop.name)).all()
    return render_template("admin/ballot_conflicts.html", form=form, rows=rows, remove=RemoveForm()), status


@bp.route("/supervisors/conflicts/<int:conflict_id>/remove", methods=["POST"])
def conflict_remove(conflict_id: int):
    row = get_or_404(SupervisorConflict, conflict_id)
    if RemoveForm().validate_on_submit():
        ballots.remove_conflict(current_user, row)
        db.session.commit()
        flash(gettext("已撤销该利害关系登记"), "success")
    return redirect(url_for("admin.conflicts"))
