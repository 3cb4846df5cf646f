"""Admin: merchant logins and invitations per shop (M1); the queue of objections and repairs (M4, M5)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...extensions import db
from ...models import CreditRepair, MerchantAttachment, Objection, Shop
from ...services.merchant import accounts, common, objections, queue, repairs
from ..scope import committing, get_or_404
from ..urls import public_url
from . import bp


def _shop(shop_id: int) -> Shop:
    return get_or_404(Shop, shop_id)


@bp.route("/shops/<int:shop_id>/merchants", methods=["GET", "POST"])
def shop_merchants(shop_id: int):
    shop = _shop(shop_id)
    if request.method == "POST":
        with committing():
            if request.form.get("what") == "invite":
                inv, code = accounts.create_invitation(current_user, shop)
                url = public_url("auth.signup", code=code)
                import segno

                qr = segno.make(url, micro=False, error="m").svg_data_uri(scale=4, border=2)
                return render_template("admin/merchant_invitation.html", shop=shop, inv=inv, url=url, qr=qr,
                                       code=accounts.pretty_code(code))
            accounts.create_merchant(current_user, shop, request.form.get("username", ""),
                                     request.form.get("password", ""), request.form.get("display_name", ""))
            flash(_("商户账号已创建"), "success")
            return redirect(url_for("admin.shop_merchants", shop_id=shop.id))
    return render_template("admin/shop_merchants.html", shop=shop, users=accounts.merchants_of(shop.id),
                           invitations=accounts.open_invitations(shop.id), typed=request.form)


@bp.route("/merchant-requests")
def merchant_queue():
    page = queue.pending_page(current_user.street_id, request.args.get("page", type=int))
    return render_template("admin/merchant_queue.html", items=page.items, page=page)


def _decide_view(kind: str, row, decide, template: str):
    record = common.record_of_shop(row.shop_id, row.record_type, row.record_id)
    if request.method == "POST":
        with committing():
            decide(current_user, row, request.form.get("decision") == "yes", request.form.get("reason", ""))
            flash(_("已处理"), "success")
            return redirect(url_for("admin.merchant_queue"))
    files = queue.attachments(**({"objection_id": row.id} if kind == "objection" else {"repair_id": row.id}))
    return render_template(template, row=row, shop=db.session.get(Shop, row.shop_id), record=record,
                           title=common.record_title(row.record_type, record), files=files,
                           labels=objections.STATUS_LABELS if kind == "objection" else repairs.STATUS_LABELS)


def _in_street(row):
    if row is None:
        abort(404)
    _shop(row.shop_id)
    return row


@bp.route("/objections/<int:oid>", methods=["GET", "POST"])
def objection_decide(oid: int):
    return _decide_view("objection", _in_street(db.session.get(Objection, oid)), objections.decide_objection,
                        "admin/objection.html")


@bp.route("/repairs/<int:rid>", methods=["GET", "POST"])
def repair_decide(rid: int):
    return _decide_view("repair", _in_street(db.session.get(CreditRepair, rid)), repairs.decide_repair,
                        "admin/repair.html")


@bp.route("/merchant-files/<int:file_id>")
def merchant_file(file_id: int):
    f = db.session.get(MerchantAttachment, file_id)
    if f is None:
        abort(404)
    owner = db.session.get(Objection, f.objection_id) if f.objection_id else db.session.get(CreditRepair, f.repair_id)
    _in_street(owner)
    return Response(f.data, mimetype=f.content_type, headers={"X-Content-Type-Options": "nosniff",
                                                               "Content-Disposition": "inline"})
