"""Admin: year-end annual stars — review, confirm, award list, plaques and licence marks, revoke (SPEC S4)."""
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from ...domain.inputs import query_int
from ...domain.time import local_date
from ...extensions import db
from ...models import AnnualStar, CreditGrade, Shop, Street, utcnow
from ...services import awards
from ..roles import keeps_input
from ..scope import committing, current_street, get_or_404
from ..urls import shop_url
from . import bp


class PlainForm(FlaskForm):
    """Only the CSRF token."""


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("撤销原因"), validators=[DataRequired(_l("请填写撤销原因"))])


def _default_year() -> int:
    today = local_date(utcnow())
    return today.year - 1 if today.month <= 6 else today.year


@bp.route("/awards")
def awards_home():
    street = current_street()
    year = request.args.get("year", type=query_int) or _default_year()
    rows = awards.annual_rows(street.id, year)
    return render_template("admin/awards.html", year=year, rows=rows, plain=PlainForm(),
                           proposed=sum(a.status == "proposed" for a, _ in rows),
                           award=awards.award_list(street.id, year))


@bp.route("/awards/<int:year>/propose", methods=["POST"])
def awards_propose(year: int):
    street = current_street()
    if PlainForm().validate_on_submit():
        with committing() as done:
            rows = awards.propose_annual_stars(current_user, street.id, year, utcnow())
        if done.ok:
            flash(gettext("已根据%(year)s年第4季度评定生成 %(n)s 户的年度星级建议，请核对后确认", year=year, n=len(rows)), "success")
    return redirect(url_for("admin.awards_home", year=year))


@bp.route("/awards/<int:year>/confirm", methods=["POST"])
def awards_confirm(year: int):
    street = current_street()
    if PlainForm().validate_on_submit():
        with committing() as done:
            n = awards.confirm_annual_stars(current_user, street.id, year, utcnow())
        if done.ok:
            flash(gettext("已确认 %(n)s 户的%(year)s年度星级", n=n, year=year), "success")
    return redirect(url_for("admin.awards_home", year=year))


@bp.route("/awards/star/<int:star_id>/revoke", methods=["GET", "POST"])
@keeps_input
def award_revoke(star_id: int):
    row = get_or_404(AnnualStar, star_id)
    form = RevokeForm()
    status = 200
    if form.validate_on_submit():
        with committing() as done:
            awards.revoke_title(current_user, row, form.reason.data, utcnow())
        if not done.ok:
            status = 400
        else:
            flash(gettext("已撤销，公示页将显示“称号已撤销”"), "success")
            return redirect(url_for("admin.awards_home", year=row.year))
    elif request.method == "POST":
        status = 400
    shop = db.session.get(Shop, row.shop_id)
    latest = db.session.scalars(select(CreditGrade).where(CreditGrade.shop_id == shop.id)
                                .order_by(CreditGrade.quarter.desc()).limit(1)).first()
    return render_template("admin/award_revoke.html", row=row, form=form, shop=shop, latest=latest), status


def plaque_pages(street_id: int, year: int) -> list[dict]:
    """One dict per titled shop (SPEC S4): shop, the QR to its live public page and that URL as a
    printed caption, the issuing authority (config ``ISSUING_AUTHORITY``) and the issue date (the
    street-local date the title was confirmed)."""
    award = awards.award_list(street_id, year)
    street = db.session.get(Street, street_id)
    confirmed = {a.shop_id: a.confirmed_at for a, _ in awards.annual_rows(street_id, year)}
    authority = current_app.config.get("ISSUING_AUTHORITY") or "县市场监督管理局"
    out = []
    for shop in award.enterprises + award.individuals:
        url = shop_url(shop)
        issued = local_date(confirmed.get(shop.id) or utcnow(), street.timezone)
        out.append({"shop": shop, "url": url, "qr": awards.qr_svg_data_uri(url), "authority": authority,
                    "issued_on": f"{issued.year}年{issued.month}月{issued.day}日"})
    return out


def _pdf(html: str, filename: str) -> Response:
    doc = awards.render_pdf(html)
    return Response(doc.write_pdf(), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.route("/awards/<int:year>/plaques.pdf")
def awards_plaques(year: int):
    street = current_street()
    pages = plaque_pages(street.id, year)
    if not pages:
        flash(gettext("%(year)s年度没有已确认的消费者满意企业（门店）", year=year), "warning")
        return redirect(url_for("admin.awards_home", year=year))
    return _pdf(render_template("pdf/plaque.html", pages=pages, year=year, street=street), f"plaques-{year}.pdf")


@bp.route("/awards/<int:year>/marks.pdf")
def awards_marks(year: int):
    street = current_street()
    marks = []
    for shop, stars in awards.award_list(street.id, year).marks:
        url = shop_url(shop)
        marks.append({"shop": shop, "mark": awards.licence_mark(stars), "url": url, "qr": awards.qr_svg_data_uri(url)})
    if not marks:
        flash(gettext("%(year)s年度没有 1–3 星的已确认商户", year=year), "warning")
        return redirect(url_for("admin.awards_home", year=year))
    return _pdf(render_template("pdf/plaque_marks.html", marks=marks, year=year, street=street), f"marks-{year}.pdf")
