"""Calendar changes and paused clocks (SPEC §3, K4; issue 14). Every date worked out by hand.

The made-up 2027 notice (tests/data/notice_2027_madeup.txt): 元旦 Fri 1-1 (1-2/1-3 weekend);
春节 Sat 2-6 .. Sun 2-14 (Mon 2-8 .. Fri 2-12 off); make-up Saturdays 1-30 and 2-20.
"""
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from creditstreet.domain.errors import InvalidTransition, ValidationError
from creditstreet.models import AuditEntry, CalendarYear, Complaint
from creditstreet.services import calendar as cal_service
from creditstreet.services import complaints as svc
from creditstreet.services import settings as settings_service
from tests import factories

DATA = Path(__file__).resolve().parents[1] / "data"
MADEUP_2027 = (DATA / "notice_2027_madeup.txt").read_text(encoding="utf-8")


def beijing(y, m, d, h=10):
    """A Beijing wall-clock time as a UTC instant (Beijing = UTC+8)."""
    return datetime(y, m, d, h - 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def shop(street):
    return factories.make_shop(street, "张记面馆")


@pytest.fixture
def inspector(street):
    return factories.make_user("inspector", street=street)


@pytest.fixture
def admin(street):
    return factories.make_user("admin", street=street)


def _file(street, shop, when, **kw):
    data = {"kind": "complaint", "shop_id": shop.id, "description": "面里有头发", "consumer_phone": "13800138000"}
    data.update(kw)
    c, _ = svc.file_complaint(None, street, data, None, now=when)
    return c


def test_received_2026_09_28_decide_by_2026_10_13(db, street, shop):
    # 9-29(1) 9-30(2) [10-1..10-7 国庆] 10-8(3) 10-9(4) 10-10 Sat make-up(5) 10-12(6) 10-13(7)
    c = _file(street, shop, beijing(2026, 9, 28))
    assert c.decide_by == date(2026, 10, 13)
    assert svc.calendar_warning(c) == ""


def test_accepted_2026_12_28_before_and_after_pasting_2027(db, street, shop, inspector, admin):
    c = _file(street, shop, beijing(2026, 12, 21))
    svc.accept_complaint(inspector, c, now=beijing(2026, 12, 28))
    # Weekends only in 2027: 12-29(1) 12-30(2) 12-31(3) 1-1 Fri(4) then 5 a week: 1-8(9) 1-15(14)
    # 1-22(19) 1-29(24) 2-5(29) 2-12(34) 2-19(39) 2-26(44) 3-1 Mon(45).
    assert c.mediate_by == date(2027, 3, 1)
    assert "暂定" in svc.calendar_warning(c) and "2027" in svc.calendar_warning(c)
    db.session.commit()

    schedule, summary = cal_service.confirm_year(admin, MADEUP_2027, now=beijing(2026, 12, 29))
    db.session.commit()
    assert schedule.problems == ()
    # With the notice: 12-31(3), 1-1 off, 1-4..1-8(8) 1-15(13) 1-22(18) 1-29(23) Sat 1-30(24) 2-5(29),
    # 2-6..2-14 off, 2-19(34) Sat 2-20(35) 2-26(40) 3-1(41) 3-2(42) 3-3(43) 3-4(44) 3-5 Fri(45).
    c = db.session.get(Complaint, c.id)
    assert c.mediate_by == date(2027, 3, 5)
    assert svc.calendar_warning(c) == ""
    assert summary["items"] == 1 and summary["flagged"] == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "complaint.deadlines_recomputed"))
    assert entry.before == {"mediate_by": "2027-03-01"}
    assert entry.after["mediate_by"] == "2027-03-05"
    year_entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.confirm_year"))
    assert year_entry.after["days"]["2027-01-30"] == "workday"
    assert year_entry.after["days"]["2027-02-08"] == "holiday"
    assert db.session.get(CalendarYear, 2027) is not None
    db.session.expire(c, ["events"])
    assert "期限重算" in [svc.EVENT_LABELS[e.kind] for e in c.events]


