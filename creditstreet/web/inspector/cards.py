"""The inspector's credit-card spot check among consumers (查验, SPEC C4)."""
import secrets

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired

from ...services import cards
from ..roles import keeps_input
from ..scope import committing
from ..filters import tr
from . import bp
from .patrols import shop_or_404


class CardCheckForm(FlaskForm):
    # No default: an untouched form must not record a pass (QA); the inspector chooses.
    card_given = RadioField(_l("信誉卡是否随货同行"), choices=[("yes", _l("是，已随货同行")), ("no", _l("否，未给卡"))],
                            validate_choice=False,
                            validators=[InputRequired(_l("请选择信誉卡是否随货同行")),
                                        AnyOf(("yes", "no"), _l("请选择信誉卡是否随货同行"))])
    serial = StringField(_l("卡号（看到时填写）"))
    note = TextAreaField(_l("说明（如：询问了哪位顾客、购买了什么）"))
    submission_token = HiddenField()


@bp.route("/shops/<int:shop_id>/card-checks/new", methods=["GET", "POST"])
@keeps_input
def card_check_new(shop_id: int):
    shop = shop_or_404(shop_id)
    form = CardCheckForm()
    if request.method == "GET":
        form.submission_token.data = secrets.token_urlsafe(24)
    if not g.get("redisplay_only") and form.validate_on_submit():
        with committing() as done:
            serial = cards.parse_serial(form.serial.data) if (form.serial.data or "").strip() else None
            check = cards.record_card_check(current_user, shop, serial, form.card_given.data == "yes",
                                            form.note.data or "",
                                            submission_token=form.submission_token.data or None)
        if done.ok:
            problem = cards.serial_problem(shop, check.serial)
            if problem:
                flash(gettext("%(problem)s，已按未随货同行处理", problem=tr(problem)), "danger")
            label = gettext(cards.CONSEQUENCE_LABELS[check.consequence])
            flash(gettext("查验已登记") if check.consequence == "none" else gettext("查验已登记：给予%(warning)s", warning=label),
                  "warning" if check.consequence != "none" else "success")
            return redirect(url_for("inspector.shop_register", shop_id=shop.id))
    elif request.method == "POST" and not g.get("redisplay_only"):
        flash(gettext("请检查填写的内容"), "danger")
    return render_template("inspector/card_check.html", form=form, shop=shop)
