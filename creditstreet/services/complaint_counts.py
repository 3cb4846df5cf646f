"""Complaint figures of a period from the day counts (SPEC W2, P4, Y3): fast at any street size.

``sums(streets, start, end, by)`` adds up ``domain.complaint_counts.contribution`` over the
complaints of ``streets`` received in the half-open UTC window [start, end): whole street-local
months from ``complaint_month_counts``, the whole days of the partial months from
``complaint_day_counts``, the partial first and last days from the complaints themselves (on
``ix_complaints_street_received``), so a period that starts at 10:00 a year ago is counted exactly
and a year is ≤ 12 + 62 rows per street and category. Returns {key: counts in ``COLUMNS`` order};
``by`` is None (one key, None), "month" (first day of the local month), "category" (goods category,
"" when none), "street" (street id), or a tuple of those (keys are then tuples).

``rebuild()`` recomputes the table from the complaints (the migration, the benchmark's generator,
``flask complaint-counts rebuild``).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from ..domain.complaint_counts import COLUMNS, ZERO, add, contribution
from ..domain.time import as_utc, local_date, local_midnight
from ..extensions import db
from ..models import Complaint, Street
from ..models.complaint_counts import KEY_FIELDS, ComplaintDayCount, ComplaintMonthCount, key_of, upsert, zones_of

BY = (None, "month", "category", "street")


def _whole_days(start: datetime, end: datetime, tz: str) -> tuple[date, date]:
    """[first, last) local days lying wholly inside [start, end) (first ≥ last: none)."""
    first = local_date(start, tz)
    if as_utc(local_midnight(first, tz)) < start:
        first += timedelta(days=1)
    return first, local_date(end, tz)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _fields(by) -> tuple:
    return () if by is None else (by,) if isinstance(by, str) else tuple(by)


def _key(by, street_id, day, category):
    parts = {"month": day.replace(day=1), "category": category, "street": street_id}
    key = tuple(parts[f] for f in _fields(by))
    return key if not isinstance(by, str) and by is not None else (key[0] if key else None)


def _summed(model, col, ranges, ids, by, out) -> None:
    """Add the rows of ``model`` whose ``col`` lies in one of ``ranges`` ([lo, hi) dates) to ``out``."""
    cols = {"month": col, "category": model.category, "street": model.street_id}
    group = [cols[f] for f in _fields(by)]
    ranges = [(lo, hi) for lo, hi in ranges if lo < hi]
    if not ranges:
        return
    q = select(*group, *(func.coalesce(func.sum(getattr(model, c)), 0) for c in COLUMNS)).where(
        model.street_id.in_(ids), or_(*(and_(col >= lo, col < hi) for lo, hi in ranges)))
    for row in db.session.execute(q.group_by(*group) if group else q):
        values = dict(zip(_fields(by), row[:len(group)]))
        k = _key(by, values.get("street"), values.get("month", date.min), values.get("category"))
        out[k] = add(out[k], tuple(int(x) for x in row[len(group):]))


#: Fields of which ``contribution`` is a function besides the money (it is linear in the money).
_SHAPE = ("street_id", "goods_category", "kind", "carries_report", "status", "refusal_reason", "outcome")


def _partial_days(ids: list[int], edges: list[tuple[datetime, datetime]], tz: str, by, out) -> None:
    """Add the complaints received in the ``edges`` ([lo, hi) windows, each within one local day) to
    ``out``, in one statement: grouped in SQL by the edge and the fields ``contribution`` reads (money
    summed), each group's contribution worked out once."""
    edges = [(lo, hi) for lo, hi in edges if lo < hi]
    if not edges:
        return
    cols = [getattr(Complaint, f) for f in _SHAPE]
    accepted = Complaint.accepted_at.is_not(None)
    edge = case(*((Complaint.received_at >= lo, i) for i, (lo, _) in reversed(list(enumerate(edges)))), else_=0)
    q = (select(edge, *cols, accepted, func.count(), func.coalesce(func.sum(Complaint.money_recovered_fen), 0))
         .where(Complaint.street_id.in_(ids), or_(*(and_(Complaint.received_at >= lo, Complaint.received_at < hi)
                                                   for lo, hi in edges)))
         .group_by(edge, *cols, accepted))
    for row in db.session.execute(q):
        day = local_date(edges[int(row[0])][0], tz)
        values = dict(zip(_SHAPE, row[1:1 + len(_SHAPE)]))
        values["accepted_at"] = day if row[1 + len(_SHAPE)] else None
        n, money = int(row[-2]), int(row[-1])
        per_item = contribution({**values, "money_recovered_fen": 0})
        per_fen = add(contribution({**values, "money_recovered_fen": 1}), per_item, -1)
        k = _key(by, values["street_id"], day, values["goods_category"] or "")
        out[k] = add(out[k], tuple(n * a + money * b for a, b in zip(per_item, per_fen)))


def sums(streets: list[Street], start: datetime, end: datetime, by: str | None = None) -> dict:
    """{key: counts} of the streets' complaints received in [start, end) (see module); keys with no
    complaint are absent. ``by="month"`` keys are the first days of local months."""
    if any(f not in BY for f in _fields(by)):
        raise ValueError(by)
    start, end = as_utc(start), as_utc(end)
    out: dict = defaultdict(lambda: ZERO)
    zones: dict[str, list[int]] = {}
    for s in streets:
        zones.setdefault(s.timezone, []).append(s.id)
    for tz, ids in zones.items():
        first, last = _whole_days(start, end, tz)
        cut = as_utc(local_midnight(local_date(start, tz) + timedelta(days=1), tz))
        edges = [(start, min(cut, end)), (cut, end)]  # no whole day: at most two partial ones
        if first < last:
            edges = [(start, as_utc(local_midnight(first, tz))), (as_utc(local_midnight(last, tz)), end)]
            m_first = first if first.day == 1 else _next_month(first)
            m_last = last.replace(day=1)
            if m_first < m_last:  # whole months, and the days of the partial ones around them
                _summed(ComplaintMonthCount, ComplaintMonthCount.month, [(m_first, m_last)], ids, by, out)
                days = [(first, m_first), (m_last, last)]
            else:
                days = [(first, last)]
            _summed(ComplaintDayCount, ComplaintDayCount.day, days, ids, by, out)  # one statement
        _partial_days(ids, edges, tz, by, out)
    return {k: v for k, v in out.items() if any(v)}


def as_dict(counts: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(COLUMNS, counts))


def rebuild(conn=None, batch: int = 20_000) -> int:
    """Recompute ``complaint_day_counts`` from every complaint; returns the number of rows written."""
    conn = conn if conn is not None else db.session.connection()
    conn.execute(ComplaintDayCount.__table__.delete())
    conn.execute(ComplaintMonthCount.__table__.delete())
    zones = dict(conn.execute(select(Street.id, Street.timezone)).all())
    cols = [Complaint.__table__.c[f] for f in KEY_FIELDS]
    totals: dict = defaultdict(lambda: ZERO)
    result = conn.execute(select(*cols).execution_options(yield_per=batch))
    for row in result:
        values = row._mapping
        k = key_of(values, zones)
        totals[k] = add(totals[k], contribution(values))
    keys = list(totals)
    for i in range(0, len(keys), batch):
        upsert(conn, {k: totals[k] for k in keys[i:i + batch]})
    return len(keys)


__all__ = ["sums", "rebuild", "as_dict", "zones_of", "COLUMNS"]
