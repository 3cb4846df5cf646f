"""The admin's quality credit card pages: printed batches, free issue of ranges, card sheets (SPEC C1–C2)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import Optional

from ...domain.inputs import query_int
from ...domain.errors import DomainError
from ...domain.time import local_date
from ...extensions import db
from ...models import CardBatch, CardRange, Shop, utcnow
from ...services import cards, shops
from ..roles import keeps_input
from ..scope import committing, current_street, get_or_404
from ..urls import public_base_url
from . import bp


class BatchForm(FlaskForm):
    name = StringField("批次名称（如：2026年第一批）")
    first = StringField("起始编号")
    last = StringField("结束编号")
    printed_on = DateField("印制日期", validators=[Optional()])


class IssueForm(FlaskForm):
    batch_id = SelectField("印制批次", coerce=int)
    shop = StringField("发放给商户（输入名称或门牌号查找）")
    shop_id = HiddenField()  # kept for a client that already knows the id
    first = StringField("起始编号")
    last = StringField("结束编号")


def _page(street, batch_form, issue_form):
    shop_options = [f"{house} {name}".strip() for house, name in db.session.execute(
        select(Shop.house_number, Shop.name).where(Shop.street_id == street.id, Shop.status == "active")
        .order_by(Shop.house_sort, Shop.id))]
    return render_template("admin/cards.html", street=street, batch_form=batch_form, issue_form=issue_form,
                           shop_options=shop_options,
                           batches=cards.batches(street.id), ranges=cards.ranges(street.id),
                           fmt=cards.fmt_serial, max_cards=cards.MAX_SHEET_CARDS)


def _forms(street):
    batch_form, issue_form = BatchForm(prefix="batch"), IssueForm(prefix="issue")
    issue_form.batch_id.choices = [(b.id, f"{b.name}（{cards.fmt_range(b.first_serial, b.last_serial)}）")
                                   for b in cards.batches(street.id)]
    return batch_form, issue_form


def _issue_shop(street, form) -> Shop:
    """The shop the issue form names: by id when given, else found from the typed text."""
    raw = (form.shop_id.data or "").strip()
    if raw.isdigit() and len(raw) < 10:
        shop = db.session.get(Shop, int(raw))
        if shop is None or shop.street_id != street.id:
            abort(404)
        return shop
    return shops.resolve_shop(street, form.shop.data)


@bp.route("/cards", methods=["GET", "POST"])
@keeps_input
def cards_home():
    street = current_street()
    batch_form, issue_form = _forms(street)
    if request.method == "POST":
        with committing() as done:
            if "batch-first" in request.form and batch_form.validate_on_submit():
                batch = cards.register_batch(current_user, street, batch_form.name.data,
                                             cards.parse_serial(batch_form.first.data, "起始编号"),
                                             cards.parse_serial(batch_form.last.data, "结束编号"),
                                             batch_form.printed_on.data)
                message = f"已登记印制批次 {cards.fmt_range(batch.first_serial, batch.last_serial)}"
            elif "issue-first" in request.form and issue_form.validate_on_submit():
                batch = db.session.get(CardBatch, issue_form.batch_id.data)
                if batch is None or batch.street_id != street.id:
                    abort(404)
                shop = _issue_shop(street, issue_form)
                rng = cards.issue_range(current_user, batch, shop,
                                        cards.parse_serial(issue_form.first.data, "起始编号"),
                                        cards.parse_serial(issue_form.last.data, "结束编号"),
                                        local_date(utcnow(), street.timezone))
                message = f"已向{shop.name}免费发放 {cards.fmt_range(rng.first_serial, rng.last_serial)}"
            else:
                flash("请检查填写的内容", "danger")
                return _page(street, batch_form, issue_form)
        if not done.ok:
            return _page(street, batch_form, issue_form)
        flash(message, "success")
        return redirect(url_for("admin.cards_home"))
    return _page(street, batch_form, issue_form)


@bp.route("/cards/ranges/<int:range_id>/sheet.pdf")
def card_sheet(range_id: int):
    rng = get_or_404(CardRange, range_id)
    first = request.args.get("first", type=query_int) or rng.first_serial
    last = request.args.get("last", type=query_int) or min(rng.last_serial, first + cards.MAX_SHEET_CARDS - 1)
    try:
        pdf = cards.card_sheet_pdf(rng, public_base_url(), first, last)
    except DomainError as e:
        flash(e.message, "danger")
        return redirect(url_for("admin.cards_home"))
    from ...exports import attachment

    return attachment(pdf, f"信誉卡-{cards.fmt_range(first, last)}.pdf", "application/pdf")
