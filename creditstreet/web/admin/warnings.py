"""Admin: review consumer-warning drafts — approve (with edits and an expiry date) or dismiss (SPEC W1)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired

from ...domain.i18n import N_
from ...extensions import db
from ...models import ConsumerWarning, utcnow
from ...services import warnings
from ..roles import keeps_input
from ..scope import committing, current_street_or_none, get_or_404
from . import bp

STATUS_LABELS = {"draft": N_("待审核"), "approved": N_("已发布"), "dismissed": N_("已撤下")}


class ApproveForm(FlaskForm):
    title = StringField(_l("标题"), validators=[DataRequired(_l("请填写标题"))])
    body = TextAreaField(_l("正文"), validators=[DataRequired(_l("请填写正文"))])
    expires_on = DateField(_l("公示截止日期（含当天）"), validators=[DataRequired(_l("请填写截止日期"))])


class PlainForm(FlaskForm):
    """Only the CSRF token."""


@bp.route("/warnings")
def warnings_list():
    street = current_street_or_none()
    rows = db.session.scalars(select(ConsumerWarning).where(ConsumerWarning.street_id == street.id)
                              .order_by(ConsumerWarning.created_at.desc()).limit(200)).all() if street else []
    return render_template("admin/warnings.html", rows=rows, labels=STATUS_LABELS, plain=PlainForm())


@bp.route("/warnings/scan", methods=["POST"])
def warnings_scan():
    if PlainForm().validate_on_submit():
        drafts = warnings.draft_hotspot_warnings(utcnow())
        db.session.commit()
        flash(gettext("已检查投诉热点，新生成 %(n)s 条消费警示草稿", n=len(drafts)), "success")
    return redirect(url_for("admin.warnings_list"))


@bp.route("/warnings/<int:warning_id>", methods=["GET", "POST"])
@keeps_input
def warning_review(warning_id: int):
    w = get_or_404(ConsumerWarning, warning_id)
    form = ApproveForm(obj=w if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        with committing() as done:
            warnings.approve_warning(current_user, w, form.title.data, form.body.data, form.expires_on.data, utcnow())
        if not done.ok:
            status = 400
        else:
            flash(gettext("消费警示已发布到公示栏"), "success")
            return redirect(url_for("admin.warnings_list"))
    elif request.method == "POST":
        status = 400
    return render_template("admin/warning_review.html", w=w, form=form, plain=PlainForm(),
                           labels=STATUS_LABELS), status


@bp.route("/warnings/<int:warning_id>/dismiss", methods=["POST"])
def warning_dismiss(warning_id: int):
    w = get_or_404(ConsumerWarning, warning_id)
    if PlainForm().validate_on_submit():
        with committing() as done:
            warnings.dismiss_warning(current_user, w, utcnow())
        if done.ok:
            flash(gettext("已撤下该消费警示"), "success")
    return redirect(url_for("admin.warnings_list"))
