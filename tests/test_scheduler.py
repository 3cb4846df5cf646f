"""The one scheduler process and its jobs (CASES K-01, K-02, K-03, K-05; SPEC G1, G4, K4)."""
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

import apscheduler.schedulers.base as aps_base
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from creditstreet import create_app, jobs, scheduler
from creditstreet.models import Ballot, Complaint, CreditGrade, GradeRun
from creditstreet.services import grading
from tests import factories
from tests.conftest import csrf_token, login

CST = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc


def _frozen(monkeypatch, at):
    """Freeze APScheduler's clock at the aware instant ``at``."""
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return at.astimezone(tz) if tz else at.replace(tzinfo=None)

    monkeypatch.setattr(aps_base, "datetime", Frozen)


def _scheduler_threads():
    return [t for t in threading.enumerate() if "APScheduler" in t.name]


# ------------------------------------------------------------------------------------ K-01

def test_app_factory_and_wsgi_start_no_scheduler(app):
    before = len(_scheduler_threads())
    create_app("test")
    import wsgi  # noqa: F401  (gunicorn's entry point)

    assert len(_scheduler_threads()) == before == 0


def test_second_scheduler_process_is_refused(db):
    first = scheduler.acquire_lock(db.engine, "host:1")
    assert first is not None
    assert scheduler.acquire_lock(db.engine, "host:2") is None   # another live process holds it
    if db.engine.dialect.name == "sqlite":
        # a lock whose heartbeat is older than 2 minutes is stale: the next process takes over,
        # and the old holder's heartbeat then reports the loss
        later = datetime.now(UTC) + timedelta(minutes=3)
        second = scheduler.acquire_lock(db.engine, "host:2", now=later)
        assert second is not None and first.heartbeat() is False
        second.release()
    else:
        first.release()
        second = scheduler.acquire_lock(db.engine, "host:2")
        assert second is not None
        second.release()


def test_scheduler_run_once_refuses_when_locked(app, db):
    held = scheduler.acquire_lock(db.engine, "other-host:99")
    lines = []
    try:
        with pytest.raises(scheduler.SchedulerBusy, match=scheduler.BUSY_MESSAGE):
            scheduler.run(app, once=True, echo=lines.append)
    finally:
        held.release()
    assert not any("补评" in line for line in lines)  # nothing was done


def test_unique_shop_quarter_makes_a_duplicate_fail_harmlessly(db, street):
    shop = factories.make_shop(street)
    row = dict(shop_id=shop.id, quarter="2024Q1", as_of=datetime(2024, 3, 31, 16, tzinfo=UTC), grade="A")
    db.session.add(CreditGrade(**row))
    db.session.commit()
    db.session.add(CreditGrade(**row))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CreditGrade)) == 1


# ------------------------------------------------------------------------------------ K-02

def _city(db, n=3):
    street = factories.make_street()
    shops = [factories.make_shop(street, created_at=datetime(2023, 11, 1, tzinfo=CST)) for _ in range(n)]
    db.session.commit()
    return street, shops


def _grades_per_quarter(db):
    return dict(db.session.execute(select(CreditGrade.quarter, func.count()).group_by(CreditGrade.quarter)).all())


def test_catch_up_grades_each_missing_quarter_exactly_once(db):
    street, shops = _city(db)
    # running normally: at 2024-01-01 00:20 CST the job grades 2023Q4 (the shops' first quarter)
    assert jobs.catch_up(datetime(2024, 1, 1, 0, 20, tzinfo=CST)) == [(street.id, "2023Q4")]
    # down from 2024-03-30 to 2024-07-02: both missed quarters, oldest first, each over its own window
    now = datetime(2024, 7, 2, 9, tzinfo=CST)
    assert jobs.catch_up(now) == [(street.id, "2024Q1"), (street.id, "2024Q2")]
    assert jobs.catch_up(now) == []  # a restart (or the due cron run) grades nothing twice
    assert _grades_per_quarter(db) == {"2023Q4": 3, "2024Q1": 3, "2024Q2": 3}
    as_of = dict(db.session.execute(select(CreditGrade.quarter, func.min(CreditGrade.as_of))
                                    .group_by(CreditGrade.quarter)).all())
    assert as_of["2024Q1"] == datetime(2024, 4, 1, tzinfo=CST)
    assert as_of["2024Q2"] == datetime(2024, 7, 1, tzinfo=CST)
    runs = db.session.execute(select(GradeRun.quarter, func.count()).group_by(GradeRun.quarter)).all()
    assert sorted(runs) == [("2023Q4", 1), ("2024Q1", 1), ("2024Q2", 1)]


