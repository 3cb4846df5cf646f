"""SQLite connection settings and the per-context BEGIN mode (CASES K-05).

Engine-wide event hooks, registered on import. Kept apart from ``wiring`` so that jobs and the
scheduler can mark a context read-only without importing the app's wiring (no import cycle:
wiring → cli → scheduler → jobs → wiring).
"""
import os
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: SQLite page size of each connection's temporary database, in bytes.
TEMP_PAGE_SIZE = 16384


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_conn, _record):
    import sqlite3

    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=20000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # in-memory databases keep their journal mode
    cur.execute("PRAGMA synchronous=NORMAL")
    # Large sorts (the quarterly grading sorts ~5 citations per shop) may merge on helper threads;
    # small ones never start a thread.
    cur.execute(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")
    # Temporary tables (the grading's scratch tables: ~40 MB of citations at 100,000 shops) on 16 KiB
    # pages: a quarter as many pages to split, scan and free as at the default 4 KiB (≈ −0.2 s of
    # 2.3 s measured, docs/benchmarks.md). Takes effect before the connection's first temporary table.
    cur.execute(f"PRAGMA temp.page_size={TEMP_PAGE_SIZE}")
    cur.close()


# Transactions that may write take SQLite's write lock at BEGIN, so they wait (busy timeout) instead
# of failing when upgrading a read lock (CASES K-05). GET/HEAD requests read with a plain BEGIN.
_sqlite_immediate: ContextVar[bool] = ContextVar("sqlite_immediate", default=True)


def sqlite_reads_only(flag: bool = True) -> None:
    """Mark the current context (a GET request) as read-only for SQLite's BEGIN."""
    _sqlite_immediate.set(not flag)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _sqlite_immediate.get() else "BEGIN")


def end_reads() -> None:
    """Commit the request's transaction so far — reads only — without expiring what it loaded, and
    let the next transaction begin with BEGIN IMMEDIATE: SQLite's write lock is then held for the
    writes that follow and nothing else (the JSON intake, issue 18). Whatever the writes depend on
    must be read again (or guarded by a constraint) in the writing transaction. Other databases:
    the same commit; the objects stay loaded too.
    """
    from .extensions import db

    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
    _sqlite_immediate.set(True)
