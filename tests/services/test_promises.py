"""SPEC §13 P1–P4 use cases on the real database: commitments, the fund, disclosure figures."""
import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from creditstreet.domain.errors import DomainError, ValidationError
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, BadRecord, Complaint, FundEntry, KeyDisclosure
from creditstreet.services import commitments, disclosure, fund
from creditstreet.services import complaints as complaint_svc

from .. import factories

UTC = timezone.utc
_codes = itertools.count(1)


def cst(y, m, d, hh=0, mm=0):
    """A Beijing wall-clock time as a UTC instant (UTC+8, no daylight saving)."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=8)


def complaint(street, shop, received_at, **kw):
    c = Complaint(street_id=street.id, shop_id=shop.id, kind=kw.pop("kind", "complaint"),
                  tracking_code=f"P{next(_codes):09d}", received_at=received_at,
                  consumer_phone="13800138000", consumer_name="王小明", **kw)
    db.session.add(c)
    db.session.flush()
    return c


@pytest.fixture
def admin(street):
    return factories.make_user("admin", street=street)


def test_p1_commitment_ended_dec_1_shown_dec_30_gone_dec_31(street, admin):
    shop = factories.make_shop(street, name="守信服装店")
    c = commitments.declare(admin, shop, {"kind": "no_reason_returns", "return_days": "7",
                                          "categories": "服装、鞋帽", "exclusions": "内衣", "conditions": "吊牌完好"},
                            now=cst(2026, 11, 1, 9))
    assert commitments.in_force(shop, cst(2026, 11, 2)) == []  # pending: not public yet
    commitments.decide(admin, c, True, now=cst(2026, 11, 2, 9))
    commitments.give_notice(admin, c, now=cst(2026, 12, 1, 10))
    # Notice on 2026-12-01 (Beijing) + 30 days → in force through 12-30, gone from 12-31 00:00 Beijing.
    assert c.ends_on.isoformat() == "2026-12-31"
    assert commitments.in_force(shop, cst(2026, 12, 30, 23, 59)) == [c]
    assert commitments.in_force(shop, cst(2026, 12, 31, 0, 0)) == []
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "commitment")).all()
    assert actions == ["commitment.declare", "commitment.approve", "commitment.notice"]


def test_p1_rules_refused_in_chinese(street, admin):
    shop = factories.make_shop(street)
    with pytest.raises(ValidationError, match="不能少于7天"):
        commitments.declare(admin, shop, {"kind": "no_reason_returns", "return_days": "3", "categories": "服装"})
    c = commitments.declare(admin, shop, {"kind": "advance_compensation"})
    with pytest.raises(DomainError, match="已有"):
        commitments.declare(admin, shop, {"kind": "advance_compensation"})
    with pytest.raises(ValidationError, match="理由"):
        commitments.decide(admin, c, False, "")


def test_p3_fund_balance_and_payout_above_balance(street, admin):
    shop = factories.make_shop(street)
    c = complaint(street, shop, cst(2026, 11, 2), status="closed", outcome="no_agreement", shop_at_fault=True)
    fund.deposit(admin, street, "10,000.00")
    payout = fund.pay_out(admin, c, "398", now=cst(2026, 12, 4, 10))  # Friday 2026-12-04
    # Balance: 10,000.00 − 398.00 = 9,602.00 yuan = 960,200 fen; pay by the 2nd working day after
    # Friday 12-04: Mon 12-07 (1st), Tue 12-08 (2nd).
    assert fund.balance(street.id) == 960_200
    assert payout.pay_by.isoformat() == "2026-12-08"
    fund.recover(admin, payout)
    assert fund.balance(street.id) == 1_000_000  # 10,000.00 + 0 after recovering 398.00
    with pytest.raises(ValidationError, match="超过基金余额"):
        fund.pay_out(admin, c, "10000.01")
    db.session.rollback()
    # The refused payout left nothing behind; the earlier entries were flushed in the same test
    # transaction and are gone with it too, so the ledger starts again from zero here.
    assert db.session.scalar(select(func.count(FundEntry.id))) == 0


def test_p3_payout_needs_a_shop_at_fault_and_refusal_makes_a_bad_record(street, admin):
    shop = factories.make_shop(street)
    innocent = complaint(street, shop, cst(2026, 11, 2), status="closed", outcome="agreement")
    fund.deposit(admin, street, "500")
    with pytest.raises(DomainError, match="有责"):
        fund.pay_out(admin, innocent, "100")
    guilty = complaint(street, shop, cst(2026, 11, 3), status="closed", outcome="no_agreement", shop_at_fault=True)
    payout = fund.pay_out(admin, guilty, "100")
    rec = fund.recovery_refused(admin, payout)
    assert rec.shop_id == shop.id and "拒绝偿还先行赔付款100.00元" in rec.description
    assert payout.recovery_status == "refused"
    assert db.session.scalar(select(func.count(BadRecord.id)).where(BadRecord.shop_id == shop.id)) == 1


def test_p4_four_closed_show_counts_five_show_the_rate(street):
    shop = factories.make_shop(street)
    now = cst(2026, 12, 7, 12)
    for outcome in ("agreement", "agreement", "agreement", "no_agreement"):
        complaint(street, shop, cst(2026, 10, 1), status="closed", outcome=outcome, money_recovered_fen=2800)
    complaint(street, shop, cst(2026, 10, 2), status="mediating")  # received, not closed
    complaint(street, shop, cst(2026, 10, 3), status="refused", refusal_reason="outside_remit")  # not counted
    complaint(street, shop, cst(2026, 10, 4), kind="inquiry")  # not counted
    complaint(street, shop, cst(2025, 12, 6), status="closed", outcome="agreement")  # before the 12 months
    f = disclosure.shop_figures(shop, now)
    # Received 4 closed + 1 mediating = 5; closed 4 < 5 → counts only.
    assert (f.figures.received, f.figures.closed, f.figures.agreed) == (5, 4, 3)
    assert f.success_rate is None and f.settlement_rate is None
    assert f.figures.recovered_fen == 4 * 2800
    complaint(street, shop, cst(2026, 10, 5), status="closed", outcome="no_agreement")
    f = disclosure.shop_figures(shop, now)
    # 5 closed, all by mediation: 3 agreements / 5 mediated = 60.0 %; none settled by the shop → 0.0 %.
    assert (f.figures.received, f.figures.closed) == (6, 5)
    assert str(f.success_rate) == "60.0" and str(f.settlement_rate) == "0.0"
    assert (f.first_day.isoformat(), f.last_day.isoformat()) == ("2025-12-07", "2026-12-07")


def test_p4_key_disclosure_marks_many_and_rising_for_three_months(street):
    hot, steady = factories.make_shop(street, name="热点店"), factories.make_shop(street, name="平稳店")
    now = cst(2026, 12, 7, 12)
    for i in range(10):
        complaint(street, hot, cst(2026, 6, 1 + i))
        complaint(street, steady, cst(2026, 6, 1 + i))
        complaint(street, steady, cst(2025, 6, 1 + i))  # 10 the year before: not rising
    assert disclosure.mark_key_disclosures(now) == 1
    mark = db.session.scalars(select(KeyDisclosure)).one()
    assert mark.shop_id == hot.id
    assert (mark.starts_on.isoformat(), mark.ends_on.isoformat()) == ("2026-12-07", "2027-03-07")
    assert disclosure.mark_key_disclosures(now + timedelta(days=1)) == 0  # not marked twice while it runs
    assert disclosure.key_disclosure(hot, cst(2027, 3, 6, 23)) is not None
    assert disclosure.key_disclosure(hot, cst(2027, 3, 7, 0)) is None


def test_p2_broken_commitment_found_true_is_a_bad_record(street, admin):
    from creditstreet.domain.complaints import Outcome

    shop = factories.make_shop(street, name="承诺店")
    inspector = factories.make_user("inspector", street=street)
    c, _ = complaint_svc.file_complaint(None, street, {
        "kind": "complaint", "subject": "broken_commitment", "shop_id": shop.id, "description": "7天内退货被拒",
        "consumer_phone": "13800138000"}, "tok-broken-1")
    assert c.subject == "broken_commitment"
    complaint_svc.accept_complaint(inspector, c)
    complaint_svc.close_complaint(inspector, c, Outcome("no_agreement"), shop_at_fault=True)
    rec = db.session.scalars(select(BadRecord).where(BadRecord.complaint_id == c.id)).one()
    assert "承诺未兑现" in rec.description
    with pytest.raises(ValidationError, match="事由"):
        complaint_svc.file_complaint(None, street, {"kind": "complaint", "subject": "x", "shop_id": shop.id,
                                                    "description": "d", "consumer_phone": "13800138000"}, "tok-2")


def test_board_headline_equals_its_monthly_table_and_the_shop_figures(street):
    """One definition, one period (issue 17): the board's months add up to its headline, and both
    equal the disclosure figures of the street's shops."""
    from creditstreet.services import board

    a, b = factories.make_shop(street), factories.make_shop(street)
    now = cst(2026, 12, 7, 12)
    # The period is [T − 12 months, T) to the instant (§3): from 2025-12-07 12:00 Beijing.
    complaint(street, a, cst(2025, 12, 7, 12, 0), status="closed", outcome="agreement", money_recovered_fen=1000)
    complaint(street, a, cst(2025, 12, 7, 11, 59))  # one minute before the period: not counted
    complaint(street, b, cst(2026, 6, 15), status="closed", outcome="no_agreement")
    complaint(street, b, cst(2026, 12, 7, 11, 59), status="received")
    complaint(street, b, cst(2026, 6, 16), status="refused", refusal_reason="outside_remit")
    st = board.street_stats(street, now)
    # Period [2025-12-07, 2026-12-07 12:00): 3 counted complaints; the refused-as-outside-remit one and
    # the one a minute early are out. 13 month rows: 2025-12 (from the 7th) … 2026-12 (to today).
    assert st.received == 3 and st.closed == 2 and st.agreed == 1 and st.recovered_fen == 1000
    assert [m for m, *_ in st.months][0] == "2025-12" and [m for m, *_ in st.months][-1] == "2026-12"
    assert len(st.months) == 13
    assert sum(n for _, n, _, _ in st.months) == st.received
    assert sum(ok for _, _, ok, _ in st.months) == st.agreed
    assert sum(fen for *_, fen in st.months) == st.recovered_fen
    fa, fb = disclosure.shop_figures(a, now).figures, disclosure.shop_figures(b, now).figures
    assert fa.received + fb.received == st.received and fa.closed + fb.closed == st.closed
