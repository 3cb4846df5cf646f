"""Public complaint form and tracking (SPEC K1–K3, K6, K7; CASES K-06, K-09, K-11–K-15).

No account: a consumer files, gets a random tracking code and follows the case with the code plus
the whole mobile number, both in a POST body (K6): no code or phone ever goes into a URL, so none
reaches an access log or a Referer. There is deliberately no public ``/complaints/<id>`` route
(K-15). A browser that filed or looked up a case keeps its code in the session, which lets it see
the result page (``/track/result``) and confirm/reopen (the code in the form body) without typing
the pair again. Pages show only ``services.complaints.public_view`` (redacted, masked).
"""
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField

from ...domain import complaints as rules
from ...domain.errors import DomainError
from ...domain.text import normalize_mobile
from ...extensions import db, limiter
from ...services import complaints as svc
from ...services import photos as photo_service
from ..roles import keeps_input
from . import bp
from .routes import current_street

TRACKED_KEY = "tracked_codes"
CURRENT_KEY = "tracked_current"


def form_limit() -> str:
    return current_app.config.get("COMPLAINT_RATE_LIMIT", "20 per hour;5 per minute")


def track_fail_limit() -> str:
    return current_app.config.get("TRACK_FAIL_RATE_LIMIT", "6 per minute;30 per hour")


def track_limit() -> str:
    return current_app.config.get("TRACK_RATE_LIMIT", "30 per minute")


class ComplaintForm(FlaskForm):
    kind = RadioField(_l("类别"), choices=[("complaint", _l("投诉")), ("report", _l("举报")), ("inquiry", _l("咨询"))],
                      default="complaint")
    carries_report = BooleanField(_l("同时举报违法行为"))
    subject = SelectField(_l("投诉事由"), choices=[("", _l("一般投诉")), ("broken_commitment", _l("承诺未兑现"))],
                          validate_choice=False)
    shop_q = StringField(_l("商户名称"), render_kw={"type": "search", "autocomplete": "off"})
    shop_id = RadioField(_l("选择商户"), choices=[], validate_choice=False)
    card_serial = StringField(_l("或填写商品质量信誉卡编号"), render_kw={"inputmode": "numeric"})
    title = StringField(_l("标题"))
    goods = StringField(_l("商品或服务"))
    goods_category = SelectField(_l("商品类别"), choices=[("", _l("请选择"))] + [(c, c) for c in svc.GOODS_CATEGORIES],
                                 validate_choice=False)
    amount = StringField(_l("金额（元）"), render_kw={"inputmode": "decimal"})
    purchased_on = StringField(_l("购买日期"), render_kw={"type": "date"})
    description = TextAreaField(_l("事情经过"))
    demand = TextAreaField(_l("您的诉求"))
    consumer_name = StringField(_l("姓名（可不填）"), render_kw={"autocomplete": "name"})
    consumer_phone = StringField(_l("手机号码"), render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "tel"})
    photos = MultipleFileField(_l("照片（可选，最多5张）"), render_kw={"accept": "image/*"})
    submission_token = HiddenField()


class TrackForm(FlaskForm):
    code = StringField(_l("查询码"), render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    phone = StringField(_l("投诉时填写的手机号码"), render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "tel"})


def complaint_data(form: ComplaintForm) -> dict:
    """The service's input from the form (shared with the inspector intake)."""
    return {k: getattr(form, k).data for k in (
        "kind", "carries_report", "subject", "shop_id", "card_serial", "title", "goods", "goods_category", "amount",
        "purchased_on", "description", "demand", "consumer_name", "consumer_phone")}


def remember(code: str) -> None:
    codes = [c for c in session.get(TRACKED_KEY, []) if c != code]
    session[TRACKED_KEY] = (codes + [code])[-20:]
    session[CURRENT_KEY] = code


def _uploads() -> list[bytes]:
    return [f.read() for f in request.files.getlist("photos") if f and f.filename]


def is_shop_search() -> bool:
    """A POST that only looks a shop up (the 查找商户 button): it files nothing, so it is not limited."""
    return request.method == "POST" and "find_shop" in request.form


