"""Early settlement (先行和解, SPEC M2, as 12315's ODR): a complaint goes to a participating shop first.

A shop joins and leaves (``join`` / ``leave``; a membership span each time). A complaint (never an
inquiry or a report; the report track of a complaint that carries one runs as always) against a
member shop is routed to it at filing (``route_new_complaint``): the K4 acceptance deadline does not
run, the shop has ``settlement_workdays`` (default 10) working days, to ``settle_by`` inclusive.
The consumer chose at filing whether the shop may see name and phone (``share_contact``); without
consent the shop sees them masked and answers through the system.
The shop proposes (remedy, amount in yuan, text; a new proposal replaces an unanswered one); the
consumer accepts — the complaint closes with outcome ``settled_by_shop``, money recovered = the
amount, no bad record (K5) — or declines. A decline, no answer by ``settle_by`` (``expire_due``,
daily) or the consumer's request sends it to the office: K3 starts from that instant, with the K4
acceptance deadline counted from that day.
"""
from datetime import datetime

from sqlalchemy import exists, select

from ...domain.i18n import Msg, N_
from ...domain import complaints as rules
from ...domain.errors import InvalidTransition, ValidationError
from ...domain.time import as_utc
from ...extensions import db
from ...models import Complaint, Settlement, SettlementMembership, SettlementProposal, Shop, User
from ...models.types import utcnow
from .. import audit
from ..complaints.common import _event, parse_amount_fen
from ..settings import rule_settings
from .common import add_workdays, clean_text, local_day, redact, require_shop

SETTLED_BY_SHOP = "settled_by_shop"
STATUS_LABELS = {"open": N_("待商家处理"), "proposed": N_("商家已提出和解方案"), "accepted": N_("已和解"),
                 "declined": N_("消费者不接受，转市场监管所"), "expired": N_("商家逾期未和解，转市场监管所"),
                 "requested": N_("消费者要求市场监管所处理")}
ACTIVE = ("open", "proposed")
TEXT_LIMIT = 500


def is_member(shop_id: int) -> bool:
    """Whether the shop takes part in early settlement now (M2)."""
    return bool(db.session.scalar(select(member_now(shop_id))))


def member_now(shop_id):
    """SQL: whether the shop (an id or a bind parameter) takes part in early settlement now (M2)."""
    return exists().where(SettlementMembership.shop_id == shop_id, SettlementMembership.left_at.is_(None))


def join(actor: User, now: datetime | None = None) -> SettlementMembership:
    """The merchant's shop joins early settlement (a setting per shop, chosen by the shop)."""
    shop = require_shop(actor)
    if is_member(shop.id):
        raise InvalidTransition("本店已参加先行和解", code="already_member")
    m = SettlementMembership(shop_id=shop.id, joined_at=as_utc(now) if now else utcnow(), joined_by=actor.id)
    db.session.add(m)
    db.session.flush()
    audit.record(actor, "settlement.join", "shop", shop.id, {"early_settlement": False}, {"early_settlement": True})
    return m


def leave(actor: User, now: datetime | None = None) -> None:
    """The shop stops taking part; complaints already with it stay until they end."""
    shop = require_shop(actor)
    m = db.session.scalar(select(SettlementMembership).where(
        SettlementMembership.shop_id == shop.id, SettlementMembership.left_at.is_(None)))
    if m is None:
        raise InvalidTransition("本店未参加先行和解", code="not_member")
    m.left_at = as_utc(now) if now else utcnow()
    db.session.flush()
    audit.record(actor, "settlement.leave", "shop", shop.id, {"early_settlement": True}, {"early_settlement": False})


def route_new_complaint(c: Complaint, share_contact: bool, now: datetime | None = None) -> Settlement | None:
    """At filing: send a complaint against a member shop to the shop first (M2); None otherwise."""
    if c.kind != "complaint" or c.shop_id is None or not is_member(c.shop_id):
        return None
    now = as_utc(now) if now else utcnow()
    s = Settlement(complaint_id=c.id, shop_id=c.shop_id, share_contact=bool(share_contact), status="open",
                   started_at=now, settle_by=add_workdays(local_day(now, c.shop_id), rule_settings().settlement_workdays))
    db.session.add(s)
    c.decide_by = None  # the office's K4 clock starts when the settlement ends (``_to_office``)
    _event(c, None, "settlement_start", f"先行和解期限 {s.settle_by.isoformat()}", now)
    db.session.flush()
    audit.record(None, "settlement.start", "complaint", c.id, None,
                 {"settle_by": s.settle_by.isoformat(), "share_contact": s.share_contact}, actor_label="system")
    return s


