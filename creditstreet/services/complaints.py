"""Complaints from the 12315 channel (SPEC §7 K1–K7): intake, tracking, handling, closing.

Every function takes the acting user explicitly (None = the consumer or the system), flushes and
never commits, and writes the audit log (SPEC A1). Audit entries never hold the consumer's name,
phone or free text (K6: personal data stays out of logs). Rules come from ``domain.complaints``;
deadlines are street-local dates in working days (``services.settings.work_calendar()``).
Errors: ``ValidationError`` for bad input, ``InvalidTransition`` for a step not allowed now.
"""
from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from sqlalchemy import and_, case, func, or_, select, update

from ..domain import complaints as rules
from ..domain.errors import InvalidTransition, ValidationError
from ..domain.text import char_count, clean_text, normalize_mobile, search_key
from ..domain.time import local_date
from ..domain.workdays import is_overdue
from ..extensions import db
from ..models import BadRecord, CardRange, Complaint, ComplaintEvent, Shop, Street, User
from ..models.types import utcnow
from . import audit, once, photos as photo_service
from .settings import rule_settings, work_calendar

#: Maximum characters (code points, CRLF = 1; CASES K-12) per field, shared with the browser counters.
LIMITS = {"title": 20, "goods": 60, "goods_category": 20, "description": 2000, "demand": 500,
          "consumer_name": 30}
LABELS = {"title": "标题", "goods": "商品或服务", "goods_category": "商品类别", "description": "事情经过",
          "demand": "诉求", "consumer_name": "姓名"}
GOODS_CATEGORIES = ("食品", "餐饮服务", "服装鞋帽", "化妆品", "家用电器", "通讯器材", "日用百货",
                    "烟酒", "药品保健品", "其他")
KIND_LABELS = {"complaint": "投诉", "report": "举报", "inquiry": "咨询"}
CHANNEL_LABELS = {"online": "网上投诉", "hotline": "热线电话", "box": "投诉箱", "walk_in": "来访",
                  "transfer_12315": "12315平台转办", "api": "接口"}
EVENT_LABELS = {"intake": "接收", "take": "承办人确定", "accept": "受理", "refuse": "不予受理",
                "mediation_note": "调解", "close": "办结", "confirm": "消费者确认", "reopen": "消费者重新打开",
                "report_open_case": "举报立案", "report_decline": "举报不予立案", "report_extend": "举报决定延期",
                "card_status": "信誉卡核验"}
INTAKE_CHANNELS = ("hotline", "box", "walk_in", "transfer_12315")
# Unambiguous alphabet (no 0/O, 1/I/L): 31^10 ≈ 8×10^14 codes, drawn with ``secrets`` (K7).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_AMOUNT_FEN = 100_000_000_00  # one hundred million yuan: anything above is a typo
# Digits with an optional thousands grouping that is correct ("1,234.50"; never "28,50" or "1,23").
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?", re.ASCII)
EARLIEST_PURCHASE = date(2000, 1, 1)
# Fields safe for the audit log: no name, phone or free text (K6).
AUDIT_FIELDS = ("kind", "carries_report", "channel", "shop_id", "status", "refusal_reason", "outcome",
                "remedy", "money_recovered_fen", "shop_at_fault", "refused_mediation", "handler_id",
                "decide_by", "mediate_by", "overdue", "reopened_count", "report_status",
                "report_decide_by", "report_extended")


def new_tracking_code() -> str:
    """A random tracking code ``TS`` + 10 letters/digits (K7; never a sequence)."""
    return "TS" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_submission_token() -> str:
    """A one-time token for one rendering of the complaint form (CASES K-06)."""
    return secrets.token_urlsafe(24)


def _snap(c: Complaint) -> dict:
    return audit.snapshot(c, AUDIT_FIELDS)


def _event(c: Complaint, actor: User | None, kind: str, note: str = "", now: datetime | None = None):
    ev = ComplaintEvent(complaint_id=c.id, actor_id=actor.id if actor else None, kind=kind, note=note,
                        at=now or utcnow())
    db.session.add(ev)
    return ev


# --- parsing -------------------------------------------------------------------------------------

