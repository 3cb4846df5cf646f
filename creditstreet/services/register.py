"""A shop's register (经济户口): one timeline of everything on file (SPEC glossary "register").

Read-only. Complaints show the consumer's name and phone only to admins and the handling
inspector (SPEC K6); everyone else sees them masked, also inside free text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..domain.i18n import N_
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
    "patrol": "巡查",
    "violation": "违法违章",
    "card_check": "信誉卡查验",
    "bad_record": "不良记录",
    "complaint": "投诉举报",
    "quarter_result": "季度投票结果",
    "star": "年度星级",
    "grade": "信用等级",
    "exam": "法规考试",
    "training": "培训",
    "agreement": "责任状",
}
BAD_RECORD_LABELS = {"yellow_card": N_("黄牌警告"), "complaint_at_fault": N_("投诉中经查商家有责"),
                     "complaint_fault": N_("投诉中经查商家有责"), "refused_mediation": N_("拒绝调解")}
CRITERIA_LABELS = {"lawful": N_("依法经营好"), "service": N_("售后服务质量好"), "compliance": N_("服从管理好"),
                   "honesty": N_("诚实信用好")}
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
            failed = [CHECKLIST_LABELS[i] for i in CHECKLIST_LABELS if getattr(p, i) == "fail"]
            checked = sum(1 for i in CHECKLIST_LABELS if getattr(p, i) != "na")
            title = "巡查：" + ("不合格项 " + "、".join(failed) if failed else f"检查{checked}项均合格")
            details = [f"{CHECKLIST_LABELS[i]}：{RESULT_LABELS[getattr(p, i)]}" for i in CHECKLIST_LABELS]
            out.append(Entry(p.patrolled_at, "patrol", title, details + ([p.note] if p.note else []),
                             "C" if failed else None, ("patrol", p.id)))
    if "violation" in kinds:
        for v in db.session.scalars(select(Violation).where(Violation.shop_id == sid)):
            details = [v.description, f"法律依据：{v.legal_basis}"]
            if v.penalty:
                details.append(f"处理处罚：{v.penalty}")
            if v.fine_fen:
                details.append(f"罚款：{v.fine_fen // 100}.{v.fine_fen % 100:02d}元")
            if v.seizures:
                details.append("扣押物品：" + "；".join(f"{s.goods} {s.quantity}{s.unit}" for s in v.seizures))
            out.append(Entry(v.recorded_at, "violation",
                             f"{SEVERITY_LABELS[v.severity]}违法违章：{KIND_LABELS.get(v.kind, v.kind)}",
                             details, "C" if v.severity == "serious" else "B", ("violation", v.id)))
    if "card_check" in kinds:
        for c in db.session.scalars(select(CardCheck).where(CardCheck.shop_id == sid)):
            title = "信誉卡查验：随货同行" if c.card_given else "信誉卡查验：未随货同行"
            if c.consequence != "none":
                title += f"，给予{CONSEQUENCE_LABELS[c.consequence]}"
            details = ([f"卡号 {fmt_serial(c.serial)}"] if c.serial else []) + ([c.note] if c.note else [])
            out.append(Entry(c.checked_at, "card_check", title, details,
                             {"yellow_card": "C", "verbal_warning": "B"}.get(c.consequence), ("card_check", c.id)))
    if "bad_record" in kinds:
        for b in db.session.scalars(select(BadRecord).where(BadRecord.shop_id == sid)):
            title = f"不良记录：{BAD_RECORD_LABELS.get(b.kind, b.kind)}"
            if b.withdrawn_at is not None:  # K5: the complaint was reopened; its final closing decides
                title += "（投诉已重新打开，此记录已撤回，不计入）"
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
                passed = "、".join(CRITERIA_LABELS.get(c, c) for c in r.passed) or "无"
                title = f"{q.label_zh}民主投票：{r.ballots}票，通过 {passed}"
            else:
                title = f"{q.label_zh}民主投票：{r.ballots}票，未达有效票数{r.quorum}"
            out.append(Entry(q.end_utc(tz), "quarter_result", title, [], None, ("quarter_result", r.id)))
    if "star" in kinds:
        for s in db.session.scalars(select(AnnualStar).where(AnnualStar.shop_id == sid)):
            stars = "待评定" if s.stars is None else f"{s.stars}星"
            status = {"proposed": "待确认", "confirmed": "已确认", "revoked": "已撤销"}.get(s.status, s.status)
            at = s.confirmed_at or local_midnight(date(s.year + 1, 1, 1), tz)
            out.append(Entry(as_utc(at), "star", f"{s.year}年度星级：{stars}（{status}）",
                             [r.get("text", "") for r in (s.reasons or []) if isinstance(r, dict)],
                             None, ("annual_star", s.id)))
    if "grade" in kinds:
        for g in db.session.scalars(select(CreditGrade).where(CreditGrade.shop_id == sid)):
            details = [r.get("text", "") for r in (g.reasons or []) if isinstance(r, dict)]
            if g.improves_on:
                details.append(f"{g.improves_on.isoformat()}后相关记录移出一年期")
            if g.missing_criteria and g.grade != "A":
                details.append("尚缺：" + "、".join(CRITERIA_LABELS.get(c, c) for c in g.missing_criteria))
            out.append(Entry(g.as_of, "grade", f"{Quarter.parse(g.quarter).label_zh}信用等级：{g.grade}级",
                             details, g.grade, ("grade", g.id)))
    if "exam" in kinds:
        for e in db.session.scalars(select(ExamResult).where(ExamResult.shop_id == sid)):
            ok = "及格" if e.score >= e.pass_mark else "不及格"
            out.append(Entry(e.taken_at, "exam", f"法规知识考试：{e.score}分（{ok}，及格线{e.pass_mark}）",
                             [e.note] if e.note else [], None if e.score >= e.pass_mark else "C", ("exam", e.id)))
    if "training" in kinds:
        rows = db.session.execute(select(Training, TrainingAttendee).join(
            TrainingAttendee, TrainingAttendee.training_id == Training.id).where(TrainingAttendee.shop_id == sid))
        for t, a in rows:
            out.append(Entry(as_utc(local_midnight(t.held_on, tz)), "training", f"培训：{t.topic}",
                             [f"参加人：{a.attendee_name}"] if a.attendee_name else [], None, ("training", t.id)))
    if "agreement" in kinds:
        for a in db.session.scalars(select(Agreement).where(Agreement.shop_id == sid)):
            out.append(Entry(as_utc(local_midnight(a.signed_on, tz)), "agreement", f"签订责任状（签署人：{a.signer}）",
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
    kind = {"complaint": "投诉", "report": "举报", "inquiry": "咨询"}.get(v.kind, v.kind)
    title = f"{kind}：{v.title or v.goods or '（无标题）'}（{STATUS_LABELS.get(v.status, v.status)}）"
    details = [f"消费者：{v.consumer_name} {v.consumer_phone}".rstrip(), v.description]
    if v.card_serial:
        details.append(f"信誉卡号 {fmt_serial(v.card_serial)}")
    if v.shop_at_fault:
        details.append("经查商家有责")
    if v.refused_mediation:
        details.append("商家拒绝调解")
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

    return [(to_local(e.at, tz).replace(tzinfo=None), e.kind_label, e.title, "\n".join(e.details))
            for e in entries]
