"""Complaint disclosure (投诉信息公示, SPEC §13 P4): one definition of each public figure.

The board's headline, its monthly table, each shop's public page and the open data all count with
``counted()`` and aggregate with ``figures()``, over the 12 months before now in the street's zone
([T − 12 months, T), §3). Definitions (``domain.promises.ComplaintFigures``):

- received: complaints (not inquiries, not reports alone) received in the period, except those
  refused as outside the office's remit;
- closed: of those, closed with an outcome (agreement, no agreement, withdrawn, referred, settled
  by the shop);
- mediation success rate: agreements / (agreements + no agreements), shown from
  ``disclosure_min_closed`` (default 5) closed complaints, else the counts alone;
- early-settlement rate: settled by the shop (M2) / closed, same floor;
- money recovered: yuan recovered on the closed ones.

No personal data: only counts, sums and goods categories leave this module.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, case, func, not_, select

from ..domain import promises as rules
from ..domain.time import add_months, local_date, year_window
from ..extensions import db
from ..domain.errors import InvalidTransition, ValidationError
from ..domain.text import char_count, clean_text
from ..models import Complaint, CorrectionRequest, KeyDisclosure, Shop, Street, User
from ..models.types import utcnow
from . import audit
from .settings import rule_settings

SETTLED_BY_SHOP = "settled_by_shop"
TOP_CATEGORIES = 3


def counted():
    """SQL: a complaint counted as received (P4): kind complaint, not refused as outside remit."""
    return and_(Complaint.kind == "complaint",
                not_(and_(Complaint.status == "refused", Complaint.refusal_reason == "outside_remit")))


def aggregates():
    """SQL aggregates in ``ComplaintFigures`` field order (without categories)."""
    closed = Complaint.outcome.is_not(None)
    one = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    return (
        func.count(Complaint.id),
        one(closed),
        one(Complaint.outcome.in_(("agreement", "no_agreement"))),
        one(Complaint.outcome == "agreement"),
        one(Complaint.outcome == SETTLED_BY_SHOP),
        func.coalesce(func.sum(case((closed, Complaint.money_recovered_fen), else_=0)), 0),
    )


def figures(where, start: datetime, end: datetime) -> rules.ComplaintFigures:
    """P4 figures of the complaints matching ``where`` (an SQL condition: a shop, a street) received in
    [start, end) (UTC instants). Two statements: the counts and the top goods categories."""
    cond = and_(where, counted(), Complaint.received_at >= start, Complaint.received_at < end)
    row = db.session.execute(select(*aggregates()).where(cond)).one()
    cats = db.session.execute(
        select(Complaint.goods_category, func.count(Complaint.id)).where(cond, Complaint.goods_category != "")
        .group_by(Complaint.goods_category).order_by(func.count(Complaint.id).desc(), Complaint.goods_category)
        .limit(TOP_CATEGORIES)).all()
    return rules.ComplaintFigures(*(int(x) for x in row), categories=tuple((c, int(n)) for c, n in cats))


@dataclass(frozen=True)
class PublicFigures:
    """What a page shows: the figures, the rates (None below the floor), the period and the floor."""

    figures: rules.ComplaintFigures
    success_rate: Decimal | None
    settlement_rate: Decimal | None
    first_day: date
    last_day: date
    min_closed: int


def public_figures(where, tz: str, now: datetime | None = None) -> PublicFigures:
    """Figures of the 12 months before ``now`` with the rates the floor allows (P4)."""
    now = now or utcnow()
    start, end = year_window(now, tz)
    f = figures(where, start, end)
    floor = rule_settings().disclosure_min_closed
    return PublicFigures(f, rules.mediation_success_rate(f, floor), rules.early_settlement_rate(f, floor),
                         local_date(start, tz), local_date(end, tz), floor)


def shop_figures(shop: Shop, now: datetime | None = None) -> PublicFigures:
    """A shop's public page figures (P4)."""
    return public_figures(Complaint.shop_id == shop.id, shop.street.timezone, now)


def from_counts(c: tuple[int, ...], categories: tuple = ()) -> rules.ComplaintFigures:
    """P4 figures from ``domain.complaint_counts`` sums (the same definitions as ``counted``/``aggregates``)."""
    from .complaint_counts import as_dict

    f = as_dict(c)
    return rules.ComplaintFigures(f["counted"], f["closed"], f["p_mediated"], f["agreed"], f["settled"],
                                  f["p_recovered_fen"], categories=categories)


def street_figures(street: Street, now: datetime | None = None) -> PublicFigures:
    """The street's board headline (P4, W2): the same definitions as a shop's page, summed from the
    street's day counts (``services.complaint_counts``, Y3) instead of its whole history."""
    from . import complaint_counts

    now = now or utcnow()
    start, end = year_window(now, street.timezone)
    by_cat = complaint_counts.sums([street], start, end, by="category")
    total = tuple(sum(col) for col in zip((0,) * len(complaint_counts.COLUMNS), *by_cat.values()))
    cats = [(k, n) for k, c in by_cat.items() if k and (n := from_counts(c).received)]
    cats.sort(key=lambda kv: (-kv[1], kv[0]))
    f = from_counts(total, tuple(cats[:TOP_CATEGORIES]))
    floor = rule_settings().disclosure_min_closed
    return PublicFigures(f, rules.mediation_success_rate(f, floor), rules.early_settlement_rate(f, floor),
                         local_date(start, street.timezone), local_date(end, street.timezone), floor)


