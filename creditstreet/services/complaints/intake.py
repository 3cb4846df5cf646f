"""Intake (SPEC K1, K2, K7, C3): finding the shop, filing a complaint once per submission."""

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, select

from ...domain import complaints as rules
from ...domain.errors import ValidationError
from ...domain.text import clean_text, normalize_mobile, search_key
from ...domain.time import local_date
from ...extensions import db
from ...models import CardRange, Complaint, Shop, Street, User
from ...models.types import utcnow
from .. import audit, once, photos as photo_service
from ..settings import rule_settings, work_calendar

from .common import (CHANNEL_LABELS, GOODS_CATEGORIES, KIND_LABELS, LIMITS, SUBJECT_LABELS, _event, _parse_date, _snap, _text,
                     new_tracking_code, parse_amount_fen, parse_card_serial)


#: What the inspector sees when a complaint names a card that was never issued (SPEC C3).
CARD_STATE_NOTES = {"forged": "该卡编号不在登记批次中（疑似伪造）", "not_issued": "该卡尚未发放"}


def resolve_shop_and_card(street: Street, shop_id: object, serial: object) -> tuple[Shop | None, int | None, str]:
    """The shop a complaint is about and the card serial given as evidence (SPEC C3, K1).

    Returns (shop, serial, card_note). A card issued to one shop while the consumer picked another
    is refused naming both (never silently moved). A forged or unissued card is kept as evidence
    with ``card_note`` when a shop is picked; without a shop the consumer is asked to pick the shop
    that gave the card. An issued card alone names its shop.
    """
    from .. import cards as card_service

    shop = None
    if shop_id not in (None, ""):
        try:
            shop = db.session.get(Shop, int(str(shop_id)))
        except ValueError:
            shop = None
        if shop is None or shop.street_id != street.id:
            raise ValidationError("所选商户不存在，请重新搜索", code="shop_not_found")
    if not clean_text(serial):
        return shop, None, ""
    n = parse_card_serial(serial)
    check = card_service.verify(n)
    printed = card_service.fmt_serial(n)
    if check.state == "issued":
        if shop is not None and shop.id != check.shop.id:
            raise ValidationError(f"信誉卡 {printed} 是{check.shop.name}发放的，与您选择的{shop.name}不一致，请核对",
                                  code="card_shop_mismatch")
        if check.shop.street_id != street.id:
            raise ValidationError(f"信誉卡 {printed} 不是本街商户发放的，请核对", code="shop_not_found")
        return check.shop, n, ""
    note = CARD_STATE_NOTES[check.state]
    if shop is None:
        raise ValidationError(f"信誉卡 {printed}：{note}。请在上方查找并选择给您这张卡的商户，再提交",
                              code="card_needs_shop")
    return shop, n, f"信誉卡 {printed}：{note}"


def shop_for_card(serial: object) -> tuple[int, Shop]:
    """The shop a quality credit card serial was issued to (SPEC C3); ValidationError if none."""
    n = parse_card_serial(serial)
    shop = db.session.scalar(
        select(Shop).join(CardRange, CardRange.shop_id == Shop.id)
        .where(CardRange.first_serial <= n, CardRange.last_serial >= n)
    )
    if shop is None:
        raise ValidationError(f"信誉卡编号{n}未发放或不存在，请核对", code="card_not_found")
    return n, shop


def search_shops(street: Street, query: object, limit: int = 20) -> list[Shop]:
    """Active shops of the street whose name matches ``query`` (traditional/simplified, CASES K-11)."""
    key = search_key(query)
    if not key:
        return []
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(db.session.scalars(
        select(Shop).where(Shop.street_id == street.id, Shop.status == "active",
                           Shop.search_key.like(f"%{escaped}%", escape="\\"))
        .order_by(func.length(Shop.search_key), Shop.id).limit(limit)))


# --- intake --------------------------------------------------------------------------------------

