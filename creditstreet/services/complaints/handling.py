"""Handling by the office (SPEC K3, K5, K6, K2 report track): the queue and each step."""

from datetime import datetime

from sqlalchemy import case, func, or_, select, union

from ...domain import complaints as rules
from ...domain.errors import InvalidTransition, ValidationError
from ...domain.i18n import Msg, N_
from ...domain.redact import redact
from ...domain.text import char_count
from ...domain.time import local_date
from ...extensions import db
from ...models import Complaint, FundEntry, Street, User
from ...models.types import utcnow
from .. import audit, notify
from ..settings import rule_settings, work_calendar

from . import bad_records
from .common import _event, _snap, _step, _tz
from .deadlines import overdue_condition


def can_see_personal_data(user: User | None, c: Complaint) -> bool:
    """K6: the handling inspector (Complaint.handler_id) and admins see name and phone."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == "admin" or (c.handler_id is not None and c.handler_id == user.id)


def queue(street_id: int | None, *, status: str | None = None, overdue_only: bool = False,
          kind: str | None = None, handler_id: int | None = None, limit: int = 200,
          now: datetime | None = None) -> list[Complaint]:
    """Open items by nearest deadline, overdue first (inspector queue); ``handler_id``: only the
    items that user handles (我承办的)."""
    return list(db.session.scalars(queue_query(street_id, status=status, overdue_only=overdue_only, kind=kind,
                                               handler_id=handler_id, now=now).limit(limit)))


def queue_query(street_id: int | None, *, status: str | None = None, overdue_only: bool = False,
                kind: str | None = None, handler_id: int | None = None, now: datetime | None = None):
    """The statement behind ``queue``, unlimited, ordered (ending in the id), to be paged."""
    q = select(Complaint)
    if handler_id is not None:
        q = q.where(Complaint.handler_id == handler_id)
    if status:
        q = q.where(Complaint.status == status, *([] if street_id is None else [Complaint.street_id == street_id]))
    else:
        # Open items, undecided reports, and complaints whose fund payout is decided but not yet paid
        # (SPEC §13 P3: the payout's pay-by date is the handler's deadline).
        # The ids come from a UNION of one indexed read per term (street+status, street+report_status,
        # the unpaid payouts), so the queue reads the open items, not every complaint of the street
        # (SPEC Y3): written as one OR, SQLite's planner (averages only, no histogram: it cannot know
        # that open items are rare) read the street's 500,000 complaints. The street is named inside
        # the union only, so no plan can start from the street's every complaint.
        here = [] if street_id is None else [Complaint.street_id == street_id]
        unpaid = (select(FundEntry.complaint_id).join(Complaint, Complaint.id == FundEntry.complaint_id)
                  .where(FundEntry.kind == "payout", FundEntry.paid_at.is_(None), *here))
        open_states = [s for s in rules.STATE_LABELS if s not in ("closed", "refused")]
        q = q.where(Complaint.id.in_(union(
            select(Complaint.id).where(*here, Complaint.status.in_(open_states)),
            select(Complaint.id).where(*here, Complaint.report_status == "received"),
            unpaid)))
    from ..merchant.settlement import in_settlement_condition  # with the shop first (SPEC M2)

    q = q.where(or_(~in_settlement_condition(), Complaint.report_status == "received"))
    if kind:
        q = q.where(Complaint.kind == kind)
    # Overdue is computed from the deadlines and today's local date, not only the daily job's flag.
    street = db.session.get(Street, street_id) if street_id is not None else None
    today = local_date(now or utcnow(), street.timezone if street else None)
    late = or_(Complaint.overdue.is_(True), overdue_condition(today))
    if overdue_only:
        q = q.where(late)
    due = func.coalesce(Complaint.mediate_by, Complaint.decide_by, Complaint.report_decide_by)
    late_first = case((late, 0), else_=1)
    return q.order_by(late_first, due.is_(None), due, Complaint.received_at, Complaint.id)


# --- handling (K3) -------------------------------------------------------------------------------

CLOSED_STATES = ("closed", "refused")


def require_handler(actor: User, c: Complaint) -> None:
    """An inspector handles only what is assigned to them (SPEC K6): the handler, or anyone on an
    item nobody handles yet (the step makes them its handler), or an admin. InvalidTransition
    (code ``not_handler``) otherwise."""
    if actor.role == "admin" or c.handler_id in (None, actor.id):
        return
    raise InvalidTransition("此件由其他检查员承办，您不能办理；如需改由您承办，请管理员改派", code="not_handler")


def take_complaint(actor: User, c: Complaint, now: datetime | None = None) -> Complaint:
    """Make ``actor`` the handling inspector of an open item nobody handles yet (K6: they then see
    name and phone). Taking over an assigned or closed one is an admin's ``reassign_complaint``:
    InvalidTransition (``not_handler`` / ``closed``)."""
    if c.handler_id == actor.id:
        return c
    if c.handler_id is not None:
        raise InvalidTransition("此件已有承办人；改由他人承办请用管理员改派（需写明理由）", code="not_handler")
    if c.status in CLOSED_STATES and c.report_status != "received":
        raise InvalidTransition("此件已办结，不能承办；如需重新办理，请管理员改派", code="closed")
    before = _snap(c)
    c.handler_id = actor.id
    _event(c, actor, "take", "", now)
    audit.record(actor, "complaint.take", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c


def reassign_complaint(actor: User, c: Complaint, handler: User | None, reason: str,
                       now: datetime | None = None) -> Complaint:
    """An admin gives the item to ``handler`` (an active inspector of its street), with a reason
    (≤ 200 characters), audited (SPEC K6, A1). The previous handler loses access to personal data.
    Errors: ValidationError (``not_admin``, ``bad_handler``, ``required``, ``too_long``)."""
    if actor is None or actor.role != "admin":
        raise ValidationError("只有管理员可以改派承办人", code="not_admin")
    if (handler is None or handler.role != "inspector" or handler.disabled
            or handler.street_id not in (None, c.street_id)):
        raise ValidationError("请选择本街道在岗的检查员", code="bad_handler")
    reason = (reason or "").replace("\r\n", "\n").strip()
    if not reason:
        raise ValidationError("请填写改派理由", code="required")
    if char_count(reason) > 200:
        raise ValidationError("改派理由不能超过200个字", code="too_long")
    if handler.id == c.handler_id:
        raise ValidationError("该检查员已是承办人", code="bad_handler")
    before = _snap(c)
    c.handler_id = handler.id
    _event(c, actor, "reassign", f"改派给{handler.display_name}：{reason}", now)
    audit.record(actor, "complaint.reassign", "complaint", c.id, {**before, "reason": None},
                 {**_snap(c), "reason": redact(reason)})
    db.session.flush()
    return c


def accept_complaint(actor: User, c: Complaint, now: datetime | None = None) -> Complaint:
    """received → accepted; sets the 45-working-day mediation deadline (K3, K4)."""
    require_handler(actor, c)
    now = now or utcnow()
    before = _snap(c)
    c.status = _step(c, "accept")
    c.accepted_at = now
    tz = _tz(c)
    d = rules.deadlines(local_date(c.received_at, tz), local_date(now, tz), work_calendar(),
                        rule_settings(c.street_id))
    c.mediate_by = d.mediation_end
    c.handler_id = c.handler_id or actor.id
    c.overdue = False
    _event(c, actor, "accept", "", now)
    audit.record(actor, "complaint.accept", "complaint", c.id, before, _snap(c))
    db.session.flush()
    notify.complaint_event(c, "accepted", now)
    return c


def refuse_complaint(actor: User, c: Complaint, reason: str, note: str = "",
                     now: datetime | None = None) -> Complaint:
    """received → refused with a reason from SPEC K3's fixed list."""
    require_handler(actor, c)
    label = rules.refusal_label(reason)
    before = _snap(c)
    c.status = _step(c, "refuse")
    c.refusal_reason = reason
    c.handler_id = c.handler_id or actor.id
    c.overdue = False
    c.closed_at = now or utcnow()
    _event(c, actor, "refuse", f"{label}{'：' + note if note else ''}", now)
    audit.record(actor, "complaint.refuse", "complaint", c.id, before, _snap(c))
    db.session.flush()
    notify.complaint_event(c, "refused", c.closed_at)
    return c


