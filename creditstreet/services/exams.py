"""Trainings, law exams and responsibility agreements (SPEC E1–E2); the star rules read the exams (S3)."""
from datetime import date, datetime

from sqlalchemy import select

from ..domain.errors import ValidationError
from ..domain.i18n import Msg, N_, joined
from ..domain.text import clean_prose, check_length, clean_text
from ..domain.time import as_utc, local_date
from ..extensions import db
from ..models import Agreement, ExamResult, Shop, Street, Training, TrainingAttendee, User, utcnow
from . import audit


def _not_after_today(day: date, tz: str | None, now: datetime | None, what: str) -> None:
    """A record of something that happened: its date may not be after today on the street's clock."""
    today = local_date(now or utcnow(), tz)
    if day > today:
        raise ValidationError(Msg(N_("%(what)s（%(day)s）不能晚于今天（%(today)s）"),
                                  what=Msg(what), day=day.isoformat(), today=today.isoformat()), code="date_in_future")


def record_training(actor: User, street_id: int, held_on: date | None, topic: str, shop_ids: list[int],
                    now: datetime | None = None) -> Training:
    """A training session with its attending shops (E1). ValidationError on a missing date/topic or foreign shop."""
    topic = check_length(clean_prose(topic), 200, label="培训主题")
    if held_on is None:
        raise ValidationError("请填写培训日期", code="training_date")
    if not topic:
        raise ValidationError("请填写培训主题", code="training_topic")
    street = db.session.get(Street, street_id)
    _not_after_today(held_on, street.timezone if street else None, now, "培训日期")
    ids = sorted(set(shop_ids))
    found = set(db.session.scalars(select(Shop.id).where(Shop.id.in_(ids), Shop.street_id == street_id))) if ids else set()
    if found != set(ids):
        raise ValidationError("参训商户中有不属于本街的商户", code="training_shops")
    training = Training(street_id=street_id, held_on=held_on, topic=topic,
                        attendees=[TrainingAttendee(shop_id=i) for i in ids])
    db.session.add(training)
    db.session.flush()
    audit.record(actor, "training.create", "training", training.id, None,
                 {**audit.snapshot(training), "shop_ids": ids})
    return training


def record_exam(actor: User, shop: Shop, taken_at: datetime | None, score, pass_mark=60, note: str = "",
                now: datetime | None = None) -> ExamResult:
    """A shop's law exam result (E1): score and pass mark are whole numbers 0–100; not a future date."""
    score = _score(score, "考试成绩")
    pass_mark = _score(pass_mark, "及格分")
    if taken_at is None:
        raise ValidationError("请填写考试日期", code="exam_date")
    _not_after_today(local_date(taken_at, shop.street.timezone), shop.street.timezone, now, "考试日期")
    exam = ExamResult(shop_id=shop.id, taken_at=as_utc(taken_at), score=score, pass_mark=pass_mark,
                      note=check_length((note or "").strip(), 500, label="备注"),
                      recorded_by=actor.id if actor else None)
    db.session.add(exam)
    db.session.flush()
    audit.record(actor, "exam.record", "exam_result", exam.id, None, audit.snapshot(exam))
    return exam


def record_agreement(actor: User, shop: Shop, signed_on: date | None, signer: str, note: str = "",
                     now: datetime | None = None) -> Agreement:
    """A signed responsibility agreement (责任状, E2)."""
    signer = check_length(clean_text(signer), 60, label="签订人")
    if signed_on is None:
        raise ValidationError("请填写签订日期", code="agreement_date")
    if not signer:
        raise ValidationError("请填写签订人", code="agreement_signer")
    _not_after_today(signed_on, shop.street.timezone, now, "签订日期")
    row = Agreement(shop_id=shop.id, signed_on=signed_on, signer=signer,
                    note=check_length((note or "").strip(), 500, label="备注"))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "agreement.record", "agreement", row.id, None, audit.snapshot(row))
    return row


def _score(value, label: str) -> int:
    text = clean_text(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 3 or not 0 <= int(text) <= 100:
        raise ValidationError(Msg(N_("%(label)s应为 0–100 的整数"), label=Msg(label)), code="bad_score")
    return int(text)


def recent_records(street_id: int, limit: int = 50):
    """The latest trainings, exams and agreements of a street, for the admin page."""
    trainings = db.session.scalars(select(Training).where(Training.street_id == street_id)
                                   .order_by(Training.held_on.desc()).limit(limit)).all()
    exams = db.session.execute(select(ExamResult, Shop).join(Shop, Shop.id == ExamResult.shop_id)
                               .where(Shop.street_id == street_id)
                               .order_by(ExamResult.taken_at.desc()).limit(limit)).all()
    agreements = db.session.execute(select(Agreement, Shop).join(Shop, Shop.id == Agreement.shop_id)
                                    .where(Shop.street_id == street_id)
                                    .order_by(Agreement.signed_on.desc()).limit(limit)).all()
    return trainings, exams, agreements


def find_shops_by_lines(street_id: int, text: str) -> list[int]:
    """Shop ids for a list typed one shop per line (name, as ``find_shop`` reads it); blank lines
    skipped. ValidationError naming every line that matches no shop or several, all at once."""
    ids, errors = [], []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        try:
            ids.append(find_shop(street_id, line).id)
        except ValidationError as e:
            errors.append(Msg(N_("第 %(n)s 行：%(error)s"), n=n, error=e.message))
    if errors:
        raise ValidationError(joined(errors), code="training_shops")
    return ids


def find_shop(street_id: int, text: str) -> Shop:
    """The one shop of the street whose name matches ``text`` (exact search key, else a unique
    partial match; traditional characters and full-width spaces tolerated, CASES K-11)."""
    from ..domain.text import search_key

    key = search_key(text)
    if not key:
        raise ValidationError("请输入商户名称", code="shop_required")
    base = select(Shop).where(Shop.street_id == street_id)
    exact = db.session.scalars(base.where(Shop.search_key == key)).all()
    if len(exact) == 1:
        return exact[0]
    found = db.session.scalars(base.where(Shop.search_key.contains(key, autoescape=True)).limit(2)).all()
    if len(found) == 1:
        return found[0]
    if not found and not exact:
        raise ValidationError(Msg(N_("没有找到名为“%(text)s”的商户"), text=clean_text(text)), code="shop_not_found")
    raise ValidationError(Msg(N_("“%(text)s”对应多户商户，请输入完整名称"), text=clean_text(text)), code="shop_ambiguous")
