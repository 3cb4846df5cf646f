"""Trainings, exams and agreements (SPEC E1–E2)."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from creditstreet.domain.errors import ValidationError
from creditstreet.models import AuditEntry, TrainingAttendee
from creditstreet.services import exams

from .. import factories


@pytest.mark.parametrize("score", ["abc", "101", "-1", "", "59.5"])
def test_bad_scores_refused_in_chinese(app, street, score):
    shop = factories.make_shop(street)
    with pytest.raises(ValidationError) as e:
        exams.record_exam(None, shop, datetime(2026, 3, 1, tzinfo=timezone.utc), score)
    assert "0–100" in e.value.message


def test_exam_bounds_and_pass_mark(app, street):
    shop = factories.make_shop(street)
    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert exams.record_exam(None, shop, at, "0").score == 0
    e = exams.record_exam(None, shop, at, "１００", pass_mark="70")  # full-width digits are fine
    assert (e.score, e.pass_mark) == (100, 70)
    with pytest.raises(ValidationError):
        exams.record_exam(None, shop, None, "80")


def test_training_with_attendees_and_foreign_shop_refused(app, street, db):
    a, b = factories.make_shop(street), factories.make_shop(street)
    other_street = factories.make_street("另一条街")
    foreign = factories.make_shop(other_street)
    t = exams.record_training(None, street.id, date(2026, 3, 5), "消费者权益保护法培训", [a.id, b.id, a.id])
    assert sorted(x.shop_id for x in db.session.scalars(select(TrainingAttendee))) == sorted([a.id, b.id])
    assert t.topic == "消费者权益保护法培训"
    with pytest.raises(ValidationError) as e:
        exams.record_training(None, street.id, date(2026, 3, 5), "培训", [a.id, foreign.id])
    assert "不属于本街" in e.value.message
    with pytest.raises(ValidationError):
        exams.record_training(None, street.id, None, "培训", [])


def test_agreement_needs_signer_and_is_audited(app, street, db):
    shop = factories.make_shop(street)
    with pytest.raises(ValidationError):
        exams.record_agreement(None, shop, date(2026, 1, 2), "　")
    row = exams.record_agreement(None, shop, date(2026, 1, 2), "张三")
    assert row.signer == "张三"
    assert db.session.scalars(select(AuditEntry.action)).all() == ["agreement.record"]


def test_future_dates_refused_on_the_street_clock(app, street):
    """QA: an exam dated 2027-05-01 was accepted on 2026-11-29."""
    shop = factories.make_shop(street)
    now = datetime(2026, 11, 29, 16, 30, tzinfo=timezone.utc)  # 2026-11-30 00:30 in Shanghai (UTC+8)
    with pytest.raises(ValidationError) as e:
        exams.record_exam(None, shop, datetime(2027, 5, 1, 4, tzinfo=timezone.utc), "８０", now=now)
    assert e.value.message == "考试日期（2027-05-01）不能晚于今天（2026-11-30）"
    # Noon of 2026-11-30 local is already "today" in Shanghai although UTC still says 11-29 16:30.
    ok = exams.record_exam(None, shop, datetime(2026, 11, 30, 4, tzinfo=timezone.utc), "８０", now=now)
    assert ok.score == 80
    with pytest.raises(ValidationError):
        exams.record_exam(None, shop, datetime(2026, 12, 1, 4, tzinfo=timezone.utc), "80", now=now)
    with pytest.raises(ValidationError):
        exams.record_agreement(None, shop, date(2026, 12, 1), "张三", now=now)
    with pytest.raises(ValidationError):
        exams.record_training(None, street.id, date(2027, 5, 1), "消法培训", [shop.id], now=now)
    assert exams.record_agreement(None, shop, date(2026, 11, 30), "张三", now=now).signer == "张三"
