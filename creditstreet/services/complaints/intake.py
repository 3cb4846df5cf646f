"""Intake (SPEC K1, K2, K7, C3): finding the shop, filing a complaint once per submission."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import case, func, or_, select

from ...domain.i18n import N_
from ...domain import complaints as rules
from ...domain.inputs import db_id
from ...domain.errors import FieldErrors, ValidationError
from ...domain.text import char_count, clean_text, normalize_phone, search_key, shop_id_in_url
from ...domain.time import local_date
from ...extensions import db
from ...models import CardRange, Complaint, Shop, Street, User
from ...models.types import utcnow
from .. import audit, once, photos as photo_service

from .common import (CHANNEL_LABELS, GOODS_CATEGORIES, KIND_LABELS, LIMITS, SUBJECT_LABELS, _event, _parse_date, _snap, _text,
                     parse_amount_fen, parse_card_serial)


#: What the inspector sees when a complaint names a card that was never issued (SPEC C3).
CARD_STATE_NOTES = {"forged": N_("该卡编号不在登记批次中（疑似伪造）"), "not_issued": N_("该卡尚未发放")}


def resolve_shop_and_card(street: Street | None, shop_id: object, serial: object) -> tuple[Shop | None, int | None, str]:
    """The shop a complaint is about and the card serial given as evidence (SPEC C3, K1, K8).

    ``street`` None: the shop may be on any street of the deployment (a consumer's complaint, K8);
    otherwise it must be on ``street`` (an inspector's intake).

    Returns (shop, serial, card_note). A card issued to one shop while the consumer picked another
    is refused naming both (never silently moved). A forged or unissued card is kept as evidence
    with ``card_note`` when a shop is picked; without a shop the consumer is asked to pick the shop
    that gave the card. An issued card alone names its shop.
    """
    from .. import cards as card_service

    shop = None
    if shop_id not in (None, ""):
        sid = db_id(shop_id)  # a typed or sent id; beyond the database's range it is "not found"
        shop = db.session.get(Shop, sid) if sid is not None else None
        if shop is None or (street is not None and shop.street_id != street.id):
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
        if street is not None and check.shop.street_id != street.id:
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


def search_shops(street: Street | None, query: object, limit: int = 20, *,
                 first: Street | None = None) -> list[Shop]:
    """Active shops whose name (traditional/simplified, CASES K-11) or house number matches ``query``.

    ``street`` None searches every street of the deployment (K8), ``first``'s shops listed first;
    otherwise only ``street``. At most ``limit`` shops, shortest names first.
    """
    by_url = shop_id_in_url(query)  # the plaque's QR address, pasted into the search
    if by_url is not None:
        shop = db.session.get(Shop, by_url)
        return [shop] if shop is not None and shop.status == "active" and street in (None, shop.street) else []
    key = search_key(query)
    if not key:
        return []

    def like(text: str):
        return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    house = clean_text(query).replace(" ", "")
    matches = Shop.search_key.like(like(key), escape="\\")
    if house and any(ch.isdigit() for ch in house):
        matches = or_(matches, Shop.house_number.like(like(house), escape="\\"))
    stmt = select(Shop).where(Shop.status == "active", matches)
    order = [func.length(Shop.search_key), Shop.id]
    if street is not None:
        stmt = stmt.where(Shop.street_id == street.id)
    elif first is not None:
        order.insert(0, case((Shop.street_id == first.id, 0), else_=1))
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)))


# --- intake --------------------------------------------------------------------------------------

#: Free-text trader fields (a trader not in the register), code points.
TRADER_LIMITS = {"trader_name": 60, "trader_address": 40}


class _Errors:
    """Collects one message per field so a form shows every mistake at once (issue 17)."""

    def __init__(self):
        self.by_field: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def check(self, field: str, fn, *args):
        try:
            return fn(*args)
        except ValidationError as e:
            self.add(field, e.message, e.code)
            return None

    def add(self, field: str, message: str, code: str = "validation_error") -> None:
        if field not in self.by_field:
            self.by_field[field], self.codes[field] = message, code


def _phone(raw: object, channel: str) -> str:
    """A mobile (11 digits) or a landline (``0719-8117836``); required online (K6 tracking)."""
    if not clean_text(raw):
        if channel in ("online", "api"):
            raise ValidationError("请填写手机号码或固定电话", code="phone_required")
        return ""
    return normalize_phone(raw)


def _trader(data: Mapping[str, Any]) -> tuple[str, str]:
    name = clean_text(data.get("trader_name"))
    address = clean_text(data.get("trader_address"))
    for key, value, label in (("trader_name", name, "商户名称"), ("trader_address", address, "门牌号")):
        if char_count(value) > TRADER_LIMITS[key]:
            raise ValidationError(f"{label}不能超过{TRADER_LIMITS[key]}个字", code="too_long")
    return name, address


@dataclass(frozen=True)
class CheckedIntake:
    """A complaint checked and ready to store (``check_complaint``), or a replay (``replay``: the
    complaint already stored under the submission token, K7). Plain values besides ``replay`` and
    ``actor``, so it outlives the read transaction (issue 18). ``values``: the complaint's columns
    as checked, without tracking code, deadlines and redacted copies (``store_complaint`` adds them).
    """

    replay: Complaint | None
    actor: User | None = None
    shop: Shop | None = None  # kept loaded for the answer (the session holds objects weakly)
    channel: str = "online"
    token: str | None = None
    now: datetime | None = None
    timezone: str = "Asia/Shanghai"
    values: Mapping[str, Any] = field(default_factory=dict)
    card_note: str = ""
    photos: tuple = ()
    share_contact: bool = False
    prepared: bool = False  # ``store.prepare`` done: ``values`` is the whole row but its deadlines
    notes: tuple = ()  # set by ``prepare``: the timeline's (kind, note, redacted note)


def file_complaint(actor: User | None, street: Street, data: Mapping[str, Any],
                   submission_token: str | None, *, channel: str = "online",
                   photos: list[bytes] | None = None, now: datetime | None = None) -> tuple[Complaint, bool]:
    """Record a complaint/report/inquiry (K1, K2); returns (complaint, created).

    ``check_complaint`` then ``store_complaint`` in the caller's transaction (see both for the
    fields, errors and K7). A caller that wants SQLite's write lock for the writes only checks,
    ends its read transaction, then stores (the JSON API, issue 18).
    """
    from .store import store_complaint

    return store_complaint(check_complaint(actor, street, data, submission_token, channel=channel,
                                           photos=photos, now=now))


def check_complaint(actor: User | None, street: Street, data: Mapping[str, Any],
                    submission_token: str | None, *, channel: str = "online", photos: list[bytes] | None = None,
                    now: datetime | None = None, token_looked_up: bool = False) -> CheckedIntake:
    """Check a complaint/report/inquiry before storing it (K1, K2); reads only.

    ``data``: kind, carries_report, subject, shop_id | card_serial | trader_name + trader_address (a
    trader not in the register, matched to a shop later), title, goods, goods_category, amount (yuan
    text), purchased_on, description, demand, consumer_name, consumer_phone (a mobile or a landline),
    share_contact. Every wrong field is reported at once: ``FieldErrors`` with one Chinese message
    per field name. A ``submission_token`` already stored gives ``replay`` = the first complaint
    before any check (K7, CASES K-06; ``token_looked_up``: the caller found none in this transaction,
    ``tracking.stored_under``). Photos: ``photos`` (raw bytes), re-encoded here.
    Online and API intake need a phone; inspectors may take a box complaint without.
    """
    now = now or utcnow()
    token = (submission_token or "").strip()[:64] or None
    if token and not token_looked_up:
        existing = once.id_by_token(Complaint, token)
        if existing is not None:
            return CheckedIntake(replay=db.session.get(Complaint, existing))
    if channel not in CHANNEL_LABELS:
        raise ValidationError("受理渠道无效", code="bad_channel")
    errors = _Errors()
    kind = data.get("kind") or "complaint"
    if kind not in KIND_LABELS:
        errors.add("kind", "请选择投诉、举报或咨询", "bad_kind")
        kind = "complaint"
    carries_report = bool(data.get("carries_report")) and kind == "complaint"
    phone = errors.check("consumer_phone", _phone, data.get("consumer_phone"), channel) or ""
    today = local_date(now, street.timezone)
    fields = {k: errors.check(k, _text, data, k, k == "description") or "" for k in LIMITS}
    if fields["goods_category"] and fields["goods_category"] not in GOODS_CATEGORIES:
        errors.add("goods_category", "商品类别无效", "bad_category")
    subject = clean_text(data.get("subject")) if kind == "complaint" else ""
    if subject not in SUBJECT_LABELS:
        errors.add("subject", "投诉事由无效", "bad_subject")
    amount_fen = errors.check("amount", parse_amount_fen, data.get("amount"))
    purchased_on = errors.check("purchased_on", _parse_date, data.get("purchased_on"), today)

    # A consumer names a shop of any street (K8) and the complaint goes to that shop's street;
    # an inspector's intake stays on the inspector's street.
    city_wide = channel in ("online", "api")
    shop, card_serial, card_note = None, None, ""
    try:
        shop, card_serial, card_note = resolve_shop_and_card(None if city_wide else street, data.get("shop_id"),
                                                             data.get("card_serial"))
    except ValidationError as e:
        errors.add("card_serial" if e.code.startswith("card") or e.code == "bad_card" else "shop_id", e.message, e.code)
    if shop is not None and shop.street_id != street.id:
        street = db.session.get(Street, shop.street_id)
    trader_name, trader_address = errors.check("trader_name", _trader, data) or ("", "")
    if shop is not None:
        trader_name = trader_address = ""
    elif trader_name and not trader_address:
        errors.add("trader_address", "请填写门牌号或具体位置（如“人民路28号门口摊位”），便于工作人员核实",
                   "trader_address_required")
    if (kind == "complaint" and shop is None and not trader_name and channel in ("online", "api")
            and not {"shop_id", "card_serial"} & errors.by_field.keys()):
        errors.add("shop_id", "请选择被投诉的商户（按名称搜索或填写信誉卡编号）；"
                              "查不到的商户请在下方填写商户名称和门牌号", "shop_required")
    prepared = errors.check("photos", photo_service.prepare, photos or [])
    if errors.by_field:
        raise FieldErrors(errors.by_field, errors.codes)

    values = dict(kind=kind, subject=subject, shop_id=shop.id if shop else None, trader_name=trader_name,
                  trader_address=trader_address, card_serial=card_serial, amount_fen=amount_fen,
                  purchased_on=purchased_on, **fields)
    values.update(street_id=street.id, carries_report=carries_report, channel=channel, submission_token=token,
                  consumer_phone=phone, content_key=rules.content_key(values), status="received", received_at=now,
                  handler_id=actor.id if actor is not None and channel != "online" else None)
    return CheckedIntake(replay=None, actor=actor, shop=shop, channel=channel, token=token, now=now, timezone=street.timezone,
                         values=values, card_note=card_note, photos=tuple(prepared or ()),
                         share_contact=bool(data.get("share_contact")))


def match_trader(actor: User, c: Complaint, shop_id: object, now: datetime | None = None) -> Complaint:
    """An inspector matches a complaint filed against a trader not in the register (free text) to a
    shop of the street (issue 17). The consumer's text stays as evidence; audited.

    Errors: ValidationError when the complaint already has a shop or the shop is not of its street.
    """
    now = now or utcnow()
    if c.shop_id is not None:
        raise ValidationError("此件已指定商户", code="shop_already_set")
    sid = db_id(shop_id)
    shop = db.session.get(Shop, sid) if sid is not None else None
    if shop is None or shop.street_id != c.street_id:
        raise ValidationError("请选择本街的商户", code="shop_not_found")
    before = _snap(c)
    c.shop_id = shop.id
    _event(c, actor, "match_shop", f"{c.trader_name}（{c.trader_address}）→ {shop.name}", now)
    db.session.flush()
    audit.record(actor, "complaint.match_shop", "complaint", c.id, before, _snap(c))
    return c


def search_shops_by_house(street: Street, address: object, limit: int = 20) -> list[Shop]:
    """Active shops of ``street`` whose house number is the first number in ``address``
    ("人民路28号门口摊位" → 28号; full-width digits too)."""
    import re
    import unicodedata

    from ...domain.ledger import house_search_token

    m = re.search(r"[0-9]{1,8}", unicodedata.normalize("NFKC", clean_text(address)), re.ASCII)
    token = house_search_token(m.group(0)) if m else None
    if token is None:
        return []
    return list(db.session.scalars(
        select(Shop).where(Shop.street_id == street.id, Shop.status == "active",
                           Shop.house_sort.contains(token, autoescape=True)).order_by(Shop.house_sort).limit(limit)))
