"""Admin: trainings with attendees, exam results, responsibility agreements (SPEC E1–E2)."""
from datetime import datetime, time

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ...domain.time import get_zone
from ...services import exams
from ..roles import keeps_input
from ..scope import committing, current_street
from . import bp


class TrainingForm(FlaskForm):
    held_on = DateField(_l("培训日期"), validators=[DataRequired(_l("请填写培训日期"))])
    topic = StringField(_l("培训主题"), validators=[DataRequired(_l("请填写培训主题"))])
    # One shop name per line: a checkbox per shop does not scale to a city street (SPEC Y3).
    shops = TextAreaField(_l("参训商户（每行一个商户名称）"), validators=[Optional()])


class ExamForm(FlaskForm):
    shop = StringField(_l("商户名称"), validators=[DataRequired(_l("请输入商户名称"))])
    taken_on = DateField(_l("考试日期"), validators=[DataRequired(_l("请填写考试日期"))])
    score = StringField(_l("成绩（0–100）"), validators=[DataRequired(_l("请填写成绩"))])
    pass_mark = StringField(_l("及格分"), default="60")
    note = TextAreaField(_l("备注"), validators=[Optional()])


class AgreementForm(FlaskForm):
    shop = StringField(_l("商户名称"), validators=[DataRequired(_l("请输入商户名称"))])
    signed_on = DateField(_l("签订日期"), validators=[DataRequired(_l("请填写签订日期"))])
    signer = StringField(_l("签订人"), validators=[DataRequired(_l("请填写签订人"))])
    note = TextAreaField(_l("备注"), validators=[Optional()])


def _page(street, training=None, exam=None, agreement=None, status=200):
    training = training or TrainingForm(prefix="t", formdata=None)
    trainings, exam_rows, agreement_rows = exams.recent_records(street.id)
    return render_template("admin/exams.html", training=training, exam=exam or ExamForm(prefix="e", formdata=None),
                           agreement=agreement or AgreementForm(prefix="a", formdata=None), trainings=trainings,
                           exam_rows=exam_rows, agreement_rows=agreement_rows), status


@bp.route("/exams")
def exams_home():
    return _page(current_street())


@bp.route("/exams/training", methods=["POST"])
@keeps_input
def training_new():
    street = current_street()
    form = TrainingForm(prefix="t")
    if form.validate_on_submit():
        with committing() as done:
            shop_ids = exams.find_shops_by_lines(street.id, form.shops.data)
            exams.record_training(current_user, street.id, form.held_on.data, form.topic.data, shop_ids)
        if not done.ok:
            return _page(street, training=form, status=400)
        flash(gettext("已记录培训"), "success")
        return redirect(url_for("admin.exams_home"))
    return _page(street, training=form, status=400)


@bp.route("/exams/exam", methods=["POST"])
@keeps_input
def exam_new():
    street = current_street()
    form = ExamForm(prefix="e")
    if form.validate_on_submit():
        with committing() as done:
            shop = exams.find_shop(street.id, form.shop.data)
            taken_at = datetime.combine(form.taken_on.data, time(12), tzinfo=get_zone(street.timezone))
            exams.record_exam(current_user, shop, taken_at, form.score.data, form.pass_mark.data or "60",
                              form.note.data or "")
        if not done.ok:
            return _page(street, exam=form, status=400)
        flash(gettext("已记录考试成绩"), "success")
        return redirect(url_for("admin.exams_home"))
    return _page(street, exam=form, status=400)


@bp.route("/exams/agreement", methods=["POST"])
@keeps_input
def agreement_new():
    street = current_street()
    form = AgreementForm(prefix="a")
    if form.validate_on_submit():
        with committing() as done:
            shop = exams.find_shop(street.id, form.shop.data)
            exams.record_agreement(current_user, shop, form.signed_on.data, form.signer.data, form.note.data or "")
        if not done.ok:
            return _page(street, agreement=form, status=400)
        flash(gettext("已记录责任状"), "success")
        return redirect(url_for("admin.exams_home"))
    return _page(street, agreement=form, status=400)
