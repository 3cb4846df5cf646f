"""SPEC §13 P1, P3, P4 as pure rules: hand-worked tables."""
from datetime import date
from decimal import Decimal

import pytest

from creditstreet.domain import promises as p
from creditstreet.domain.errors import ValidationError


def test_p1_notice_period_ends_thirty_days_after_the_notice_day():
    # Notice given on 2026-12-01 with 30 days: 12-01 + 30 days = 12-31, the first day no longer in force.
    ends = p.commitment_ends_on(date(2026, 12, 1), 30)
    assert ends == date(2026, 12, 31)
    assert p.commitment_in_force("ending", ends, date(2026, 12, 30)) is True
    assert p.commitment_in_force("ending", ends, date(2026, 12, 31)) is False
    assert p.commitment_in_force("approved", None, date(2030, 1, 1)) is True
    for status in ("pending", "rejected"):
        assert p.commitment_in_force(status, None, date(2026, 12, 1)) is False


@pytest.mark.parametrize("days, ok", [("7", 7), (7, 7), ("15", 15), ("365", 365)])
def test_p1_return_days_at_least_seven(days, ok):
    assert p.check_return_days(days) == ok


@pytest.mark.parametrize("days", ["6", "0", "-7", "七", "", None, "366"])
def test_p1_return_days_refused_in_chinese(days):
    with pytest.raises(ValidationError) as e:
        p.check_return_days(days)
    assert "天" in e.value.message


def test_p3_balance_deposit_payout_recovery():
    # 10,000.00 yuan in, 398.00 out, 398.00 recovered: 1,000,000 − 39,800 + 39,800 = 1,000,000 fen.
    entries = [p.FundEntry("deposit", 1_000_000), p.FundEntry("payout", 39_800), p.FundEntry("recovery", 39_800)]
    assert p.fund_balance(entries) == 1_000_000
    assert p.fund_balance(entries[:2]) == 960_200
    assert p.yuan(1_000_000) == "10,000.00" and p.yuan(39_800) == "398.00" and p.yuan(5) == "0.05"


def test_p3_payout_above_balance_refused_in_chinese():
    p.check_fund_entry("payout", 1_000_000, 1_000_000)  # the whole balance may be paid
    with pytest.raises(ValidationError) as e:
        p.check_fund_entry("payout", 1_000_001, 1_000_000)
    assert "超过基金余额" in e.value.message and "10,000.01" in e.value.message
    for kind, fen in (("deposit", 0), ("recovery", -1), ("bonus", 100)):
        with pytest.raises(ValidationError):
            p.check_fund_entry(kind, fen, 0)


def test_p4_rates_only_from_five_closed():
    # 4 closed (3 agreements, 1 without): counts only.
    four = p.ComplaintFigures(received=6, closed=4, mediated=4, agreed=3, settled_by_shop=0, recovered_fen=0)
    assert p.mediation_success_rate(four, 5) is None and p.early_settlement_rate(four, 5) is None
    # 5 closed: 3 agreements, 1 without, 1 settled by the shop → mediated 4, success 3/4 = 75.0 %,
    # early settlement 1/5 = 20.0 %.
    five = p.ComplaintFigures(received=6, closed=5, mediated=4, agreed=3, settled_by_shop=1, recovered_fen=0)
    assert p.mediation_success_rate(five, 5) == Decimal("75.0")
    assert p.early_settlement_rate(five, 5) == Decimal("20.0")
    # 2/3 rounds half up to 66.7 %.
    assert p.percent(2, 3) == Decimal("66.7") and p.percent(1, 0) is None


@pytest.mark.parametrize("last, previous, expected", [(10, 9, True), (10, 10, False), (9, 0, False), (25, 3, True)])
def test_p4_key_disclosure_many_and_rising(last, previous, expected):
    assert p.needs_key_disclosure(last, previous, 10) is expected