def key_disclosure(shop: Shop, now: datetime | None = None) -> KeyDisclosure | None:
    """The shop's key-disclosure mark in force on today's local date, if any."""
    today = local_date(now or utcnow(), shop.street.timezone)
    return db.session.scalar(select(KeyDisclosure).where(
        KeyDisclosure.shop_id == shop.id, KeyDisclosure.starts_on <= today, KeyDisclosure.ends_on > today)
        .order_by(KeyDisclosure.starts_on.desc()).limit(1))


def mark_key_disclosures(now: datetime | None = None) -> int:
    """Daily job (P4): mark shops with ≥ ``key_disclosure_min`` complaints in the last 12 months and
    more than in the 12 before, for ``key_disclosure_months`` months; a shop already marked is not
    marked again while its mark runs. Returns how many shops were newly marked."""
    now = now or utcnow()
    s = rule_settings()
    made = 0
    for street in db.session.scalars(select(Street)):
        start, end = year_window(now, street.timezone)
        prev_start = year_window(start, street.timezone)[0]
        today = local_date(now, street.timezone)
        recent = func.coalesce(func.sum(case((Complaint.received_at >= start, 1), else_=0)), 0)
        earlier = func.coalesce(func.sum(case((Complaint.received_at < start, 1), else_=0)), 0)
        rows = db.session.execute(
            select(Complaint.shop_id, recent, earlier)
            .join(Shop, Shop.id == Complaint.shop_id)
            .where(Shop.street_id == street.id, counted(), Complaint.received_at >= prev_start,
                   Complaint.received_at < end)
            .group_by(Complaint.shop_id).having(recent >= s.key_disclosure_min))
        for shop_id, last12, prev12 in rows:
            if not rules.needs_key_disclosure(int(last12), int(prev12), s.key_disclosure_min):
                continue
            running = db.session.scalar(select(KeyDisclosure.id).where(
                KeyDisclosure.shop_id == shop_id, KeyDisclosure.ends_on > today).limit(1))
            if running:
                continue
            mark = KeyDisclosure(shop_id=shop_id, starts_on=today,
                                 ends_on=add_months(today, s.key_disclosure_months),
                                 figures={"last_12_months": int(last12), "previous_12_months": int(prev12)})
            db.session.add(mark)
            db.session.flush()
            audit.record(None, "disclosure.key_mark", "shop", shop_id, None,
                         {"starts_on": mark.starts_on.isoformat(), "ends_on": mark.ends_on.isoformat(),
                          **mark.figures}, actor_label="scheduler")
            made += 1
    return made


def request_correction(actor: User, shop: Shop, reason: str, now: datetime | None = None) -> CorrectionRequest:
    """A shop asks for its public figures to be corrected (P4); an admin decides. ≤ 500 characters."""
    reason = clean_text(reason).replace("\r\n", "\n").strip()
    if not reason:
        raise ValidationError("请写明需要更正的内容和理由", code="required")
    if char_count(reason) > 500:
        raise ValidationError("更正理由不能超过500个字", code="too_long")
    req = CorrectionRequest(shop_id=shop.id, reason=reason, requested_by=actor.id, requested_at=now or utcnow())
    db.session.add(req)
    db.session.flush()
    audit.record(actor, "disclosure.correction_request", "correction_request", req.id, None,
                 {"shop_id": shop.id, "status": "pending"})
    return req


def decide_correction(actor: User, req: CorrectionRequest, grant: bool, note: str,
                      now: datetime | None = None) -> CorrectionRequest:
    """An admin grants or rejects a correction request, always with a reason (P4)."""
    if req.status != "pending":
        raise InvalidTransition("该更正申请已处理", code="decided")
    note = clean_text(note)
    if not note:
        raise ValidationError("请填写处理意见", code="required")
    req.status = "granted" if grant else "rejected"
    req.decided_by, req.decided_at, req.decision_note = actor.id, now or utcnow(), note
    audit.record(actor, "disclosure.correction_decide", "correction_request", req.id, {"status": "pending"},
                 {"status": req.status, "shop_id": req.shop_id})
    db.session.flush()
    return req


def pending_corrections(street_id: int | None) -> list[CorrectionRequest]:
    q = select(CorrectionRequest).join(Shop, Shop.id == CorrectionRequest.shop_id).where(
        CorrectionRequest.status == "pending")
    if street_id is not None:
        q = q.where(Shop.street_id == street_id)
    return list(db.session.scalars(q.order_by(CorrectionRequest.requested_at)))
