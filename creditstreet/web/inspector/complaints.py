"""Inspectors handle complaints (SPEC K1–K6): intake, queue by deadline, accept/refuse, mediate, close.

The handling inspector is ``Complaint.handler_id`` (set on intake, take of an unassigned open item,
accept or refuse; otherwise an admin's reassignment with a reason). Only they and admins get
``svc.handler_view`` (name, phone, text as typed, photos); every other reader's template gets
``svc.public_view`` (redacted copies, masked), never the row itself (K6). Illegal steps come back
as a Chinese message on the same page with the typed text kept.
"""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectField

from .. import labels
from ...domain import complaints as rules
from ...domain.i18n import N_
from ...domain.time import local_date
from ...extensions import db
from ...models import Complaint, Shop, Street, User
from ...models.types import utcnow
from ...services import complaints as svc
from ...services import fund
from ...services import photos as photo_service
from ..public.complaints import ComplaintForm, complaint_data, shop_choices
from ..roles import keeps_input
from ..scope import committing, current_street, get_or_404
from . import bp


class IntakeForm(ComplaintForm):
    channel = SelectField(_l("受理渠道"), choices=[(c, _l(svc.CHANNEL_LABELS[c])) for c in svc.INTAKE_CHANNELS])


def _get(cid: int) -> Complaint:
    return get_or_404(Complaint, cid)


@bp.route("/complaints")
def complaint_queue():
    street = current_street()
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    mine = request.args.get("mine") == "1"
    if status not in (None, *rules.STATE_LABELS) or kind not in (None, *svc.KIND_LABELS):
        abort(404)
    from ...services.paging import paginate

    page = paginate(svc.queue_query(street.id, status=status, kind=kind,
                                    overdue_only=request.args.get("overdue") == "1",
                                    handler_id=current_user.id if mine else None),
                    request.args.get("page", type=int))
    rows = page.items
    shops = {s.id: s for s in db.session.scalars(db.select(Shop).where(Shop.id.in_({c.shop_id for c in rows})))}
    today = local_date(utcnow(), street.timezone)
    cal = svc.work_calendar()
    items = [svc.view_for(current_user, c, with_events=False) for c in rows]  # K6: never the rows
    return render_template("inspector/complaints.html", items=items, page=page, shops=shops, rules=rules, svc=svc,
                           today=today, status=status, kind=kind, overdue=request.args.get("overdue") == "1",
                           mine=mine, late={c.id: c.overdue or svc.is_item_overdue(c, today) for c in rows},
                           warnings={c.id: labels.calendar_warning(c, cal) for c in rows},
                           paused={c.id: svc.pause_note(c) for c in rows},
                           payouts=fund.unpaid_payouts_by_complaint([c.id for c in rows]))


def _detail(c: Complaint, error: str | None = None, typed=None, status: int = 200):
    shop = db.session.get(Shop, c.shop_id) if c.shop_id else None
    handler = db.session.get(User, c.handler_id) if c.handler_id else None
    street = db.session.get(Street, c.street_id)
    today = local_date(utcnow(), street.timezone if street else None)
    view = svc.view_for(current_user, c)
    return render_template(
        "inspector/complaint_detail.html", c=view, shop=shop, handler=handler, rules=rules, svc=svc, error=error,
        typed=typed or {}, can_see=view.personal,
        may_handle=current_user.role == "admin" or c.handler_id in (None, current_user.id),
        may_take=c.handler_id is None and (c.status not in svc.CLOSED_STATES or c.report_status == "received"),
        inspectors=_inspectors(c) if current_user.role == "admin" else [],
        earlier=svc.earlier_complaints_count(c.consumer_phone, exclude_id=c.id),
        actions=rules.actions_for(c.kind, c.status),
        overdue_now=svc.is_item_overdue(c, today), photos=_photo_ids(c) if view.personal else [],
        photo_count=len(_photo_ids(c)),
        calendar_warning=labels.calendar_warning(c), card_notes=[e.note for e in c.events if e.kind == "card_status"],
        trader_candidates=_trader_candidates(c, street),
    ), status


def _inspectors(c: Complaint) -> list[User]:
    """Who an admin may give the item to: active inspectors of its street."""
    return list(db.session.scalars(db.select(User).where(
        User.role == "inspector", User.disabled.is_(False),
        (User.street_id == c.street_id) | User.street_id.is_(None)).order_by(User.display_name, User.id)))


def _trader_candidates(c: Complaint, street) -> list:
    """Shops that may be the free-text trader (by name, then by house number); only while unmatched."""
    if c.shop_id is not None or not c.trader_name or street is None:
        return []
    found = svc.search_shops(street, c.trader_name) or []
    if c.trader_address:
        found += [s for s in svc.search_shops_by_house(street, c.trader_address) if s not in found]
    return found[:20]


def _photo_ids(c: Complaint) -> list[int]:
    from ...models import Photo

    return list(db.session.scalars(db.select(Photo.id).where(Photo.complaint_id == c.id).order_by(Photo.id)))


