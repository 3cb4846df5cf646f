"""Recount the ballot tallies from the ballots (``models.ballot_tallies``; SPEC S2, Y3).

``rebuild()`` is for writes that bypass the session: the migration that adds the tables, the
benchmark's generator, ``flask ballot-tallies rebuild`` after a bulk load. Two grouped
``INSERT … SELECT`` statements; returns (tally rows, voter rows).
"""
from __future__ import annotations

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import Ballot, Shop
from ..models.ballot_tallies import BallotTally, BallotVoter, CRITERIA


def rebuild(conn=None) -> tuple[int, int]:
    """Replace every tally and voter count by the ones the ballots give; (tallies, voters) written."""
    conn = conn if conn is not None else db.session.connection()
    b, s = Ballot.__table__, Shop.__table__
    tallies, voters = BallotTally.__table__, BallotVoter.__table__
    conn.execute(tallies.delete())
    conn.execute(voters.delete())
    joined = b.join(s, s.c.id == b.c.shop_id)
    conn.execute(tallies.insert().from_select(
        ["shop_id", "quarter", "street_id", "ballots", *CRITERIA],
        select(b.c.shop_id, b.c.quarter, s.c.street_id, func.count(),
               *(func.sum(case((b.c[c], 1), else_=0)) for c in CRITERIA))
        .select_from(joined).group_by(b.c.shop_id, b.c.quarter, s.c.street_id)))
    conn.execute(voters.insert().from_select(
        ["street_id", "quarter", "supervisor_id", "ballots"],
        select(s.c.street_id, b.c.quarter, b.c.supervisor_id, func.count())
        .select_from(joined).group_by(s.c.street_id, b.c.quarter, b.c.supervisor_id)))
    return (conn.scalar(select(func.count()).select_from(tallies)),
            conn.scalar(select(func.count()).select_from(voters)))
