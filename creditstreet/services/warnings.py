"""Consumer warnings drawn from complaint hotspots (SPEC W1).

A goods category is a hotspot at ``now`` when, among complaints (kind "complaint") of one street:
``recent`` = count received in [now − 30 d, now) ≥ ``hotspot_min_complaints`` (3), and the recent
daily rate is at least ``hotspot_rate_factor`` (2) × the daily rate of the 90 days before:
``recent / 30 ≥ 2 × previous / 90`` where previous = count in [now − 120 d, now − 30 d); compared
exactly as ``recent × 90 ≥ 2 × previous × 30``. Day counts are settings (30, 90). A category gets no
new draft while one of its warnings is draft, or approved and not yet expired.
"""
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, or_, select

from ..domain.errors import ValidationError
from ..domain.i18n import Msg, N_
from ..domain.text import check_length, clean_prose
from ..domain.time import as_utc, local_date
from ..extensions import db
from ..models import Complaint, ConsumerWarning, Street, User
from . import audit
from .settings import rule_settings


def is_hotspot(recent: int, previous: int, settings=None) -> bool:
    """W1 thresholds on two counts (recent window, baseline window before it)."""
    s = settings or rule_settings()
    return recent >= s.hotspot_min_complaints and (
        Fraction(recent, s.hotspot_window_days) >= s.hotspot_rate_factor * Fraction(previous, s.hotspot_baseline_days))


def category_counts(street_id: int, now: datetime, settings=None) -> dict[str, tuple[int, int]]:
    """Goods category → (recent count, previous-baseline count) of the street's complaints."""
    s = settings or rule_settings()
    now = as_utc(now)
    recent_start = now - timedelta(days=s.hotspot_window_days)
    base_start = recent_start - timedelta(days=s.hotspot_baseline_days)
    out: dict[str, list[int]] = {}
    for slot, (start, end) in enumerate(((recent_start, now), (base_start, recent_start))):
        rows = db.session.execute(
            select(Complaint.goods_category, func.count(Complaint.id))
            .where(Complaint.street_id == street_id, Complaint.kind == "complaint", Complaint.goods_category != "",
                   Complaint.received_at >= start, Complaint.received_at < end)
            .group_by(Complaint.goods_category))
        for category, n in rows:
            out.setdefault(category, [0, 0])[slot] = n
    return {k: (v[0], v[1]) for k, v in out.items()}


def _blocking(street_id: int, category: str, today: date):
    return db.session.scalar(select(ConsumerWarning.id).where(
        ConsumerWarning.street_id == street_id, ConsumerWarning.goods_category == category,
        or_(ConsumerWarning.status == "draft",
            (ConsumerWarning.status == "approved")
            & or_(ConsumerWarning.expires_on.is_(None), ConsumerWarning.expires_on >= today))).limit(1))


def draft_hotspot_warnings(now: datetime, street_id: int | None = None) -> list[ConsumerWarning]:
    """Draft a warning for every new hotspot in every street (SPEC W1; the daily job calls this),
    or in ``street_id`` only."""
    s = rule_settings()
    drafts = []
    streets = select(Street).order_by(Street.id)
    if street_id is not None:
        streets = streets.where(Street.id == street_id)
    for street in db.session.scalars(streets):
        today = local_date(now, street.timezone)
        for category, (recent, previous) in sorted(category_counts(street.id, now, s).items()):
            if not is_hotspot(recent, previous, s) or _blocking(street.id, category, today):
                continue
            figures = {"category": category, "recent": recent, "recent_days": s.hotspot_window_days,
                       "previous": previous, "previous_days": s.hotspot_baseline_days, "as_of": today.isoformat()}
            warning = ConsumerWarning(
                street_id=street.id, goods_category=category, status="draft", figures=figures,
                title=f"消费警示：近期{category}类商品投诉增多",
                body=(f"近{s.hotspot_window_days}天内本街共收到{category}类商品投诉{recent}件，"
                      f"此前{s.hotspot_baseline_days}天共{previous}件。请消费者购买{category}类商品时"
                      "查验商品质量、索要发票和商品质量信誉卡，发生纠纷请拨打12315。"),
                created_at=as_utc(now))
            db.session.add(warning)
            db.session.flush()
            audit.record(None, "warning.draft", "consumer_warning", warning.id, None, audit.snapshot(warning))
            drafts.append(warning)
    return drafts


def approve_warning(actor: User, warning: ConsumerWarning, title: str, body: str, expires_on: date | None,
                    now: datetime) -> ConsumerWarning:
    """Publish a draft (with the admin's edits) until ``expires_on`` (last day shown, street-local)."""
    if warning.status != "draft":
        raise ValidationError("只能审核草稿状态的消费警示", code="warning_not_draft")
    title = check_length(clean_prose(title), 200, label="标题")
    body = check_length((body or "").strip(), 2000, label="正文")
    if not title or not body:
        raise ValidationError("标题和正文不能为空", code="warning_empty")
    today = local_date(now)
    if expires_on is None or expires_on < today:
        raise ValidationError(Msg(N_("请填写截止日期（不早于今天 %(today)s）"), today=today.isoformat()), code="warning_expiry")
    before = audit.snapshot(warning)
    warning.title, warning.body, warning.expires_on = title, body, expires_on
    warning.status, warning.decided_at, warning.decided_by = "approved", as_utc(now), actor.id
    db.session.flush()
    audit.record(actor, "warning.approve", "consumer_warning", warning.id, before, audit.snapshot(warning))
    return warning


def dismiss_warning(actor: User, warning: ConsumerWarning, now: datetime) -> ConsumerWarning:
    """Dismiss a draft, or withdraw an approved warning from the board."""
    if warning.status == "dismissed":
        raise ValidationError("该消费警示已撤下", code="warning_dismissed")
    before = audit.snapshot(warning)
    warning.status, warning.decided_at, warning.decided_by = "dismissed", as_utc(now), actor.id
    db.session.flush()
    audit.record(actor, "warning.dismiss", "consumer_warning", warning.id, before, audit.snapshot(warning))
    return warning


def current_warnings(street: Street, now: datetime) -> list[ConsumerWarning]:
    """Approved warnings whose expiry date (last day shown, street-local) is today or later."""
    today = local_date(now, street.timezone)
    return list(db.session.scalars(select(ConsumerWarning).where(
        ConsumerWarning.street_id == street.id, ConsumerWarning.status == "approved",
        or_(ConsumerWarning.expires_on.is_(None), ConsumerWarning.expires_on >= today))
        .order_by(ConsumerWarning.decided_at.desc())))
