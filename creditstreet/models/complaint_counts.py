"""Per street, per local day (and month), per goods category sums of complaints' figures (SPEC W2, P4, Y3).

``complaint_day_counts`` holds, for each (street, street-local day of receipt, goods category), the
sum of ``domain.complaint_counts.contribution`` over the complaints of that key;
``complaint_month_counts`` the same per local calendar month: the statistics pages add up a year of
months (and the days of the partial ones) instead of reading a street's whole history.

It is kept by the session, not by each service (``models.kept_sums``): every flush that inserts,
changes or deletes a complaint adds the difference (new contribution − old) to the rows (day and
month) it touches, in the same transaction, with an atomic ``INSERT … ON CONFLICT DO UPDATE SET
n = n + excluded.n`` (several app hosts may file complaints on the same street and day at once).
Writes that bypass the ORM's unit of work call ``count_inserted`` (the intake's Core insert,
``services.complaints.store``) or are followed by ``services.complaint_counts.rebuild`` (the
benchmark's generator); a bulk ``UPDATE`` of a figure column would need the same.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.complaint_counts import COLUMNS, FIELDS, ZERO, add, contribution
from ..domain.time import local_date
from ..extensions import db
from .complaint import Complaint
from .kept_sums import keep_sums
from .street import Street

#: The complaint columns a day count depends on: its key and its contribution.
KEY_FIELDS = ("street_id", "received_at", "goods_category") + FIELDS


class _Counts:
    """The sums, in ``domain.complaint_counts.COLUMNS`` order."""

    complaints: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    accepted: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    mediated: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    success: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    reports: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    inquiries: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    counted: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    closed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    p_mediated: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    agreed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    settled: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    p_recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ComplaintDayCount(_Counts, db.Model):
    """Sums of one street's complaints received on one local day in one goods category (see module)."""

    __tablename__ = "complaint_day_counts"

    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)


class ComplaintMonthCount(_Counts, db.Model):
    """The same sums per local calendar month (``month``: its first day): a city's year is 12 rows a
    street and category instead of 365."""

    __tablename__ = "complaint_month_counts"

    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)


def upsert(conn, deltas: dict[tuple[int, date, str], tuple[int, ...]]) -> None:
    """Add ``deltas`` ({(street_id, day, category): counts in COLUMNS order}) to the day rows and their
    months' rows, atomically."""
    months: dict = defaultdict(lambda: ZERO)
    for (street_id, day, category), v in deltas.items():
        k = (street_id, day.replace(day=1), category)
        months[k] = add(months[k], v)
    for model, key, rows in ((ComplaintDayCount, "day", deltas), (ComplaintMonthCount, "month", months)):
        values = [{"street_id": k[0], key: k[1], "category": k[2], **dict(zip(COLUMNS, v))}
                  for k, v in sorted(rows.items()) if any(v)]
        if not values:
            continue
        conn.execute(_upsert_statement(conn.dialect.name, model, key), values)


_UPSERTS: dict = {}


def _upsert_statement(dialect: str, model, key: str):
    """``INSERT … ON CONFLICT (street_id, <key>, category) DO UPDATE SET n = n + excluded.n`` for
    ``model``'s table, built once per database kind (building it costs ~1 ms of SQLAlchemy work)."""
    stmt = _UPSERTS.get((dialect, key))
    if stmt is None:
        table = model.__table__
        ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        stmt = _UPSERTS[(dialect, key)] = ins.on_conflict_do_update(
            index_elements=["street_id", key, "category"], set_={c: table.c[c] + ins.excluded[c] for c in COLUMNS})
    return stmt


def key_of(row, zones: dict[int, str]) -> tuple[int, date, str]:
    """(street, street-local day of receipt, goods category) of a complaint's values."""
    return row["street_id"], local_date(row["received_at"], zones[row["street_id"]]), row["goods_category"] or ""


def zones_of(conn, street_ids) -> dict[int, str]:
    ids = sorted(set(street_ids))
    if not ids:
        return {}
    return dict(conn.execute(select(Street.id, Street.timezone).where(Street.id.in_(ids))).all())


def count_inserted(conn, values, timezone: str) -> None:
    """Add one complaint written by a Core insert (``services.complaints.store``: no unit of work, so
    the listeners below do not see it) to its day's and month's counts; ``values`` holds the row's
    ``KEY_FIELDS``, ``timezone`` its street's zone. Two single-row upserts."""
    upsert(conn, {key_of(values, {values["street_id"]: timezone}): contribution(values)})


def _add(conn, changes) -> None:
    """Add (new contribution − old) of every complaint a flush wrote to its day's and month's counts."""
    zones = zones_of(conn, [v["street_id"] for v, _ in changes])
    deltas: dict = defaultdict(lambda: ZERO)
    for values, sign in changes:
        key = key_of(values, zones)
        deltas[key] = add(deltas[key], contribution(values), sign)
    upsert(conn, deltas)


keep_sums(Complaint, KEY_FIELDS, _add)
