"""Ballot tallies kept as ballots are cast (SPEC S1–S2, Y3): per shop and quarter, per voter.

``ballot_tallies`` holds, for each (shop, quarter), the number of ballots and of "yes" marks per
criterion (``CRITERIA`` order: lawful, service, compliance, honesty) with the shop's street;
``ballot_voters`` the number of ballots each supervisor cast on a street in a quarter. The admin's
participation page reads these instead of tallying a quarter's ballots per request (a
50,000-shop street's quarter is 250,000 ballots: 0.65–0.94 s of CPU per page on SQLite).

They are kept by the session (``models.kept_sums``, as the complaint day counts are): every flush
that inserts, changes or deletes a ballot adds the difference (new − old) to the rows it touches,
in the same transaction, with an atomic ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``
(two supervisors voting on one shop from two app hosts at once both count). A ballot written by a Core insert (``services.ballots.cast_ballot``)
is added with ``count_cast``; bulk loads are followed by ``services.ballot_tallies.rebuild``. A row
whose counts fall to zero stays, with zeros: readers ask for ``ballots > 0``.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ForeignKey, Index, Integer, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .ballot import CRITERIA, Ballot
from .kept_sums import keep_sums
from .street import Shop

#: The ballot columns a tally depends on.
KEY_FIELDS = ("supervisor_id", "shop_id", "quarter") + tuple(CRITERIA)


class BallotTally(db.Model):
    """Ballots and yes marks per criterion on one shop in one quarter (see module)."""

    __tablename__ = "ballot_tallies"
    __table_args__ = (
        # the street's quarter in one range scan, tallies included (the page's shapes and flags)
        Index("ix_ballot_tallies_street_quarter", "street_id", "quarter", "ballots", *CRITERIA),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    ballots: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lawful: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    service: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    compliance: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    honesty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class BallotVoter(db.Model):
    """How many ballots one supervisor cast on one street in one quarter (> 0: the supervisor voted)."""

    __tablename__ = "ballot_voters"

    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    ballots: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


TALLY_COLUMNS = ("ballots",) + tuple(CRITERIA)


def _upsert(conn, model, keys: tuple[str, ...], columns: tuple[str, ...], rows: list[dict]) -> None:
    rows = [r for r in rows if any(r[c] for c in columns)]
    if not rows:
        return
    table = model.__table__
    ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
    stmt = ins.on_conflict_do_update(index_elements=list(keys), set_={c: table.c[c] + ins.excluded[c] for c in columns})
    conn.execute(stmt, sorted(rows, key=lambda r: tuple(r[k] for k in keys)))  # one lock order on every host


def apply(conn, changes: list[tuple[dict, int, int]]) -> None:
    """Add ``changes`` — (ballot values with ``KEY_FIELDS``, street id of its shop, sign ±1) — to the
    tallies and voter counts, atomically."""
    tallies: dict = defaultdict(lambda: [0] * len(TALLY_COLUMNS))
    voters: dict = defaultdict(int)
    for values, street_id, sign in changes:
        t = tallies[(values["shop_id"], values["quarter"], street_id)]
        t[0] += sign
        for i, c in enumerate(CRITERIA, start=1):
            t[i] += sign * bool(values[c])
        voters[(street_id, values["quarter"], values["supervisor_id"])] += sign
    _upsert(conn, BallotTally, ("shop_id", "quarter"), TALLY_COLUMNS,
            [{"shop_id": s, "quarter": q, "street_id": st, **dict(zip(TALLY_COLUMNS, v))}
             for (s, q, st), v in tallies.items()])
    _upsert(conn, BallotVoter, ("street_id", "quarter", "supervisor_id"), ("ballots",),
            [{"street_id": st, "quarter": q, "supervisor_id": sup, "ballots": n} for (st, q, sup), n in voters.items()])


def count_cast(conn, values: dict, street_id: int) -> None:
    """Add one ballot written by a Core insert (no unit of work: the listeners do not see it)."""
    apply(conn, [(values, street_id, 1)])


def _streets_of(conn, shop_ids) -> dict[int, int]:
    ids = sorted(set(shop_ids))
    return dict(conn.execute(select(Shop.id, Shop.street_id).where(Shop.id.in_(ids))).all()) if ids else {}


def _add(conn, changes) -> None:
    """Add (new − old) of every ballot a flush wrote to its shop's tally and its voter's count."""
    streets = _streets_of(conn, [v["shop_id"] for v, _ in changes])
    apply(conn, [(v, streets[v["shop_id"]], sign) for v, sign in changes])


keep_sums(Ballot, KEY_FIELDS, _add)
