"""Prepared Core statements on the session's transaction (issue 18: the intake's hot path).

``db.session.execute`` of a freshly built ``select(...)`` costs ~0.1–0.3 ms of SQLAlchemy work per
statement (building, cache key, ORM result set-up) before SQLite's few microseconds; a statement
built once at import and run on the session's connection costs a fraction of that. ``run`` keeps
the session's semantics that matter: the same transaction, and its autoflush first (pending
changes are seen, except inside ``no_autoflush``).
"""
from ..extensions import db


def run(stmt, params: dict | list | None = None):
    """Execute a Core ``stmt`` (with ``params``) on the session's connection; the CursorResult."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params)