@bp.route("/complaints/<int:cid>/photos/<int:photo_id>")
def complaint_photo(cid: int, photo_id: int):
    """A complaint photo, for the handler and admins only (K6: photos may show a receipt or a face)."""
    from ...models import Photo

    c = _get(cid)
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.complaint_id != c.id or not svc.can_see_personal_data(current_user, c):
        abort(404)
    return photo.data, 200, {"Content-Type": photo.content_type or "image/jpeg",
                             "Cache-Control": "private, no-store"}


@bp.route("/complaints/<int:cid>")
def complaint_detail(cid):
    return _detail(_get(cid))


def _user(value) -> User | None:
    text = str(value or "")
    return db.session.get(User, int(text)) if text.isdigit() and len(text) < 10 else None


def _close_args(form) -> dict:
    outcome = rules.Outcome(form.get("outcome", ""), set(form.getlist("remedy")),
                            svc.parse_amount_fen(form.get("money", "")) or 0)
    return {"outcome": outcome, "shop_at_fault": form.get("shop_at_fault") == "y",
            "refused_mediation": form.get("refused_mediation") == "y", "note": form.get("note", "")}


ACTIONS = {
    "take": lambda u, c, f: svc.take_complaint(u, c),
    "reassign": lambda u, c, f: svc.reassign_complaint(u, c, _user(f.get("handler_id")), f.get("reason", "")),
    "accept": lambda u, c, f: svc.accept_complaint(u, c),
    "refuse": lambda u, c, f: svc.refuse_complaint(u, c, f.get("reason", ""), f.get("note", "").strip()),
    "note": lambda u, c, f: svc.add_mediation_note(u, c, f.get("note", "")),
    "close": lambda u, c, f: svc.close_complaint(u, c, **_close_args(f)),
    "answer": lambda u, c, f: svc.answer_inquiry(u, c, f.get("answer", "")),
    "report_open_case": lambda u, c, f: svc.report_action(u, c, "open_case", f.get("note", "")),
    "report_decline": lambda u, c, f: svc.report_action(u, c, "decline", f.get("note", "")),
    "report_extend": lambda u, c, f: svc.report_action(u, c, "extend", f.get("note", "")),
    "pause": lambda u, c, f: svc.pause_clock(u, c, f.get("pause_reason", "")),
    "resume": lambda u, c, f: svc.resume_clock(u, c),
    "match_shop": lambda u, c, f: svc.match_trader(u, c, f.get("shop_id")),
}
DONE = {"take": N_("已由您承办"), "reassign": N_("已改派承办人"), "accept": N_("已受理"), "refuse": N_("已不予受理"), "note": N_("已记录调解情况"),
        "close": N_("已办结"), "answer": N_("已答复，咨询已办结"), "report_open_case": N_("举报已立案"), "report_decline": N_("举报不予立案"),
        "report_extend": N_("举报决定期限已延长"), "pause": N_("已中止计时"), "resume": N_("已恢复计时，期限已顺延"),
        "match_shop": N_("已核实到商户")}


@bp.route("/complaints/<int:cid>/<action>", methods=["POST"])
@keeps_input
def complaint_action(cid, action):
    if action not in ACTIONS:
        abort(404)
    c = _get(cid)
    if g.get("redisplay_only"):
        return _detail(c, None, request.form)
    with committing(flash_error=False) as done:
        if action not in ("take", "reassign"):
            svc.require_handler(current_user, c)  # K6: an inspector acts only on what they handle
        ACTIONS[action](current_user, c, request.form)
    if not done.ok:
        return _detail(db.session.get(Complaint, cid), done.error, request.form, 409)
    flash(_(DONE[action]), "success")
    return redirect(url_for("inspector.complaint_detail", cid=cid))


@bp.route("/complaints/intake", methods=["GET", "POST"])
@keeps_input
def complaint_intake():
    street = current_street()
    form = IntakeForm()
    error = None
    if request.method == "GET":
        form.submission_token.data = svc.new_submission_token()
    elif not form.submission_token.data:
        form.submission_token.data = svc.new_submission_token()
    searching = request.method == "POST" and "find_shop" in request.form
    if request.method == "POST" and not g.get("redisplay_only") and not searching and form.validate():
        with committing(flash_error=False) as done:
            uploads = [f.read() for f in request.files.getlist("photos") if f and f.filename]
            c, _created = svc.file_complaint(current_user, street, complaint_data(form), form.submission_token.data,
                                             channel=form.channel.data, photos=uploads)
        error = done.error
        if done.ok:
            flash(_("已登记，查询码 %(code)s", code=c.tracking_code), "success")
            return redirect(url_for("inspector.complaint_detail", cid=c.id))
    shops = shop_choices(form, street, city_wide=False)
    return render_template("inspector/complaint_intake.html", form=form, error=error, limits=svc.LIMITS,
                           searched=bool(form.shop_q.data), shops=shops, photo_mb=photo_service.max_photo_mb())
