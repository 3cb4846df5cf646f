"""Merchant views: parse → call the service → commit → respond (SPEC M1–M5)."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...domain import complaints as rules
from ...extensions import db
from ...models import Complaint, Shop
from ...models.types import utcnow
from ...services.merchant import common, objections, register, replies, repairs, settlement
from ..roles import keeps_input
from ..scope import committing
from . import bp

# Every merchant form re-shows what was typed after any refusal — a rule broken (DomainError), an
# expired page (CSRF) or a rate limit (``keeps_input``): the view then answers 400 with ``typed``.
# Chosen files cannot be re-filled by a browser; the templates ask for them again.


def _acting() -> bool:
    """A POST the view may act on (not a refused form only being shown again)."""
    return request.method == "POST" and not g.get("redisplay_only")


def _shop() -> Shop:
    return db.session.get(Shop, current_user.shop_id)


def _done(message: str, endpoint: str, **values) -> Response:
    """Inside ``committing()``: the success message and the redirect (the block commits on return)."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _uploads(name: str) -> list[bytes]:
    return [f.read() for f in request.files.getlist(name) if f and f.filename]


def _record(rtype: str, rid: int):
    row = common.record_of_shop(current_user.shop_id, rtype, rid)
    if row is None:
        abort(404)
    return row


@bp.route("/")
def home():
    shop = _shop()
    now = utcnow()
    from ...domain import promises
    from ...services import commitments

    return render_template("merchant/home.html", shop=shop, stars=register.stars_view(shop, now),
                           commitments=commitments.for_shop(shop), c_labels=commitments.STATUS_LABELS,
                           c_kinds=promises.COMMITMENT_LABELS,
                           member=settlement.is_member(shop.id),
                           waiting=[(c, s) for c, s in settlement.with_shop(shop.id) if s.status in settlement.ACTIVE])


@bp.route("/commitments", methods=["GET", "POST"])
@keeps_input
def commitment_new():
    """The shop declares a commitment itself (§13 P1); it is published once an admin approves it."""
    from ...services import commitments
    from ..admin.promises import DeclareForm

    shop, form, status = _shop(), DeclareForm(), 200
    if _acting():
        if form.validate():
            with committing():
                commitments.declare(current_user, shop, {**form.data, "return_days": request.form.get("return_days")})
                return _done(_("承诺已登记，待审核通过后公示"), "merchant.home")
        else:
            flash(_("请检查填写的内容"), "danger")
        status = 400
    return render_template("merchant/commitment_new.html", shop=shop, form=form), status


@bp.route("/register")
def shop_register():
    shop = _shop()
    q = request.args.get("q", "")[:40]
    return render_template("merchant/register.html", shop=shop, q=q,
                           lines=register.timeline(shop, current_user, utcnow(), q))


@bp.route("/settlement", methods=["POST"])
def settlement_toggle():
    with committing():
        if request.form.get("join") == "1":
            settlement.join(current_user)
            return _done(_("已参加先行和解：针对本店的投诉将先转给本店处理"), "merchant.home")
        settlement.leave(current_user)
        return _done(_("已退出先行和解"), "merchant.home")
    return redirect(url_for("merchant.home"))


@bp.route("/complaints")
def complaints():
    shop = _shop()
    closed = db.session.scalars(db.select(Complaint).where(
        Complaint.shop_id == shop.id, Complaint.kind == "complaint", Complaint.status == "closed")
        .order_by(Complaint.closed_at.desc()).limit(50)).all()
    return render_template("merchant/complaints.html", shop=shop, settled=settlement.with_shop(shop.id),
                           closed=closed, labels=settlement.STATUS_LABELS)


def _complaint(cid: int) -> Complaint:
    c = db.session.get(Complaint, cid)
    if c is None or c.shop_id != current_user.shop_id or c.kind != "complaint":
        abort(404)
    return c


@bp.route("/complaints/<int:cid>", methods=["GET", "POST"])
@keeps_input
def complaint(cid: int):
    c = _complaint(cid)
    s = settlement.settlement_of(c)
    status = 200
    if _acting():
        with committing():
            if request.form.get("what") == "reply":
                replies.add_reply(current_user, c, request.form.get("text", ""))
                return _done(_("回复已保存"), "merchant.complaint", cid=cid)
            settlement.propose(current_user, c, request.form.get("remedy", ""), request.form.get("amount", ""),
                               request.form.get("text", ""))
            return _done(_("和解方案已发送给消费者"), "merchant.complaint", cid=cid)
        status = 400
    return render_template("merchant/complaint.html", c=c, s=s, rules=rules, labels=settlement.STATUS_LABELS,
                           sees_contact=bool(s and settlement.sees_contact(s)),
                           proposals=settlement.proposals(s) if s else [], reply=replies.reply_of(c),
                           typed=request.form), status


@bp.route("/records/<any(violation, bad_record):rtype>/<int:rid>/objection", methods=["GET", "POST"])
@keeps_input
def objection_new(rtype: str, rid: int):
    row = _record(rtype, rid)
    status = 200
    if _acting():
        with committing():
            objections.file_objection(current_user, rtype, rid, request.form.get("reasons", ""), _uploads("photos"))
            return _done(_("异议已提交，市场监管所将在期限内答复"), "merchant.requests")
        status = 400
    return render_template("merchant/objection.html", rtype=rtype, row=row, title=common.record_title(rtype, row),
                           deadline=objections.objection_deadline(row), typed=request.form), status


@bp.route("/records/<any(violation, bad_record):rtype>/<int:rid>/repair", methods=["GET", "POST"])
@keeps_input
def repair_new(rtype: str, rid: int):
    row = _record(rtype, rid)
    status = 200
    if _acting():
        pledge = _uploads("pledge")
        with committing():
            repairs.apply_for_repair(current_user, rtype, rid, request.form.get("correction", ""),
                                     pledge[0] if pledge else None, _uploads("proofs"))
            return _done(_("信用修复申请已提交"), "merchant.requests")
        status = 400
    return render_template("merchant/repair.html", rtype=rtype, row=row, title=common.record_title(rtype, row),
                           eligible_from=repairs.eligible_from(row), typed=request.form), status


@bp.route("/records/<any(violation, bad_record):rtype>/<int:rid>/pledge.pdf")
def pledge_pdf(rtype: str, rid: int):
    row = _record(rtype, rid)
    pdf = repairs.pledge_pdf(_shop(), rtype, row)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=pledge-{rtype}-{rid}.pdf"})


@bp.route("/requests")
def requests():
    shop = _shop()
    return render_template("merchant/requests.html", objections=objections.objections_of_shop(shop.id),
                           repairs=repairs.repairs_of_shop(shop.id), o_labels=objections.STATUS_LABELS,
                           r_labels=repairs.STATUS_LABELS, common=common)
