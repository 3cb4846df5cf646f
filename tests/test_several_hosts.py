"""Several hosts (issue 18): two web instances and two schedulers on one PostgreSQL and one Redis.

Two gunicorn instances on different ports serve the same PostgreSQL database, with Flask-Limiter's
storage in Redis (``RATELIMIT_STORAGE_URI``) and one SECRET_KEY, as behind a reverse proxy that
spreads requests over N web hosts; two ``flask scheduler run`` processes start as on two hosts.
- complaints and ballots sent to both instances are stored once each (a retry that lands on the
  other host is the same complaint; a re-vote on the other host replaces the ballot);
- the complaint rate limit (5 a minute per address) is counted across the instances;
- exactly one scheduler grades each missing quarter; the other waits for the lock and, once the
  first stops, takes over without grading the quarter again.

Needs PostgreSQL (DATABASE_URL) and Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/15);
skipped without them, except when REQUIRE_SEVERAL_HOSTS=1 (CI), where a missing Redis fails.
"""
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from . import factories

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _redis_ok() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except Exception:
        return False


@pytest.fixture
def several(app, db, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several hosts share one PostgreSQL database: run with DATABASE_URL=postgresql://…")
    if not _redis_ok():
        if os.environ.get("REQUIRE_SEVERAL_HOSTS") == "1":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (set TEST_REDIS_URL)")
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "CREDITSTREET_CONFIG": "dev",
           "SECRET_KEY": secrets.token_hex(32), "RATELIMIT_STORAGE_URI": REDIS_URL,
           "RATELIMIT_KEY_PREFIX": f"several-{secrets.token_hex(4)}", "PROXY_COUNT": "1",
           "CREDITSTREET_INSTANCE": str(tmp_path), "FLASK_APP": "wsgi", "PYTHONPATH": str(ROOT)}
    env.pop("TEST_DATABASE_URL", None)
    procs = []

    def start(args, log_name):
        log = open(tmp_path / log_name, "wb")
        proc = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        procs.append(proc)
        return proc

    yield start, tmp_path
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    db.session.rollback()
    db.session.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))  # the schedulers' job store
    db.session.commit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(base: str, proc, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not answer in 90 s")


class Browser:
    """Cookies shared across hosts, as one browser behind one reverse proxy address."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=60) as resp:
            return resp.read().decode()

    def post(self, url: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(urllib.request.Request(url, data=body, method="POST"), timeout=60) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _complaint(base: str, key: str, body: dict, address: str) -> tuple[int, dict]:
    req = urllib.request.Request(base + "/api/complaints", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Idempotency-Key": key,
                                          "X-Forwarded-For": address})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, {}


def _wait_for(path: Path, needle: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise AssertionError(f"“{needle}” not in {path.name} after {seconds} s: {path.read_text(errors='replace')[-2000:]}")


def test_two_web_hosts_and_two_schedulers_share_one_database_and_one_redis(several, db, street):
    from creditstreet.models import Ballot, Complaint, GradeRun, utcnow
    from creditstreet.services import ballots, settings

    start, logs = several
    since = utcnow() - timedelta(days=120)  # in business before the last completed quarter ended
    shops = [factories.make_shop(street, opened_on=since.date(), created_at=since) for _ in range(2)]
    sups = [factories.make_user("supervisor", street=street, created_at=since) for _ in range(2)]
    # The ballot window covers the whole current quarter whatever today is (SPEC S1 settings).
    settings.update_settings(None, {"ballot_open_days_before_end": "92", "ballot_close_days_after_end": "0"})
    db.session.commit()
    quarter = str(ballots.open_quarter(utcnow()))

    hosts = []
    for n in (1, 2):
        port = _free_port()
        proc = start(["gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"], f"web{n}.log")
        hosts.append((f"http://127.0.0.1:{port}", proc, logs / f"web{n}.log"))
    for base, proc, log in hosts:
        _wait_up(base, proc, log)
    a, b = hosts[0][0], hosts[1][0]

    # Complaints: each sent to one host, then retried (same key, same body) on the other.
    sent = {}
    for i in range(6):
        body = {"shop_id": shops[i % 2].id, "description": f"多主机投诉{i}：面里有头发", "consumer_phone": "13800138000"}
        first, second = (a, b) if i % 2 else (b, a)
        status1, out1 = _complaint(first, f"several-{i}", body, f"198.51.100.{i + 1}")
        status2, out2 = _complaint(second, f"several-{i}", body, f"198.51.100.{i + 1}")
        assert (status1, status2) == (201, 200), (i, status1, status2)
        assert out1["tracking_code"] == out2["tracking_code"] and out2["replayed"] is True
        sent[out1["tracking_code"]] = i
    stored = db.session.execute(select(Complaint.tracking_code, Complaint.description)
                                .where(Complaint.description.like("多主机投诉%"))).all()
    assert sorted(code for code, _ in stored) == sorted(sent)  # 6 sent, 6 stored, none twice

    # The limit is 5 complaints a minute per address, counted in Redis: five stored, alternating
    # between the hosts, then the sixth is refused on either host (each host alone saw only 3).
    statuses = [_complaint((a, b)[i % 2], f"limit-{i}", {"shop_id": shops[0].id, "consumer_phone": "13800138000",
                                                        "description": f"限流{i}：同一地址"}, "203.0.113.77")[0]
                for i in range(6)]
    assert statuses == [201] * 5 + [429], statuses
    assert db.session.scalar(select(func.count()).where(Complaint.description.like("限流%"))) == 5
    db.session.commit()

    # Ballots: log in on one host, vote on the other, re-vote on the first; one row each, last marks.
    for n, sup in enumerate(sups):
        browser = Browser()
        token = TOKEN.search(browser.get(a + "/auth/login")).group(1)
        assert browser.post(a + "/auth/login", {"csrf_token": token, "username": sup.username,
                                                "password": factories.PASSWORD}) == 302
        for shop in shops:
            for host, mark in ((b, "0"), (a, "1")):
                page = browser.get(f"{host}/supervisor/vote/{shop.id}")
                token = TOKEN.search(page).group(1)
                marks = {"lawful": mark, "service": "1", "compliance": "1", "honesty": "1"}
                assert browser.post(f"{host}/supervisor/vote/{shop.id}", {"csrf_token": token, **marks}) == 302
    rows = db.session.execute(select(Ballot.supervisor_id, Ballot.shop_id, Ballot.lawful)
                              .where(Ballot.quarter == quarter)).all()
    assert sorted(rows) == sorted((s.id, shop.id, True) for s in sups for shop in shops)
    # The tallies the hosts kept (Y3): each shop len(sups) ballots, all lawful after the re-votes.
    from creditstreet.models import BallotTally, BallotVoter
    kept = db.session.execute(select(BallotTally.shop_id, BallotTally.ballots, BallotTally.lawful)
                              .where(BallotTally.quarter == quarter)).all()
    assert sorted(kept) == sorted((shop.id, len(sups), len(sups)) for shop in shops)
    voters = db.session.execute(select(BallotVoter.supervisor_id, BallotVoter.ballots)
                                .where(BallotVoter.quarter == quarter)).all()
    assert sorted(voters) == sorted((s.id, len(shops)) for s in sups)
    db.session.commit()

    # Two schedulers: one takes the lock and grades the missing quarters; the other waits.
    first = start(["flask", "scheduler", "run", "--retry", "1"], "sched1.log")
    _wait_for(logs / "sched1.log", "调度进程已启动")
    second = start(["flask", "scheduler", "run", "--retry", "1"], "sched2.log")
    _wait_for(logs / "sched2.log", "另一个调度进程正在运行")
    db.session.commit()
    graded = db.session.execute(select(GradeRun.quarter, func.count()).group_by(GradeRun.quarter)).all()
    assert graded and all(n == 1 for _, n in graded), graded
    # The first stops (its host goes down): the second takes over, finds nothing left to grade.
    os.killpg(first.pid, signal.SIGTERM)
    first.wait(30)
    _wait_for(logs / "sched2.log", "调度进程已启动")
    assert "补评季度：无" in (logs / "sched2.log").read_text()
    db.session.commit()
    assert db.session.execute(select(GradeRun.quarter, func.count()).group_by(GradeRun.quarter)).all() == graded
    assert second.poll() is None
