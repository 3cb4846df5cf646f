"""The inspector's patrol form, phone-first and one-handed, and the violation form (SPEC P1–P2)."""
import secrets

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (FieldList, Form, FormField, HiddenField, MultipleFileField, RadioField, SelectField,
                     StringField, TextAreaField)

from ...domain.inputs import db_id, query_int
from ...domain.errors import DomainError, FieldErrors
from ...domain.time import local_date
from ...extensions import db
from ...models import CHECKLIST, InspectorGroup, Patrol, Photo, Shop, SpecialAction, Street, utcnow
from ...services import patrols
from ...services import photos as photo_service
from ...services.register import find_shops
from ..form_errors import show_field_errors
from ..labels import licence_flag_texts
from ..roles import keeps_input
from ..scope import committing, current_street, get_or_404, shown_message
from . import bp

RESULT_CHOICES = [("pass", _l("合格")), ("fail", _l("不合格")), ("na", _l("未检查"))]


def shop_or_404(shop_id: object) -> Shop:
    """A shop of the user's street (any street for a city admin, whose page then is on it); else 404.

    ``shop_id`` may be typed text: one that is no database id (``domain.inputs.db_id``) is a 404."""
    return get_or_404(Shop, db_id(shop_id))


def street_today(street: Street):
    return local_date(utcnow(), street.timezone)


class PatrolForm(FlaskForm):
    group_id = SelectField(_l("巡查组"), coerce=int)
    special_action_id = SelectField(_l("专项检查（可不选）"), coerce=int, default=0)  # not rendered when there is none
    licence = RadioField(_l(patrols.CHECKLIST_LABELS["licence"]), choices=RESULT_CHOICES, default="na")
    ledger = RadioField(_l(patrols.CHECKLIST_LABELS["ledger"]), choices=RESULT_CHOICES, default="na")
    advertising = RadioField(_l(patrols.CHECKLIST_LABELS["advertising"]), choices=RESULT_CHOICES, default="na")
    counterfeit = RadioField(_l(patrols.CHECKLIST_LABELS["counterfeit"]), choices=RESULT_CHOICES, default="na")
    prices = RadioField(_l(patrols.CHECKLIST_LABELS["prices"]), choices=RESULT_CHOICES, default="na")
    cards = RadioField(_l(patrols.CHECKLIST_LABELS["cards"]), choices=RESULT_CHOICES, default="na")
    note = TextAreaField(_l("巡查记录"))
    photos = MultipleFileField(_l("现场照片（可多张）"))
    submission_token = HiddenField()


# A failed item's rectification period, in working days (issue 17): rectify_licence, rectify_ledger, ...
for _item in CHECKLIST:
    setattr(PatrolForm, f"rectify_{_item}", StringField(_l("整改期限（工作日，可不填）"),
                                                        render_kw={"inputmode": "numeric", "maxlength": 2}))


class SeizureRow(Form):
    goods = StringField(_l("物品名称"))
    quantity = StringField(_l("数量"))
    unit = StringField(_l("单位"))


class ViolationForm(FlaskForm):
    # No preselected severity or kind: an untouched form must not record "一般" or the first kind (QA);
    # the service names every missing or wrong field at once. A failed patrol item preselects its kind.
    severity = RadioField(_l("严重程度"), choices=[("general", _l("一般")), ("serious", _l("严重"))],
                          validate_choice=False)
    kind = SelectField(_l("违法行为类别"), choices=[("", _l("请选择"))] + [(k, _l(v)) for k, v in patrols.KIND_LABELS.items()],
                       validate_choice=False)
    legal_basis = TextAreaField(_l("法律依据"))
    description = TextAreaField(_l("违法事实"))
    penalty = TextAreaField(_l("处理处罚"))
    fine_yuan = StringField(_l("罚款金额（元）"))
    seizures = FieldList(FormField(SeizureRow), min_entries=3, max_entries=20)  # 3 empty rows keep the phone form short
    patrol_id = HiddenField()
    checklist_item = HiddenField()
    submission_token = HiddenField()


@bp.route("/patrols")
def patrol_list():
    street = current_street()
    rows = db.session.execute(
        select(Patrol, Shop).join(Shop, Shop.id == Patrol.shop_id).where(Shop.street_id == street.id)
        .order_by(Patrol.patrolled_at.desc()).limit(50)).all()
    return render_template("inspector/patrol_list.html", rows=rows, failed=patrols.failed_items)