def office_start(c: Complaint) -> datetime | None:
    """When the office's K3 track started for a complaint that went to early settlement and came back
    (declined, expired, requested); None otherwise (the track started at receipt)."""
    return db.session.scalar(select(Settlement.ended_at).where(
        Settlement.complaint_id == c.id, Settlement.status.in_(("declined", "expired", "requested"))))


def is_with_shop(c: Complaint) -> bool:
    """Whether the complaint is in early settlement right now (the office does not act on it yet)."""
    return db.session.scalar(select(Settlement.id).where(Settlement.complaint_id == c.id,
                                                         Settlement.status.in_(ACTIVE))) is not None


def settlement_of(c: Complaint) -> Settlement | None:
    return db.session.scalar(select(Settlement).where(Settlement.complaint_id == c.id))


def proposals(s: Settlement) -> list[SettlementProposal]:
    return list(db.session.scalars(select(SettlementProposal).where(SettlementProposal.settlement_id == s.id)
                                   .order_by(SettlementProposal.proposed_at, SettlementProposal.id)))


def current_proposal(s: Settlement) -> SettlementProposal | None:
    rows = proposals(s)
    return rows[-1] if rows and rows[-1].answer is None else None


def propose(actor: User, c: Complaint, remedy: str, amount: object, text: object,
            now: datetime | None = None) -> SettlementProposal:
    """The shop proposes a settlement: remedy of K3's list, amount in yuan ("" = 0), text ≤ 500.

    Errors: ValidationError "not_found" (not this shop's settlement), "bad_remedy", amount errors,
    "too_long"; InvalidTransition "settlement_closed" once accepted, sent to the office or past
    ``settle_by``.
    """
    now = as_utc(now) if now else utcnow()
    shop = require_shop(actor)
    s = settlement_of(c)
    if s is None or s.shop_id != shop.id:
        raise ValidationError("没有这件投诉", code="not_found")
    _check_active(s, now)
    if remedy not in rules.REMEDIES:
        raise ValidationError("请选择和解方式：退货退款、换货、修理或赔偿", code="bad_remedy")
    fen = parse_amount_fen(amount) or 0
    body = clean_text(text, N_("和解方案说明"), TEXT_LIMIT)
    p = SettlementProposal(settlement_id=s.id, remedy=remedy, amount_fen=fen, text=body,
                           text_redacted=redact(body, (c.consumer_name,)), proposed_by=actor.id, proposed_at=now)
    for old in proposals(s):  # an unanswered earlier proposal is replaced
        if old.answer is None:
            old.answer, old.answered_at = "replaced", now
    db.session.add(p)
    s.status = "proposed"
    _event(c, actor, "settlement_proposal", f"{rules.REMEDIES[remedy]} {fen // 100}.{fen % 100:02d}元", now)
    db.session.flush()
    audit.record(actor, "settlement.propose", "complaint", c.id, None,
                 {"proposal_id": p.id, "remedy": remedy, "amount_fen": fen})
    return p


