"""Public complaint form and tracking (SPEC K1–K3, K6, K7; CASES K-06, K-09, K-11–K-15).

No account: a consumer files, gets a random tracking code and follows the case with the code plus
the whole phone number, both in a POST body (K6): no code or phone goes into a URL (the printed QR
carries the code in the ``#fragment``, which browsers never send). There is deliberately no public ``/complaints/<id>`` route (K-15).
A browser that filed or looked up a case keeps its code in the session, which lets it see the
result page and confirm/reopen without typing the pair again.
"""
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from .. import labels
from ...domain.inputs import db_id
from ...domain import complaints as rules
from ...domain.errors import DomainError
from ...domain.text import normalize_phone
from ...extensions import db, limiter
from ...services import complaints as svc
from ...services import photos as photo_service
from ..roles import keeps_input
from ..scope import committing, current_street, shown_message
from . import street_route

TRACKED_KEY = "tracked_codes"
CURRENT_KEY = "tracked_current"


def form_limit() -> str:
    return current_app.config.get("COMPLAINT_RATE_LIMIT", "20 per hour;5 per minute")


def track_fail_limit() -> str:
    return current_app.config.get("TRACK_FAIL_RATE_LIMIT", "6 per minute;30 per hour")


def track_limit() -> str:
    return current_app.config.get("TRACK_RATE_LIMIT", "30 per minute")


#: The goods categories as shown (stored values are the Chinese names; English mode shows English).
CATEGORY_LABELS = {"食品": _l("食品"), "餐饮服务": _l("餐饮服务"), "服装鞋帽": _l("服装鞋帽"), "化妆品": _l("化妆品"),
                   "家用电器": _l("家用电器"), "通讯器材": _l("通讯器材"), "日用百货": _l("日用百货"), "烟酒": _l("烟酒"),
                   "药品保健品": _l("药品保健品"), "其他": _l("其他")}


class ComplaintForm(FlaskForm):
    kind = RadioField(_l("类别"), choices=[("complaint", _l("投诉")), ("report", _l("举报")), ("inquiry", _l("咨询"))],
                      default="complaint")
    carries_report = BooleanField(_l("同时举报违法行为"))
    subject = SelectField(_l("投诉事由"), choices=[("", _l("一般投诉")), ("broken_commitment", _l("承诺未兑现"))],
                          validate_choice=False)
    shop_q = StringField(_l("商户名称"), render_kw={"type": "search", "autocomplete": "off"})
    shop_id = RadioField(_l("选择商户"), choices=[], validate_choice=False)
    card_serial = StringField(_l("或填写商品质量信誉卡编号"), render_kw={"inputmode": "numeric"})
    trader_name = StringField(_l("查不到的商户：商户名称或招牌"))
    trader_address = StringField(_l("门牌号或具体位置"))
    title = StringField(_l("标题"))
    goods = StringField(_l("商品或服务"))
    goods_category = SelectField(_l("商品类别"), choices=[("", _l("请选择"))] + [(c, CATEGORY_LABELS.get(c, c))
                                                                              for c in svc.GOODS_CATEGORIES],
                                 validate_choice=False)
    amount = StringField(_l("金额（元）"), render_kw={"inputmode": "decimal"})
    purchased_on = StringField(_l("购买日期"), render_kw={"type": "date"})
    description = TextAreaField(_l("事情经过"))
    demand = TextAreaField(_l("您的诉求"))
    consumer_name = StringField(_l("姓名（可不填）"), render_kw={"autocomplete": "name"})
    consumer_phone = StringField(_l("联系电话（手机或固定电话）"),
                                 render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "tel"})
    # SPEC M2: the consumer's choice at filing, used only when the shop takes part in early settlement
    share_contact = BooleanField(_l("如该商户参加先行和解，同意商户查看我的姓名和电话用于和解"))
    photos = MultipleFileField(_l("照片（可选，最多5张）"), render_kw={"accept": "image/*"})
    submission_token = HiddenField()


class TrackForm(FlaskForm):
    code = StringField(_l("查询码"), [DataRequired(_l("请填写查询码（投诉成功后页面上显示的那一串字母和数字）"))],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    phone = StringField(_l("投诉时填写的电话号码"), [DataRequired(_l("请填写投诉时留下的电话号码"))],
                        render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "tel"})


def complaint_data(form: ComplaintForm) -> dict:
    """The service's input from the form (shared with the inspector intake)."""
    return {k: getattr(form, k).data for k in (
        "kind", "carries_report", "subject", "shop_id", "card_serial", "trader_name", "trader_address", "title", "goods",
        "goods_category", "amount", "purchased_on", "description", "demand", "consumer_name", "consumer_phone",
        "share_contact")}


