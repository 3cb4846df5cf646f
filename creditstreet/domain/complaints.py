"""Complaint and report workflows, deadlines and bad records (SPEC K2–K5).

Complaint track (K3): received → accepted | refused; accepted → mediating → closed;
closed → reopened → mediating (consumer reopens within ``confirm_window_days``).
Report track (K2, K4), separate: received → case_opened | not_opened, with at most
``report_max_extensions`` extensions of the decision deadline. A failed mediation
never closes the report.
Units: deadlines are street-local dates counted in working days (``workdays``; the day
of receipt does not count); ``closed_at``/``now`` are UTC instants; money is integer fen.
Errors: ``InvalidTransition`` for a disallowed step, ``ValidationError`` for bad codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .i18n import Msg, N_
from .errors import InvalidTransition, ValidationError
from .settings import DEFAULT_SETTINGS, RuleSettings
from .time import as_utc, to_local
from .workdays import WorkCalendar

STATE_LABELS = {
    "received": N_("已接收"), "accepted": N_("已受理"), "refused": N_("不予受理"),
    "mediating": N_("调解中"), "closed": N_("已办结"), "reopened": N_("已重新打开"),
}
ACTION_LABELS = {
    "accept": N_("受理"), "refuse": N_("不予受理"), "mediate": N_("开始调解"),
    "close": N_("办结"), "confirm": N_("确认结果"), "reopen": N_("重新打开"),
}
#: (state, action) → next state.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("received", "accept"): "accepted",
    ("received", "refuse"): "refused",
    ("accepted", "mediate"): "mediating",
    ("accepted", "close"): "closed",      # e.g. withdrawn or referred before mediation starts
    ("mediating", "close"): "closed",
    ("closed", "confirm"): "closed",      # consumer confirms; state unchanged
    ("closed", "reopen"): "reopened",
    ("reopened", "mediate"): "mediating",
}
_ACTION_TARGET = {a: t for (_, a), t in TRANSITIONS.items()}
#: An inquiry (咨询, K2: counted, not investigated) has one step: answered, it is closed.
INQUIRY_TRANSITIONS: dict[tuple[str, str], str] = {("received", "answer"): "closed"}

REFUSAL_REASONS = {
    "outside_remit": N_("不属于本部门职责范围"),
    "handled_elsewhere": N_("已由法院/仲裁机构/消协受理或处理"),
    "not_consumption": N_("不属于消费者权益争议"),
    "over_three_years": N_("超过三年"),
    "missing_materials": N_("材料不全"),
}
OUTCOMES = {"agreement": N_("达成调解协议"), "no_agreement": N_("调解不成"), "withdrawn": N_("投诉人撤回"),
            "referred": N_("移送处理")}
#: Every outcome a closed complaint may show: the handler's OUTCOMES and early settlement (SPEC M2).
OUTCOME_LABELS = {**OUTCOMES, "settled_by_shop": N_("商家先行和解")}
REMEDIES = {"refund": N_("退货退款"), "exchange": N_("换货"), "repair": N_("修理"), "compensation": N_("赔偿")}

REPORT_STATE_LABELS = {"received": N_("已接收"), "case_opened": N_("已立案"), "not_opened": N_("不予立案")}
REPORT_ACTION_LABELS = {"open_case": N_("立案"), "decline": N_("不予立案"), "extend": N_("延长决定期限")}


def transition(state: str, action: str) -> str:
    """Next complaint state for ``action`` (SPEC K3); InvalidTransition names both states."""
    if state not in STATE_LABELS or action not in ACTION_LABELS:
        raise ValidationError(Msg(N_("未知的投诉状态或操作：%(state)s/%(action)s"), state=state, action=action), code="bad_state")
    nxt = TRANSITIONS.get((state, action))
    if nxt is None:
        target = STATE_LABELS[_ACTION_TARGET[action]]
        raise InvalidTransition(Msg(N_("投诉当前为“%(state)s”，不能“%(action)s”（不能从“%(state)s”变为“%(target)s”）"),
                                    state=Msg(STATE_LABELS[state]), action=Msg(ACTION_LABELS[action]), target=Msg(target)))
    return nxt


def allowed_actions(state: str) -> list[str]:
    """Actions allowed from a complaint state, in ACTION_LABELS order (for buttons)."""
    return [a for a in ACTION_LABELS if (state, a) in TRANSITIONS]


def actions_for(kind: str, state: str) -> list[str]:
    """The handler's buttons for an item of ``kind`` in ``state``: the complaint track's (K3), an
    inquiry's answer, none for a report (its own track, K2)."""
    if kind == "complaint":
        return allowed_actions(state)
    if kind == "inquiry":
        return [a for (s, a) in INQUIRY_TRANSITIONS if s == state]
    return []


def refusal_label(code: str) -> str:
    """Chinese label of a refusal reason (K3 fixed list); ValidationError if none or unknown."""
    if not code:
        raise ValidationError("请选择不予受理理由", code="bad_refusal_reason")
    if code not in REFUSAL_REASONS:
        raise ValidationError(Msg(N_("不予受理理由“%(code)s”不在规定范围内"), code=code), code="bad_refusal_reason")
    return REFUSAL_REASONS[code]


