"""Shops take part (SPEC §12 M1–M5): hand-worked cases of objections, credit repair, early settlement."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from creditstreet.domain.errors import InvalidTransition, ValidationError
from creditstreet.domain.time import Quarter
from creditstreet.models import AuditEntry, BadRecord, Complaint, CreditGrade, Violation
from creditstreet.services import disclosure, grading
from creditstreet.services.complaints import file_complaint
from creditstreet.services.merchant import accounts, objections, repairs, replies, settlement

from .. import factories

def cst(y, m, d, h=10, mi=0):
    """A street-local (Asia/Shanghai) time as a UTC instant."""
    return datetime(y, m, d, h, mi, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)


PLEDGE = b"%PDF-1.4\n% signed pledge\n"


@pytest.fixture
def shop(db, street):
    return factories.make_shop(street, name="诚信服装店", opened_on=date(2015, 1, 1))


@pytest.fixture
def owner(db, street, shop):
    return factories.make_user("merchant", username="owner", street=street, shop_id=shop.id)


@pytest.fixture
def admin(db, street):
    return factories.make_user("admin", username="boss", street=street)


def grade_at(street, shop, T):
    """The per-shop reference grade at instant T (SPEC G2)."""
    q = Quarter.parse("2026Q2") if T <= cst(2026, 7, 1, 0) else Quarter.parse("2026Q3")
    (g,) = grading.compute_grades(street, q, T, grading.rule_settings(), shop_ids=[shop.id])
    return g.grade.grade


def official(shop, quarter):
    return grading.db.session.scalar(select(CreditGrade.grade).where(CreditGrade.shop_id == shop.id,
                                                                      CreditGrade.quarter == quarter))


# --- M4 objections ----------------------------------------------------------------------------------

def test_objection_upheld_on_the_violation_that_made_a_shop_c_turns_it_b_live_and_at_next_recompute(
        db, street, shop, owner, admin):
    # A bad record (2026-04-01) and a general violation (2026-05-10): general + bad = 2 → C (G2).
    db.session.add(BadRecord(shop_id=shop.id, kind="yellow_card", description="黄牌", recorded_at=cst(2026, 4, 1)))
    v = Violation(shop_id=shop.id, severity="general", kind="other", description="未明码标价",
                  recorded_at=cst(2026, 5, 10))
    db.session.add(v)
    db.session.flush()
    grading.recompute("2026Q2", cst(2026, 5, 18), trigger="test")  # provisional grade: C
    assert official(shop, "2026Q2") == "C"
    assert grading.grade_preview(shop, cst(2026, 5, 18)).grade.grade == "C"

    # 2026-05-10 + 15 working days (K4 calendar; 2026-05-11 is a Monday) = 2026-05-29.
    assert objections.objection_deadline(v) == date(2026, 5, 29)
    obj = objections.file_objection(owner, "violation", v.id, "当日价签齐全，有照片为证", now=cst(2026, 5, 20))
    objections.decide_objection(admin, obj, True, "复核照片，价签齐全，撤销该记录", now=cst(2026, 5, 25))

    assert v.void_at is not None and db.session.get(Violation, v.id) is not None  # kept, marked
    # live register at once: one bad record left → B
    assert grading.grade_preview(shop, cst(2026, 5, 25, 11)).grade.grade == "B"
    assert official(shop, "2026Q2") == "C"  # the stored grade waits for the next recompute (G4)
    grading.recompute("2026Q2", cst(2026, 7, 2), trigger="test")  # official Q2 (T = 2026-07-01 local)
    assert official(shop, "2026Q2") == "B"
    assert grade_at(street, shop, cst(2026, 7, 1, 0)) == "B"  # the per-shop reference agrees
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"objection.file", "objection.decide", "violation.void"} <= actions


def test_objection_window_one_per_record_and_other_shops_records(db, street, shop, owner, admin):
    other = factories.make_shop(street, name="别家")
    theirs = Violation(shop_id=other.id, severity="general", kind="other", recorded_at=cst(2026, 5, 10))
    mine = Violation(shop_id=shop.id, severity="general", kind="other", recorded_at=cst(2026, 5, 10))
    db.session.add_all([theirs, mine])
    db.session.flush()
    with pytest.raises(ValidationError) as e:
        objections.file_objection(owner, "violation", theirs.id, "理由", now=cst(2026, 5, 12))
    assert e.value.code == "not_found"
    with pytest.raises(ValidationError) as e:  # 2026-05-30 is after the deadline 2026-05-29
        objections.file_objection(owner, "violation", mine.id, "理由", now=cst(2026, 5, 30))
    assert e.value.code == "window_closed"
    obj = objections.file_objection(owner, "violation", mine.id, "理由", now=cst(2026, 5, 29, 23, 59))
    with pytest.raises(ValidationError):
        objections.file_objection(owner, "violation", mine.id, "再次", now=cst(2026, 5, 29))
    objections.decide_objection(admin, obj, False, "证据不足", now=cst(2026, 6, 1))
    assert mine.void_at is None and obj.status == "rejected"
    with pytest.raises(InvalidTransition):
        objections.decide_objection(admin, obj, True, "改判", now=cst(2026, 6, 2))


# --- M5 credit repair ------------------------------------------------------------------------------

def test_repair_decided_2026_06_30_stops_a_bad_record_of_2025_11_15_counting_from_then_not_before(
        db, street, shop, owner, admin):
    old = BadRecord(shop_id=shop.id, kind="complaint_fault", description="有责", recorded_at=cst(2025, 11, 15))
    db.session.add_all([old, BadRecord(shop_id=shop.id, kind="yellow_card", recorded_at=cst(2026, 3, 1))])
    db.session.flush()
    # 6 months after 2025-11-15 10:00 local is 2026-05-15 10:00 local
    assert repairs.eligible_from(old) == cst(2026, 5, 15)
    with pytest.raises(ValidationError) as e:
        repairs.apply_for_repair(owner, "bad_record", old.id, "已退款并整改", PLEDGE, now=cst(2026, 5, 15, 9))
    assert e.value.code == "too_recent" and "2026-05-15" in e.value.message
    app_ = repairs.apply_for_repair(owner, "bad_record", old.id, "已退款并整改", PLEDGE, now=cst(2026, 6, 1))
    # 2026-06-01 + 15 working days (Dragon Boat 2026-06-19 is a holiday) = 2026-06-23
    assert app_.decide_by == date(2026, 6, 23)
    decided = cst(2026, 6, 30, 10)
    repairs.decide_repair(admin, app_, True, "整改到位", now=decided)
    assert old.repaired_at == decided and db.session.get(BadRecord, old.id) is not None

    # two bad records in the year → C; from the decision on one → B (G2), not before
    assert grade_at(street, shop, cst(2026, 6, 29, 12)) == "C"
    assert grade_at(street, shop, cst(2026, 6, 30, 9, 59)) == "C"
    assert grade_at(street, shop, decided) == "B"
    grading.recompute("2026Q1", cst(2026, 7, 2), trigger="test")  # T = 2026-04-01: before the decision
    grading.recompute("2026Q2", cst(2026, 7, 2), trigger="test")  # T = 2026-07-01: after it
    assert official(shop, "2026Q1") == "C" and official(shop, "2026Q2") == "B"
    with pytest.raises(ValidationError) as e:  # once per record
        repairs.apply_for_repair(owner, "bad_record", old.id, "再次", PLEDGE, now=cst(2026, 7, 5))
    assert e.value.code == "already_repaired"


def test_serious_violation_needs_twelve_months_and_a_pledge(db, street, shop, owner):
    v = Violation(shop_id=shop.id, severity="serious", kind="counterfeit", recorded_at=cst(2025, 8, 31))
    db.session.add(v)
    db.session.flush()
    assert repairs.eligible_from(v) == cst(2026, 8, 31)
    assert not repairs.can_apply("violation", v, cst(2026, 8, 30))
    with pytest.raises(ValidationError) as e:
        repairs.apply_for_repair(owner, "violation", v.id, "整改", None, now=cst(2026, 9, 1))
    assert e.value.code == "pledge_required"


# --- M2 early settlement ---------------------------------------------------------------------------

def _file(street, shop, now, share=False, what="穿了三天就开胶"):
    c, _ = file_complaint(None, street, {"kind": "complaint", "shop_id": shop.id, "title": "鞋子开胶",
                                          "description": what, "consumer_name": "张三",
                                          "consumer_phone": "13812345678", "share_contact": share},
                          None, now=now)
    return c


def test_settlement_accepted_leaves_no_bad_record_and_counts_in_the_early_settlement_rate(db, street, shop, owner):
    settlement.join(owner, now=cst(2026, 5, 1))
    c = _file(street, shop, cst(2026, 5, 11))  # a Monday
    s = settlement.settlement_of(c)
    # 2026-05-11 + 10 working days = 2026-05-25; the office's K4 clock does not run meanwhile
    assert s.status == "open" and s.settle_by == date(2026, 5, 25) and c.decide_by is None
    from creditstreet.services.complaints import queue
    assert c.id not in [x.id for x in queue(street.id, now=cst(2026, 5, 12))]
    settlement.propose(owner, c, "refund", "299.00", "全额退款，请到店办理", now=cst(2026, 5, 12))
    settlement.answer(c, True, now=cst(2026, 5, 13))
    assert c.status == "closed" and c.outcome == "settled_by_shop" and c.money_recovered_fen == 29900
    assert db.session.scalars(select(BadRecord)).all() == []
    f = disclosure.figures(Complaint.shop_id == shop.id, cst(2025, 6, 1), cst(2026, 6, 1))
    assert (f.received, f.closed, f.settled_by_shop, f.recovered_fen) == (1, 1, 1, 29900)
    from creditstreet.domain.promises import early_settlement_rate
    assert early_settlement_rate(f, 1) == 100


def test_declined_settlement_starts_the_office_track_with_k4_deadlines_from_then(db, street, shop, owner):
    settlement.join(owner, now=cst(2026, 5, 1))
    c = _file(street, shop, cst(2026, 5, 11))
    with pytest.raises(InvalidTransition):
        settlement.answer(c, True, now=cst(2026, 5, 12))  # nothing proposed yet
    from creditstreet.services.complaints import accept_complaint
    inspector = factories.make_user("inspector", street=street)
    with pytest.raises(InvalidTransition) as e:  # the office waits while the shop has it (M2)
        accept_complaint(inspector, c, now=cst(2026, 5, 12))
    assert e.value.code == "in_settlement"
    settlement.propose(owner, c, "exchange", "", "可换同款", now=cst(2026, 5, 12))
    settlement.answer(c, False, now=cst(2026, 5, 14))  # Thursday
    s = settlement.settlement_of(c)
    # the acceptance deadline: 2026-05-14 + 7 working days = 2026-05-25
    assert s.status == "declined" and c.decide_by == date(2026, 5, 25) and c.status == "received"
    accept_complaint(inspector, c, now=cst(2026, 5, 15))
    assert c.status == "accepted"
    with pytest.raises(InvalidTransition):
        settlement.propose(owner, c, "refund", "1", "再试", now=cst(2026, 5, 15))


def test_no_answer_by_the_deadline_goes_to_the_office_and_reports_never_go_to_the_shop(db, street, shop, owner):
    settlement.join(owner, now=cst(2026, 5, 1))
    c = _file(street, shop, cst(2026, 5, 11))
    assert settlement.expire_due(cst(2026, 5, 25, 23)) == 0  # still the last day
    assert settlement.expire_due(cst(2026, 5, 26, 1)) == 1
    # 2026-05-26 + 7 working days = 2026-06-04
    assert settlement.settlement_of(c).status == "expired" and c.decide_by == date(2026, 6, 4)
    r, _ = file_complaint(None, street, {"kind": "report", "shop_id": shop.id, "description": "卖假货",
                                          "consumer_phone": "13812345678"}, None, now=cst(2026, 5, 12))
    assert settlement.settlement_of(r) is None


def test_contact_is_masked_without_consent(db, street, shop, owner):
    settlement.join(owner, now=cst(2026, 5, 1))
    shared = settlement.settlement_of(_file(street, shop, cst(2026, 5, 11), share=True))
    hidden = settlement.settlement_of(_file(street, shop, cst(2026, 5, 11), what="另一双鞋也开胶"))
    assert settlement.sees_contact(shared) and not settlement.sees_contact(hidden)


# --- M3 replies, M1 invitations ---------------------------------------------------------------------

def test_one_redacted_reply_on_a_closed_complaint(db, street, shop, owner):
    settlement.join(owner, now=cst(2026, 5, 1))
    c = _file(street, shop, cst(2026, 5, 11))
    with pytest.raises(InvalidTransition):
        replies.add_reply(owner, c, "谢谢", now=cst(2026, 5, 12))
    settlement.propose(owner, c, "refund", "10", "退款", now=cst(2026, 5, 12))
    settlement.answer(c, True, now=cst(2026, 5, 13))
    with pytest.raises(ValidationError):
        replies.add_reply(owner, c, "长" * 501)
    r = replies.add_reply(owner, c, "已与张三协商退款，有问题请联系 13812345678", now=cst(2026, 5, 14))
    assert "13812345678" not in r.text_redacted and "张三" not in r.text_redacted
    with pytest.raises(InvalidTransition):
        replies.add_reply(owner, c, "再说一句", now=cst(2026, 5, 15))


def test_invitation_code_is_used_once(db, street, shop, admin):
    inv, code = accounts.create_invitation(admin, shop, now=cst(2026, 5, 1))
    user = accounts.sign_up(accounts.pretty_code(code).lower(), "staff1", "password-123", "password-123",
                            now=cst(2026, 5, 2))
    assert user.role == "merchant" and user.shop_id == shop.id and inv.used_by == user.id
    with pytest.raises(ValidationError) as e:
        accounts.sign_up(code, "staff2", "password-123", "password-123", now=cst(2026, 5, 2))
    assert e.value.code == "bad_invitation"
    _, late = accounts.create_invitation(admin, shop, now=cst(2026, 5, 1))
    with pytest.raises(ValidationError):  # 30 days later it has expired
        accounts.sign_up(late, "staff3", "password-123", "password-123", now=cst(2026, 5, 31, 10))


def test_a_calendar_change_moves_the_acceptance_deadline_from_the_day_the_settlement_ended(db, street, shop, owner):
    from creditstreet.domain.workdays import WorkCalendar
    from creditstreet.services.complaints.deadlines import deadline_start, recompute_item

    settlement.join(owner, now=cst(2026, 5, 1))
    c = _file(street, shop, cst(2026, 5, 11))
    settlement.request_office(c, now=cst(2026, 5, 14))
    assert deadline_start(c, "decide_by") == date(2026, 5, 14) and c.decide_by == date(2026, 5, 25)
    # an extra holiday on Friday 2026-05-22 moves the 7th working day after 2026-05-14 to 2026-05-26
    old, new = WorkCalendar(), WorkCalendar(extra_holidays=[date(2026, 5, 22)])
    assert recompute_item(c, old, new, [], []) == {"decide_by": (date(2026, 5, 25), date(2026, 5, 26))}


def test_the_admin_queue_lists_pending_requests_by_deadline(db, street, shop, owner, admin):
    from creditstreet.services.merchant import queue

    v = Violation(shop_id=shop.id, severity="general", kind="other", recorded_at=cst(2026, 5, 10))
    b = BadRecord(shop_id=shop.id, kind="yellow_card", recorded_at=cst(2025, 10, 1))
    db.session.add_all([v, b])
    db.session.flush()
    objections.file_objection(owner, "violation", v.id, "理由", now=cst(2026, 5, 12))  # due 2026-06-02
    repairs.apply_for_repair(owner, "bad_record", b.id, "已整改", PLEDGE, now=cst(2026, 5, 11))  # due 2026-06-01
    items = queue.pending(street.id, now=cst(2026, 6, 2))
    assert [(i.kind, i.decide_by, i.overdue) for i in items] == [
        ("repair", date(2026, 6, 1), True), ("objection", date(2026, 6, 2), False)]
    # the page the admin sees (50 a page; here 1 to see the order carry across pages)
    first, second = (queue.pending_page(street.id, n, now=cst(2026, 6, 2), per_page=1) for n in (1, 2))
    assert (first.total, first.pages) == (2, 2)
    assert [i.kind for i in first.items] == ["repair"] and [i.kind for i in second.items] == ["objection"]
    assert second.items[0].title == items[1].title and second.items[0].overdue is False


def test_a_complaint_closed_at_fault_again_after_an_upheld_objection_counts_again(db, street, shop, owner, admin):
    """The objection voided the first closing's record (M4); the consumer then reopened the
    complaint and it was closed at fault again (K5: the final closing decides). That closing is a new
    finding: the record counts again, dated at it, and the shop may object to it anew."""
    from creditstreet.domain.complaints import Outcome
    from creditstreet.services import complaints as svc

    inspector = factories.make_user("inspector", street=street)
    # one general violation beside it: with the complaint's record general + bad = 2 → C, without → B (G2)
    db.session.add(Violation(shop_id=shop.id, severity="general", kind="other", recorded_at=cst(2026, 4, 1)))
    c, _ = svc.file_complaint(None, street, {"kind": "complaint", "shop_id": shop.id, "amount": "199",
                                             "description": "衬衫洗一次就掉色，要求退货", "consumer_phone": "13800138000",
                                             "consumer_name": "王小明"}, None, now=cst(2026, 5, 6))
    svc.accept_complaint(inspector, c, now=cst(2026, 5, 6))
    svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 19900), shop_at_fault=True, now=cst(2026, 5, 8))
    rec = db.session.scalar(select(BadRecord).where(BadRecord.complaint_id == c.id))
    obj = objections.file_objection(owner, "bad_record", rec.id, "已当场退款，顾客满意", now=cst(2026, 5, 11))
    objections.decide_objection(admin, obj, True, "核实已退款", now=cst(2026, 5, 12))
    assert rec.void_at is not None
    assert grading.grade_preview(shop, cst(2026, 5, 12, 11)).grade.grade == "B"

    svc.reopen_complaint(c, "退款没到账", now=cst(2026, 5, 13))
    svc.add_mediation_note(inspector, c, "再次调解", now=cst(2026, 5, 14))
    svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 19900), shop_at_fault=True,
                        now=cst(2026, 5, 20))
    assert (rec.recorded_at, rec.withdrawn_at, rec.void_at, rec.repaired_at) == (cst(2026, 5, 20), None, None, None)
    assert grading.grade_preview(shop, cst(2026, 5, 21)).grade.grade == "C"
    # 2026-05-20 + 15 working days = 2026-06-10 (no holiday in between; 05-23/24, 05-30/31, 06-06/07 weekends)
    assert objections.objection_deadline(rec) == date(2026, 6, 10)
    assert objections.can_object(rec, now=cst(2026, 5, 21))
    objections.file_objection(owner, "bad_record", rec.id, "再次申辩", now=cst(2026, 5, 22))
