"""The admin's shop pages: list and search, add, edit, close (never delete, SPEC A2), ledger upload."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ...domain.time import local_date
from ...extensions import db
from ...models import Shop
from ...models.types import utcnow
from ...services import shops
from ...services.paging import paginate
from ...services.ledger_io import read_rows
from ..roles import keeps_input
from ..scope import committing, current_street_or_none, get_or_404, is_city_wide
from . import bp
from .shop_forms import CloseShopForm, LedgerUploadForm, ShopForm

EDIT_FIELDS = ("name", "ownership", "industry", "house_number", "principal", "phone", "opened_on",
               "licence_expires_on", "licence_no_expiry", "note")


@bp.route("/shops")
def shops_list():
    street = current_street_or_none()
    query = request.args.get("q", "")
    status = request.args.get("status", "active")
    page = paginate(shops.shops_query(street, query, status if status in ("active", "closed") else None),
                    request.args.get("page", type=int), key=Shop.id) if street else None
    return render_template("admin/shops.html", street=street, shops=page.items if page else [], page=page,
                           q=query, status=status,
                           ownership_labels=shops.OWNERSHIP_LABELS)


@bp.route("/shops/new", methods=["GET", "POST"])
@keeps_input
def shop_new():
    street = current_street_or_none()
    if street is None:
        flash(gettext("请先导入台账，建立商业街"), "warning")
        return redirect(url_for("admin.ledger_import"))
    form = ShopForm()
    if form.validate_on_submit():
        with committing() as done:
            fields = {name: getattr(form, name).data for name in EDIT_FIELDS}
            shop = shops.create_shop(current_user, street, form.uscc.data, **fields)
        if done.ok:
            flash(gettext("已添加商户：%(shop)s", shop=shop.name), "success")
            return redirect(url_for("admin.shops_list", q=shop.uscc))
    return render_template("admin/shop_form.html", form=form, shop=None)


@bp.route("/shops/<int:shop_id>", methods=["GET", "POST"])
@keeps_input
def shop_edit(shop_id: int):
    shop = get_or_404(Shop, shop_id)
    form = ShopForm(obj=shop)
    form.uscc.data = shop.uscc  # the code is the shop's identity: shown, never edited here
    if form.validate_on_submit():
        with committing() as done:
            shops.update_shop(current_user, shop, **{name: getattr(form, name).data for name in EDIT_FIELDS})
        if done.ok:
            flash(gettext("已保存"), "success")
            return redirect(url_for("admin.shop_edit", shop_id=shop.id))
    return render_template("admin/shop_form.html", form=form, shop=shop, close_form=CloseShopForm(formdata=None))


@bp.route("/shops/<int:shop_id>/close", methods=["GET", "POST"])
@keeps_input
def shop_close(shop_id: int):
    shop = get_or_404(Shop, shop_id)
    form = CloseShopForm()
    if request.method == "GET" and form.closed_on.data is None:
        # today on the street's clock (SPEC §3), not the server's UTC date
        form.closed_on.data = local_date(utcnow(), shop.street.timezone if shop.street else None)
    if form.validate_on_submit():
        with committing() as done:
            shops.close_shop(current_user, shop, form.closed_on.data, form.reason.data or "")
        if done.ok:
            flash(gettext("已关闭商户：%(shop)s（记录保留，不删除）", shop=shop.name), "success")
            return redirect(url_for("admin.shop_edit", shop_id=shop.id))
    return render_template("admin/shop_close.html", form=form, shop=shop)


@bp.route("/shops/import", methods=["GET", "POST"])
@keeps_input
def ledger_import():
    street = current_street_or_none()
    form = LedgerUploadForm()
    if request.method == "GET" or not is_city_wide():
        # A street admin imports into their own street; a city admin may name (or create) any (Y2).
        form.street_name.data = street.name if street else "城关××街"
    report = None
    if form.validate_on_submit():
        upload = form.ledger.data
        with committing():
            target = street if not is_city_wide() else shops.get_or_create_street(current_user,
                                                                                  form.street_name.data)[0]
            rows = read_rows(upload.stream, upload.filename)
            report = shops.import_ledger(current_user, target, rows, dry_run=form.dry_run.data)
            if report.dry_run:
                db.session.rollback()
    return render_template("admin/import.html", form=form, report=report)
