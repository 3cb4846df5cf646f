"""The one scheduler process (``flask scheduler run``): APScheduler 3.x, locked, zone-aware.

CASES K-01: only this process schedules; a database lock (PostgreSQL advisory lock on a
dedicated connection; SQLite a row in ``scheduler_locks`` with a heartbeat) keeps a second
process from running jobs. K-02: persistent SQLAlchemyJobStore, coalesce, a one-day misfire
grace, a catch-up of missed quarters on start, and a restart never moves a due run. K-03:
the scheduler and every trigger carry the street's zone, whatever the host's TZ.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
PG_LOCK_KEY = 734_215_001  # arbitrary, fixed: the scheduler's advisory lock
STALE_AFTER = timedelta(minutes=2)
HEARTBEAT_SECONDS = 30
BUSY_MESSAGE = "另一个调度进程正在运行"

JOBS = (
    # id, callable reference, cron fields
    ("quarterly_regrade", "creditstreet.jobs:quarterly_regrade", dict(month="1,4,7,10", day=1, hour=0, minute=0)),
    ("flag_overdue_complaints", "creditstreet.jobs:flag_overdue_complaints", dict(hour=1, minute=0)),
    ("finalize_late_ballots", "creditstreet.jobs:finalize_late_ballots", dict(hour=0, minute=10)),
    ("draft_consumer_warnings", "creditstreet.jobs:draft_consumer_warnings", dict(hour=1, minute=30)),
    ("mark_key_disclosures", "creditstreet.jobs:mark_key_disclosures", dict(hour=1, minute=45)),
    ("morning_digest", "creditstreet.jobs:morning_digest", dict(hour=8, minute=0)),
    ("deliver_notifications", "creditstreet.jobs:deliver_notifications", dict(minute="*")),
)


class SchedulerLock:
    """A held scheduler lock; ``heartbeat()`` keeps a row lock fresh, ``release()`` frees it."""

    def __init__(self, engine: Engine, holder: str, conn=None):
        self.engine, self.holder, self.conn = engine, holder, conn

    def heartbeat(self, now: datetime | None = None) -> bool:
        """Refresh the lock; False when another process has taken it over."""
        if self.conn is not None:  # PostgreSQL: held as long as the connection lives
            return True
        from .models import SchedulerLock as Row

        with self.engine.begin() as conn:
            res = conn.execute(update(Row.__table__).where(Row.name == LOCK_NAME, Row.holder == self.holder)
                               .values(heartbeat_at=now or _utcnow()))
        return res.rowcount == 1

    def release(self, attempts: int = 3) -> bool:
        """Free the lock; never raises (a failed release only logs: the row goes stale in 2 min)."""
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            except Exception:  # the connection died: the server dropped the advisory lock with it
                log.exception("释放调度锁失败")
            finally:
                try:
                    self.conn.close()
                except Exception:  # closing a dead connection: nothing left to release
                    log.debug("关闭调度锁连接失败", exc_info=True)
                self.conn = None
            return True
        from .models import SchedulerLock as Row

        for attempt in range(attempts):
            try:
                with self.engine.begin() as conn:
                    conn.execute(delete(Row.__table__).where(Row.name == LOCK_NAME, Row.holder == self.holder))
                return True
            except Exception:
                log.exception("释放调度锁失败（第 %d 次）", attempt + 1)
                time.sleep(0.5)
        return False


def acquire_lock(engine: Engine, holder: str, now: datetime | None = None) -> SchedulerLock | None:
    """Take the scheduler lock for ``holder``, or return None when another live process holds it."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
        conn.commit()
        if not got:
            conn.close()
            return None
        return SchedulerLock(engine, holder, conn)
    from .models import SchedulerLock as Row

    now = now or _utcnow()
    t = Row.__table__
    try:
        with engine.begin() as conn:
            row = conn.execute(select(t.c.holder, t.c.heartbeat_at).where(t.c.name == LOCK_NAME)).first()
            if row is None:
                conn.execute(insert(t).values(name=LOCK_NAME, holder=holder, acquired_at=now, heartbeat_at=now))
            elif row.holder == holder or row.heartbeat_at < now - STALE_AFTER:
                conn.execute(update(t).where(t.c.name == LOCK_NAME)
                             .values(holder=holder, acquired_at=now, heartbeat_at=now))
            else:
                return None
    except (IntegrityError, OperationalError):
        return None
    return SchedulerLock(engine, holder)


