"""Commitments (SPEC §13 P1, P2): declare, approve or reject, give notice; what is in force.

Every function takes the acting user, flushes, never commits, and writes the audit log (A1).
Errors: ``ValidationError`` for bad terms, ``InvalidTransition`` for a step not allowed now.
Dates are street-local (the street's time zone).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from sqlalchemy import or_, select

from ..domain.i18n import Msg, N_
from ..domain import promises as rules
from ..domain.errors import InvalidTransition, ValidationError
from ..domain.text import char_count, clean_text
from ..domain.time import local_date
from ..extensions import db
from ..models import Commitment, Shop, User
from ..models.types import utcnow
from . import audit
from .settings import rule_settings

FIELDS = ("kind", "shop_id", "return_days", "categories", "exclusions", "conditions", "status",
          "notice_on", "ends_on", "decision_note")
TEXT_LIMITS = {"categories": (N_("适用商品范围"), 300), "exclusions": (N_("不适用情形"), 300), "conditions": (N_("退货条件"), 500)}
STATUS_LABELS = {"pending": N_("待审核"), "approved": N_("已生效"), "ending": N_("终止公告期"), "rejected": N_("未通过")}


def _snap(c: Commitment) -> dict:
    return audit.snapshot(c, FIELDS)


def _terms(data: Mapping[str, Any], key: str) -> str:
    text = clean_text(data.get(key)).replace("\r\n", "\n").strip()
    label, limit = TEXT_LIMITS[key]
    if char_count(text) > limit:
        raise ValidationError(Msg(N_("%(label)s不能超过%(limit)s个字"), label=Msg(label), limit=limit), code="too_long")
    return text


def declare(actor: User, shop: Shop, data: Mapping[str, Any], now: datetime | None = None) -> Commitment:
    """Declare a commitment for ``shop`` (P1); it waits for an admin's approval.

    ``data``: kind (no_reason_returns | advance_compensation), return_days (≥ 7, returns only),
    categories, exclusions, conditions. One open declaration per shop and kind: a second is refused.
    """
    kind = clean_text(data.get("kind"))
    if kind not in rules.COMMITMENT_KINDS:
        raise ValidationError("请选择承诺类型", code="bad_kind")
    if shop.status != "active":
        raise ValidationError("该商户已关闭，不能作出承诺", code="shop_closed")
    today = local_date(now or utcnow(), shop.street.timezone)
    for c in db.session.scalars(select(Commitment).where(Commitment.shop_id == shop.id, Commitment.kind == kind,
                                                         Commitment.status.in_(("pending", "approved", "ending")))):
        if c.status != "ending" or rules.commitment_in_force(c.status, c.ends_on, today):
            raise InvalidTransition(Msg(N_("该商户已有“%(kind)s”承诺（%(status)s）"),
                                        kind=Msg(rules.COMMITMENT_LABELS[kind]), status=Msg(STATUS_LABELS[c.status])),
                                    code="duplicate")
    days = rules.check_return_days(data.get("return_days")) if kind == "no_reason_returns" else None
    c = Commitment(shop_id=shop.id, kind=kind, return_days=days, categories=_terms(data, "categories"),
                   exclusions=_terms(data, "exclusions"), conditions=_terms(data, "conditions"),
                   status="pending", declared_by=actor.id, declared_at=now or utcnow())
    if kind == "no_reason_returns" and not c.categories:
        raise ValidationError("请填写适用商品范围", code="required")
    db.session.add(c)
    db.session.flush()
    audit.record(actor, "commitment.declare", "commitment", c.id, None, _snap(c))
    return c


def decide(actor: User, c: Commitment, approve: bool, note: str = "", now: datetime | None = None) -> Commitment:
    """An admin approves or rejects a pending declaration (P1); a rejection needs a reason."""
    if c.status != "pending":
        raise InvalidTransition("该承诺不在待审核状态", code="not_pending")
    note = clean_text(note)
    if not approve and not note:
        raise ValidationError("不予通过时请填写理由", code="required")
    before = _snap(c)
    c.status = "approved" if approve else "rejected"
    c.decided_by, c.decided_at, c.decision_note = actor.id, now or utcnow(), note
    audit.record(actor, "commitment.approve" if approve else "commitment.reject", "commitment", c.id,
                 before, _snap(c))
    db.session.flush()
    return c


def give_notice(actor: User, c: Commitment, now: datetime | None = None) -> Commitment:
    """End an approved commitment with notice (P1): in force until ``ends_on`` (exclusive), which is
    the notice day + ``commitment_notice_days`` (default 30) in the street's zone."""
    if c.status != "approved":
        raise InvalidTransition("只有已生效的承诺可以终止", code="not_approved")
    before = _snap(c)
    c.notice_on = local_date(now or utcnow(), c.shop.street.timezone)
    c.ends_on = rules.commitment_ends_on(c.notice_on, rule_settings().commitment_notice_days)
    c.status = "ending"
    audit.record(actor, "commitment.notice", "commitment", c.id, before, _snap(c))
    db.session.flush()
    return c


def in_force_condition(today: date):
    """SQL: a commitment in force on local day ``today`` (same rule as ``rules.commitment_in_force``)."""
    return or_(Commitment.status == "approved",
               (Commitment.status == "ending") & (Commitment.ends_on > today))


def in_force(shop: Shop, now: datetime | None = None) -> list[Commitment]:
    """The shop's commitments in force now (P1), returns first."""
    today = local_date(now or utcnow(), shop.street.timezone)
    rows = db.session.scalars(select(Commitment).where(Commitment.shop_id == shop.id, in_force_condition(today))
                              .order_by(Commitment.kind.desc(), Commitment.id))
    return [c for c in rows if rules.commitment_in_force(c.status, c.ends_on, today)]


def for_shop(shop: Shop) -> list[Commitment]:
    """Every commitment of the shop, newest first (admin and merchant views)."""
    return list(db.session.scalars(select(Commitment).where(Commitment.shop_id == shop.id)
                                   .order_by(Commitment.declared_at.desc(), Commitment.id.desc())))


def pending(street_id: int | None, page: int | None = 1):
    """One page (``services.paging.Page``, 50) of the declarations waiting for approval, oldest
    first (admin queue; a new street's shops may declare by the thousand, SPEC Y3)."""
    from .paging import paginate

    q = select(Commitment).join(Shop, Shop.id == Commitment.shop_id).where(Commitment.status == "pending")
    if street_id is not None:
        q = q.where(Shop.street_id == street_id)
    return paginate(q.order_by(Commitment.declared_at, Commitment.id), page, key=Commitment.id)