@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit(form_limit, methods=["POST"], exempt_when=is_shop_search)
@keeps_input
def complaint_new():
    street = current_street()
    if street is None:
        abort(404)
    form = ComplaintForm()
    error = None
    if request.method == "GET":
        form.submission_token.data = svc.new_submission_token()
        form.shop_q.data = request.args.get("q", "")
        form.card_serial.data = request.args.get("card", "")
        # From a shop's public page: that shop picked, and "承诺未兑现" when the link says so (§13 P2).
        form.shop_id.data = request.args.get("shop", "") if request.args.get("shop", "").isdigit() else None
        form.subject.data = "broken_commitment" if request.args.get("subject") == "broken_commitment" else ""
    elif not form.submission_token.data:
        form.submission_token.data = svc.new_submission_token()
    searching = request.method == "POST" and "find_shop" in request.form
    if request.method == "POST" and not g.get("redisplay_only") and not searching:
        if form.validate():
            try:
                c, created = svc.file_complaint(None, street, complaint_data(form), form.submission_token.data,
                                                photos=_uploads())
                db.session.commit()
            except DomainError as e:
                db.session.rollback()
                error = e.message
            else:
                if created or _same_phone(c, form.consumer_phone.data):
                    remember(c.tracking_code)
                    return redirect(url_for("public.track_result"))
                return redirect(url_for("public.track"))
        else:
            error = _("提交的内容无法处理，请检查后重试")
    shops = shop_choices(form, street)
    return render_template("public/complaint_new.html", form=form, street=street, error=error,
                           limits=svc.LIMITS, searched=bool(form.shop_q.data), shops=shops,
                           card_note=card_note(form.card_serial.data), photo_mb=photo_service.max_photo_mb())


def shop_choices(form: ComplaintForm, street) -> list:
    """Search results for the form (the picked shop kept); a single match is pre-selected."""
    shops = svc.search_shops(street, form.shop_q.data) if form.shop_q.data else []
    picked = form.shop_id.data
    if picked and str(picked).isdigit() and all(str(s.id) != str(picked) for s in shops):
        shop = db.session.get(svc.Shop, int(picked))
        if shop is not None and shop.street_id == street.id:
            shops = [shop] + shops
    form.shop_id.choices = [(str(s.id), f"{s.name}（{s.house_number}）") for s in shops]
    if len(shops) == 1 and not picked:
        form.shop_id.data = str(shops[0].id)
    return shops


def card_note(serial) -> str:
    """What the typed card serial says before submitting: whose card it is (SPEC C3)."""
    from ...services import cards as card_service

    try:
        n = svc.parse_card_serial(serial) if serial else None
    except DomainError:
        return ""
    if n is None:
        return ""
    check = card_service.verify(n)
    if check.state == "issued":
        return _("此卡由 %(shop)s 发放", shop=check.shop.name)
    return _("信誉卡 %(serial)s：%(note)s，请在上方选择给您这张卡的商户", serial=card_service.fmt_serial(n),
             note=svc.CARD_STATE_NOTES[check.state])


def _same_phone(c, typed) -> bool:
    try:
        return normalize_mobile(typed) == c.consumer_phone
    except DomainError:
        return False


def _result(c, status=200):
    settings = svc.rule_settings()
    window = c.closed_at is not None and rules.can_confirm_or_reopen(c.closed_at, svc.utcnow(), settings)
    shop = db.session.get(svc.Shop, c.shop_id) if c.shop_id else None
    return render_template("public/track_result.html", c=svc.public_view(c), shop=shop, rules=rules, svc=svc,
                           can_respond=window and c.status == "closed" and c.confirmed_at is None,
                           confirm_days=settings.confirm_window_days,
                           calendar_warning=svc.calendar_warning(c)), status


def _not_found(form):
    return render_template("public/track.html", form=form, not_found=True), 404


def _remembered(code: object):
    """The complaint whose code this browser filed or looked up, else None."""
    code = str(code or "")
    return svc.get_by_code(code) if code and code in session.get(TRACKED_KEY, []) else None


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(track_limit, methods=["POST"])
@limiter.limit(track_fail_limit, methods=["POST"], deduct_when=lambda r: r.status_code == 404)
@keeps_input
def track():
    form = TrackForm()
    if request.method == "POST" and not g.get("redisplay_only") and form.validate():
        c = svc.find_for_tracking(form.code.data, form.phone.data)
        if c is None:
            return _not_found(form)
        remember(c.tracking_code)
        return _result(c)
    return render_template("public/track.html", form=form, not_found=False)


@bp.route("/track/result")
def track_result():
    c = _remembered(session.get(CURRENT_KEY))
    if c is None:
        return redirect(url_for("public.track"))
    return _result(c)


@bp.route("/track/<any(confirm, reopen):action>", methods=["POST"])
@limiter.limit(track_limit)
def track_action(action):
    c = _remembered(request.form.get("code"))
    if c is None:
        abort(404)
    session[CURRENT_KEY] = c.tracking_code
    try:
        if action == "confirm":
            svc.confirm_outcome(c)
            flash(_("已确认办理结果，感谢您的反馈"), "success")
        else:
            svc.reopen_complaint(c, request.form.get("reason", ""))
            flash(_("已重新打开，工作人员将继续调解"), "success")
        db.session.commit()
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "danger")
    return redirect(url_for("public.track_result"))
