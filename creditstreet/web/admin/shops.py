"""The admin's shop pages: list and search, add, edit, close (never delete, SPEC A2), ledger upload."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ...domain.errors import DomainError
from ...domain.time import local_date
from ...extensions import db
from ...models import Shop, Street
from ...models.types import utcnow
from ...services import shops
from ...services.paging import paginate
from ...services.ledger_io import read_rows
from ..roles import keeps_input
from . import bp
from .shop_forms import CloseShopForm, LedgerUploadForm, ShopForm

EDIT_FIELDS = ("name", "ownership", "industry", "house_number", "principal", "phone", "opened_on",
               "licence_expires_on", "licence_no_expiry", "note")


def _street() -> Street | None:
    """The admin's street, else the first street (a one-street deployment)."""
    if current_user.street_id:
        street = db.session.get(Street, current_user.street_id)
        if street is not None:
            return street
    return db.session.scalar(select(Street).order_by(Street.id).limit(1))


def _shop_or_404(shop_id: int) -> Shop:
    shop = db.session.get(Shop, shop_id)
    street = _street()
    if shop is None or street is None or shop.street_id != street.id:
        abort(404)
    return shop


@bp.route("/shops")
def shops_list():
    street = _street()
    query = request.args.get("q", "")
    status = request.args.get("status", "active")
    page = paginate(shops.shops_query(street, query, status if status in ("active", "closed") else None),
                    request.args.get("page", type=int)) if street else None
    return render_template("admin/shops.html", street=street, shops=page.items if page else [], page=page,
                           q=query, status=status,
                           ownership_labels=shops.OWNERSHIP_LABELS)


@bp.route("/shops/new", methods=["GET", "POST"])
@keeps_input
def shop_new():
    street = _street()
    if street is None:
        flash("请先导入台账，建立商业街", "warning")
        return redirect(url_for("admin.ledger_import"))
    form = ShopForm()
    if form.validate_on_submit():
        try:
            fields = {name: getattr(form, name).data for name in EDIT_FIELDS}
            shop = shops.create_shop(current_user, street, form.uscc.data, **fields)
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "danger")
        else:
            db.session.commit()
            flash(f"已添加商户：{shop.name}", "success")
            return redirect(url_for("admin.shops_list", q=shop.uscc))
    return render_template("admin/shop_form.html", form=form, shop=None)


@bp.route("/shops/<int:shop_id>", methods=["GET", "POST"])
@keeps_input
def shop_edit(shop_id: int):
    shop = _shop_or_404(shop_id)
    form = ShopForm(obj=shop)
    form.uscc.data = shop.uscc  # the code is the shop's identity: shown, never edited here
    if form.validate_on_submit():
        try:
            shops.update_shop(current_user, shop, **{name: getattr(form, name).data for name in EDIT_FIELDS})
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "danger")
        else:
            db.session.commit()
            flash("已保存", "success")
            return redirect(url_for("admin.shop_edit", shop_id=shop.id))
    return render_template("admin/shop_form.html", form=form, shop=shop, close_form=CloseShopForm(formdata=None))


@bp.route("/shops/<int:shop_id>/close", methods=["GET", "POST"])
@keeps_input
def shop_close(shop_id: int):
    shop = _shop_or_404(shop_id)
    form = CloseShopForm()
    if request.method == "GET" and form.closed_on.data is None:
        # today on the street's clock (SPEC §3), not the server's UTC date
        form.closed_on.data = local_date(utcnow(), shop.street.timezone if shop.street else None)
    if form.validate_on_submit():
        try:
            shops.close_shop(current_user, shop, form.closed_on.data, form.reason.data or "")
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "danger")
        else:
            db.session.commit()
            flash(f"已关闭商户：{shop.name}（记录保留，不删除）", "success")
            return redirect(url_for("admin.shop_edit", shop_id=shop.id))
    return render_template("admin/shop_close.html", form=form, shop=shop)


@bp.route("/shops/import", methods=["GET", "POST"])
@keeps_input
def ledger_import():
    street = _street()
    form = LedgerUploadForm()
    if request.method == "GET":
        form.street_name.data = street.name if street else "城关××街"
    report = None
    if form.validate_on_submit():
        upload = form.ledger.data
        try:
            target, _ = shops.get_or_create_street(current_user, form.street_name.data)
            rows = read_rows(upload.stream, upload.filename)
            report = shops.import_ledger(current_user, target, rows, dry_run=form.dry_run.data)
        except DomainError as e:
            db.session.rollback()
            flash(e.message, "danger")
        else:
            if report.dry_run:
                db.session.rollback()
            else:
                db.session.commit()
    return render_template("admin/import.html", form=form, report=report)