def parse_amount_fen(value: object) -> int | None:
    """Yuan as typed ("28", "28.5", "２８.００", "1,234.50") → integer fen; "" → None.

    A comma must group thousands correctly: "28,50" (a decimal comma) and "1,23" are refused
    (ValidationError) rather than silently read as 2850 or 123 yuan.
    """
    text = clean_text(value).replace("元", "").replace("¥", "").replace(" ", "").strip()
    if not text:
        return None
    if not _AMOUNT.fullmatch(text):
        raise ValidationError("金额格式不正确，请填写如 28 或 28.50 的数字（单位：元）", code="bad_amount")
    try:
        fen = int(Decimal(text.replace(",", "")) * 100)
    except InvalidOperation:
        raise ValidationError("金额格式不正确", code="bad_amount") from None
    if fen > MAX_AMOUNT_FEN:
        raise ValidationError("金额过大，请核对", code="bad_amount")
    return fen


def _parse_date(value: object, today: date) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(clean_text(value))
        except ValueError:
            raise ValidationError("购买日期格式不正确，应为 2026-07-01", code="bad_date") from None
    if value > today:
        raise ValidationError("购买日期不能晚于今天", code="bad_date")
    if value < EARLIEST_PURCHASE:
        raise ValidationError("购买日期不能早于2000-01-01，请核对", code="bad_date")
    return value


def _text(data: Mapping[str, Any], key: str, required: bool = False) -> str:
    """Text stored as typed (byte for byte, K-12) except CRLF → LF and outer whitespace."""
    raw = data.get(key)
    text = "" if raw is None else str(raw).replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationError(f"请填写{LABELS[key]}", code="required")
    if char_count(text) > LIMITS[key]:
        raise ValidationError(f"{LABELS[key]}不能超过{LIMITS[key]}个字，现有{char_count(text)}个字",
                              code="too_long")
    return text


def parse_card_serial(serial: object) -> int:
    text = clean_text(serial)
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValidationError("信誉卡编号应为数字", code="bad_card")
    return int(text)


#: What the inspector sees when a complaint names a card that was never issued (SPEC C3).
CARD_STATE_NOTES = {"forged": "该卡编号不在登记批次中（疑似伪造）", "not_issued": "该卡尚未发放"}


def resolve_shop_and_card(street: Street, shop_id: object, serial: object) -> tuple[Shop | None, int | None, str]:
    """The shop a complaint is about and the card serial given as evidence (SPEC C3, K1).

    Returns (shop, serial, card_note). A card issued to one shop while the consumer picked another
    is refused naming both (never silently moved). A forged or unissued card is kept as evidence
    with ``card_note`` when a shop is picked; without a shop the consumer is asked to pick the shop
    that gave the card. An issued card alone names its shop.
    """
    from . import cards as card_service

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

    shop, card_serial, card_note = resolve_shop_and_card(street, data.get("shop_id"), data.get("card_serial"))
    if kind == "complaint" and shop is None and channel in ("online", "api"):
        raise ValidationError("请选择被投诉的商户（按名称搜索或填写信誉卡编号）", code="shop_required")

    prepared = photo_service.prepare(photos or [])
    complaint = Complaint(
        street_id=street.id, shop_id=shop.id if shop else None, kind=kind, carries_report=carries_report,
        channel=channel, tracking_code=new_tracking_code(), submission_token=token,
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
    if card_note:
        _event(complaint, actor, "card_status", card_note, now)
    audit.record(actor, "complaint.intake", "complaint", complaint.id, None,
                 {**_snap(complaint), "photos": len(prepared)}, actor_label=None if actor else "consumer")
    return complaint, True


# --- lookups -------------------------------------------------------------------------------------

def find_for_tracking(code: object, last4: object) -> Complaint | None:
    """The complaint with this tracking code whose phone ends in ``last4``, else None (K-15).

    ``last4`` may also be the whole mobile number. A wrong pair and an unknown code give the same None.
    """
    code = clean_text(code).upper().replace(" ", "")
    digits = clean_text(last4)
    if len(digits) > 4:  # the whole phone typed (spaces, dashes, +86 allowed): compare its last 4
        try:
            digits = normalize_mobile(digits)[-4:]
        except ValidationError:
            return None
    if not code or len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        return None
    c = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    if c is None or not c.consumer_phone or not secrets.compare_digest(c.consumer_phone[-4:], digits):
        return None
    return c


def get_by_code(code: str) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))


def earlier_complaints_count(phone: str, exclude_id: int | None = None) -> int:
    """How many other intakes came from the same normalised phone (CASES K-10; shown, never a rule)."""
    if not phone:
        return 0
    q = select(func.count(Complaint.id)).where(Complaint.consumer_phone == phone)
    if exclude_id is not None:
        q = q.where(Complaint.id != exclude_id)
    return db.session.scalar(q) or 0


