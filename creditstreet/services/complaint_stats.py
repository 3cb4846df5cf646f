"""Complaint statistics and exports (SPEC W2, K6; CASES K-17, K-18).

Counting rule (a cohort by month of receipt, street-local calendar months, half-open windows):
- ``received``: complaints (kind complaint) received in the month;
- ``accepted``: of those, accepted (``accepted_at`` set, whatever happened later);
- ``mediated``: of those, closed after mediation with agreement or no agreement;
- ``success``: of those, closed with an agreement; ``success_rate`` = success / mediated (None if 0);
- ``recovered_fen``: money recovered on those complaints (fen);
- ``reports``: reports, or complaints carrying a report; ``inquiries``: inquiries.
The counts are ``domain.complaint_counts.contribution`` summed from the street's day counts
(``services.complaint_counts``, SPEC Y3): a month's figures never read its complaints one by one.
Exports mask name, phone and phones inside text unless the viewer is an admin (K6).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..domain.complaint_counts import ZERO
from ..domain.i18n import N_
from ..domain.time import Quarter, add_months, local_midnight, to_local
from ..extensions import db
from ..models import Complaint, Shop, Street, User
from . import complaint_counts as counts
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


def _row(key: str, counts: tuple[int, ...]) -> Row:
    """A Row of the W2 columns of ``domain.complaint_counts`` (its first seven)."""
    return Row(key, *counts[:7])


def month_starts(first: date, months: int) -> list[date]:
    """``months`` first-of-month dates starting at ``first``'s month."""
    start = date(first.year, first.month, 1)
    return [add_months(start, i) for i in range(months)]


def by_month(street: Street, first: date, months: int = 12) -> list[Row]:
    """One Row per local calendar month [first's month, + months), zeros included (W2).

    Summed from the street's month counts (``services.complaint_counts``): 12 rows a category."""
    starts = month_starts(first, months + 1)
    months_found = counts.sums([street], local_midnight(starts[0], street.timezone),
                               local_midnight(starts[-1], street.timezone), by="month")
    found = {m.strftime("%Y-%m"): c for m, c in months_found.items()}
    return [_row(k, found.get(k, ZERO)) for k in (d.strftime("%Y-%m") for d in starts[:-1])]


def by_category(street: Street, first: date, months: int = 12) -> list[Row]:
    """One Row per goods category over the same window, busiest first ("" → 未分类)."""
    starts = month_starts(first, months + 1)
    cats = counts.sums([street], local_midnight(starts[0], street.timezone),
                       local_midnight(starts[-1], street.timezone), by="category")
    rows = [_row(k or "未分类", c) for k, c in cats.items()]
    rows = [r for r in rows if r.received + r.reports + r.inquiries]
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
