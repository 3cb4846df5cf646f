"""Scheduler jobs (STYLE: app context → the same service → commit). Nothing runs on import.

Run only by the one dedicated scheduler process (``flask scheduler run``, see scheduler.py);
web workers and wsgi.py never start a scheduler (CASES K-01). Every job accepts ``now`` so
tests can run it at a fixed instant; by default it is the current UTC instant.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime

from flask import Flask, has_app_context

log = logging.getLogger(__name__)
_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """Give the jobs the app whose context they push (called by the scheduler process)."""
    global _app
    _app = app


@contextmanager
def _job_context():
    """Use the caller's app context (CLI, tests) or push one for the bound app (scheduler thread)."""
    from .extensions import db

    if has_app_context():
        yield db
        return
    if _app is None:
        raise RuntimeError("jobs.bind_app(app) was not called")
    from .sqlite_mode import sqlite_reads_only

    with _app.app_context():
        sqlite_reads_only(False)  # the job writes: SQLite takes the write lock at BEGIN (K-05)
        try:
            yield db
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def _now(now: datetime | None) -> datetime:
    from .models.types import utcnow

    return now or utcnow()


def catch_up(now: datetime | None = None, limit: int = 8) -> list[tuple[int, str]]:
    """Grade every completed quarter that has no grade yet, oldest first (SPEC G1, CASES K-02).

    Each quarter is graded over its own window and committed on its own, so a crash halfway
    keeps what is done. A quarter another process graded at the same moment fails on
    UNIQUE(shop_id, quarter) and is skipped. Returns the (street id, quarter) pairs graded.
    """
    from .services import grading

    return _grade_quarters(_now(now), lambda street, now: grading.missing_quarters(now, street, limit=limit),
                           "scheduler", "已评级")


def quarterly_regrade(now: datetime | None = None) -> list[tuple[int, str]]:
    """At each quarter start (00:00 local): the OFFICIAL grade of the quarter that just ended
    (T = its end, SPEC G1), from the records and the ballots cast so far; and any missed before it.

    Ballots may still be cast for 10 more days (SPEC S1, ``ballot_close_days_after_end``):
    ``finalize_late_ballots`` re-grades the quarter once that window has closed.
    """
    return catch_up(now)


def finalize_late_ballots(now: datetime | None = None) -> list[tuple[int, str]]:
    """Daily at 00:10 local: re-grade each completed quarter whose ballot window has closed since
    it was last graded, so the late ballots (cast after the quarter's end, before the window closed)
    count (SPEC S1, G1). The grade stays official (T = the quarter's end); idempotent: once a run
    started after the close exists, the quarter is not graded again. A restart after downtime
    finalizes what was missed.

    Example (defaults): 2026Q4 ends 2027-01-01 00:00+08:00, its window closes 10 days later,
    2027-01-11 00:00+08:00; the run at 2027-01-11 00:10 counts a ballot cast on 2027-01-05.
    """
    from .services import grading

    return _grade_quarters(_now(now), lambda street, now: grading.unfinalized_quarters(now, street),
                           "finalize", "计入迟到选票后重评")


def _grade_quarters(now: datetime, quarters_of, trigger: str, done_text: str) -> list[tuple[int, str]]:
    """Grade, street by street, the quarters ``quarters_of(street, now)`` names; commit each one.

    A quarter another process graded first (UNIQUE(shop_id, quarter), CASES K-01) is skipped.
    Returns (street id, quarter) pairs graded here.
    """
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from .models import Street
    from .services import grading

    done = []
    with _job_context() as db:
        for street in list(db.session.scalars(select(Street).order_by(Street.id))):
            for quarter in quarters_of(street, now):
                try:
                    run = grading.recompute(quarter, now, street_id=street.id, trigger=trigger)
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    log.warning("%s %s 已由另一进程评级，跳过", street.name, quarter)
                    continue
                log.info("%s %s %s：%d 家", done_text, street.name, quarter, run.shops)
                done.append((street.id, str(quarter)))
    return done


def flag_overdue_complaints(now: datetime | None = None) -> int:
    """Daily: flag complaints and reports past their K4 deadlines; log the calendar reminder (§3)."""
    now = _now(now)
    with _job_context() as db:
        from .services.complaints import flag_overdue
        from .services.merchant.settlement import expire_due

        expired = expire_due(now)  # early settlements past their date go to the office (SPEC M2)
        n = flag_overdue(now)
        db.session.commit()
        from .services.calendar import reminder

        note = reminder(now)
    log.info("逾期标记：%d 件；先行和解逾期转办：%d 件", n or 0, expired)
    if note:  # SPEC §3: from 1 November (default) while next year's schedule is not entered
        log.warning("工作日历提醒：%s", note)
    return n


def draft_consumer_warnings(now: datetime | None = None):
    """Daily: draft consumer warnings from complaint hotspots for an admin to approve (SPEC W1)."""
    now = _now(now)
    try:
        from .services.warnings import draft_hotspot_warnings
    except ImportError:
        log.warning("services.warnings.draft_hotspot_warnings 尚不存在，跳过消费警示草拟")
        return None
    with _job_context() as db:
        result = draft_hotspot_warnings(now)
        db.session.commit()
    return result


def mark_key_disclosures(now: datetime | None = None) -> int:
    """Daily: mark shops with many and rising complaints for key disclosure (SPEC §13 P4)."""
    now = _now(now)
    with _job_context() as db:
        from .services.disclosure import mark_key_disclosures as mark

        n = mark(now)
        db.session.commit()
    log.info("重点公示：新标记 %d 户", n)
    return n


def deliver_notifications(now: datetime | None = None) -> dict:
    """Every minute: send the due SMS of the outbox, retrying failures with backoff (issue 17)."""
    now = _now(now)
    with _job_context() as db:
        from .services.notify import deliver_due

        counts = deliver_due(now)
        db.session.commit()
    if any(counts.values()):
        log.info("短信：送达 %(delivered)d，待重试 %(retry)d，失败 %(failed)d", counts)
    return counts


def morning_digest(now: datetime | None = None) -> int:
    """Daily at 08:00: overdue digests to inspectors and admins (K4); stale staged photos purged."""
    now = _now(now)
    with _job_context() as db:
        from .services.notify import queue_overdue_digests
        from .services.photos import purge_staged

        n = queue_overdue_digests(now)
        purged = purge_staged(now)
        db.session.commit()
    log.info("逾期提醒短信：%d 条；清理未提交的照片：%d 张", n, purged)
    return n