def build_scheduler(app, scheduler_cls=None, jobstore=None):
    """A configured, not started scheduler with the persistent jobs (K-02, K-03).

    ``scheduler_cls`` defaults to BlockingScheduler; ``jobstore`` to a SQLAlchemyJobStore in the
    app's database. A job already in the store keeps its next run time (a due run is not moved).
    Needs an app context.
    """
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    from .extensions import db

    zone = ZoneInfo(app.config.get("STREET_TIMEZONE") or "Asia/Shanghai")
    store = jobstore if jobstore is not None else SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
    sched = (scheduler_cls or BlockingScheduler)(
        timezone=zone,
        jobstores={"default": store, "local": MemoryJobStore()},
        job_defaults={"coalesce": True, "misfire_grace_time": 24 * 3600, "max_instances": 1},
    )
    store.start(sched, "default")  # idempotent (creates the table if missing) so we can look jobs up
    for job_id, func, fields in JOBS:
        trigger = CronTrigger(timezone=zone, **fields)
        existing = store.lookup_job(job_id)
        keep = {}
        if existing is not None and str(existing.trigger) == str(trigger) and existing.next_run_time:
            keep["next_run_time"] = existing.next_run_time
        sched.add_job(func, trigger, id=job_id, name=job_id, replace_existing=True, jobstore="default", **keep)
    return sched


class SchedulerBusy(RuntimeError):
    """``--once`` found another live scheduler process holding the lock."""


def _end_session(db) -> None:
    """Commit and drop this thread's session: on SQLite an open transaction holds the write lock
    (writers BEGIN IMMEDIATE, wiring._sqlite_immediate) and would block the lock row, the job
    store and every job, which use their own connections."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


def run(app, once: bool = False, retry_seconds: int = 30, echo=print) -> None:
    """Take the lock (waiting while another process holds it), catch up, then run the scheduler.

    With ``once``: catch up and return; raises SchedulerBusy when another process holds the lock.
    SIGTERM stops it like Ctrl-C; the lock is released in every case.
    """
    import signal

    from . import jobs
    from .extensions import db

    holder = f"{socket.gethostname()}:{os.getpid()}"
    _end_session(db)
    while True:
        lock = acquire_lock(db.engine, holder)
        if lock is not None:
            break
        log.warning(BUSY_MESSAGE)
        if once:
            raise SchedulerBusy(BUSY_MESSAGE)
        echo(f"{BUSY_MESSAGE}，{retry_seconds} 秒后重试")
        time.sleep(retry_seconds)
    jobs.bind_app(app)
    sched = None

    def stop(_signum, _frame):
        raise SystemExit(0)

    try:
        old_term = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (tests): no signal handler
        old_term = None
    try:
        graded = jobs.catch_up()
        _end_session(db)
        finalized = jobs.finalize_late_ballots()
        _end_session(db)
        echo(f"补评季度：{', '.join(q for _, q in graded) or '无'}")
        if finalized:
            echo(f"计入迟到选票后重评：{', '.join(q for _, q in finalized)}")
        if once:
            return
        sched = build_scheduler(app)
        _end_session(db)  # the job store and the jobs use their own connections from here on

        def heartbeat():
            if not lock.heartbeat():
                log.error("调度锁已被其他进程接管，停止")
                sched.shutdown(wait=False)

        sched.add_job(heartbeat, "interval", seconds=HEARTBEAT_SECONDS, id="scheduler_heartbeat",
                      jobstore="local", replace_existing=True)
        for job in sched.get_jobs():
            echo(f"任务 {job.id}")
        echo("调度进程已启动（Ctrl-C 退出）")
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        echo("调度进程已停止")
    finally:
        if sched is not None and sched.running:
            try:
                sched.shutdown(wait=False)
            except Exception:
                log.exception("停止调度器失败")
        try:
            db.session.rollback()
            db.session.remove()
        except Exception:
            log.exception("结束数据库会话失败")
        lock.release()
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def _utcnow() -> datetime:
    from .models.types import utcnow

    return utcnow()
