"""Admin: shops' commitments (SPEC §13 P1) — declare for a shop, approve or reject, give notice, print the sign."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ...domain import promises as rules
from ...models import Commitment, CorrectionRequest, Shop, utcnow
from ...services import commitments, disclosure
from ..roles import keeps_input
from ..scope import committing, current_street_or_none, get_or_404
from . import bp


class DeclareForm(FlaskForm):
    kind = SelectField(_l("承诺类型"), choices=[(k, _l(v)) for k, v in rules.COMMITMENT_LABELS.items()])
    return_days = IntegerField(_l("无理由退货天数（不少于7天）"), default=7, validators=[Optional()])
    categories = TextAreaField(_l("适用商品范围"))
    exclusions = TextAreaField(_l("不适用情形"))
    conditions = TextAreaField(_l("退货条件"))


class DecideForm(FlaskForm):
    note = StringField(_l("意见（不予通过时必填）"))


def _commitment(commitment_id: int) -> Commitment:
    return get_or_404(Commitment, commitment_id)


@bp.route("/commitments")
def commitments_queue():
    street = current_street_or_none()
    rows = commitments.pending(street.id if street else None, request.args.get("page", type=int))
    return render_template("admin/commitments.html", rows=rows, labels=rules.COMMITMENT_LABELS,
                           status_labels=commitments.STATUS_LABELS, form=DecideForm(),
                           corrections=disclosure.pending_corrections(street.id if street else None))


@bp.route("/shops/<int:shop_id>/commitments", methods=["GET", "POST"])
@keeps_input
def shop_commitments(shop_id: int):
    shop = get_or_404(Shop, shop_id)
    form = DeclareForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            with committing() as done:
                commitments.declare(current_user, shop, {**form.data, "return_days": request.form.get("return_days")})
            if not done.ok:
                status = 400
            else:
                flash(_("承诺已登记，待审核通过后公示"), "success")
                return redirect(url_for("admin.shop_commitments", shop_id=shop.id))
        else:
            flash(_("请检查填写的内容"), "danger")
            status = 400
    return render_template("admin/shop_commitments.html", shop=shop, form=form, decide=DecideForm(),
                           rows=commitments.for_shop(shop), labels=rules.COMMITMENT_LABELS,
                           status_labels=commitments.STATUS_LABELS), status


@bp.route("/commitments/<int:commitment_id>/<action>", methods=["POST"])
def commitment_action(commitment_id: int, action: str):
    if action not in ("approve", "reject", "notice"):
        abort(404)
    c = _commitment(commitment_id)
    form = DecideForm()
    if form.validate_on_submit():
        with committing() as done:
            if action == "notice":
                commitments.give_notice(current_user, c, utcnow())
            else:
                commitments.decide(current_user, c, action == "approve", form.note.data or "", utcnow())
        if done.ok:
            flash({"approve": _("已审核通过，承诺已公示"), "reject": _("已不予通过"),
                   "notice": _("已登记终止，公告期内承诺继续有效")}[action], "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/admin/")
                    else url_for("admin.commitments_queue"))


@bp.route("/commitments/<int:commitment_id>/sign.pdf")
def commitment_sign(commitment_id: int):
    """The printable A5 sign of an approved commitment, with a full QR code to the shop's page (P1)."""
    from ...exports import attachment
    from ...services import signs
    from ..urls import shop_url

    c = _commitment(commitment_id)
    if c.status not in ("approved", "ending"):
        abort(404)
    pdf = signs.sign_pdf(c, shop_url(c.shop))
    return attachment(pdf, f"承诺标识-{c.shop.name}.pdf", "application/pdf", f"commitment-{c.id}.pdf")


@bp.route("/shops/<int:shop_id>/corrections", methods=["POST"])
def correction_request(shop_id: int):
    """Record a shop's request to correct its public complaint figures (P4), on its behalf."""
    shop = get_or_404(Shop, shop_id)
    if DecideForm().validate_on_submit():
        with committing() as done:
            disclosure.request_correction(current_user, shop, request.form.get("reason", ""), utcnow())
        if done.ok:
            flash(_("更正申请已登记"), "success")
    return redirect(url_for("admin.shop_commitments", shop_id=shop.id))


@bp.route("/corrections/<int:request_id>/<action>", methods=["POST"])
def correction_decide(request_id: int, action: str):
    req = get_or_404(CorrectionRequest, request_id)
    if action not in ("grant", "reject"):
        abort(404)
    form = DecideForm()
    if form.validate_on_submit():
        with committing() as done:
            disclosure.decide_correction(current_user, req, action == "grant", form.note.data or "", utcnow())
        if done.ok:
            flash(_("已处理更正申请"), "success")
    return redirect(url_for("admin.commitments_queue"))
