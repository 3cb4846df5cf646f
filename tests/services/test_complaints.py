"""Complaint workflow (SPEC K1–K7): intake, idempotency, deadlines, every transition, K5, overdue."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from creditstreet.domain.complaints import Outcome
from creditstreet.domain.errors import InvalidTransition, ValidationError
from creditstreet.models import AuditEntry, BadRecord, CardBatch, CardRange, Complaint
from creditstreet.services import complaints as svc
from tests import factories

# 2026-09-01 (Tue) 10:00 Beijing = 02:00 UTC.
T0 = datetime(2026, 9, 1, 2, 0, tzinfo=timezone.utc)


def _data(shop, **kw):
    d = {"kind": "complaint", "shop_id": shop.id, "description": "面里有头发，要求退款28元",
         "consumer_phone": "13800138000", "consumer_name": "王小明", "amount": "28"}
    d.update(kw)
    return d


@pytest.fixture
def shop(street):
    return factories.make_shop(street, "张记面馆")


@pytest.fixture
def inspector(street):
    return factories.make_user("inspector", street=street)


def test_intake_sets_code_deadlines_and_audit(db, street, shop):
    c, created = svc.file_complaint(None, street, _data(shop, carries_report=True), "tok-1", now=T0)
    assert created and c.status == "received" and c.amount_fen == 2800
    assert c.tracking_code.startswith("TS") and len(c.tracking_code) == 12
    assert set(c.tracking_code[2:]) <= set(svc.CODE_ALPHABET)
    # 7 working days after Tue 2026-09-01 (the day itself does not count): Sep 2,3,4,7,8,9,10 → 09-10.
    assert c.decide_by == date(2026, 9, 10)
    # 15 working days: Sep 2-4 (3), 7-11 (8), 14-18 (13), Sun 09-20 make-up day (14), 21 (15) → 09-21.
    assert c.report_status == "received" and c.report_decide_by == date(2026, 9, 21)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "complaint.intake"))
    assert entry is not None and "13800138000" not in str(entry.after) and "王小明" not in str(entry.after)


def test_tracking_codes_are_random_not_sequential(db, street, shop):
    codes = {svc.new_tracking_code() for _ in range(200)}
    assert len(codes) == 200


def test_same_token_returns_first_complaint(db, street, shop):
    a, created_a = svc.file_complaint(None, street, _data(shop), "same", now=T0)
    db.session.commit()
    b, created_b = svc.file_complaint(None, street, _data(shop, description="改了"), "same", now=T0)
    assert (created_a, created_b) == (True, False) and a.id == b.id
    assert db.session.scalar(select(func.count(Complaint.id))) == 1


@pytest.mark.parametrize("phone", ["１３８００１３８０００", "+86 138 0013 8000", "0086-13800138000", "13800138000\n",
                                   "138００１３８０００", "＋８６　１３８－００１３－８０００"])
def test_phone_spellings_store_eleven_ascii_digits(db, street, shop, phone):
    c, _ = svc.file_complaint(None, street, _data(shop, consumer_phone=phone), None, now=T0)
    assert c.consumer_phone == "13800138000"


@pytest.mark.parametrize("phone", ["1380013800O", "12800138000", "1380013800", ""])
def test_bad_phones_rejected(db, street, shop, phone):
    with pytest.raises(ValidationError) as e:
        svc.file_complaint(None, street, _data(shop, consumer_phone=phone), None, now=T0)
    assert "手机号码" in e.value.message


def test_three_spellings_are_one_consumer(db, street, shop):
    # Three different complaints (titles differ; the same content would be one complaint, K7).
    ids = [svc.file_complaint(None, street, _data(shop, consumer_phone=p, title=f"第{i}件"), None, now=T0)[0].id
           for i, p in enumerate(("13800138000", "＋８６　１３８－００１３－８０００", "0086-13800138000"))]
    other = svc.file_complaint(None, street, _data(shop, consumer_phone="13912345678"), None, now=T0)[0]
    assert svc.earlier_complaints_count("13800138000", exclude_id=ids[-1]) == 2
    assert svc.earlier_complaints_count(other.consumer_phone, exclude_id=other.id) == 0
    code = db.session.get(Complaint, ids[1]).tracking_code
    for typed in ("13800138000", "＋８６　１３８－００１３－８０００", "0086-13800138000"):
        found = svc.find_for_tracking(code, typed)
        assert found is not None and found.id == ids[1]
    assert svc.find_for_tracking(code, "8000") is None  # SPEC K6: the whole mobile, not its last 4


@pytest.mark.parametrize("amount, fen", [("28", 2800), ("28.5", 2850), ("２８.００", 2800), ("", None), ("0.01", 1)])
def test_amount_yuan_to_fen(amount, fen):
    assert svc.parse_amount_fen(amount) == fen


@pytest.mark.parametrize("amount", ["-3", "abc", "1.234", "1e3", "Infinity", "NaN"])
def test_amount_garbage_rejected(amount):
    with pytest.raises(ValidationError) as e:
        svc.parse_amount_fen(amount)
    assert "金额" in e.value.message


def test_title_limit_counts_code_points_and_keeps_emoji(db, street, shop):
    title = "一" * 19 + "😡"  # 20 code points (21 UTF-16 units): accepted (CASES K-12)
    body = "服务很差😡😡后面还有很多字……"
    c, _ = svc.file_complaint(None, street, _data(shop, title=title, description=body), None, now=T0)
    db.session.commit()
    db.session.expire_all()
    c = db.session.get(Complaint, c.id)
    assert c.title.encode() == title.encode() and c.description.encode() == body.encode()
    with pytest.raises(ValidationError, match="20"):
        svc.file_complaint(None, street, _data(shop, title=title + "a"), None, now=T0)


def test_card_serial_picks_shop(db, street, shop):
    batch = CardBatch(street_id=street.id, name="第一批", first_serial=1, last_serial=40000)
    db.session.add(batch)
    db.session.flush()
    db.session.add(CardRange(batch_id=batch.id, shop_id=shop.id, first_serial=100, last_serial=199,
                             issued_on=date(2026, 1, 5)))
    db.session.flush()
    c, _ = svc.file_complaint(None, street, _data(shop, shop_id=None, card_serial="150"), None, now=T0)
    assert c.shop_id == shop.id and c.card_serial == 150
    with pytest.raises(ValidationError, match="信誉卡"):
        svc.file_complaint(None, street, _data(shop, shop_id=None, card_serial="250"), None, now=T0)


@pytest.mark.parametrize("q", ["張記麵館", "张记麵馆", "张记面馆\u3000"])
def test_shop_search_traditional_and_spaces(db, street, shop, q):
    factories.make_shop(street, "李记米粉")
    assert [s.id for s in svc.search_shops(street, q)] == [shop.id]


def _accepted(street, shop, inspector, now=T0):
    c, _ = svc.file_complaint(None, street, _data(shop), None, now=now)
    svc.accept_complaint(inspector, c, now=now)
    return c


def test_accept_sets_mediation_deadline_and_handler(db, street, shop, inspector):
    c = _accepted(street, shop, inspector)
    # 45 working days after Tue 2026-09-01 (2026 calendar: Sun 09-20 make-up day, Fri 09-25
    # Mid-Autumn off, 10-01..07 National Day off, Sat 10-10 make-up day):
    # Sep 2-4 (3), 7-11 (8), 14-18 (13), 20 (14), 21-24 (18), 28-30 (21); Oct 8, 9, 10 (24),
    # 12-16 (29), 19-23 (34), 26-30 (39); Nov 2-6 (44), 9 (45) → 2026-11-09.
    assert c.status == "accepted" and c.handler_id == inspector.id
    assert c.mediate_by == date(2026, 11, 9)


def test_full_lifecycle_with_bad_record_never_doubled(db, street, shop, inspector):
    c = _accepted(street, shop, inspector)
    svc.add_mediation_note(inspector, c, "已联系商家，同意退款", now=T0)
    assert c.status == "mediating"
    svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 2800), shop_at_fault=True, now=T0)
    assert (c.status, c.outcome, c.remedy, c.money_recovered_fen) == ("closed", "agreement", "refund", 2800)
    recs = db.session.scalars(select(BadRecord).where(BadRecord.shop_id == shop.id)).all()
    assert [(r.kind, r.complaint_id) for r in recs] == [("complaint_at_fault", c.id)]
    later = datetime(2026, 9, 5, 2, tzinfo=timezone.utc)
    svc.reopen_complaint(c, "钱没到账", now=later)
    assert c.status == "reopened" and c.reopened_count == 1
    svc.add_mediation_note(inspector, c, "再次调解", now=later)
    svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 2800), shop_at_fault=True, now=later)
    assert db.session.scalar(select(func.count(BadRecord.id)).where(BadRecord.shop_id == shop.id)) == 1
    svc.confirm_outcome(c, now=later)
    assert c.confirmed_at is not None
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(c.id))))
    assert {"complaint.intake", "complaint.accept", "complaint.mediation_note", "complaint.close",
            "complaint.reopen", "complaint.confirm"} <= actions


def test_refused_mediation_makes_bad_record(db, street, shop, inspector):
    c = _accepted(street, shop, inspector)
    svc.close_complaint(inspector, c, Outcome("no_agreement"), refused_mediation=True, now=T0)
    assert db.session.scalar(select(BadRecord.kind).where(BadRecord.complaint_id == c.id)) == "refused_mediation"


def test_bad_record_names_the_complaint_by_number_not_by_tracking_code(db, street, shop, inspector):
    """K6: the tracking code (with the phone, the consumer's key) never stands in the register."""
    c = _accepted(street, shop, inspector)
    svc.close_complaint(inspector, c, Outcome("no_agreement"), refused_mediation=True, now=T0)
    description = db.session.scalar(select(BadRecord.description).where(BadRecord.complaint_id == c.id))
    assert description == f"投诉#{c.id}：拒绝调解" and c.tracking_code not in description


def test_no_fault_no_bad_record(db, street, shop, inspector):
    c = _accepted(street, shop, inspector)
    svc.close_complaint(inspector, c, Outcome("withdrawn"), now=T0)
    assert db.session.scalar(select(func.count(BadRecord.id))) == 0


def test_refuse_needs_reason_from_list(db, street, shop, inspector):
    c, _ = svc.file_complaint(None, street, _data(shop), None, now=T0)
    with pytest.raises(ValidationError):
        svc.refuse_complaint(inspector, c, "because")
    svc.refuse_complaint(inspector, c, "over_three_years", now=T0)
    assert c.status == "refused"
    with pytest.raises(InvalidTransition):
        svc.accept_complaint(inspector, c, now=T0)


@pytest.mark.parametrize("action", ["close", "note", "confirm", "reopen"])
def test_illegal_steps_from_received(db, street, shop, inspector, action):
    c, _ = svc.file_complaint(None, street, _data(shop), None, now=T0)
    with pytest.raises(InvalidTransition) as e:
        if action == "close":
            svc.close_complaint(inspector, c, Outcome("withdrawn"), now=T0)
        elif action == "note":
            svc.add_mediation_note(inspector, c, "x", now=T0)
        elif action == "confirm":
            svc.confirm_outcome(c, now=T0)
        else:
            svc.reopen_complaint(c, now=T0)
    assert "已接收" in e.value.message


def test_reopen_window_is_15_days(db, street, shop, inspector):
    c = _accepted(street, shop, inspector)
    svc.close_complaint(inspector, c, Outcome("withdrawn"), now=T0)
    # closed 2026-09-01 10:00 local; the window is [that, 2026-09-16 10:00) local = 02:00 UTC.
    with pytest.raises(InvalidTransition, match="期限"):
        svc.reopen_complaint(c, now=datetime(2026, 9, 16, 2, 0, tzinfo=timezone.utc))
    svc.reopen_complaint(c, now=datetime(2026, 9, 16, 1, 59, tzinfo=timezone.utc))
    assert c.status == "reopened"


def test_report_track_separate_and_extend_once(db, street, shop, inspector):
    c, _ = svc.file_complaint(None, street, _data(shop, carries_report=True), None, now=T0)
    svc.accept_complaint(inspector, c, now=T0)
    svc.close_complaint(inspector, c, Outcome("no_agreement"), now=T0)  # failed mediation
    assert c.report_status == "received"  # never closes the report (K2)
    svc.report_action(inspector, c, "extend", now=T0)
    # 15 more working days after 09-21: 22-24 (3), [25 off] 28-30 (6), Oct 8, 9, Sat 10 (9),
    # 12-16 (14), 19 (15) → 2026-10-19.
    assert c.report_decide_by == date(2026, 10, 19) and c.report_extended
    with pytest.raises(InvalidTransition, match="1次"):
        svc.report_action(inspector, c, "extend", now=T0)
    svc.report_action(inspector, c, "open_case", now=T0)
    assert c.report_status == "case_opened"
    with pytest.raises(InvalidTransition):
        svc.report_action(inspector, c, "decline", now=T0)


def test_flag_overdue_in_street_zone(db, street, shop, inspector):
    late, _ = svc.file_complaint(None, street, _data(shop), None, now=T0)  # decide_by 2026-09-10
    fresh, _ = svc.file_complaint(None, street, _data(shop), None, now=datetime(2026, 9, 9, 2, tzinfo=timezone.utc))
    db.session.commit()
    # 2026-09-10 23:30 Beijing is still the deadline day → not overdue.
    assert int(svc.flag_overdue(datetime(2026, 9, 10, 15, 30, tzinfo=timezone.utc))) == 0
    # 2026-09-11 00:30 Beijing (= 09-10 16:30 UTC): the first is one day late.
    n = svc.flag_overdue(datetime(2026, 9, 10, 16, 30, tzinfo=timezone.utc))
    assert int(n) == 1 and n.counts["decide"] == 1
    assert db.session.get(Complaint, late.id).overdue and not db.session.get(Complaint, fresh.id).overdue


def test_flag_overdue_of_one_street_leaves_the_others(db, street, shop):
    other = factories.make_street("别的街")
    other_shop = factories.make_shop(other)
    mine, _ = svc.file_complaint(None, street, _data(shop), None, now=T0)  # decide_by 2026-09-10
    theirs, _ = svc.file_complaint(None, other, _data(other_shop), None, now=T0)
    db.session.commit()
    n = svc.flag_overdue(datetime(2026, 9, 10, 16, 30, tzinfo=timezone.utc), street_id=street.id)
    assert int(n) == 1 and n.counts["decide"] == 1  # only the street's own late item
    assert db.session.get(Complaint, mine.id).overdue and not db.session.get(Complaint, theirs.id).overdue


def test_amounts_beyond_32_bits_of_fen_are_stored(db, street, shop):
    # 50,000,000.00 yuan = 5,000,000,000 fen > 2**31 - 1: money columns are 64-bit (PostgreSQL
    # INTEGER would overflow); the service's own ceiling is 100,000,000 yuan.
    c, _ = svc.file_complaint(None, street, _data(shop, amount="50000000.00"), "tok-big", now=T0)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Complaint, c.id).amount_fen == 5_000_000_000


def test_tracking_code_read_as_people_copy_it(db, street, shop):
    """A code typed in lower case, grouped with dashes or spaces, or in full-width letters finds the
    complaint; the phone must still be the whole number (K6)."""
    c, _ = svc.file_complaint(None, street, _data(shop), None, now=T0)
    code = c.tracking_code
    grouped = f"{code[:4]}-{code[4:8]}-{code[8:]}".lower()
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    phone = c.consumer_phone
    for typed in (grouped, f" {code[:6]} {code[6:]} ", full_width):
        assert svc.find_for_tracking(typed, phone) is c
    assert svc.find_for_tracking(grouped, phone[-4:]) is None
