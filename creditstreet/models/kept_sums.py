"""Sums the session keeps beside a table, in the same transaction (SPEC Y3): one mechanism for the
complaint day counts (``models.complaint_counts``) and the ballot tallies (``models.ballot_tallies``).

``keep_sums(model, fields, apply)``: every flush that inserts ``model`` rows, changes one of their
``fields`` or deletes them calls ``apply(connection, changes)`` after the flush, with ``changes``
a list of (values, sign): a changed or deleted row's ``fields`` as the database held them before
the flush (read before it, so a change made without loading the row first is counted right),
sign −1; a new or changed row's ``fields`` after it, sign +1. ``apply`` adds the differences with
atomic upserts, so several app hosts writing at once all count. Writes that bypass the unit of
work (Core inserts, bulk loads) are the caller's to count.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

Changes = list[tuple[dict, int]]


def keep_sums(model, fields: tuple[str, ...], apply: Callable[[object, Changes], None]) -> None:
    """Register the two session listeners that keep ``apply``'s sums for ``model`` (see module)."""
    key = f"kept_sums:{model.__tablename__}"
    table = model.__table__

    def touched(obj) -> bool:
        state = inspect(obj)
        return any(state.attrs[f].history.has_changes() for f in fields)

    @event.listens_for(Session, "before_flush")
    def _read_old_values(session, flush_context, instances) -> None:
        changed = [o for o in session.dirty if isinstance(o, model) and touched(o)]
        gone = [o for o in session.deleted if isinstance(o, model)]
        objs = [o for o in changed + gone if inspect(o).identity is not None]
        if not objs:
            return
        ids = [inspect(o).identity[0] for o in objs]
        cols = [table.c.id, *(table.c[f] for f in fields)]
        old = {}
        for i in range(0, len(ids), 500):
            for row in session.connection().execute(select(*cols).where(table.c.id.in_(ids[i:i + 500]))):
                old[row.id] = dict(row._mapping)
        session.info[key] = (objs, old)

    @event.listens_for(Session, "after_flush")
    def _add_differences(session, flush_context) -> None:
        objs, old = session.info.pop(key, ((), {}))
        new = [o for o in session.new if isinstance(o, model)]
        if not objs and not new:
            return
        changes: Changes = []
        for o in objs:
            before = old.get(inspect(o).identity[0])
            if before is not None:
                changes.append((before, -1))
            if o not in session.deleted:
                changes.append(({f: getattr(o, f) for f in fields}, 1))
        changes += [({f: getattr(o, f) for f in fields}, 1) for o in new]
        apply(session.connection(), changes)
