"""The street's advance-compensation fund (先行赔付基金, SPEC §13 P3), money in integer fen.

Deposits add, payouts (tied to a complaint where the shop was at fault and did not refund)
subtract, recoveries from the shop (追偿) add back; the balance never goes below zero. A shop that
refuses recovery gets a bad record (K5). Every entry is audited (A1); the public sees totals only.
Functions take the acting user, flush, never commit. Errors: ``ValidationError`` (Chinese).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..domain import promises as rules
from ..domain.errors import InvalidTransition, ValidationError
from ..domain.text import clean_text
from ..domain.time import local_date
from ..extensions import db
from ..models import BadRecord, Complaint, FundEntry, Shop, Street, User
from ..models.types import utcnow
from . import audit
from .complaints import parse_amount_fen
from .settings import rule_settings, work_calendar

FIELDS = ("street_id", "kind", "amount_fen", "complaint_id", "shop_id", "pay_by", "recovery_status")


@dataclass(frozen=True)
class FundTotals:
    """Public totals of one street's fund (P3): fen, counts; no names, no complaints."""

    deposits_fen: int
    payouts_fen: int
    recoveries_fen: int
    payouts: int

    @property
    def balance_fen(self) -> int:
        return self.deposits_fen - self.payouts_fen + self.recoveries_fen


def totals(street_id: int) -> FundTotals:
    """Sums per kind for the street (one GROUP BY)."""
    sums = {k: (0, 0) for k in rules.FUND_KINDS}
    for kind, total, n in db.session.execute(
            select(FundEntry.kind, func.coalesce(func.sum(FundEntry.amount_fen), 0), func.count(FundEntry.id))
            .where(FundEntry.street_id == street_id).group_by(FundEntry.kind)):
        sums[kind] = (int(total), int(n))
    return FundTotals(sums["deposit"][0], sums["payout"][0], sums["recovery"][0], sums["payout"][1])


def balance(street_id: int) -> int:
    """The street fund's balance in fen."""
    return totals(street_id).balance_fen


def _lock_street(street_id: int) -> None:
    # Serialise writers of one street's ledger so two payouts cannot both pass the balance check:
    # a row lock on PostgreSQL; SQLite has one writer at a time, and ``_add`` checks again after
    # its insert (the caller's rollback undoes it).
    db.session.execute(select(Street.id).where(Street.id == street_id).with_for_update())


def _add(actor: User, street: Street, kind: str, amount: object, **fields) -> FundEntry:
    fen = amount if isinstance(amount, int) else parse_amount_fen(amount)
    if fen is None:
        raise ValidationError("请填写金额", code="required")
    _lock_street(street.id)
    rules.check_fund_entry(kind, fen, balance(street.id))
    entry = FundEntry(street_id=street.id, kind=kind, amount_fen=fen, actor_id=actor.id, **fields)
    db.session.add(entry)
    db.session.flush()
    if balance(street.id) < 0:  # a concurrent payout got in first (SQLite has no row locks)
        raise ValidationError("基金余额不足，不能支付", code="over_balance")
    audit.record(actor, f"fund.{kind}", "fund_entry", entry.id, None, audit.snapshot(entry, FIELDS))
    return entry


def deposit(actor: User, street: Street, amount: object, note: str = "") -> FundEntry:
    """Money into the fund (yuan text or fen int)."""
    return _add(actor, street, "deposit", amount, note=clean_text(note))


def pay_out(actor: User, complaint: Complaint, amount: object, note: str = "",
            now: datetime | None = None) -> FundEntry:
    """Decide to pay the consumer of ``complaint`` from the fund (P3); the sum is reserved at once.

    Only for a complaint against a shop found at fault (or refusing mediation); the target date
    ``pay_by`` is ``fund_payout_workdays`` (default 2) working days after today (K4 calendar), shown
    in the handler's queue until ``mark_paid``. ValidationError when the amount exceeds the balance.
    """
    if complaint.shop_id is None or not (complaint.shop_at_fault or complaint.refused_mediation):
        raise InvalidTransition("只有经查商家有责（或拒绝调解）的投诉才能先行赔付", code="not_at_fault")
    street = db.session.get(Street, complaint.street_id)
    today = local_date(now or utcnow(), street.timezone)
    pay_by = work_calendar().add_workdays(today, rule_settings(street.id).fund_payout_workdays)
    return _add(actor, street, "payout", amount, complaint_id=complaint.id, shop_id=complaint.shop_id,
                note=clean_text(note), pay_by=pay_by, paid_at=None, recovery_status="open")


