"""The shop register timeline (经济户口): every kind of record, filters, masking (SPEC K6)."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from creditstreet.extensions import db
from creditstreet.models import (Agreement, AnnualStar, Complaint, CreditGrade, ExamResult, QuarterResult,
                                 Training, TrainingAttendee)
from creditstreet.services import cards, patrols, register
from tests import factories

SH = ZoneInfo("Asia/Shanghai")
TZ = "Asia/Shanghai"


def _full_register(street):
    shop = factories.make_shop(street, "好又多超市")
    inspector = factories.make_user("inspector", street=street)
    handler = factories.make_user("inspector", street=street)
    patrols.record_patrol(inspector, shop, None, {"prices": "fail"}, at=datetime(2026, 1, 5, 10, tzinfo=SH))
    patrols.raise_violation(inspector, shop, None, "general", "price_fraud", "《价格法》", "虚构原价", "",
                            "500", [("毛巾", "30", "条")], at=datetime(2026, 1, 5, 11, tzinfo=SH))
    cards.record_card_check(inspector, shop, None, False, at=datetime(2026, 2, 1, 10, tzinfo=SH))
    cards.record_card_check(inspector, shop, None, False, at=datetime(2026, 2, 20, 10, tzinfo=SH))
    db.session.add_all([
        Complaint(street_id=street.id, shop_id=shop.id, tracking_code="TRK-REG-1", title="买到假货",
                  description="老板电话13912345678", consumer_name="王小明", consumer_phone="13800138000",
                  handler_id=handler.id, received_at=datetime(2026, 2, 3, 9, tzinfo=SH)),
        QuarterResult(shop_id=shop.id, quarter="2025Q4", ballots=6, quorum=5, quorum_reached=True,
                      passed=["lawful", "service"]),
        CreditGrade(shop_id=shop.id, quarter="2025Q4", as_of=datetime(2025, 12, 31, 16, tzinfo=timezone.utc),
                    grade="B", stars=2, reasons=[{"kind": "violation", "id": 1, "text": "2025-06-01 一般违法违章"}]),
        AnnualStar(shop_id=shop.id, year=2025, stars=2, status="confirmed",
                   confirmed_at=datetime(2026, 1, 10, tzinfo=timezone.utc)),
        ExamResult(shop_id=shop.id, taken_at=datetime(2026, 3, 1, 2, tzinfo=timezone.utc), score=55),
        Agreement(shop_id=shop.id, signed_on=date(2026, 1, 2), signer="李老板"),
    ])
    training = Training(street_id=street.id, held_on=date(2026, 1, 20), topic="消费者权益保护法")
    db.session.add(training)
    db.session.flush()
    db.session.add(TrainingAttendee(training_id=training.id, shop_id=shop.id, attendee_name="李老板"))
    db.session.flush()
    return shop, handler


def test_timeline_has_every_kind_newest_first(street):
    shop, handler = _full_register(street)
    entries = register.timeline(shop, handler, TZ)
    assert {e.kind for e in entries} == set(register.KINDS)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    titles = [e.title for e in entries]
    assert "一般违法违章：价格欺诈" in titles
    assert "信誉卡查验：未随货同行，给予黄牌警告" in titles and "不良记录：黄牌警告" in titles
    assert "2025年第4季度民主投票：6票，通过 依法经营好、售后服务质量好" in titles
    assert "2025年第4季度信用等级：B级" in titles
    assert "法规知识考试：55分（不及格，及格线60）" in titles
    # The quarter result sits at the quarter's end: 2026-01-01 00:00 Shanghai = 2025-12-31 16:00 UTC.
    q = next(e for e in entries if e.kind == "quarter_result")
    assert q.at == datetime(2025, 12, 31, 16, tzinfo=timezone.utc)


def test_filters_by_kind_and_local_dates(street):
    shop, handler = _full_register(street)
    only = register.timeline(shop, handler, TZ, kinds={"card_check"})
    assert [e.title for e in only] == ["信誉卡查验：未随货同行，给予黄牌警告", "信誉卡查验：未随货同行，给予口头警告"]
    # 2026-01-05 only (both ends inclusive, local dates): the patrol and the violation.
    day = register.timeline(shop, handler, TZ, start=date(2026, 1, 5), end=date(2026, 1, 5))
    assert sorted(e.kind for e in day) == ["patrol", "violation"]


def test_complaint_personal_data_masked_except_handler_and_admin(street):
    shop, handler = _full_register(street)
    colleague = factories.make_user("inspector", street=street)
    admin = factories.make_user("admin", street=street)

    def complaint_text(viewer):
        e = next(e for e in register.timeline(shop, viewer, TZ, kinds={"complaint"}))
        return " ".join([e.title, *e.details])

    for viewer in (handler, admin):
        text = complaint_text(viewer)
        assert "王小明" in text and "13800138000" in text and "13912345678" in text
    text = complaint_text(colleague)
    assert "王**" in text and "138****8000" in text and "139****5678" in text
    assert "13800138000" not in text and "13912345678" not in text and "王小明" not in text