def add_mediation_note(actor: User, c: Complaint, note: str, now: datetime | None = None) -> Complaint:
    """Record a mediation step; the first note after acceptance or reopening starts mediating."""
    require_handler(actor, c)
    note = (note or "").replace("\r\n", "\n").strip()
    if not note:
        raise ValidationError("请填写调解情况", code="required")
    if char_count(note) > 2000:
        raise ValidationError("调解情况不能超过2000个字", code="too_long")
    before = _snap(c)
    if c.status in ("accepted", "reopened"):
        c.status = _step(c, "mediate")
    elif c.status != "mediating":
        raise InvalidTransition(Msg(N_("投诉当前为“%(state)s”，不能记录调解情况"),
                                    state=Msg(rules.STATE_LABELS.get(c.status, c.status))))
    _event(c, actor, "mediation_note", note, now)
    audit.record(actor, "complaint.mediation_note", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c


def close_complaint(actor: User, c: Complaint, outcome: rules.Outcome, *, shop_at_fault: bool = False,
                    refused_mediation: bool = False, note: str = "", now: datetime | None = None) -> Complaint:
    """accepted/mediating → closed with an outcome (K3); K5 bad record when at fault/refused.

    The bad record is unique per complaint and follows the final closing: a reopened complaint
    closed again never doubles it, and closed not at fault leaves none counting (K5).
    """
    require_handler(actor, c)
    now = now or utcnow()
    before = _snap(c)
    c.status = _step(c, "close")
    c.outcome = outcome.kind
    c.remedy = ",".join(sorted(outcome.remedies)) or None
    if c.remedy and len(c.remedy) > 20:
        raise ValidationError("调解方式最多选择两种", code="bad_outcome")
    c.money_recovered_fen = outcome.recovered_fen
    c.shop_at_fault = bool(shop_at_fault)
    c.refused_mediation = bool(refused_mediation)
    c.closed_at = now
    c.confirmed_at = None
    c.overdue = False
    _event(c, actor, "close", note or rules.OUTCOMES[outcome.kind], now)
    bad_records.record_closing(actor, c, rules.bad_record_kind(outcome, c.shop_at_fault, c.refused_mediation), now)
    audit.record(actor, "complaint.close", "complaint", c.id, before, _snap(c))
    db.session.flush()
    notify.complaint_event(c, "closed", now)
    return c


def answer_inquiry(actor: User, c: Complaint, answer: str, now: datetime | None = None) -> Complaint:
    """Answer an inquiry (咨询, SPEC K2: counted, not investigated) and close it: received → closed.

    The answer (≤ 2000 characters) is a timeline event the consumer reads on the tracking page (its
    redacted copy); the consumer gets the "closed" SMS. ValidationError "required"/"too_long";
    InvalidTransition for anything but an inquiry still waiting for its answer.
    """
    require_handler(actor, c)
    nxt = rules.INQUIRY_TRANSITIONS.get((c.status, "answer")) if c.kind == "inquiry" else None
    if nxt is None:
        raise InvalidTransition("只有尚未答复的咨询可以答复", code="not_an_open_inquiry")
    answer = (answer or "").replace("\r\n", "\n").strip()
    if not answer:
        raise ValidationError("请填写答复内容", code="required")
    if char_count(answer) > 2000:
        raise ValidationError(Msg(N_("答复不能超过2000个字，现有%(count)s个字"), count=char_count(answer)), code="too_long")
    now = now or utcnow()
    before = _snap(c)
    c.status, c.closed_at, c.overdue = nxt, now, False
    c.handler_id = c.handler_id or actor.id
    _event(c, actor, "answer", answer, now)
    audit.record(actor, "complaint.answer", "complaint", c.id, before, _snap(c))
    db.session.flush()
    notify.complaint_event(c, "closed", now)
    return c


def report_action(actor: User, c: Complaint, action: str, note: str = "",
                  now: datetime | None = None) -> Complaint:
    """The report track (K2, K4): open_case / decline / extend (once, +15 working days).

    Independent of mediation: closing the complaint never closes the report.
    """
    require_handler(actor, c)
    if c.report_status is None:
        raise InvalidTransition("此件不含举报", code="no_report")
    settings = rule_settings(c.street_id)
    before = _snap(c)
    state, used = rules.report_transition(c.report_status, action, 1 if c.report_extended else 0, settings)
    if action == "extend":
        c.report_decide_by = work_calendar().add_workdays(c.report_decide_by, settings.report_extension_workdays)
        c.report_extended = used > 0
    c.report_status = state
    c.handler_id = c.handler_id or actor.id
    _event(c, actor, f"report_{action}", note, now)
    audit.record(actor, f"complaint.report_{action}", "complaint", c.id, before, _snap(c))
    db.session.flush()
    return c