def test_confirm_makes_an_item_overdue_at_once(db, street, shop, admin):
    # Received Fri 2027-01-29; weekends only: 2-1..2-5 (5) 2-8 (6) 2-9 (7) → decide by 2-9.
    c = _file(street, shop, beijing(2027, 1, 29))
    assert c.decide_by == date(2027, 2, 9)
    db.session.commit()
    # The notice adds Sat 1-30 and takes 2-8..2-12: 1-30(1) 2-1..2-5(6) [2-6..2-14 off] 2-15(7).
    cal_service.confirm_year(admin, MADEUP_2027, now=beijing(2027, 2, 1))
    assert db.session.get(Complaint, c.id).decide_by == date(2027, 2, 15)
    # A correction that makes Sat 2-6 a workday moves it to 2-5 (1-30, 2-1..2-5 = 6, 2-6 = 7):
    summary = cal_service.set_day(admin, date(2027, 2, 6), "workday", "更正", now=beijing(2027, 2, 8))
    c = db.session.get(Complaint, c.id)
    assert c.decide_by == date(2027, 2, 6)
    assert c.overdue is True and summary["flagged"] == [c.tracking_code]


def test_confirm_with_problems_needs_acknowledging(db, admin):
    text = MADEUP_2027.replace("1月30日（周六）", "1月29日（周六）")
    with pytest.raises(ValidationError):
        cal_service.confirm_year(admin, text)
    assert db.session.get(CalendarYear, 2027) is None
    schedule, _ = cal_service.confirm_year(admin, text, accept_problems=True)
    assert any("1月29日" in p for p in schedule.problems)


def test_office_entries_stay_over_the_library_and_disagreements_show(db, admin, app):
    # 2026 is in chinesecalendar; the office enters it with 10-8 as a holiday by mistake.
    text = (DATA / "notice_2026.txt").read_text(encoding="utf-8").replace("至7日（周三）", "至8日（周四）")
    text = text.replace("共7天", "共8天")
    cal_service.confirm_year(admin, text)
    cal = settings_service.work_calendar()
    assert cal.is_workday(date(2026, 10, 8)) is False  # the office's entry is in force
    (status,) = cal_service.year_statuses([2026], cal)
    assert status.source == "office"
    assert status.disagreements == ((date(2026, 10, 8), False, True),)


def test_a_pause_of_three_working_days_moves_the_deadline_by_three(db, street, shop, inspector):
    c = _file(street, shop, beijing(2026, 2, 27))
    svc.accept_complaint(inspector, c, now=beijing(2026, 3, 2))
    assert c.mediate_by == date(2026, 5, 8)  # CASES K-20
    svc.pause_clock(inspector, c, "inspection", now=beijing(2026, 3, 9))
    assert svc.pause_note(c).startswith("已中止计时（待检验检测）")
    assert not svc.is_item_overdue(c, date(2026, 6, 1))
    svc.resume_clock(inspector, c, now=beijing(2026, 3, 12))  # paused Mon 3-9, Tue 3-10, Wed 3-11
    # 5-8 Fri + 3: Sat 5-9 make-up(1) 5-11(2) 5-12(3)
    assert c.mediate_by == date(2026, 5, 12)
    db.session.expire(c, ["events"])
    assert [e.kind for e in c.events][-2:] == ["pause", "resume"]
    assert "中止3个工作日" in c.events[-1].note


def test_cases_k20_two_pauses_and_a_switch_between_reasons(db, street, shop, inspector):
    c = _file(street, shop, beijing(2026, 2, 27))
    svc.accept_complaint(inspector, c, now=beijing(2026, 3, 2))
    svc.pause_clock(inspector, c, "inspection", now=beijing(2026, 3, 9))
    svc.pause_clock(inspector, c, "consumer_materials", now=beijing(2026, 3, 16))  # switch: no gap
    svc.resume_clock(inspector, c, now=beijing(2026, 3, 23))  # 10 working days in all
    svc.pause_clock(inspector, c, "consumer_materials", now=beijing(2026, 4, 1))
    svc.resume_clock(inspector, c, now=beijing(2026, 4, 3))  # 2 more
    assert c.mediate_by == date(2026, 5, 25)  # CASES K-20: 12 paused working days
    assert [(p.paused_on, p.resumed_on) for p in c.pauses] == [
        (date(2026, 3, 9), date(2026, 3, 16)), (date(2026, 3, 16), date(2026, 3, 23)),
        (date(2026, 4, 1), date(2026, 4, 3))]
    assert not svc.is_item_overdue(c, date(2026, 5, 11))