def _deadline_fields(street: Street, kind: str, carries_report: bool, now: datetime) -> dict:
    settings = rule_settings()
    d = rules.deadlines(local_date(now, street.timezone), None, work_calendar(), settings)
    fields: dict[str, Any] = {"decide_by": d.decide_by if kind == "complaint" else None}
    if kind == "report" or (kind == "complaint" and carries_report):
        fields.update(report_status="received", report_decide_by=d.report_decide_by)
    return fields


def file_complaint(actor: User | None, street: Street, data: Mapping[str, Any],
                   submission_token: str | None, *, channel: str = "online",
                   photos: list[bytes] | None = None, now: datetime | None = None) -> tuple[Complaint, bool]:
    """Record a complaint/report/inquiry (K1, K2); returns (complaint, created).

    ``data``: kind, carries_report, shop_id | card_serial, title, goods, goods_category, amount
    (yuan text), purchased_on, description, demand, consumer_name, consumer_phone. The same
    ``submission_token`` twice returns the first complaint with created=False (K7, CASES K-06),
    also under a race (UNIQUE constraint, savepoint, re-select). Online and API intake need a
    mobile phone (tracking uses its last 4 digits); inspectors may take a box complaint without.
    """
    now = now or utcnow()
    token = (submission_token or "").strip()[:64] or None
    if token:
        existing = once.by_token(Complaint, token)
        if existing is not None:
            return existing, False
    if channel not in CHANNEL_LABELS:
        raise ValidationError("受理渠道无效", code="bad_channel")
    kind = data.get("kind") or "complaint"
    if kind not in KIND_LABELS:
        raise ValidationError("请选择投诉、举报或咨询", code="bad_kind")
    carries_report = bool(data.get("carries_report")) and kind == "complaint"

    phone_raw = data.get("consumer_phone")
    if not clean_text(phone_raw) and channel in ("online", "api"):
        raise ValidationError("请填写手机号码", code="phone_required")
    if clean_text(phone_raw) or channel in ("online", "api"):
        phone = normalize_mobile(phone_raw)
    else:
        phone = ""
    today = local_date(now, street.timezone)
    fields = {k: _text(data, k, required=(k == "description")) for k in LIMITS}
    if fields["goods_category"] and fields["goods_category"] not in GOODS_CATEGORIES:
        raise ValidationError("商品类别无效", code="bad_category")
    subject = clean_text(data.get("subject")) if kind == "complaint" else ""
    if subject not in SUBJECT_LABELS:
        raise ValidationError("投诉事由无效", code="bad_subject")

    shop, card_serial, card_note = resolve_shop_and_card(street, data.get("shop_id"), data.get("card_serial"))
    if kind == "complaint" and shop is None and channel in ("online", "api"):
        raise ValidationError("请选择被投诉的商户（按名称搜索或填写信誉卡编号）", code="shop_required")

    prepared = photo_service.prepare(photos or [])
    complaint = Complaint(
        street_id=street.id, shop_id=shop.id if shop else None, kind=kind, carries_report=carries_report,
        channel=channel, tracking_code=new_tracking_code(), submission_token=token, subject=subject,
        amount_fen=parse_amount_fen(data.get("amount")),
        purchased_on=_parse_date(data.get("purchased_on"), today),
        consumer_phone=phone, card_serial=card_serial, status="received", received_at=now,
        handler_id=actor.id if actor is not None and channel != "online" else None,
        **fields, **_deadline_fields(street, kind, carries_report, now),
    )
    complaint, created = once.add_once(complaint)
    if not created:
        return complaint, False
    if prepared:
        photo_service.attach(prepared, complaint_id=complaint.id)
    _event(complaint, actor, "intake", CHANNEL_LABELS[channel], now)
    from ..merchant import settlement  # early settlement first when the shop takes part (SPEC M2)

    settlement.route_new_complaint(complaint, bool(data.get("share_contact")), now)
    if card_note:
        _event(complaint, actor, "card_status", card_note, now)
    audit.record(actor, "complaint.intake", "complaint", complaint.id, None,
                 {**_snap(complaint), "photos": len(prepared)}, actor_label=None if actor else "consumer")
    return complaint, True