def test_restart_keeps_a_due_quarterly_run(app, db, monkeypatch):
    """Stopped 2024-03-31 23:50, started 2024-04-01 00:20: the 2024-04-01 run is still due, not moved."""
    store_kw = dict(engine=db.engine, tablename="test_apscheduler_jobs")
    try:
        _frozen(monkeypatch, datetime(2024, 3, 31, 23, 50, tzinfo=CST))
        s1 = scheduler.build_scheduler(app, BackgroundScheduler, SQLAlchemyJobStore(**store_kw))
        s1.start(paused=True)
        assert s1.get_job("quarterly_regrade").next_run_time == datetime(2024, 4, 1, tzinfo=CST)
        s1.shutdown(wait=False)

        _frozen(monkeypatch, datetime(2024, 4, 1, 0, 20, tzinfo=CST))
        s2 = scheduler.build_scheduler(app, BackgroundScheduler, SQLAlchemyJobStore(**store_kw))
        s2.start(paused=True)
        job = s2.get_job("quarterly_regrade")
        assert job.next_run_time == datetime(2024, 4, 1, tzinfo=CST)  # due now: runs once on resume
        assert job.coalesce is True and job.misfire_grace_time >= 3600
        assert len(s2.get_jobs()) == len(scheduler.JOBS)  # replaced, not duplicated
        s2.shutdown(wait=False)
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS test_apscheduler_jobs"))


# ------------------------------------------------------------------------------------ K-03

@pytest.mark.parametrize("host_tz", ["UTC", "America/New_York"])
def test_quarterly_job_fires_at_beijing_midnight_whatever_the_host_zone(app, monkeypatch, host_tz):
    monkeypatch.setenv("TZ", host_tz)
    time.tzset()
    try:
        _frozen(monkeypatch, datetime(2024, 3, 31, 12, tzinfo=CST))
        s = scheduler.build_scheduler(app, BackgroundScheduler, MemoryJobStore())
        s.start(paused=True)
        nxt = s.get_job("quarterly_regrade").next_run_time
        daily = s.get_job("flag_overdue_complaints").next_run_time
        s.shutdown(wait=False)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert nxt == datetime(2024, 4, 1, 0, 0, tzinfo=CST)
    assert nxt.utcoffset() == timedelta(hours=8)
    assert nxt.astimezone(UTC) == datetime(2024, 3, 31, 16, 0, tzinfo=UTC)
    assert daily == datetime(2024, 4, 1, 1, 0, tzinfo=CST)


# ------------------------------------------------------------------------------------ K-05