def test_pausing_can_be_switched_off_and_reasons_are_a_fixed_list(db, street, shop, inspector, admin):
    c = _file(street, shop, beijing(2026, 3, 2))
    with pytest.raises(ValidationError):
        svc.pause_clock(inspector, c, "coffee_break", now=beijing(2026, 3, 3))
    with pytest.raises(InvalidTransition):
        svc.resume_clock(inspector, c, now=beijing(2026, 3, 3))
    settings_service.update_settings(admin, {"pausing_allowed": "0"})
    with pytest.raises(InvalidTransition):
        svc.pause_clock(inspector, c, "inspection", now=beijing(2026, 3, 3))


def test_paused_item_is_not_flagged_by_the_daily_job(db, street, shop, inspector):
    c = _file(street, shop, beijing(2026, 3, 2))  # decide by 3-11
    svc.pause_clock(inspector, c, "shop_documents", now=beijing(2026, 3, 4))
    db.session.commit()
    assert svc.flag_overdue(beijing(2026, 3, 20)) == 0
    assert db.session.get(Complaint, c.id).overdue is False


def test_reminder_from_1_november_while_next_year_incomplete(db, admin):
    assert cal_service.reminder(beijing(2026, 10, 31, 23)) == ""
    assert "2027年的节假日安排尚未录入" in cal_service.reminder(beijing(2026, 11, 1, 9))
    cal_service.confirm_year(admin, MADEUP_2027)
    assert cal_service.reminder(beijing(2026, 11, 1, 9)) == ""
    settings_service.update_settings(admin, {"calendar_reminder_from": "10-15"})
    assert "2028" in cal_service.reminder(beijing(2027, 10, 15, 9))


def test_closing_a_paused_item_leaves_no_paused_note(db, street, shop, inspector):
    from creditstreet.domain.complaints import Outcome

    c = _file(street, shop, beijing(2026, 3, 2))
    svc.accept_complaint(inspector, c, now=beijing(2026, 3, 3))
    svc.pause_clock(inspector, c, "inspection", now=beijing(2026, 3, 4))
    svc.close_complaint(inspector, c, Outcome("withdrawn"), now=beijing(2026, 3, 5))
    assert svc.pause_note(c) == "" and svc.calendar_warning(c) == ""


def test_the_daily_job_logs_the_reminder(db, caplog):
    import logging

    from creditstreet import jobs

    with caplog.at_level(logging.WARNING, logger="creditstreet.jobs"):
        jobs.flag_overdue_complaints(beijing(2026, 11, 2))
    assert any("工作日历提醒：2027年的节假日安排尚未录入" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="creditstreet.jobs"):
        jobs.flag_overdue_complaints(beijing(2026, 10, 2))
    assert not any("工作日历提醒" in r.getMessage() for r in caplog.records)


def test_shops_running_deadlines_are_recomputed_too(db, street, shop, admin):
    from creditstreet.models import Objection

    # Filed Mon 2026-12-28, 15 working days (M4). Weekends only: 12-31(3) 1-1(4) 1-8(9) 1-15(14) 1-18(15).
    obj = Objection(shop_id=shop.id, record_type="bad_record", record_id=1, reasons="不是我们的责任",
                    filed_at=beijing(2026, 12, 28), decide_by=date(2027, 1, 18))
    db.session.add(obj)
    db.session.commit()
    _schedule, summary = cal_service.confirm_year(admin, MADEUP_2027)
    # 1-1 off: 12-31(3) 1-8(8) 1-15(13) 1-18(14) 1-19(15)
    assert obj.decide_by == date(2027, 1, 19) and summary["merchant"] == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "objections.deadline_recomputed"))
    assert entry.before == {"decide_by": "2027-01-18"} and entry.after["decide_by"] == "2027-01-19"
