"""Public promises and disclosure (SPEC §13 P1–P5): pure rules, no database.

- P1: a commitment is in force from its approval until the end of its notice period. A shop that
  gives notice on local day N keeps the promise through N + notice_days − 1; it is gone from local day
  N + notice_days on (notice 2026-12-01, 30 days → shown on 2026-12-30, gone on 2026-12-31).
- P3: the compensation fund is a ledger in integer fen; balance = deposits − payouts + recoveries,
  never negative; a payout above the balance is refused.
- P4: a shop's complaint figures over the 12 months before now; rates only from ``min_closed`` closed
  complaints; key disclosure (重点公示) when the 12-month count reaches the threshold and is rising.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .i18n import Msg, N_
from .errors import ValidationError

COMMITMENT_KINDS = ("no_reason_returns", "advance_compensation")
COMMITMENT_LABELS = {"no_reason_returns": N_("线下无理由退货"), "advance_compensation": N_("先行赔付")}
#: Jiangsu's rules and the CCA's 消费查 ask at least 7 days for offline no-reason returns (P1).
MIN_RETURN_DAYS = 7
MAX_RETURN_DAYS = 365
FUND_KINDS = ("deposit", "payout", "recovery")
FUND_LABELS = {"deposit": N_("存入"), "payout": N_("先行赔付"), "recovery": N_("追偿收回")}
MAX_FUND_FEN = 100_000_000_00  # one hundred million yuan per entry: above that it is a typo


def commitment_ends_on(notice_on: date, notice_days: int) -> date:
    """The first local day a commitment under notice is no longer in force (P1).

    ``notice_on``: the street-local day the shop gave notice; ``notice_days``: calendar days (default 30).
    """
    return notice_on + timedelta(days=notice_days)


def commitment_in_force(status: str, ends_on: date | None, today: date) -> bool:
    """Whether an approved commitment binds the shop on the local day ``today`` (P1)."""
    if status not in ("approved", "ending"):
        return False
    return ends_on is None or today < ends_on


def check_return_days(days: object) -> int:
    """The no-reason return period in calendar days, ≥ 7 (P1); ValidationError (Chinese) otherwise."""
    try:
        n = int(str(days).strip())
    except (TypeError, ValueError):
        raise ValidationError("无理由退货天数应为整数", code="bad_days") from None
    if n < MIN_RETURN_DAYS:
        raise ValidationError(Msg(N_("无理由退货期限不能少于%(min_return_days)s天"),
                                  min_return_days=MIN_RETURN_DAYS), code="bad_days")
    if n > MAX_RETURN_DAYS:
        raise ValidationError(Msg(N_("无理由退货期限不能超过%(max_return_days)s天"),
                                  max_return_days=MAX_RETURN_DAYS), code="bad_days")
    return n


@dataclass(frozen=True)
class FundEntry:
    kind: str  # one of FUND_KINDS
    amount_fen: int


def fund_balance(entries: list[FundEntry] | tuple[FundEntry, ...]) -> int:
    """Deposits − payouts + recoveries, in fen (P3)."""
    total = 0
    for e in entries:
        total += -e.amount_fen if e.kind == "payout" else e.amount_fen
    return total


def check_fund_entry(kind: str, amount_fen: int, balance_fen: int) -> None:
    """Refuse an entry the ledger cannot take (P3): ValidationError with a Chinese message.

    A payout may not exceed the balance (the fund never goes below zero).
    """
    if kind not in FUND_KINDS:
        raise ValidationError("账目类型无效", code="bad_kind")
    if amount_fen <= 0:
        raise ValidationError("金额必须大于0", code="bad_amount")
    if amount_fen > MAX_FUND_FEN:
        raise ValidationError("金额过大，请核对", code="bad_amount")
    if kind == "payout" and amount_fen > balance_fen:
        raise ValidationError(
            Msg(N_("赔付金额%(amount)s元超过基金余额%(balance)s元，不能支付"),
                amount=yuan(amount_fen), balance=yuan(balance_fen)), code="over_balance")


def yuan(fen: int) -> str:
    """Integer fen as a yuan text with two decimals: 39800 → "398.00"."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


@dataclass(frozen=True)
class ComplaintFigures:
    """P4 figures of one shop (or one street) over one period, no personal data.

    ``received``: complaints (kind complaint) received in the period, not refused as outside remit;
    ``closed``: of those, closed (any outcome, or settled by the shop); ``mediated``: of the closed,
    those closed by mediation with agreement or without; ``agreed``: of those, with an agreement;
    ``settled_by_shop``: of the closed, settled in early settlement (M2); ``recovered_fen``: money
    recovered on the closed ones; ``categories``: (goods category, count), most first (top 3).
    """

    received: int
    closed: int
    mediated: int
    agreed: int
    settled_by_shop: int
    recovered_fen: int
    categories: tuple[tuple[str, int], ...] = ()


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal, half up; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def mediation_success_rate(f: ComplaintFigures, min_closed: int) -> Decimal | None:
    """Agreements / mediated, shown only from ``min_closed`` closed complaints (P4); else None."""
    if f.closed < min_closed:
        return None
    return percent(f.agreed, f.mediated)


def early_settlement_rate(f: ComplaintFigures, min_closed: int) -> Decimal | None:
    """Settled by the shop / closed, shown only from ``min_closed`` closed complaints (P4, M2)."""
    if f.closed < min_closed:
        return None
    return percent(f.settled_by_shop, f.closed)


def needs_key_disclosure(last_12_months: int, previous_12_months: int, threshold: int) -> bool:
    """P4 key disclosure (重点公示): at least ``threshold`` complaints in the last 12 months and more
    than in the 12 months before them ("many and rising")."""
    return last_12_months >= threshold and last_12_months > previous_12_months
