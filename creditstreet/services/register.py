"""A shop's register (经济户口): one timeline of everything on file (SPEC glossary "register").

Read-only. Complaints show the consumer's name and phone only to admins and the handling
inspector (SPEC K6); everyone else sees them masked, also inside free text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..domain.i18n import Msg, N_
from ..domain.complaints import STATE_LABELS
from ..domain.text import clean_text, search_key
from ..domain.time import Quarter, as_utc, local_midnight
from ..extensions import db
from ..models import (
    Agreement,
    AnnualStar,
    BadRecord,
    CardCheck,
    Complaint,
    CreditGrade,
    ExamResult,
    Patrol,
    QuarterResult,
    Shop,
    Training,
    TrainingAttendee,
    User,
    Violation,
    utcnow,
)
from .cards import CONSEQUENCE_LABELS, fmt_serial
from .patrols import CHECKLIST_LABELS, KIND_LABELS, RESULT_LABELS, SEVERITY_LABELS

KINDS = {
    "patrol": N_("巡查"),
    "violation": N_("违法违章"),
    "card_check": N_("信誉卡查验"),
    "bad_record": N_("不良记录"),
    "complaint": N_("投诉举报"),
    "quarter_result": N_("季度投票结果"),
    "star": N_("年度星级"),
    "grade": N_("信用等级"),
    "exam": N_("法规考试"),
    "training": N_("培训"),
    "agreement": N_("责任状"),
}
BAD_RECORD_LABELS = {"yellow_card": N_("黄牌警告"), "complaint_at_fault": N_("投诉中经查商家有责"),
                     "complaint_fault": N_("投诉中经查商家有责"), "refused_mediation": N_("拒绝调解")}
CRITERIA_LABELS = {"lawful": N_("依法经营好"), "service": N_("售后服务质量好"), "compliance": N_("服从管理好"),
                   "honesty": N_("诚实信用好")}
STAR_STATUS_LABELS = {"proposed": N_("待确认"), "confirmed": N_("已确认"), "revoked": N_("已撤销")}
COMPLAINT_KIND_LABELS = {"complaint": N_("投诉"), "report": N_("举报"), "inquiry": N_("咨询")}
STATUS_LABELS = STATE_LABELS  # one set of complaint status labels everywhere (domain.complaints)
#: Long free texts are cut to this many characters in the timeline (full text on the detail page).
SHORT_TEXT = 120
LINKED_DETAIL = ("complaint", "patrol")  # kinds whose full text is on a detail page


@dataclass
class Entry:
    """One line of the register: an instant (UTC), a kind of KINDS, a title and detail lines."""

    at: datetime
    kind: str
    title: str
    details: list[str] = field(default_factory=list)
    badge: str | None = None  # "A"/"B"/"C" for grades, "C" also marks serious items
    ref: tuple[str, int] | None = None  # (entity, id) for links

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def shown_details(self) -> list[tuple[str, bool]]:
        """Details as the timeline shows them: (text, shortened). Texts of complaints and patrols
        longer than SHORT_TEXT characters are cut (the page links to the full text); the Excel
        export keeps ``details`` whole."""
        if self.kind not in LINKED_DETAIL:
            return [(d, False) for d in self.details]
        return [(d[:SHORT_TEXT].rstrip() + "…", True) if len(d) > SHORT_TEXT else (d, False)
                for d in self.details]


def _quarter(q: Quarter) -> Msg:
    return Msg(N_("%(year)s年第%(q)s季度"), year=q.year, q=q.q)


def timeline(shop: Shop, viewer: User | None, tz: str, kinds: set[str] | None = None,
             start: date | None = None, end: date | None = None) -> list[Entry]:
    """Every record of ``shop``, newest first, filtered by ``kinds`` and local dates [start, end].

    ``start``/``end`` are street-local dates, both inclusive (end means up to the next midnight).
    """
    kinds = set(kinds or KINDS)
    out: list[Entry] = []
    sid = shop.id
    if "patrol" in kinds:
        for p in db.session.scalars(select(Patrol).where(Patrol.shop_id == sid)):
            failed = [Msg(CHECKLIST_LABELS[i]) for i in CHECKLIST_LABELS if getattr(p, i) == "fail"]
            checked = sum(1 for i in CHECKLIST_LABELS if getattr(p, i) != "na")
            title = (Msg(N_("巡查：不合格项 %(items)s"), items=failed) if failed
                     else Msg(N_("巡查：检查%(n)s项均合格"), n=checked))
            details = [Msg(N_("%(label)s：%(value)s"), label=Msg(CHECKLIST_LABELS[i]),
                           value=Msg(RESULT_LABELS[getattr(p, i)])) for i in CHECKLIST_LABELS]
            out.append(Entry(p.patrolled_at, "patrol", title, details + ([p.note] if p.note else []),
                             "C" if failed else None, ("patrol", p.id)))
    if "violation" in kinds:
        for v in db.session.scalars(select(Violation).where(Violation.shop_id == sid)):
            details = [v.description, Msg(N_("法律依据：%(text)s"), text=v.legal_basis)]
            if v.penalty:
                details.append(Msg(N_("处理处罚：%(text)s"), text=v.penalty))
            if v.fine_fen:
                details.append(Msg(N_("罚款：%(yuan)s元"), yuan=f"{v.fine_fen // 100}.{v.fine_fen % 100:02d}"))
            if v.seizures:
                details.append(Msg(N_("扣押物品：%(goods)s"),
                                   goods="；".join(f"{s.goods} {s.quantity}{s.unit}" for s in v.seizures)))
            kind = Msg(KIND_LABELS[v.kind]) if v.kind in KIND_LABELS else v.kind
            out.append(Entry(v.recorded_at, "violation",
                             Msg(N_("%(severity)s违法违章：%(kind)s"), severity=Msg(SEVERITY_LABELS[v.severity]),
                                 kind=kind),
                             details, "C" if v.severity == "serious" else "B", ("violation", v.id)))
    if "card_check" in kinds:
        for c in db.session.scalars(select(CardCheck).where(CardCheck.shop_id == sid)):
            given = Msg(N_("随货同行")) if c.card_given else Msg(N_("未随货同行"))
            title = (Msg(N_("信誉卡查验：%(given)s，给予%(warning)s"), given=given,
                         warning=Msg(CONSEQUENCE_LABELS[c.consequence]))
                     if c.consequence != "none" else Msg(N_("信誉卡查验：%(given)s"), given=given))
            details = ([Msg(N_("卡号 %(serial)s"), serial=fmt_serial(c.serial))] if c.serial else []) + (
                [c.note] if c.note else [])
            out.append(Entry(c.checked_at, "card_check", title, details,
                             {"yellow_card": "C", "verbal_warning": "B"}.get(c.consequence), ("card_check", c.id)))
    if "bad_record" in kinds:
        for b in db.session.scalars(select(BadRecord).where(BadRecord.shop_id == sid)):
            kind = Msg(BAD_RECORD_LABELS[b.kind]) if b.kind in BAD_RECORD_LABELS else b.kind
            title = Msg(N_("不良记录：%(kind)s"), kind=kind)
            if b.withdrawn_at is not None:  # K5: the complaint was reopened; its final closing decides
                title = Msg(N_("不良记录：%(kind)s（投诉已重新打开，此记录已撤回，不计入）"), kind=kind)
            out.append(Entry(b.recorded_at, "bad_record", title, [b.description] if b.description else [],
                             None if b.withdrawn_at is not None else "C", ("bad_record", b.id)))
    if "complaint" in kinds:
        for c in db.session.scalars(select(Complaint).where(Complaint.shop_id == sid)):
            out.append(_complaint_entry(c, viewer))
    if "quarter_result" in kinds:
        now = utcnow()
        for r in db.session.scalars(select(QuarterResult).where(QuarterResult.shop_id == sid)):
            q = Quarter.parse(r.quarter)
            if q.end_utc(tz) > now:
                continue  # an unfinished quarter's tally is a preview, never an entry dated in the future
            if r.quorum_reached:
                passed = [Msg(CRITERIA_LABELS[c]) if c in CRITERIA_LABELS else c for c in r.passed] or Msg(N_("无"))
                title = Msg(N_("%(quarter)s民主投票：%(n)s票，通过 %(passed)s"), quarter=_quarter(q), n=r.ballots,
                            passed=passed)
            else:
                title = Msg(N_("%(quarter)s民主投票：%(n)s票，未达有效票数%(quorum)s"), quarter=_quarter(q),
                            n=r.ballots, quorum=r.quorum)
            out.append(Entry(q.end_utc(tz), "quarter_result", title, [], None, ("quarter_result", r.id)))
    if "star" in kinds:
        for s in db.session.scalars(select(AnnualStar).where(AnnualStar.shop_id == sid)):
            stars = Msg(N_("待评定")) if s.stars is None else Msg(N_("%(n)s星"), n=s.stars)
            status = STAR_STATUS_LABELS.get(s.status)
            at = s.confirmed_at or local_midnight(date(s.year + 1, 1, 1), tz)
            out.append(Entry(as_utc(at), "star", Msg(N_("%(year)s年度星级：%(stars)s（%(status)s）"), year=s.year,
                                                     stars=stars, status=Msg(status) if status else s.status),
                             [r.get("text", "") for r in (s.reasons or []) if isinstance(r, dict)],
                             None, ("annual_star", s.id)))
    if "grade" in kinds:
        for g in db.session.scalars(select(CreditGrade).where(CreditGrade.shop_id == sid)):
            details = [r.get("text", "") for r in (g.reasons or []) if isinstance(r, dict)]
            if g.improves_on:
                details.append(Msg(N_("%(date)s后相关记录移出一年期"), date=g.improves_on.isoformat()))
            if g.missing_criteria and g.grade != "A":
                details.append(Msg(N_("尚缺：%(criteria)s"), criteria=[
                    Msg(CRITERIA_LABELS[c]) if c in CRITERIA_LABELS else c for c in g.missing_criteria]))
            out.append(Entry(g.as_of, "grade", Msg(N_("%(quarter)s信用等级：%(grade)s级"),
                                                   quarter=_quarter(Quarter.parse(g.quarter)), grade=g.grade),
                             details, g.grade, ("grade", g.id)))
    if "exam" in kinds:
        for e in db.session.scalars(select(ExamResult).where(ExamResult.shop_id == sid)):
            ok = Msg(N_("及格")) if e.score >= e.pass_mark else Msg(N_("不及格"))
            out.append(Entry(e.taken_at, "exam", Msg(N_("法规知识考试：%(score)s分（%(ok)s，及格线%(mark)s）"),
                                                     score=e.score, ok=ok, mark=e.pass_mark),
                             [e.note] if e.note else [], None if e.score >= e.pass_mark else "C", ("exam", e.id)))
    if "training" in kinds:
        rows = db.session.execute(select(Training, TrainingAttendee).join(
            TrainingAttendee, TrainingAttendee.training_id == Training.id).where(TrainingAttendee.shop_id == sid))
        for t, a in rows:
            out.append(Entry(as_utc(local_midnight(t.held_on, tz)), "training", Msg(N_("培训：%(topic)s"), topic=t.topic),
                             [Msg(N_("参加人：%(name)s"), name=a.attendee_name)] if a.attendee_name else [], None, ("training", t.id)))
    if "agreement" in kinds:
        for a in db.session.scalars(select(Agreement).where(Agreement.shop_id == sid)):
            out.append(Entry(as_utc(local_midnight(a.signed_on, tz)), "agreement", Msg(N_("签订责任状（签署人：%(signer)s）"), signer=a.signer),
                             [a.note] if a.note else [], None, ("agreement", a.id)))

    lo = as_utc(local_midnight(start, tz)) if start else None
    hi = as_utc(local_midnight(end + timedelta(days=1), tz)) if end else None
    out = [e for e in out if (lo is None or e.at >= lo) and (hi is None or e.at < hi)]
    out.sort(key=lambda e: (e.at, e.kind), reverse=True)
    return out


def _complaint_entry(c: Complaint, viewer: User | None) -> Entry:
    """A complaint on the register: ``view_for`` the viewer (K6), so a non-handler's page and
    export hold only the redacted copies and the masked name and phone, shortened after redaction."""
    from .complaints.views import view_for

    v = view_for(viewer, c, with_events=False)
    kind = Msg(COMPLAINT_KIND_LABELS[v.kind]) if v.kind in COMPLAINT_KIND_LABELS else v.kind
    status = Msg(STATUS_LABELS[v.status]) if v.status in STATUS_LABELS else v.status
    title = Msg(N_("%(kind)s：%(title)s（%(status)s）"), kind=kind,
                title=v.title or v.goods or Msg(N_("（无标题）")), status=status)
    details = [Msg(N_("消费者：%(name)s %(phone)s"), name=v.consumer_name, phone=v.consumer_phone)
               if v.consumer_phone else Msg(N_("消费者：%(name)s"), name=v.consumer_name), v.description]
    if v.card_serial:
        details.append(Msg(N_("信誉卡号 %(serial)s"), serial=fmt_serial(v.card_serial)))
    if v.shop_at_fault:
        details.append(Msg(N_("经查商家有责")))
    if v.refused_mediation:
        details.append(Msg(N_("商家拒绝调解")))
    return Entry(v.received_at, "complaint", title, [d for d in details if d],
                 "C" if (v.shop_at_fault or v.refused_mediation) else None, ("complaint", v.id))


def shops_query(street_id: int, q: str = "", include_closed: bool = False):
    """The statement behind ``find_shops``: the street's shops matching ``q``, in natural house-number
    order (``house_sort``, then id: indexed, so a page of it is cheap at any street size)."""
    stmt = select(Shop).where(Shop.street_id == street_id)
    if not include_closed:
        stmt = stmt.where(Shop.status == "active")
    key = search_key(q)
    if key:
        raw = clean_text(q)
        stmt = stmt.where(Shop.search_key.contains(key, autoescape=True)
                          | Shop.house_number.contains(raw, autoescape=True)
                          | Shop.uscc.contains(raw.upper(), autoescape=True))
    return stmt.order_by(Shop.house_sort, Shop.id)


def find_shops(street_id: int, q: str = "", include_closed: bool = False) -> list[Shop]:
    """Shops of the street whose search key contains ``q``'s (K-11), or whose house number or
    code matches; by house number."""
    return list(db.session.scalars(shops_query(street_id, q, include_closed)))


def latest_grades(shop_ids: list[int]) -> dict[int, CreditGrade]:
    """Each shop's latest stored grade (by quarter)."""
    out: dict[int, CreditGrade] = {}
    if not shop_ids:
        return out
    for g in db.session.scalars(select(CreditGrade).where(CreditGrade.shop_id.in_(shop_ids))
                                .order_by(CreditGrade.quarter)):
        out[g.shop_id] = g
    return out


EXPORT_HEADERS = ("时间", "类别", "事项", "详情")


def export_rows(entries: list[Entry], tz: str) -> list[tuple]:
    """Rows for the Excel export: local time, kind, title, details joined by line breaks."""
    from ..domain.time import to_local

    return [(to_local(e.at, tz).replace(tzinfo=None), str(e.kind_label), str(e.title), "\n".join(e.details))
            for e in entries]
