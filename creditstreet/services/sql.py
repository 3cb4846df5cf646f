"""Prepared Core statements on the session's transaction (issue 18: the intake's hot path).

``db.session.execute`` of a freshly built ``select(...)`` costs ~0.1–0.3 ms of SQLAlchemy work per
statement (building, cache key, ORM result set-up) before SQLite's few microseconds; a statement
built once at import and run on the session's connection costs a fraction of that. ``run`` keeps
the session's semantics that matter: the same transaction, and its autoflush first (pending
changes are seen, except inside ``no_autoflush``).
"""
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db


def run(stmt, params: dict | list | None = None):
    """Execute a Core ``stmt`` (with ``params``) on the session's connection; the CursorResult."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params)


def loaded(model, values: dict):
    """A ``model`` object of column ``values`` (every column attribute, by key) read with Core,
    persistent in the session as if the ORM had loaded it (no SQL); the session's own object when
    it holds that identity already. For plain mapped classes (no ``load`` event, no reconstructor)."""
    mapper = inspect(model)
    session = db.session()
    key = mapper.identity_key_from_primary_key([values[mapper.get_property_by_column(c).key] for c in mapper.primary_key])
    held = session.identity_map.get(key)
    if held is not None:
        return held
    obj = mapper.class_manager.new_instance()
    for k, v in values.items():
        set_committed_value(obj, k, v)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