def mark_paid(actor: User, payout: FundEntry, now: datetime | None = None) -> FundEntry:
    """The consumer has been paid (the pay-by date stops showing)."""
    if payout.kind != "payout" or payout.paid_at is not None:
        raise InvalidTransition("该笔赔付已支付或不是赔付", code="already_paid")
    before = audit.snapshot(payout, FIELDS)
    payout.paid_at = now or utcnow()
    audit.record(actor, "fund.paid", "fund_entry", payout.id, before, {**audit.snapshot(payout, FIELDS), "paid": True})
    db.session.flush()
    return payout


def recover(actor: User, payout: FundEntry, amount: object | None = None, note: str = "") -> FundEntry:
    """Record the shop repaying a payout (追偿); the payout is then recovered."""
    if payout.kind != "payout" or payout.recovery_status != "open":
        raise InvalidTransition("该笔赔付不在待追偿状态", code="not_open")
    street = db.session.get(Street, payout.street_id)
    entry = _add(actor, street, "recovery", payout.amount_fen if amount in (None, "") else amount,
                 complaint_id=payout.complaint_id, shop_id=payout.shop_id, note=clean_text(note))
    payout.recovery_status = "recovered"
    return entry


def recovery_refused(actor: User, payout: FundEntry, now: datetime | None = None) -> BadRecord:
    """The shop refuses to repay (P3): the payout is marked refused and the shop gets a bad record."""
    if payout.kind != "payout" or payout.recovery_status != "open":
        raise InvalidTransition("该笔赔付不在待追偿状态", code="not_open")
    before = audit.snapshot(payout, FIELDS)
    payout.recovery_status = "refused"
    rec = BadRecord(shop_id=payout.shop_id, kind="refused_mediation", recorded_at=now or utcnow(),
                    description=f"拒绝偿还先行赔付款{rules.yuan(payout.amount_fen)}元")
    db.session.add(rec)
    db.session.flush()
    audit.record(actor, "fund.recovery_refused", "fund_entry", payout.id, before, audit.snapshot(payout, FIELDS))
    audit.record(actor, "bad_record.create", "bad_record", rec.id, None,
                 audit.snapshot(rec, ("shop_id", "kind", "description")))
    return rec


def _ledger_query(street_id: int):
    return (select(FundEntry).where(FundEntry.street_id == street_id)
            .order_by(FundEntry.at.desc(), FundEntry.id.desc()))


def ledger(street_id: int) -> list[FundEntry]:
    """Every entry of the street, newest first (the Excel ledger: never cut)."""
    return list(db.session.scalars(_ledger_query(street_id)))


def ledger_page(street_id: int, page: int | None):
    """One page (``services.paging.Page``, 50 rows) of the street's entries, newest first (SPEC Y3)."""
    from .paging import paginate

    return paginate(_ledger_query(street_id), page, key=FundEntry.id)


def unpaid_payouts_by_complaint(complaint_ids: list[int]) -> dict[int, FundEntry]:
    """The decided but unpaid payout of each complaint (the handler's queue shows its pay-by date)."""
    if not complaint_ids:
        return {}
    rows = db.session.scalars(select(FundEntry).where(FundEntry.kind == "payout", FundEntry.paid_at.is_(None),
                                                      FundEntry.complaint_id.in_(complaint_ids)))
    return {e.complaint_id: e for e in rows}


def shop_name(entry: FundEntry) -> str:
    shop = db.session.get(Shop, entry.shop_id) if entry.shop_id else None
    return shop.name if shop else ""