def test_writers_wait_for_a_regrade_holding_its_write_transaction(app, db, monkeypatch):
    """A complaint POST and a vote POST during a regrade that holds its write lock for 2 s both succeed."""
    from creditstreet.web.supervisor import ballots as ballot_views
    from creditstreet.wiring import sqlite_reads_only

    street = factories.make_street()
    shops = [factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=UTC)) for _ in range(200)]
    sup = factories.make_user("supervisor", street=street)
    db.session.commit()
    shop_id, sup_name = shops[0].id, sup.username
    db.session.commit()  # end the (write-locking) read transaction those attribute loads opened
    # inside 2024Q2's ballot window [2024-06-16, 2024-07-11) CST
    monkeypatch.setattr(ballot_views, "now", lambda: datetime(2024, 6, 25, 10, tzinfo=CST))

    holding, ready, results = threading.Event(), threading.Barrier(3), {}

    def hold():
        holding.set()
        time.sleep(2)

    def complain():
        c = app.test_client()
        html = c.get("/complaints/new").get_data(as_text=True)
        token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1)
        data = {"csrf_token": csrf_token(c, "/complaints/new"), "submission_token": token, "kind": "complaint",
                "shop_id": str(shop_id), "title": "面里有头发", "description": "面里有头发，要求退款28元",
                "consumer_phone": "13800138000"}
        ready.wait(30)
        holding.wait(10)
        t0 = time.monotonic()
        resp = c.post("/complaints/new", data=data)
        results["complaint"] = (resp.status_code, resp.headers.get("Location", ""), time.monotonic() - t0)

    def vote():
        c = app.test_client()
        login(c, sup_name, factories.PASSWORD)
        data = {"csrf_token": csrf_token(c, f"/supervisor/vote/{shop_id}"),
                "lawful": "1", "service": "1", "compliance": "1", "honesty": "0"}
        ready.wait(30)
        holding.wait(10)
        t0 = time.monotonic()
        resp = c.post(f"/supervisor/vote/{shop_id}", data=data)
        results["vote"] = (resp.status_code, resp.headers.get("Location", ""), time.monotonic() - t0)

    threads = [threading.Thread(target=complain), threading.Thread(target=vote)]
    for t in threads:
        t.start()
    monkeypatch.setattr(grading, "after_write_hook", hold)
    sqlite_reads_only(False)
    ready.wait(30)  # both clients have their forms; they post while the regrade holds the lock
    grading.recompute("2024Q2", datetime(2024, 7, 2, tzinfo=CST), trigger="test")
    db.session.commit()
    for t in threads:
        t.join(30)

    assert results["complaint"][0] == 302 and "/track/" in results["complaint"][1], results
    assert results["vote"][0] == 302, results
    if db.engine.dialect.name == "sqlite":  # they waited for the lock instead of failing
        assert results["complaint"][2] > 0.5 and results["vote"][2] > 0.5, results
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert db.session.scalar(select(func.count()).select_from(CreditGrade)) == 200  # the regrade committed


# ------------------------------------------------------------------------------------ daily jobs

def test_daily_overdue_job_flags_items_past_their_deadline(db):
    street = factories.make_street()
    late = Complaint(street_id=street.id, tracking_code="L1", status="received", decide_by=date(2024, 4, 8))
    due_today = Complaint(street_id=street.id, tracking_code="L2", status="received", decide_by=date(2024, 4, 9))
    db.session.add_all([late, due_today])
    db.session.commit()
    # 2024-04-09 01:00 CST: the deadline day 04-08 has passed; 04-09 is still on time (K4)
    assert jobs.flag_overdue_complaints(datetime(2024, 4, 9, 1, tzinfo=CST)) == 1
    db.session.expire_all()
    assert (late.overdue, due_today.overdue) == (True, False)


def test_jobs_do_nothing_on_import():
    import importlib

    importlib.reload(jobs)
    assert _scheduler_threads() == []


# ------------------------------------------------------------------------------------ CLI

def test_cli_recompute_prints_progress_and_grades(runner, db, street):
    from creditstreet.domain.time import last_completed_quarter

    factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=UTC))
    db.session.commit()
    q = str(last_completed_quarter(datetime.now(UTC), street.timezone))  # the CLI grades at the real now
    result = runner.invoke(args=["grades", "recompute", "--quarter", q, "--street", street.name])
    assert result.exit_code == 0, result.output
    assert "进度 1/1" in result.output and f"已完成 {q}" in result.output
    assert _grades_per_quarter(db) == {q: 1}
    old = runner.invoke(args=["grades", "recompute", "--quarter", "1999Q1"])  # QA: wrote 147 rows
    assert old.exit_code != 0 and "只能重算最近 8 个季度内、且已有商户开业的季度" in old.output
    assert _grades_per_quarter(db) == {q: 1}
    bad = runner.invoke(args=["grades", "recompute", "--quarter", "2024Q9"])
    assert bad.exit_code != 0 and "无效的季度" in bad.output


def test_cli_recompute_of_the_unfinished_quarter_is_a_preview(runner, db, street):
    """As on the admin page: the quarter still running is counted, never written (no grade row and
    no register entry dated at a quarter end still to come)."""
    from creditstreet.domain.time import quarter_of

    factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=UTC))  # clean, not yet rated → B
    db.session.commit()
    q = str(quarter_of(datetime.now(UTC), street.timezone))
    result = runner.invoke(args=["grades", "recompute", "--quarter", q, "--street", street.name])
    assert result.exit_code == 0, result.output
    assert f"{q} 尚未结束" in result.output and "A 0 · B 1 · C 0" in result.output
    assert _grades_per_quarter(db) == {}


