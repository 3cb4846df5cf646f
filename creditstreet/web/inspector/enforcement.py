"""Special actions (专项检查, SPEC P3) and industry groups' peer findings (行业监督小组, SPEC P4)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField

from ...extensions import db
from ...models import TRADES, IndustryGroup, Patrol, PeerFinding, Shop, SpecialAction
from ...services import patrols, shops
from ..roles import keeps_input
from ..scope import committing, current_street, get_or_404
from . import bp
from .patrols import shop_or_404


class ActionForm(FlaskForm):
    theme = StringField(_l("主题（如：牙膏专项检查）"))
    action_on = DateField(_l("日期"))
    note = TextAreaField(_l("说明"))


# No preselected shop, kind or severity: an untouched form must not record a finding against the
# first shop of the list or as "一般" (QA); the service refuses the missing choice in Chinese.
class FindingForm(FlaskForm):
    shop_id = SelectField(_l("被检查商户"), coerce=int)  # choices: (0, 请选择) + the members
    suggested_kind = SelectField(_l("问题类别"),
                                 choices=[("", _l("请选择"))] + [(k, _l(v)) for k, v in patrols.KIND_LABELS.items()])
    description = TextAreaField(_l("发现的问题"))


class DecideForm(FlaskForm):
    severity = SelectField(_l("严重程度"), choices=[("", _l("请选择")), ("general", _l("一般")), ("serious", _l("严重"))])
    legal_basis = StringField(_l("法律依据"))
    reason = StringField(_l("驳回理由"))


@bp.route("/actions", methods=["GET", "POST"])
@keeps_input
def action_list():
    street = current_street()
    form = ActionForm()
    if form.validate_on_submit():
        with committing() as done:
            action = patrols.create_special_action(current_user, street.id, form.theme.data,
                                                   form.action_on.data, form.note.data or "")
        if done.ok:
            return redirect(url_for("inspector.action_show", action_id=action.id))
    elif request.method == "POST":
        flash(gettext("请填写主题和日期"), "danger")
    actions = db.session.scalars(select(SpecialAction).where(SpecialAction.street_id == street.id)
                                 .order_by(SpecialAction.action_on.desc())).all()
    return render_template("inspector/patrol_actions.html", form=form, actions=actions)


@bp.route("/actions/<int:action_id>")
def action_show(action_id: int):
    action = get_or_404(SpecialAction, action_id)
    rows = db.session.execute(select(Patrol, Shop).join(Shop, Shop.id == Patrol.shop_id)
                              .where(Patrol.special_action_id == action.id)
                              .order_by(Patrol.patrolled_at)).all()
    return render_template("inspector/patrol_action.html", action=action, rows=rows,
                           totals=patrols.special_action_totals(action), failed=patrols.failed_items)


@bp.route("/industry-groups", methods=["GET", "POST"])
def industry_groups():
    street = current_street()
    if request.method == "POST":
        form = FlaskForm()
        if form.validate_on_submit():
            with committing():
                patrols.create_industry_group(current_user, street.id, request.form.get("trade", ""))
        return redirect(url_for("inspector.industry_groups"))
    groups = db.session.scalars(select(IndustryGroup).where(IndustryGroup.street_id == street.id)
                                .order_by(IndustryGroup.id)).all()
    have = {g.trade for g in groups}
    return render_template("inspector/patrol_groups.html", groups=groups, form=FlaskForm(),
                           trades=[(t, patrols.TRADE_LABELS[t]) for t in TRADES if t not in have])


def _group_or_404(group_id: int) -> IndustryGroup:
    return get_or_404(IndustryGroup, group_id)


@bp.route("/industry-groups/<int:group_id>", methods=["GET", "POST"])
@keeps_input
def industry_group(group_id: int):
    group = _group_or_404(group_id)
    street = current_street()
    members = patrols.members(group)
    form = FindingForm()
    form.shop_id.choices = [(0, _l("请选择"))] + [(s.id, f"{s.house_number} {s.name}") for s in members]
    typed = ""
    if request.method == "POST" and ("add_shop" in request.form or "add_shop_id" in request.form):
        typed = request.form.get("add_shop", "")
        if not FlaskForm().validate_on_submit():
            return redirect(url_for("inspector.industry_group", group_id=group.id))
        with committing() as done:  # by name or house number as typed (a street may have 50,000 shops)
            raw = request.form.get("add_shop_id", "")
            patrols.add_member(current_user, group, shop_or_404(raw) if raw else shops.resolve_shop(street, typed))
        if done.ok:
            return redirect(url_for("inspector.industry_group", group_id=group.id))
    elif form.validate_on_submit():
        if not form.shop_id.data:
            flash(gettext("请选择被检查商户"), "danger")
        else:
            with committing() as done:
                patrols.record_peer_finding(current_user, group, shop_or_404(form.shop_id.data),
                                            form.description.data, form.suggested_kind.data)
            if done.ok:
                flash(gettext("已登记互查发现，待巡查员确认"), "success")
                return redirect(url_for("inspector.industry_group", group_id=group.id))
    findings = db.session.execute(select(PeerFinding, Shop).join(Shop, Shop.id == PeerFinding.shop_id)
                                  .where(PeerFinding.industry_group_id == group.id)
                                  .order_by(PeerFinding.found_at.desc())).all()
    return render_template("inspector/patrol_group.html", group=group, members=members, form=form,
                           findings=findings, decide=DecideForm(), kind_labels=patrols.KIND_LABELS,
                           shop_options=shops.shop_options(street.id, {s.id for s in members}), typed=typed)


@bp.route("/findings/<int:finding_id>/<any(confirm, dismiss):decision>", methods=["POST"])
def finding_decide(finding_id: int, decision: str):
    finding = get_or_404(PeerFinding, finding_id)
    group = _group_or_404(finding.industry_group_id)
    form = DecideForm()
    if form.validate_on_submit():
        with committing() as done:
            if decision == "confirm":
                patrols.confirm_peer_finding(current_user, finding, form.severity.data, form.legal_basis.data)
            else:
                patrols.dismiss_peer_finding(current_user, finding, form.reason.data or "")
        if done.ok:
            flash(gettext("已确认为违法违章行为") if decision == "confirm" else gettext("已驳回"), "success")
    return redirect(url_for("inspector.industry_group", group_id=group.id))
