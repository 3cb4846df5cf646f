"""Complaint statistics and exports (SPEC W2, K6; CASES K-17, K-18).

Counting rule (a cohort by month of receipt, street-local calendar months, half-open windows):
- ``received``: complaints (kind complaint) received in the month;
- ``accepted``: of those, accepted (``accepted_at`` set, whatever happened later);
- ``mediated``: of those, closed after mediation with agreement or no agreement;
- ``success``: of those, closed with an agreement; ``success_rate`` = success / mediated (None if 0);
- ``recovered_fen``: money recovered on those complaints (fen);
- ``reports``: reports, or complaints carrying a report; ``inquiries``: inquiries.
Queries are set-based: one GROUP BY over a CASE that maps each instant to its local month.
Exports mask name, phone and phones inside text unless the viewer is an admin (K6).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, or_, select

from ..domain.i18n import N_
from ..domain.time import Quarter, add_months, local_midnight, to_local
from ..extensions import db
from ..models import Complaint, Shop, Street, User
from . import complaints as svc


@dataclass(frozen=True)
class Row:
    key: str
    received: int
    accepted: int
    mediated: int
    success: int
    recovered_fen: int
    reports: int
    inquiries: int

    @property
    def success_rate(self) -> Decimal | None:
        """success / mediated as a percentage with one decimal (None when nothing was mediated)."""
        if not self.mediated:
            return None
        return (Decimal(100 * self.success) / Decimal(self.mediated)).quantize(Decimal("0.1"))


def _metrics():
    is_c = Complaint.kind == "complaint"
    one = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    return (
        one(is_c),
        one(and_(is_c, Complaint.accepted_at.is_not(None))),
        one(and_(is_c, Complaint.outcome.in_(("agreement", "no_agreement")))),
        one(and_(is_c, Complaint.outcome == "agreement")),
        func.coalesce(func.sum(case((is_c, Complaint.money_recovered_fen), else_=0)), 0),
        one(or_(Complaint.kind == "report", Complaint.carries_report.is_(True))),
        one(Complaint.kind == "inquiry"),
    )


def month_starts(first: date, months: int) -> list[date]:
    """``months`` first-of-month dates starting at ``first``'s month."""
    start = date(first.year, first.month, 1)
    return [add_months(start, i) for i in range(months)]


def by_month(street: Street, first: date, months: int = 12) -> list[Row]:
    """One Row per local calendar month [first's month, + months), zeros included (W2)."""
    starts = month_starts(first, months + 1)
    bounds = [local_midnight(d, street.timezone) for d in starts]
    whens = [(and_(Complaint.received_at >= bounds[i], Complaint.received_at < bounds[i + 1]),
              literal(starts[i].strftime("%Y-%m"))) for i in range(months)]
    month = case(*whens, else_=literal(""))
    q = (select(month.label("m"), *_metrics())
         .where(Complaint.street_id == street.id, Complaint.received_at >= bounds[0],
                Complaint.received_at < bounds[-1])
         .group_by(month))
    found = {r[0]: Row(r[0], *(int(x) for x in r[1:])) for r in db.session.execute(q)}
    keys = [d.strftime("%Y-%m") for d in starts[:-1]]
    return [found.get(k, Row(k, 0, 0, 0, 0, 0, 0, 0)) for k in keys]


def by_category(street: Street, first: date, months: int = 12) -> list[Row]:
    """One Row per goods category over the same window, busiest first ("" → 未分类)."""
    starts = month_starts(first, months + 1)
    lo, hi = local_midnight(starts[0], street.timezone), local_midnight(starts[-1], street.timezone)
    q = (select(Complaint.goods_category, *_metrics())
         .where(Complaint.street_id == street.id, Complaint.received_at >= lo, Complaint.received_at < hi)
         .group_by(Complaint.goods_category))
    rows = [Row(r[0] or "未分类", *(int(x) for x in r[1:])) for r in db.session.execute(q)]
    return sorted(rows, key=lambda r: (-(r.received + r.reports + r.inquiries), r.key))


def total(rows: list[Row]) -> Row:
    return Row(N_("合计"), *(sum(getattr(r, f) for r in rows) for f in
                       ("received", "accepted", "mediated", "success", "recovered_fen", "reports", "inquiries")))


EXPORT_HEADERS = ("投诉编号", "接收时间", "类别", "渠道", "商户名称", "商品类别", "商品或服务", "标题", "事情经过",
                  "诉求", "投诉人", "联系电话", "状态", "办理结果", "金额（元）", "挽回经济损失（元）",
                  "期限", "期限说明")


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _deadline_cells(c: Complaint, cal) -> list:
    """The nearest running deadline (a date, or "2027-03-01 暂定") and its one-line note (SPEC §3, K4)."""
    running = svc.open_deadlines(c)
    if not running:
        return [None, ""]
    note = svc.calendar_warning(c, cal)
    due = min(running)
    return [f"{due.isoformat()} 暂定" if note else due.isoformat(), str(note or svc.pause_note(c))]


def export_rows(viewer: User, street: Street, quarter: Quarter) -> list[list]:
    """Complaints received in ``quarter`` (street-local) as export rows (K6): an admin's export holds
    the text as typed, name, phone and tracking code; anyone else's is made from ``public_view`` only
    (redacted copies, masked name and phone) and numbers complaints by their internal id instead of
    the tracking code. Money as Decimal yuan so spreadsheets keep numbers."""
    from ..domain import complaints as rules

    full = viewer is not None and viewer.role == "admin"
    q = (select(Complaint, Shop.name).outerjoin(Shop, Shop.id == Complaint.shop_id)
         .where(Complaint.street_id == street.id,
                Complaint.received_at >= quarter.start_utc(street.timezone),
                Complaint.received_at < quarter.end_utc(street.timezone))
         .order_by(Complaint.received_at, Complaint.id))
    rows = []
    cal = svc.work_calendar()
    for c, shop_name in db.session.execute(q):
        v = (svc.handler_view if full else svc.public_view)(c, with_events=False)
        rows.append([
            v.tracking_code if full else f"#{v.id}", to_local(v.received_at, street.timezone).replace(tzinfo=None),
            svc.KIND_LABELS[v.kind], svc.CHANNEL_LABELS.get(v.channel, v.channel), shop_name or "",
            v.goods_category, v.goods, v.title, v.description, v.demand, v.consumer_name, v.consumer_phone,
            rules.STATE_LABELS.get(v.status, v.status), rules.OUTCOME_LABELS.get(v.outcome or "", ""),
            _yuan(v.amount_fen), _yuan(v.money_recovered_fen), *_deadline_cells(c, cal),
        ])
    return rows