# ------------------------------------------------------------------ official vs provisional (G1)

def test_mid_quarter_recompute_is_provisional_and_the_quarter_end_run_replaces_it(db, street):
    """QA: recomputing 2026Q4 on 2026-11-15 wrote rows that made the catch-up skip the official grade."""
    shop = factories.make_shop(street, created_at=datetime(2026, 1, 5, tzinfo=UTC))
    db.session.commit()
    mid = datetime(2026, 11, 15, 10, tzinfo=CST)
    grading.recompute("2026Q4", mid, street_id=street.id, trigger="admin")
    db.session.commit()
    row = db.session.scalar(select(CreditGrade).where(CreditGrade.shop_id == shop.id))
    assert row.as_of == mid and not grading.is_official(row, street.timezone)  # T = now: provisional
    assert grading.official_label(row, street.timezone) == "临时（按需）"
    assert grading.is_officially_graded("2026Q4", street.id) is False
    # 2027-01-01 00:20 CST: 2026Q4 has only provisional rows → still missing; the run grades it at
    # T = 2027-01-01 00:00 CST (= 2026-12-31 16:00 UTC) and replaces the provisional row
    at = datetime(2027, 1, 1, 0, 20, tzinfo=CST)
    assert grading.missing_quarters(at, street)[-1].__str__() == "2026Q4"
    assert (street.id, "2026Q4") in jobs.catch_up(at)
    rows = db.session.scalars(select(CreditGrade).where(CreditGrade.shop_id == shop.id,
                                                        CreditGrade.quarter == "2026Q4")).all()
    assert [r.as_of for r in rows] == [datetime(2026, 12, 31, 16, 0, tzinfo=UTC)]
    assert grading.official_label(rows[0], street.timezone) == "正式"
    assert grading.is_officially_graded("2026Q4", street.id) is True
    assert (street.id, "2026Q4") not in jobs.catch_up(at)  # official now: never graded twice


# ------------------------------------------------------------------ late ballots (S1)

def test_finalize_counts_a_late_ballot_once_the_window_has_closed(db, street):
    """2026Q4 ends 2027-01-01 00:00+08:00; with ballot_close_days_after_end = 10 its window closes
    2027-01-11 00:00+08:00. 4 supervisors → quorum max(3, ⌈4/2⌉) = 3 ballots. Two ballots are in at
    the quarter-start run (no quorum); the third, cast 2027-01-05, counts from the 2027-01-11 run."""
    from creditstreet.models import QuarterResult

    sups = [factories.make_user("supervisor", street=street, created_at=datetime(2026, 1, 1, tzinfo=UTC))
            for _ in range(4)]
    shop = factories.make_shop(street, created_at=datetime(2026, 10, 5, tzinfo=UTC))
    marks = dict(lawful=True, service=True, compliance=True, honesty=True)
    for s in sups[:2]:
        db.session.add(Ballot(supervisor_id=s.id, shop_id=shop.id, quarter="2026Q4",
                              cast_at=datetime(2026, 12, 20, tzinfo=CST), **marks))
    db.session.commit()

    def result():
        db.session.expire_all()
        return db.session.scalar(select(QuarterResult).where(QuarterResult.shop_id == shop.id,
                                                             QuarterResult.quarter == "2026Q4"))

    assert jobs.quarterly_regrade(datetime(2027, 1, 1, 0, 0, 5, tzinfo=CST)) == [(street.id, "2026Q4")]
    assert (result().ballots, result().quorum_reached) == (2, False)
    db.session.add(Ballot(supervisor_id=sups[2].id, shop_id=shop.id, quarter="2026Q4",
                          cast_at=datetime(2027, 1, 5, 15, tzinfo=CST), **marks))  # late, inside the window
    db.session.commit()
    assert jobs.finalize_late_ballots(datetime(2027, 1, 10, 0, 10, tzinfo=CST)) == []  # window still open
    assert jobs.finalize_late_ballots(datetime(2027, 1, 11, 0, 10, tzinfo=CST)) == [(street.id, "2026Q4")]
    assert (result().ballots, result().quorum_reached) == (3, True)
    assert sorted(result().passed) == sorted(["lawful", "service", "compliance", "honesty"])  # 3/3 yes ≥ 2/3
    grade = db.session.scalar(select(CreditGrade).where(CreditGrade.shop_id == shop.id))
    assert grade.as_of == datetime(2027, 1, 1, tzinfo=CST)  # still the official T of 2026Q4
    assert jobs.finalize_late_ballots(datetime(2027, 1, 12, 0, 10, tzinfo=CST)) == []  # idempotent
    runs = db.session.scalars(select(GradeRun.trigger).where(GradeRun.quarter == "2026Q4")
                              .order_by(GradeRun.id)).all()
    assert runs == ["scheduler", "finalize"]