def show_errors(form: FlaskForm, errors: dict[str, str]) -> str:
    """Put each service error on its form field (all at once) and return the summary line."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            message = shown_message(message)  # a fixed text through its catalog entry, a Msg re-rendered
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    return ngettext("有 %(num)s 处需要修改，请查看标红的项目", "有 %(num)s 处需要修改，请查看标红的项目", len(errors))


def keep_photos(token: str) -> tuple[list, dict[str, str]]:
    """Stage this POST's photos under the form's token and drop the ones the consumer removed;
    returns (staged photos, {refused file name: why}). Commits the staging (issue 17)."""
    drop = [int(v) for v in request.form.getlist("drop_photo") if v.isdigit()]
    uploads = [(f.filename, f.read()) for f in request.files.getlist("photos") if f and f.filename]
    refused = {}
    if drop:
        photo_service.unstage(token, drop)
    if uploads:
        _kept, refused = photo_service.stage(token, uploads)
    if drop or uploads:
        db.session.commit()
    return photo_service.staged(token), refused


def lost_photos() -> dict[str, str]:
    """A refused POST (rate limit, expired page) stores nothing: name each photo to attach again."""
    return {f.filename: _("未保存，请重新选择") for f in request.files.getlist("photos") if f and f.filename}


def stored_a_complaint(response) -> bool:
    """Rate limits count only requests that stored a complaint (issue 17), not failed attempts."""
    return bool(g.get("complaint_stored"))


def remember(code: str) -> None:
    codes = [c for c in session.get(TRACKED_KEY, []) if c != code]
    session[TRACKED_KEY] = (codes + [code])[-20:]
    session[CURRENT_KEY] = code


def _uploads() -> list[bytes]:
    return [f.read() for f in request.files.getlist("photos") if f and f.filename]


def is_shop_search() -> bool:
    """A POST that only looks a shop up (the 查找商户 button): it files nothing, so it is not limited."""
    return request.method == "POST" and "find_shop" in request.form


@street_route("/complaints/new", methods=["GET", "POST"])
@limiter.limit(form_limit, methods=["POST"], exempt_when=is_shop_search, deduct_when=stored_a_complaint)
@keeps_input
def complaint_new():
    street = current_street()
    form = ComplaintForm()
    error, refused = None, {}
    if request.method == "GET":
        form.submission_token.data = svc.new_submission_token()
        form.shop_q.data = request.args.get("q", "")
        form.card_serial.data = request.args.get("card", "")
        # From a shop's public page: that shop picked, and "承诺未兑现" when the link says so (§13 P2).
        form.shop_id.data = request.args.get("shop", "") if request.args.get("shop", "").isdigit() else None
        form.subject.data = "broken_commitment" if request.args.get("subject") == "broken_commitment" else ""
    elif not form.submission_token.data:
        form.submission_token.data = svc.new_submission_token()
    token = form.submission_token.data
    searching = request.method == "POST" and "find_shop" in request.form
    if request.method == "POST" and g.get("redisplay_only"):
        refused = lost_photos()
    elif request.method == "POST":
        staged, refused = keep_photos(token)
        if refused and not searching:  # never file without a photo the consumer meant to attach
            error = _("有照片没有保存，请看照片一栏的说明；其他内容和照片已保留")
        elif not searching and form.validate():
            with committing(flash_error=False) as done:
                c, created = svc.file_complaint(None, street, complaint_data(form), token)
            if not done.ok:
                errors = getattr(done.exception, "errors", None)
                error = show_errors(form, errors) if errors is not None else done.error
            else:
                g.complaint_stored = created
                if created or _same_phone(c, form.consumer_phone.data):
                    remember(c.tracking_code)
                    return redirect(url_for("public.track_result"))
                return redirect(url_for("public.track"))
        elif not searching:
            error = _("提交的内容无法处理，请检查后重试")
    shops = shop_choices(form, street)
    return render_template("public/complaint_new.html", form=form, street=street, error=error,
                           limits=svc.LIMITS, trader_limits=svc.TRADER_LIMITS, searched=bool(form.shop_q.data),
                           shops=shops, card_note=card_note(form.card_serial.data),
                           photo_mb=photo_service.max_photo_mb(), staged=photo_service.staged(token),
                           refused=refused)


def shop_choices(form: ComplaintForm, street, city_wide: bool = True) -> list:
    """Search results for the form (the picked shop kept); a single match is pre-selected.

    A consumer finds a shop on any street (SPEC K8), this street's first, labelled with its street
    when it is on another; an inspector's intake (``city_wide`` False) searches the own street only.
    """
    q = form.shop_q.data
    shops = (svc.search_shops(None, q, first=street) if city_wide else svc.search_shops(street, q)) if q else []
    picked = form.shop_id.data
    if db_id(picked) is not None and all(str(s.id) != str(picked) for s in shops):
        shop = db.session.get(svc.Shop, db_id(picked))
        if shop is not None and shop.status == "active" and (city_wide or shop.street_id == street.id):
            shops = [shop] + shops
    form.shop_id.choices = [(str(s.id), _shop_label(s, street)) for s in shops]
    if len(shops) == 1 and not picked:
        form.shop_id.data = str(shops[0].id)
    return shops


def _shop_label(shop, street) -> str:
    if shop.street_id == street.id:
        return f"{shop.name}（{shop.house_number}）"
    return f"{shop.name}（{shop.street.name} {shop.house_number}）"


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
        return normalize_phone(typed) == c.consumer_phone
    except DomainError:
        return False


def _result(c, status=200):
    settings = svc.rule_settings(c.street_id)
    window = c.closed_at is not None and rules.can_confirm_or_reopen(c.closed_at, svc.utcnow(), settings)
    shop = db.session.get(svc.Shop, c.shop_id) if c.shop_id else None
    from ...services.merchant import settlement as early  # SPEC M2: the shop's proposal to answer

    s = early.settlement_of(c)
    return render_template("public/track_result.html", c=svc.public_view(c), shop=shop, rules=rules, svc=svc,
                           settlement=s,
                           proposal=early.current_proposal(s) if s else None, early=early,
                           tracking_qr=tracking_qr(c.tracking_code),
                           can_respond=window and c.kind == "complaint" and c.status == "closed" and c.confirmed_at is None,
                           confirm_days=settings.confirm_window_days,
                           calendar_warning=labels.calendar_warning(c)), status


def tracking_qr(code: str) -> str:
    """A QR (SVG data URI) of the tracking page for ``code``: scanning it opens the look-up with
    the code filled in from the URL's ``#code=`` fragment, which a browser never sends to the server
    (K6: no secret in a URL that reaches a log); the phone is still asked for."""
    import segno

    from ..urls import public_url

    return segno.make(public_url("public.track") + "#code=" + code, error="m").svg_data_uri(scale=3, border=2)


def _not_found(form):
    return render_template("public/track.html", form=form, not_found=True), 404


@street_route("/track", methods=["GET", "POST"])
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


def _remembered(code: object):
    """The complaint whose code this browser filed or looked up, else None."""
    code = str(code or "")
    return svc.get_by_code(code) if code and code in session.get(TRACKED_KEY, []) else None


@street_route("/track/result")
def track_result():
    c = _remembered(session.get(CURRENT_KEY))
    if c is None:
        return redirect(url_for("public.track"))
    return _result(c)


@street_route("/track/<action>", methods=["POST"])
@limiter.limit(track_limit)
def track_action(action):
    """Confirm, reopen or answer a settlement: the code in the form body, never the URL (K6)."""
    if action not in ("confirm", "reopen", *SETTLE_ACTIONS):
        abort(404)
    c = _remembered(request.form.get("code"))
    if c is None:
        abort(404)
    session[CURRENT_KEY] = c.tracking_code
    with committing() as done:
        if action in SETTLE_ACTIONS:
            _settle_action(c, action)
        elif action == "confirm":
            svc.confirm_outcome(c)
        else:
            svc.reopen_complaint(c, request.form.get("reason", ""))
    if done.ok and action not in SETTLE_ACTIONS:
        flash(_("已确认办理结果，感谢您的反馈") if action == "confirm" else _("已重新打开，工作人员将继续调解"), "success")
    return redirect(url_for("public.track_result"))


#: The consumer's answers in early settlement (SPEC M2), on the tracking page.
SETTLE_ACTIONS = ("settle_accept", "settle_decline", "settle_request")


def _settle_action(c, action: str) -> None:
    from ...services.merchant import settlement as early

    if action == "settle_accept":
        early.answer(c, True)
        flash(_("您已接受商家的和解方案，投诉已办结"), "success")
    elif action == "settle_decline":
        early.answer(c, False)
        flash(_("您未接受和解方案，已转市场监管所处理"), "success")
    else:
        early.request_office(c)
        flash(_("已转市场监管所处理"), "success")
