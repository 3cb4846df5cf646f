"""One-time submission tokens: a form sent twice (double click, retry) stores one row (CASES K-06).

Each form render carries a fresh random token; the row stores it under a UNIQUE column
``submission_token``. The second request with the same token gets the first row back.
"""
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from . import sql


def by_token(model, token: str | None):
    """The ``model`` row stored with ``token``, or None (also for an empty token)."""
    if not token:
        return None
    return db.session.scalar(select(model).where(model.submission_token == token))


_ID_BY_TOKEN: dict = {}


def id_by_token(model, token: str | None) -> int | None:
    """The id of the ``model`` row stored with ``token``, or None: one prepared Core statement,
    no ORM object (the intake's first read, issue 18)."""
    if not token:
        return None
    stmt = _ID_BY_TOKEN.get(model)
    if stmt is None:
        stmt = _ID_BY_TOKEN[model] = select(model.id).where(model.submission_token == bindparam("token"))
    return sql.run(stmt, {"token": token}).scalar()


def add_once(row):
    """Insert ``row`` (which carries ``submission_token``) and flush; return ``(row, created)``.

    When a concurrent request with the same token committed first, return that row with
    ``created`` False. Any other constraint failure raises IntegrityError as usual.
    """
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        first = by_token(type(row), row.submission_token)
        if first is None:
            raise
        return first, False
    return row, True
