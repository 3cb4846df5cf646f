"""The shop's own register as its merchant sees it (SPEC M1, G6).

Stars with each criterion's quarters passed/failed (the tallies' result, never who voted), what
would restore each missing star — the date each deciding record leaves the one-year window (§3,
``domain.time.leaves_window_at``) — and the register's timeline without grades (the internal A/B/C
grade is never given to a merchant page, G6) and with complaints' consumers masked (K6).
Records that an upheld objection voided (M4) or a granted repair (M5) took out are marked.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from ...domain.i18n import Msg, N_
from ...domain import stars as star_rules
from ...domain.time import leaves_window_at, local_date
from ...extensions import db
from ...models import BadRecord, CardCheck, Complaint, ExamResult, QuarterResult, Shop, Street, User, Violation
from .. import grading, register
from ..settings import rule_settings
from . import objections, repairs

#: Kinds of the register a merchant sees: everything but the internal grade (G6).
MERCHANT_KINDS = set(register.KINDS) - {"grade"}


@dataclass
class Criterion:
    """One star criterion: earned?, each trailing quarter's result, and what would restore it."""

    code: str
    label: str
    earned: bool
    quarters: list[tuple[str, bool | None]]  # (quarter label, passed; None = no quorum / no ballots)
    records: list[tuple[str, date | None]] = field(default_factory=list)  # (reason text, leaves window on)
    restore: str = ""


@dataclass
class StarsView:
    stars: int | None
    criteria: list[Criterion]
    notes: list[str]


def _record_instant(kind: str, rid) -> datetime | None:
    """The instant a cited record was stamped (what its one-year window counts from)."""
    if kind == "violation":
        return db.session.scalar(select(Violation.recorded_at).where(Violation.id == int(rid)))
    if kind == "exam":
        return db.session.scalar(select(ExamResult.taken_at).where(ExamResult.id == int(rid)))
    text = str(rid)
    if text.startswith("complaint:"):
        return db.session.scalar(select(Complaint.closed_at).where(Complaint.id == int(text.split(":")[1])))
    if text.startswith("card_check:"):
        return db.session.scalar(select(CardCheck.checked_at).where(CardCheck.id == int(text.split(":")[1])))
    return db.session.scalar(select(BadRecord.recorded_at).where(BadRecord.id == int(text)))


def stars_view(shop: Shop, now: datetime) -> StarsView:
    """The shop's live stars at ``now`` (SPEC S3), explained per criterion for its merchant."""
    street = db.session.get(Street, shop.street_id)
    tz = street.timezone
    settings = dataclasses.replace(rule_settings(), timezone=tz)
    live = grading.grade_preview(shop, now)
    trailing = star_rules.trailing_quarters(now, settings)
    stored = {r.quarter: r for r in db.session.scalars(select(QuarterResult).where(
        QuarterResult.shop_id == shop.id, QuarterResult.quarter.in_([str(q) for q in trailing])))}
    outcome = live.stars if live else None
    criteria = []
    for c in star_rules.CRITERIA:
        quarters = []
        for q in trailing:
            r = stored.get(str(q))
            quarters.append((register._quarter(q), (c in (r.passed or [])) if r is not None and r.quorum_reached else None))
        earned = bool(outcome and c in outcome.earned)
        crit = Criterion(c, star_rules.CRITERIA_LABELS[c], earned, quarters)
        if outcome is not None and outcome.stars is not None and not earned:
            lost = outcome.lost.get(c, ())
            for reason in lost:
                at = _record_instant(reason.kind, reason.id)
                crit.records.append((reason.text, local_date(leaves_window_at(at, tz), tz) if at else None))
            if lost:
                last = max((d for _, d in crit.records if d), default=None)
                crit.restore = (Msg(N_("以下记录全部移出一年期（%(date)s）后可恢复，或经异议、信用修复撤销"),
                                    date=last.isoformat()) if last else Msg(N_("以下记录移出一年期后可恢复")))
            if c not in outcome.passed:
                passed = sum(1 for _, p in quarters if p)
                counted = sum(1 for _, p in quarters if p is not None)
                votes = Msg(N_("近四个季度有效投票 %(counted)s 个季度，本项通过 %(passed)s 个；需在至少 %(share)s 的有效季度通过"),
                            counted=counted, passed=passed,
                            share=f"{settings.quarters_share.numerator}/{settings.quarters_share.denominator}")
                crit.restore = Msg(N_("%(first)s；%(second)s"), first=crit.restore, second=votes) if crit.restore else votes
        criteria.append(crit)
    notes = [n.text for n in outcome.notes] if outcome else [Msg(N_("本店当前不参加评级"))]
    return StarsView(outcome.stars if outcome else None, criteria, notes)