@dataclass(frozen=True)
class Outcome:
    """How a complaint closed (K3). ``recovered_fen``: money returned to the consumer, fen.

    An agreement needs at least one remedy; other outcomes have no remedy and 0 fen.
    """

    kind: str
    remedies: frozenset[str] = field(default_factory=frozenset)
    recovered_fen: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "remedies", frozenset(self.remedies))
        if not self.kind:
            raise ValidationError("请选择办结结果", code="bad_outcome")
        if self.kind not in OUTCOMES:
            raise ValidationError(Msg(N_("办结结果“%(kind)s”无效"), kind=self.kind), code="bad_outcome")
        if self.remedies - set(REMEDIES):
            raise ValidationError("调解方式无效", code="bad_outcome")
        fen = self.recovered_fen
        if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
            raise ValidationError(Msg(N_("挽回经济损失金额“%(fen)s”无效"), fen=fen), code="bad_outcome")
        if self.kind == "agreement" and not self.remedies:
            raise ValidationError("达成调解协议时须选择退货、换货、修理或赔偿", code="bad_outcome")
        if self.kind != "agreement" and (self.remedies or fen):
            raise ValidationError("未达成协议时不能记录调解方式或挽回金额", code="bad_outcome")


def report_transition(state: str, action: str, extensions_used: int = 0,
                      settings: RuleSettings = DEFAULT_SETTINGS) -> tuple[str, int]:
    """Next (state, extensions_used) on the report track (K2, K4).

    ``extend`` keeps ``received`` and is allowed ``report_max_extensions`` (1) times.
    """
    if state not in REPORT_STATE_LABELS or action not in REPORT_ACTION_LABELS:
        raise ValidationError(Msg(N_("未知的举报状态或操作：%(state)s/%(action)s"), state=state, action=action), code="bad_state")
    if state != "received":
        raise InvalidTransition(Msg(N_("举报已是“%(report_state)s”，不能“%(report_action)s”"),
                                    report_state=Msg(REPORT_STATE_LABELS[state]),
                                    report_action=Msg(REPORT_ACTION_LABELS[action])))
    if action == "extend":
        if extensions_used >= settings.report_max_extensions:
            raise InvalidTransition(Msg(N_("举报决定期限只能延长%(report_max_extensions)s次"),
                                        report_max_extensions=settings.report_max_extensions))
        return "received", extensions_used + 1
    return ("case_opened" if action == "open_case" else "not_opened"), extensions_used


@dataclass(frozen=True)
class Deadlines:
    """Due dates (street-local dates; on time through the whole day) per K4."""

    decide_by: date                  # accept or refuse: 7 working days after receipt
    mediation_end: date | None       # 45 working days after acceptance (None until accepted)
    report_decide_by: date           # open a case or not: 15 working days after receipt
    report_extended_decide_by: date  # after one extension: + 15 more working days


def deadlines(received_on: date, accepted_on: date | None, calendar: WorkCalendar,
              settings: RuleSettings = DEFAULT_SETTINGS) -> Deadlines:
    """Compute K4 deadlines from local dates of receipt and acceptance."""
    report = calendar.add_workdays(received_on, settings.report_deadline_workdays)
    return Deadlines(
        decide_by=calendar.add_workdays(received_on, settings.accept_deadline_workdays),
        mediation_end=(None if accepted_on is None
                       else calendar.add_workdays(accepted_on, settings.mediation_deadline_workdays)),
        report_decide_by=report,
        report_extended_decide_by=calendar.add_workdays(
            report, settings.report_extension_workdays * settings.report_max_extensions),
    )


def can_confirm_or_reopen(closed_at: datetime, now: datetime,
                          settings: RuleSettings = DEFAULT_SETTINGS) -> bool:
    """True while now is in [closed_at, closed_at + 15 calendar days) (K3, local clock)."""
    end = to_local(closed_at, settings.timezone) + timedelta(days=settings.confirm_window_days)
    return as_utc(closed_at) <= as_utc(now) < as_utc(end)


def bad_record_kind(outcome: Outcome | str | None, shop_at_fault: bool, refused_mediation: bool) -> str | None:
    """The BadRecord kind a closed complaint creates (K5), or None.

    ``outcome`` None means not closed → None. Refused mediation outranks at fault
    (one complaint gives at most one bad record).
    """
    if outcome is None:
        return None
    if refused_mediation:
        return "refused_mediation"
    return "complaint_at_fault" if shop_at_fault else None


def is_bad_record(outcome: Outcome | str | None, shop_at_fault: bool, refused_mediation: bool) -> bool:
    """True when a closed complaint becomes a bad record of the shop (SPEC K5)."""
    return bad_record_kind(outcome, shop_at_fault, refused_mediation) is not None


#: K7: a second submission of the same content from the same phone within this window is the same
#: complaint (the consumer went back and submitted again; the form had a fresh one-time token).
RESUBMIT_WINDOW = timedelta(minutes=30)
#: The fields that make two submissions "the same content" (K7); photos and the name do not.
CONTENT_FIELDS = ("kind", "subject", "shop_id", "trader_name", "trader_address", "card_serial", "title", "goods",
                  "goods_category", "amount_fen", "purchased_on", "description", "demand")


def content_key(values: dict) -> str:
    """A stable 64-hex digest of a complaint's content (K7), from ``CONTENT_FIELDS`` of ``values``.

    Text is compared after NFKC and with all whitespace removed, so a re-typed line break or a
    full-width space does not make a second complaint; None and "" are the same.
    """
    import hashlib
    import json
    import unicodedata

    def norm(v):
        if v is None:
            return ""
        text = unicodedata.normalize("NFKC", str(v))
        return "".join(text.split()).casefold()

    payload = json.dumps([norm(values.get(k)) for k in CONTENT_FIELDS], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
