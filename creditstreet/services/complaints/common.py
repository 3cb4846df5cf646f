"""Shared parts of the complaint use cases: field limits and labels, parsing, events (SPEC K1-K7)."""

import re
import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping


from ...domain.i18n import Msg, N_
from ...domain import complaints as rules
from ...domain.errors import InvalidTransition, ValidationError
from ...domain.text import char_count, clean_text
from ...extensions import db
from ...models import Complaint, ComplaintEvent, Street, User
from ...models.types import utcnow
from .. import audit


#: Maximum characters (code points, CRLF = 1; CASES K-12) per field, shared with the browser counters.
LIMITS = {"title": 20, "goods": 60, "goods_category": 20, "description": 2000, "demand": 500,
          "consumer_name": 30}
LABELS = {"title": N_("标题"), "goods": N_("商品或服务"), "goods_category": N_("商品类别"), "description": N_("事情经过"),
          "demand": N_("诉求"), "consumer_name": N_("姓名")}
GOODS_CATEGORIES = ("食品", "餐饮服务", "服装鞋帽", "化妆品", "家用电器", "通讯器材", "日用百货",
                    "烟酒", "药品保健品", "其他")
#: What the complaint is about (SPEC §13 P2): a broken public commitment found true is a bad record.
SUBJECT_LABELS = {"": N_("一般投诉"), "broken_commitment": N_("承诺未兑现")}
KIND_LABELS = {"complaint": N_("投诉"), "report": N_("举报"), "inquiry": N_("咨询")}
CHANNEL_LABELS = {"online": N_("网上投诉"), "hotline": N_("热线电话"), "box": N_("投诉箱"), "walk_in": N_("来访"),
                  "transfer_12315": N_("12315平台转办"), "api": N_("接口")}
EVENT_LABELS = {"intake": N_("接收"), "take": N_("承办人确定"), "reassign": N_("改派承办人"), "accept": N_("受理"), "refuse": N_("不予受理"),
                "mediation_note": N_("调解"), "close": N_("办结"), "answer": N_("答复咨询"), "confirm": N_("消费者确认"), "reopen": N_("消费者重新打开"),
                "report_open_case": N_("举报立案"), "report_decline": N_("举报不予立案"), "report_extend": N_("举报决定延期"),
                "card_status": N_("信誉卡核验"), "pause": N_("中止计时"), "resume": N_("恢复计时"),
                "recompute": N_("期限重算"),
                # early settlement (SPEC M2)
                "settlement_start": N_("转商家先行和解"), "settlement_proposal": N_("商家提出和解方案"),
                "settlement_accept": N_("消费者接受和解"), "settlement_declined": N_("消费者不接受和解，转市场监管所"),
                "settlement_expired": N_("先行和解逾期，转市场监管所"), "settlement_requested": N_("消费者要求市场监管所处理")}
INTAKE_CHANNELS = ("hotline", "box", "walk_in", "transfer_12315")
# Unambiguous alphabet (no 0/O, 1/I/L): 31^10 ≈ 8×10^14 codes, drawn with ``secrets`` (K7).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_AMOUNT_FEN = 100_000_000_00  # one hundred million yuan: anything above is a typo
# Digits with an optional thousands grouping that is correct ("1,234.50"; never "28,50" or "1,23").
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?", re.ASCII)
EARLIEST_PURCHASE = date(2000, 1, 1)
# Fields safe for the audit log: no name, phone or free text (K6).
AUDIT_FIELDS = ("kind", "subject", "carries_report", "channel", "shop_id", "status", "refusal_reason", "outcome",
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
        raise ValidationError(Msg(N_("请填写%(label)s"), label=Msg(LABELS[key])), code="required")
    if char_count(text) > LIMITS[key]:
        raise ValidationError(Msg(N_("%(label)s不能超过%(limit)s个字，现有%(count)s个字"),
                                  label=Msg(LABELS[key]), limit=LIMITS[key], count=char_count(text)),
                              code="too_long")
    return text


def parse_card_serial(serial: object) -> int:
    """A card serial as typed; ValidationError "bad_card" unless 1–8 ASCII digits (SPEC C3).

    A phone number typed into the card field (10–12 digits) is told apart, not looked up.
    """
    from ..cards import SERIAL_DIGITS

    text = clean_text(serial)
    if not text.isascii() or not text.isdigit():
        raise ValidationError("信誉卡编号应为数字", code="bad_card")
    if len(text) > SERIAL_DIGITS:
        hint = Msg(N_("，您填写的像是手机号")) if len(text) == 11 and text.startswith("1") else ""
        raise ValidationError(Msg(N_("信誉卡编号应为不超过%(serial_digits)s位的数字%(hint)s"),
                                  serial_digits=SERIAL_DIGITS, hint=hint), code="bad_card")
    return int(text)



def _tz(c: Complaint) -> str:
    street = db.session.get(Street, c.street_id)
    return street.timezone if street else "Asia/Shanghai"


def _step(c: Complaint, action: str) -> str:
    if c.kind != "complaint":
        raise InvalidTransition(Msg(N_("%(kind)s不走投诉调解流程"), kind=Msg(KIND_LABELS[c.kind])), code="invalid_transition")
    if action in ("accept", "refuse"):
        from ..merchant.settlement import is_with_shop

        if is_with_shop(c):  # SPEC M2: the office's track starts when early settlement ends
            raise InvalidTransition("此件正在先行和解中，商家和解期满或消费者要求后才由市场监管所处理",
                                    code="in_settlement")
    return rules.transition(c.status, action)