def test_finalize_job_is_scheduled_daily_at_0010_beijing(app, monkeypatch):
    monkeypatch.setattr(aps_base, "datetime", datetime)
    with app.app_context():
        sched = scheduler.build_scheduler(app, scheduler_cls=BackgroundScheduler, jobstore=MemoryJobStore())
        job = sched.get_job("finalize_late_ballots")
        # the trigger's next fire after 2027-01-10 12:00 CST is 2027-01-11 00:10 CST
        nxt = job.trigger.get_next_fire_time(None, datetime(2027, 1, 10, 12, tzinfo=CST))
    assert nxt == datetime(2027, 1, 11, 0, 10, tzinfo=CST)


# ------------------------------------------------------------------ the real process on SQLite (K-01)

_SEED = """
from datetime import datetime, timezone
from creditstreet import create_app
from creditstreet.extensions import db
from creditstreet.models import Street
from tests import factories
app = create_app()
with app.app_context():
    db.create_all()
    street = factories.make_street()
    factories.make_shop(street, created_at=datetime(2026, 1, 5, tzinfo=timezone.utc))
    db.session.commit()
"""


@pytest.fixture
def sqlite_env(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "CREDITSTREET_INSTANCE": str(tmp_path), "CREDITSTREET_CONFIG": "dev",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'sched.db'}", "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": str(root)}
    env.pop("SECRET_KEY", None)
    subprocess.run([sys.executable, "-c", _SEED], env=env, cwd=root, check=True, timeout=60)
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi"]
    return env, root, flask, tmp_path / "sched.db"


def _lock_rows(path):
    import sqlite3

    conn = sqlite3.connect(path, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM scheduler_locks").fetchone()[0]
    finally:
        conn.close()


def test_scheduler_run_once_as_a_real_process_on_a_sqlite_file(sqlite_env):
    """QA blocker: the CLI's open transaction held SQLite's write lock; release() then waited 20 s and
    crashed, leaving the lock row behind."""
    import subprocess

    env, root, flask, path = sqlite_env
    started = time.monotonic()
    proc = subprocess.run([*flask, "scheduler", "run", "--once"], env=env, cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "补评季度：" in proc.stdout and "补评季度：无" not in proc.stdout  # the shop's quarters get graded
    assert time.monotonic() - started < 15  # never waits out the 20 s busy timeout
    assert _lock_rows(path) == 0
    again = subprocess.run([*flask, "scheduler", "run", "--once"], env=env, cwd=root, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0 and "补评季度：无" in again.stdout, again.stdout + again.stderr


def test_second_real_process_is_refused_and_sigterm_releases_the_lock(sqlite_env):
    import signal
    import subprocess
    import threading as th

    env, root, flask, path = sqlite_env
    first = subprocess.Popen([*flask, "scheduler", "run"], env=env, cwd=root, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    lines, ready = [], th.Event()

    def read():
        for line in first.stdout:
            lines.append(line)
            if "调度进程已启动" in line:
                ready.set()

    reader = th.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(45), "".join(lines)
        second = subprocess.run([*flask, "scheduler", "run", "--once"], env=env, cwd=root,
                                capture_output=True, text=True, timeout=45)
        assert second.returncode != 0
        assert "另一个调度进程正在运行" in second.stdout + second.stderr
        assert _lock_rows(path) == 1
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0, "".join(lines)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
    reader.join(timeout=5)
    assert _lock_rows(path) == 0, "".join(lines)