def can_see_personal_data(user: User | None, c: Complaint) -> bool:
    """K6: the handling inspector (Complaint.handler_id) and admins see name and phone."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == "admin" or (c.handler_id is not None and c.handler_id == user.id)


def queue(street_id: int | None, *, status: str | None = None, overdue_only: bool = False,
          kind: str | None = None, limit: int = 200, now: datetime | None = None) -> list[Complaint]:
    """Open items by nearest deadline, overdue first (inspector queue)."""
    q = select(Complaint)
    if street_id is not None:
        q = q.where(Complaint.street_id == street_id)
    if status:
        q = q.where(Complaint.status == status)
    else:
        q = q.where(or_(Complaint.status.not_in(("closed", "refused")), Complaint.report_status == "received"))
    if kind:
        q = q.where(Complaint.kind == kind)
    # Overdue is computed from the deadlines and today's local date, not only the daily job's flag.
    street = db.session.get(Street, street_id) if street_id is not None else None
    late = or_(Complaint.overdue.is_(True), overdue_condition(local_date(now or utcnow(), street.timezone if street else None)))
    if overdue_only:
        q = q.where(late)
    due = func.coalesce(Complaint.mediate_by, Complaint.decide_by, Complaint.report_decide_by)
    late_first = case((late, 0), else_=1)
    q = q.order_by(late_first, due.is_(None), due, Complaint.received_at).limit(limit)
    return list(db.session.scalars(q))


# --- handling (K3) -------------------------------------------------------------------------------

def _step(c: Complaint, action: str) -> str:
    if c.kind != "complaint":
        raise InvalidTransition(f"{KIND_LABELS[c.kind]}不走投诉调解流程", code="invalid_transition")
    return rules.transition(c.status, action)


def take_complaint(actor: User, c: Complaint, now: datetime | None = None) -> Complaint:
    """Make ``actor`` the handling inspector (K6: they then see name and phone)."""
    before = _snap(c)
    c.handler_id = actor.id
    _event(c, actor, "take", "", now)
    audit.record(actor, "complaint.take", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c


def accept_complaint(actor: User, c: Complaint, now: datetime | None = None) -> Complaint:
    """received → accepted; sets the 45-working-day mediation deadline (K3, K4)."""
    now = now or utcnow()
    before = _snap(c)
    c.status = _step(c, "accept")
    c.accepted_at = now
    tz = _tz(c)
    d = rules.deadlines(local_date(c.received_at, tz), local_date(now, tz), work_calendar(), rule_settings())
    c.mediate_by = d.mediation_end
    c.handler_id = c.handler_id or actor.id
    c.overdue = False
    _event(c, actor, "accept", "", now)
    audit.record(actor, "complaint.accept", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c


def refuse_complaint(actor: User, c: Complaint, reason: str, note: str = "",
                     now: datetime | None = None) -> Complaint:
    """received → refused with a reason from SPEC K3's fixed list."""
    label = rules.refusal_label(reason)
    before = _snap(c)
    c.status = _step(c, "refuse")
    c.refusal_reason = reason
    c.handler_id = c.handler_id or actor.id
    c.overdue = False
    c.closed_at = now or utcnow()
    _event(c, actor, "refuse", f"{label}{'：' + note if note else ''}", now)
    audit.record(actor, "complaint.refuse", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c


def add_mediation_note(actor: User, c: Complaint, note: str, now: datetime | None = None) -> Complaint:
    """Record a mediation step; the first note after acceptance or reopening starts mediating."""
    note = (note or "").replace("\r\n", "\n").strip()
    if not note:
        raise ValidationError("请填写调解情况", code="required")
    if char_count(note) > 2000:
        raise ValidationError("调解情况不能超过2000个字", code="too_long")
    before = _snap(c)
    if c.status in ("accepted", "reopened"):
        c.status = _step(c, "mediate")
    elif c.status != "mediating":
        raise InvalidTransition(f"投诉当前为“{rules.STATE_LABELS.get(c.status, c.status)}”，不能记录调解情况")
    _event(c, actor, "mediation_note", note, now)
    audit.record(actor, "complaint.mediation_note", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c


def close_complaint(actor: User, c: Complaint, outcome: rules.Outcome, *, shop_at_fault: bool = False,
                    refused_mediation: bool = False, note: str = "", now: datetime | None = None) -> Complaint:
    """accepted/mediating → closed with an outcome (K3); K5 bad record when at fault/refused.

    The bad record is unique per complaint: a reopened complaint closed again never doubles it.
    """
    now = now or utcnow()
    before = _snap(c)
    c.status = _step(c, "close")
    c.outcome = outcome.kind
    c.remedy = ",".join(sorted(outcome.remedies)) or None
    if c.remedy and len(c.remedy) > 20:
        raise ValidationError("调解方式最多选择两种", code="bad_outcome")
    c.money_recovered_fen = outcome.recovered_fen
    c.shop_at_fault = bool(shop_at_fault)
    c.refused_mediation = bool(refused_mediation)
    c.closed_at = now
    c.confirmed_at = None
    c.overdue = False
    _event(c, actor, "close", note or rules.OUTCOMES[outcome.kind], now)
    kind = rules.bad_record_kind(outcome, c.shop_at_fault, c.refused_mediation)
    if kind and c.shop_id is not None:
        existing = db.session.scalar(select(BadRecord).where(BadRecord.complaint_id == c.id))
        if existing is None:
            label = "拒绝调解" if kind == "refused_mediation" else "经查商家有责"
            rec = BadRecord(shop_id=c.shop_id, kind=kind, complaint_id=c.id, recorded_at=now,
                            description=f"投诉{c.tracking_code}：{label}")
            db.session.add(rec)
            db.session.flush()
            audit.record(actor, "bad_record.create", "bad_record", rec.id, None,
                         audit.snapshot(rec, ("shop_id", "kind", "complaint_id", "description")))
    audit.record(actor, "complaint.close", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c


def _tz(c: Complaint) -> str:
    street = db.session.get(Street, c.street_id)
    return street.timezone if street else "Asia/Shanghai"


def _window_open(c: Complaint, now: datetime) -> bool:
    settings = rule_settings()
    return c.closed_at is not None and rules.can_confirm_or_reopen(c.closed_at, now, settings)


def confirm_outcome(c: Complaint, now: datetime | None = None) -> Complaint:
    """The consumer confirms the outcome within the window (K3, default 15 days)."""
    now = now or utcnow()
    before = _snap(c)
    new = _step(c, "confirm")
    if not _window_open(c, now):
        raise InvalidTransition("已超过确认期限（办结后15天内）", code="window_closed")
    if c.confirmed_at is not None:
        raise InvalidTransition("您已确认过办理结果", code="already_confirmed")
    c.status, c.confirmed_at = new, now
    _event(c, None, "confirm", "", now)
    audit.record(None, "complaint.confirm", "complaint", c.id, before, _snap(c), actor_label="consumer")
    db.session.flush()
    return c


def reopen_complaint(c: Complaint, reason: str = "", now: datetime | None = None) -> Complaint:
    """The consumer reopens a closed complaint within the window (K3); mediation restarts."""
    now = now or utcnow()
    reason = (reason or "").replace("\r\n", "\n").strip()
    if char_count(reason) > 500:
        raise ValidationError("重新打开的理由不能超过500个字", code="too_long")
    before = _snap(c)
    new = _step(c, "reopen")
    if not _window_open(c, now):
        raise InvalidTransition("已超过重新打开期限（办结后15天内）", code="window_closed")
    if c.confirmed_at is not None:
        raise InvalidTransition("您已确认办理结果，不能重新打开", code="already_confirmed")
    settings = rule_settings()
    c.status = new
    c.reopened_count += 1
    c.mediate_by = work_calendar().add_workdays(local_date(now, _tz(c)), settings.mediation_deadline_workdays)
    c.overdue = False
    _event(c, None, "reopen", reason, now)
    audit.record(None, "complaint.reopen", "complaint", c.id, before, _snap(c), actor_label="consumer")
    db.session.flush()
    return c


def report_action(actor: User, c: Complaint, action: str, note: str = "",
                  now: datetime | None = None) -> Complaint:
    """The report track (K2, K4): open_case / decline / extend (once, +15 working days).

    Independent of mediation: closing the complaint never closes the report.
    """
    if c.report_status is None:
        raise InvalidTransition("此件不含举报", code="no_report")
    settings = rule_settings()
    before = _snap(c)
    state, used = rules.report_transition(c.report_status, action, 1 if c.report_extended else 0, settings)
    if action == "extend":
        c.report_decide_by = work_calendar().add_workdays(c.report_decide_by, settings.report_extension_workdays)
        c.report_extended = used > 0
    c.report_status = state
    c.handler_id = c.handler_id or actor.id
    _event(c, actor, f"report_{action}", note, now)
    audit.record(actor, f"complaint.report_{action}", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c


# --- daily job -----------------------------------------------------------------------------------

def _late_conditions(today: date):
    """SQL conditions (decide, mediate, report): a deadline before ``today`` is passed (K4, is_overdue)."""
    decide = and_(Complaint.kind == "complaint", Complaint.status == "received", Complaint.decide_by < today)
    mediate = and_(Complaint.status.in_(("accepted", "mediating", "reopened")), Complaint.mediate_by < today)
    report = and_(Complaint.report_status == "received", Complaint.report_decide_by < today)
    return decide, mediate, report


def overdue_condition(today: date):
    """SQL: an open deadline of the item passed by ``today`` (same rule as ``is_item_overdue``)."""
    return or_(*_late_conditions(today))


class OverdueCounts(int):
    """The number of items newly flagged (an int, for the job's log), with ``counts`` per deadline."""

    counts: dict[str, int]

    def __new__(cls, counts: dict[str, int]):
        obj = super().__new__(cls, counts["flagged"])
        obj.counts = counts
        return obj


def flag_overdue(now: datetime | None = None) -> OverdueCounts:
    """Flag open items whose deadline passed in their street's zone (K4); returns counts.

    ``counts["decide"]``: received complaints past decide_by; ``"mediate"``: accepted/mediating/
    reopened past mediate_by; ``"report"``: reports still undecided past report_decide_by;
    ``"flagged"`` (also the int value) = rows newly marked overdue. Set-based, one UPDATE per street.
    """
    now = now or utcnow()
    counts = {"decide": 0, "mediate": 0, "report": 0, "flagged": 0}
    for street in db.session.scalars(select(Street)):
        decide, mediate, report = _late_conditions(local_date(now, street.timezone))
        base = Complaint.street_id == street.id
        for key, cond in (("decide", decide), ("mediate", mediate), ("report", report)):
            counts[key] += db.session.scalar(select(func.count(Complaint.id)).where(base, cond)) or 0
        res = db.session.execute(
            update(Complaint).where(base, Complaint.overdue.is_(False), or_(decide, mediate, report))
            .values(overdue=True).execution_options(synchronize_session=False))
        counts["flagged"] += res.rowcount or 0
    if counts["flagged"]:
        audit.record(None, "complaint.flag_overdue", "complaint", None, None, counts, actor_label="scheduler")
    db.session.flush()
    db.session.expire_all()
    return OverdueCounts(counts)


def is_item_overdue(c: Complaint, today: date) -> bool:
    """Whether any of the item's open deadlines passed (for display; K4)."""
    if c.kind == "complaint" and c.status == "received" and c.decide_by and is_overdue(c.decide_by, today):
        return True
    if c.status in ("accepted", "mediating", "reopened") and c.mediate_by and is_overdue(c.mediate_by, today):
        return True
    return bool(c.report_status == "received" and c.report_decide_by and is_overdue(c.report_decide_by, today))


def open_deadlines(c: Complaint) -> list[date]:
    """The deadlines still running for the item (decide, mediate, report)."""
    out = []
    if c.kind == "complaint" and c.status == "received" and c.decide_by:
        out.append(c.decide_by)
    if c.status in ("accepted", "mediating", "reopened") and c.mediate_by:
        out.append(c.mediate_by)
    if c.report_status == "received" and c.report_decide_by:
        out.append(c.report_decide_by)
    return out


def calendar_warning(c: Complaint) -> str:
    """SPEC §3: a running deadline in (or spanning) a year without the official holiday schedule
    is only an estimate; returns the Chinese warning, or "" when every year is covered."""
    deadlines = open_deadlines(c)
    if not deadlines:
        return ""
    start = local_date(c.received_at, _tz(c)).year if c.received_at else min(d.year for d in deadlines)
    years = work_calendar().incomplete_years(range(start, max(d.year for d in deadlines) + 1))
    if not years:
        return ""
    return f"节假日安排尚未公布（{'、'.join(str(y) for y in years)} 年），期限按周末推算，仅供参考"