def answer(c: Complaint, accept: bool, now: datetime | None = None) -> Settlement:
    """The consumer (on the tracking page) accepts or declines the shop's current proposal (M2).

    Accepted: the complaint closes as settled by the shop (no bad record, K5). Declined: it goes to
    the office. InvalidTransition when there is no proposal to answer or the settlement has ended.
    """
    now = as_utc(now) if now else utcnow()
    s = settlement_of(c)
    if s is None:
        raise InvalidTransition("此件未进入先行和解", code="no_settlement")
    _check_active(s, now)
    p = current_proposal(s)
    if p is None:
        raise InvalidTransition("商家尚未提出和解方案", code="no_proposal")
    p.answer, p.answered_at = ("accepted" if accept else "declined"), now
    if not accept:
        _to_office(c, s, "declined", now)
        return s
    before = {"status": c.status, "outcome": c.outcome}
    s.status, s.ended_at = "accepted", now
    c.status, c.outcome, c.remedy = "closed", SETTLED_BY_SHOP, p.remedy
    c.money_recovered_fen = p.amount_fen
    c.shop_at_fault = c.refused_mediation = False
    c.closed_at, c.confirmed_at, c.overdue, c.decide_by = now, now, False, None
    _event(c, None, "settlement_accept", rules.REMEDIES[p.remedy], now)
    db.session.flush()
    audit.record(None, "settlement.accept", "complaint", c.id, before,
                 {"status": c.status, "outcome": c.outcome, "money_recovered_fen": c.money_recovered_fen},
                 actor_label="consumer")
    return s


def request_office(c: Complaint, now: datetime | None = None) -> Settlement:
    """The consumer asks the office to handle it now (M2): the K3 track starts."""
    now = as_utc(now) if now else utcnow()
    s = settlement_of(c)
    if s is None:
        raise InvalidTransition("此件未进入先行和解", code="no_settlement")
    _check_active(s, now, allow_late=True)
    p = current_proposal(s)
    if p is not None:
        p.answer, p.answered_at = "declined", now
    _to_office(c, s, "requested", now)
    return s


def expire_due(now: datetime | None = None) -> int:
    """Send every settlement past its ``settle_by`` (street-local date) to the office; returns how many."""
    now = as_utc(now) if now else utcnow()
    n = 0
    for s in db.session.scalars(select(Settlement).where(Settlement.status.in_(ACTIVE))).all():
        if local_day(now, s.shop_id) > s.settle_by:
            c = db.session.get(Complaint, s.complaint_id)
            p = current_proposal(s)
            if p is not None:
                p.answer, p.answered_at = "expired", now
            _to_office(c, s, "expired", now)
            n += 1
    return n


def _check_active(s: Settlement, now: datetime, allow_late: bool = False) -> None:
    if s.status not in ACTIVE:
        raise InvalidTransition(Msg(N_("先行和解已结束（%(status)s）"),
                                    status=Msg(STATUS_LABELS[s.status])), code="settlement_closed")
    if not allow_late and local_day(now, s.shop_id) > s.settle_by:
        expire_due(now)
        raise InvalidTransition("先行和解已超过期限，已转市场监管所处理", code="settlement_closed")


def _to_office(c: Complaint, s: Settlement, why: str, now: datetime) -> None:
    """End the settlement and start the office's K3 track now, with the K4 deadline from today."""
    s.status, s.ended_at = why, now
    today = local_day(now, c.shop_id)
    c.decide_by = add_workdays(today, rule_settings().accept_deadline_workdays)
    c.overdue = False
    _event(c, None, f"settlement_{why}", STATUS_LABELS[why], now)
    db.session.flush()
    audit.record(None, f"settlement.{why}", "complaint", c.id, None,
                 {"decide_by": c.decide_by.isoformat()}, actor_label="consumer" if why != "expired" else "system")


def with_shop(shop_id: int) -> list[tuple[Complaint, Settlement]]:
    """The shop's complaints in early settlement (every status), newest first."""
    return [(c, s) for c, s in db.session.execute(
        select(Complaint, Settlement).join(Settlement, Settlement.complaint_id == Complaint.id)
        .where(Settlement.shop_id == shop_id).order_by(Settlement.started_at.desc())).all()]


def in_settlement_condition():
    """SQL: the complaint is with the shop right now (the office's queue leaves it out)."""
    return select(Settlement.id).where(Settlement.complaint_id == Complaint.id,
                                       Settlement.status.in_(ACTIVE)).exists()


def sees_contact(s: Settlement) -> bool:
    """Whether the shop may see the consumer's name and phone for this settlement (consumer's choice)."""
    return bool(s.share_contact) and s.status in ACTIVE


def shop_of(c: Complaint) -> Shop | None:
    return db.session.get(Shop, c.shop_id) if c.shop_id else None
