"""Limits are shared between workers (issue 13 §6): two gunicorn workers counting in the Redis at
127.0.0.1:6379 (``TEST_REDIS_URL``, default db 0) let through 10 failed logins a minute from one
address, not 10 per worker. The access log names the worker (pid) that answered each request, so
the test also shows both workers took part. Skipped when no Redis answers, except under CI
(``CREDITSTREET_REQUIRE_REDIS=1``, set by .ci/run), where it must run."""
import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from .test_exports_gunicorn import ROOT, _free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def make_app():
    """App factory for gunicorn: limits on, counted in Redis under a prefix of this run only."""
    from creditstreet import create_app
    from creditstreet.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.environ['GUNICORN_TEST_DB']}",
                     RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=os.environ["RATELIMIT_STORAGE_URI"],
                     RATELIMIT_KEY_PREFIX=os.environ["RATELIMIT_KEY_PREFIX"])
    with app.app_context():
        db.create_all()  # checkfirst: the second worker finds the tables made
        db.session.remove()
    return app


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CREDITSTREET_REQUIRE_REDIS") == "1":
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def _failed_login(base: str, n: int) -> int:
    """A new browser: GET the form, POST a wrong password for an unknown name; the POST's status."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    html = opener.open(base + "/auth/login", timeout=20).read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": f"nobody{n}", "password": "guess-guess"})
    try:
        return opener.open(base + "/auth/login", data=form.encode(), timeout=20).status
    except urllib.error.HTTPError as e:
        return e.code


def test_two_workers_share_the_failed_login_limit():
    store = _redis_or_skip()
    prefix = f"cs-test-{uuid.uuid4().hex[:12]}"
    tmp = Path(tempfile.mkdtemp(prefix="gunicorn-limit-"))
    access_log = tmp / "access.log"
    env = dict(os.environ, GUNICORN_TEST_DB=str(tmp / "g.sqlite3"), PYTHONPATH=str(ROOT),
               CREDITSTREET_INSTANCE=str(tmp / "instance"), RATELIMIT_STORAGE_URI=REDIS_URL,
               RATELIMIT_KEY_PREFIX=prefix)
    env.pop("DATABASE_URL", None)
    env.pop("TEST_DATABASE_URL", None)
    port = _free_port()
    # Two workers, each replaced after 7 requests: the 48 requests are answered by several processes
    # whatever the kernel's choice of acceptor (an idle machine may give one worker every request),
    # so a count kept in one process's memory could not reach the limit.
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                             "--max-requests", "7",
                             "--timeout", "30", "--access-logfile", str(access_log),
                             "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
                             "tests.test_ratelimit_gunicorn:make_app()"],
                            cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/api/health", timeout=5).read()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        codes = [_failed_login(base, n) for n in range(24)]
        # One address, 10 failures a minute in all: per worker it would have been up to 20.
        assert codes == [200] * 10 + [429] * 14
        time.sleep(0.5)  # the access log is written after each response
        posts = [line.split() for line in access_log.read_text().splitlines() if " POST /auth/login " in line]
        assert len(posts) == 24
        workers = {pid for pid, *_ in posts}
        assert len(workers) >= 4, f"the POSTs were answered by too few processes: {workers}"
        answered_by = {pid for pid, _m, _u, status in posts if status == "200"}
        assert answered_by, posts
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