@dataclass
class Line:
    """A timeline entry with the merchant's marks and actions on it."""

    entry: register.Entry
    mark: str = ""
    can_object: bool = False
    can_repair: bool = False
    objection_deadline: date | None = None


def timeline(shop: Shop, viewer: User, now: datetime, q: str = "") -> list[Line]:
    """The register without grades, complaints masked (K6), filtered by text ``q``; newest first."""
    street = db.session.get(Street, shop.street_id)
    entries = register.timeline(shop, viewer, street.timezone, kinds=MERCHANT_KINDS)
    # the records behind the entries, read in one statement per kind (not one per entry)
    rows: dict[tuple[str, int], object] = {}
    for model, kind in ((Complaint, "complaint"), (Violation, "violation"), (BadRecord, "bad_record")):
        ids = [e.ref[1] for e in entries if e.ref and e.ref[0] == kind]
        if ids:
            rows.update(((kind, r.id), r) for r in db.session.scalars(select(model).where(model.id.in_(ids))))
    shown = []
    for e in entries:
        if e.kind == "complaint" and e.ref:
            c = rows.get(e.ref) or db.session.get(Complaint, e.ref[1])
            if c.kind != "complaint":
                continue  # reports and inquiries are the office's, never the shop's (K2, M2)
            e = _redacted_complaint_entry(e, c)
        shown.append(e)
    q = (q or "").strip()
    if q:  # searched in what the merchant sees, never in the raw text
        shown = [e for e in shown if q in e.title or any(q in d for d in e.details)]
    out = []
    for e in shown:
        line = Line(e)
        if e.ref and e.ref[0] in ("violation", "bad_record"):
            model = Violation if e.ref[0] == "violation" else BadRecord
            row = rows.get(e.ref) or db.session.get(model, e.ref[1])
            if row.void_at is not None:
                line.mark = "已撤销（异议成立），不再计入"
            elif row.repaired_at is not None:
                line.mark = "已信用修复，自修复决定起不再计入"
            line.can_object = objections.can_object(row, now)
            line.objection_deadline = objections.objection_deadline(row)
            line.can_repair = repairs.can_apply(e.ref[0], row, now)
        out.append(line)
    return out


def _redacted_complaint_entry(e: register.Entry, c: Complaint) -> register.Entry:
    """A complaint line built from the stored redacted copies only (K6): masked consumer, no raw text."""
    from ...domain.complaints import STATE_LABELS
    from ...domain.text import mask_name, mask_phone

    kinds = register.COMPLAINT_KIND_LABELS
    kind = Msg(kinds[c.kind]) if c.kind in kinds else c.kind
    status = Msg(STATE_LABELS[c.status]) if c.status in STATE_LABELS else c.status
    title = Msg(N_("%(kind)s：%(title)s（%(status)s）"), kind=kind,
                title=c.title_public or c.goods_public or Msg(N_("（无标题）")), status=status)
    phone = mask_phone(c.consumer_phone)
    details = [Msg(N_("消费者：%(name)s %(phone)s"), name=mask_name(c.consumer_name), phone=phone) if phone
               else Msg(N_("消费者：%(name)s"), name=mask_name(c.consumer_name)), c.description_public]
    if c.shop_at_fault:
        details.append(Msg(N_("经查商家有责")))
    if c.refused_mediation:
        details.append(Msg(N_("商家拒绝调解")))
    return register.Entry(e.at, "complaint", title, [d for d in details if d], e.badge, e.ref)