@bp.route("/patrols/new", methods=["GET", "POST"])
@keeps_input
def patrol_new():
    street = current_street()
    shop = shop_or_404(request.args.get("shop_id", type=query_int)) if request.args.get("shop_id") else None
    if shop is None:
        return _shop_picker(street)
    form = PatrolForm()
    groups = db.session.scalars(select(InspectorGroup).where(InspectorGroup.street_id == street.id)
                                .order_by(InspectorGroup.name)).all()
    form.group_id.choices = [(0, "（不指定）")] + [(g.id, g.name) for g in groups]
    actions = db.session.scalars(select(SpecialAction).where(SpecialAction.street_id == street.id)
                                 .order_by(SpecialAction.action_on.desc()).limit(20)).all()
    form.special_action_id.choices = [(0, "（无）")] + [(a.id, f"{a.action_on} {a.theme}") for a in actions]
    if request.method == "GET":
        form.group_id.data = current_user.group_id or 0
        form.special_action_id.data = request.args.get("action", type=query_int) or 0
        form.submission_token.data = secrets.token_urlsafe(24)
    if not g.get("redisplay_only") and form.validate_on_submit():
        group = db.session.get(InspectorGroup, form.group_id.data) if form.group_id.data else None
        action = db.session.get(SpecialAction, form.special_action_id.data) if form.special_action_id.data else None
        with committing() as done:
            patrol = patrols.record_patrol(
                current_user, shop, group, {item: getattr(form, item).data for item in CHECKLIST},
                form.note.data or "", request.files.getlist(form.photos.name), action,
                form.submission_token.data or None, all_items_pass=bool(request.form.get("all_pass")),
                rectify={item: getattr(form, f"rectify_{item}").data for item in CHECKLIST})
        if done.ok:
            flash(gettext("巡查记录已保存"), "success")
            if request.form.get("all_pass"):
                known = patrols.known_failures(shop, local_date(patrol.patrolled_at, street.timezone))
                for item, reason in known.items():
                    if getattr(patrol, item) == "fail":
                        flash(gettext("“%(item)s”一项已记为不合格：%(reason)s",
                                      item=gettext(patrols.CHECKLIST_LABELS[item]),
                                      reason=licence_flag_texts([shop], local_date(patrol.patrolled_at, street.timezone))
                                      .get(shop.id, reason)), "warning")
            return redirect(url_for("inspector.patrol_show", patrol_id=patrol.id))
    elif request.method == "POST" and not g.get("redisplay_only"):
        flash(gettext("请检查填写的内容"), "danger")
    flag = licence_flag_texts([shop], street_today(street)).get(shop.id)
    return render_template("inspector/patrol_form.html", form=form, shop=shop, flag=flag,
                           items=CHECKLIST, max_note=patrols.MAX_NOTE,
                           max_photo_mb=photo_service.max_photo_mb())


def _shop_picker(street: Street):
    q = request.args.get("q", "")
    house = request.args.get("house", "")
    shops, error = [], None
    if house.strip():
        try:
            shops = patrols.nearest_shops(find_shops(street.id), house)
        except DomainError as e:
            error = shown_message(e.message)
    elif q.strip():
        shops = find_shops(street.id, q)[:30]
    flags = licence_flag_texts(shops, street_today(street))
    return render_template("inspector/patrol_pick.html", shops=shops, q=q, house=house, flags=flags,
                           error=error, action=request.args.get("action", type=query_int))


@bp.route("/patrols/<int:patrol_id>")
def patrol_show(patrol_id: int):
    patrol = get_or_404(Patrol, patrol_id)
    shop = shop_or_404(patrol.shop_id)
    photos = db.session.scalars(select(Photo.id).where(Photo.patrol_id == patrol.id)).all()
    group = db.session.get(InspectorGroup, patrol.group_id) if patrol.group_id else None
    action = db.session.get(SpecialAction, patrol.special_action_id) if patrol.special_action_id else None
    return render_template("inspector/patrol_show.html", patrol=patrol, shop=shop, photos=photos,
                           group=group, action=action, items=CHECKLIST,
                           labels=patrols.CHECKLIST_LABELS, results=patrols.RESULT_LABELS,
                           failed=patrols.failed_items(patrol), kind_labels=patrols.KIND_LABELS,
                           severity_labels=patrols.SEVERITY_LABELS,
                           rectifications=patrols.for_patrol(patrol))


@bp.route("/photos/<int:photo_id>")
def patrol_photo(photo_id: int):
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.patrol_id is None:
        abort(404)
    shop_or_404(db.session.get(Patrol, photo.patrol_id).shop_id)
    return photo.data, 200, {"Content-Type": "image/jpeg", "Cache-Control": "private, max-age=3600"}


@bp.route("/shops/<int:shop_id>/violations/new", methods=["GET", "POST"])
@keeps_input
def violation_new(shop_id: int):
    shop = shop_or_404(shop_id)
    form = ViolationForm()
    if request.method == "GET":
        item = request.args.get("item", "")
        form.patrol_id.data = request.args.get("patrol", "")
        form.submission_token.data = secrets.token_urlsafe(24)
        if item in patrols.KIND_FOR_ITEM:
            form.checklist_item.data = item
            form.kind.data = patrols.KIND_FOR_ITEM[item]
    patrol = None
    if (form.patrol_id.data or "").isdigit():
        patrol = db.session.get(Patrol, db_id(form.patrol_id.data) or 0)
        if patrol is None or patrol.shop_id != shop.id:
            abort(404)
    if not g.get("redisplay_only") and form.validate_on_submit():
        rows = [(r.goods.data, r.quantity.data, r.unit.data) for r in form.seizures]
        with committing(flash_error=False) as done:
            patrols.raise_violation(current_user, shop, patrol, form.severity.data, form.kind.data,
                                    form.legal_basis.data, form.description.data, form.penalty.data,
                                    form.fine_yuan.data, rows, form.checklist_item.data or None,
                                    submission_token=form.submission_token.data or None)
        if not done.ok:
            if isinstance(done.exception, FieldErrors):
                flash(show_field_errors(form, done.exception.errors), "danger")
            elif done.code != "item_has_violation":  # shown below with a link to the earlier one
                flash(done.error, "danger")
        else:
            flash(gettext("违法违章行为已登记"), "success")
            return redirect(url_for("inspector.shop_register", shop_id=shop.id))
    elif request.method == "POST" and not g.get("redisplay_only"):
        flash(gettext("请检查填写的内容"), "danger")
    return render_template("inspector/violation_form.html", form=form, shop=shop, patrol=patrol,
                           existing=patrols.violation_for_item(patrol, form.checklist_item.data),
                           item_label=patrols.CHECKLIST_LABELS.get(form.checklist_item.data or ""))
