"""Load and faults (issue 7): 16 consumers and 4 supervisors on gunicorn while grades recompute.

Starts gunicorn on a free loopback port against a temporary SQLite database seeded with one street,
SHOPS shops and 4 supervisors, with the ballot window set (an admin setting) so the current quarter
is open whatever today is. Then, bounded by --seconds:

- 16 consumer threads file complaints through the public form (GET form → CSRF + one-time token →
  POST), each from its own client address (X-Forwarded-For behind PROXY_COUNT=1, as in production
  behind one proxy); every 5th complaint is POSTed twice with the same token (a retry after a
  lost answer) and must come back with the same tracking code;
- 4 supervisor threads log in and vote on every shop of their list through the ballot form,
  re-voting some shops (a re-vote replaces the ballot);
- `flask grades recompute` runs again and again in separate processes (faults: long write
  transactions on the same database while the web workers write).

Then it checks, straight from the database, that every complaint sent is stored exactly once (by
tracking code and by a unique marker in its text), every ballot by (supervisor, shop, quarter) with
the marks last sent, and that no request failed. Prints throughput and latency; the last line is
``sent=N stored=N lost=0 duplicated=0 failed=0 p99_ms=X``. Exit status 1 when anything is off.

Usage: .venv/bin/python bench/load_faults.py [--seconds 60] [--consumers 16] [--per-consumer 12]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Tools run as modules of this interpreter: no dependence on where (or whether) a venv is.
PY = sys.executable
SHOPS = 60
SUPERVISORS = 4
PASSWORD = "load-test-pw-2026"
TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SUBMISSION_RE = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One browser: its own cookies; records (ok, latency) of every request into ``stats``."""

    def __init__(self, base: str, stats: "Stats", ip: str | None = None):
        self.base, self.stats, self.ip = base, stats, ip
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)

    def request(self, path: str, data: dict | None = None, expect=(200,)) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if self.ip:
            req.add_header("X-Forwarded-For", self.ip)
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as resp:
                status, text, location = resp.status, resp.read().decode(), resp.headers.get("Location", "")
        except urllib.error.HTTPError as e:
            status, text, location = e.code, e.read().decode(errors="replace"), e.headers.get("Location", "")
        except OSError as e:
            self.stats.record(False, time.perf_counter() - start, f"{path}: {e}")
            return 0, "", ""
        ok = status in expect
        self.stats.record(ok, time.perf_counter() - start, None if ok else f"{path}: HTTP {status}")
        return status, text, location


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def record(self, ok: bool, seconds: float, failure: str | None):
        with self.lock:
            self.latencies.append(seconds)
            if not ok:
                self.failures.append(failure or "?")

    def p(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(env: dict) -> tuple[list[int], list[str], str]:
    """Create the schema and the street; returns shop ids, supervisor names and the open quarter."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from creditstreet import create_app
    from creditstreet.domain.text import search_key
    from creditstreet.extensions import db
    from creditstreet.models import Shop, Street, User, utcnow
    from creditstreet.services import ballots, settings

    app = create_app("dev")
    with app.app_context():
        db.create_all()
        street = Street(name="压力测试街", timezone="Asia/Shanghai", hotlines=[])
        db.session.add(street)
        db.session.flush()
        # Entered and opened two years ago, whatever today is: the quarter `grades recompute`
        # grades by default (the last completed one) then has shops in business (SPEC G1).
        since = utcnow() - timedelta(days=730)
        for i in range(SHOPS):
            db.session.add(Shop(street_id=street.id, uscc=f"LOAD{i:014d}", name=f"压测商店{i}", search_key=search_key(f"压测商店{i}"),
                                ownership="individual", industry="服装", house_number=f"{i + 1}号",
                                opened_on=since.date(), created_at=since, updated_at=since))
        names = []
        for i in range(SUPERVISORS):
            user = User(username=f"load-sup{i}", role="supervisor", display_name=f"监督员{i}", street_id=street.id)
            user.set_password(PASSWORD)
            db.session.add(user)
            names.append(user.username)
        # A quarter has at most 92 days: opening the window 92 days before the quarter's end and
        # closing it at the end makes the current quarter the open one, whatever today is (SPEC S1).
        settings.update_settings(None, {"ballot_open_days_before_end": "92", "ballot_close_days_after_end": "0"})
        db.session.commit()
        quarter = ballots.open_quarter(utcnow())
        assert quarter is not None, "ballot window should be open"
        shop_ids = list(db.session.scalars(db.select(Shop.id).order_by(Shop.id)))
        db.session.remove()
        db.engine.dispose()
    return shop_ids, names, str(quarter)


def wait_up(base: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def consumer(n: int, base: str, shop_ids: list[int], per: int, deadline: float, stats: Stats, sent: dict):
    for i in range(per):
        if time.time() > deadline:
            return
        c = Client(base, stats, ip=f"10.{n}.{i // 250}.{i % 250 + 1}")
        status, html, _ = c.request("/complaints/new")
        csrf, token = TOKEN_RE.search(html or ""), SUBMISSION_RE.search(html or "")
        if status != 200 or not csrf or not token:
            stats.record(False, 0, f"complaint form {n}/{i}: no tokens")
            continue
        marker = f"LOAD-{n:02d}-{i:03d}"
        data = {"csrf_token": csrf.group(1), "submission_token": token.group(1), "kind": "complaint",
                "shop_id": str(shop_ids[(n * per + i) % len(shop_ids)]), "title": "压测投诉",
                "goods": "衬衫", "goods_category": "服装鞋帽", "amount": "128.50",
                "description": f"{marker} 衣服洗后掉色，要求退货。", "demand": "退货退款",
                "consumer_phone": f"139{n:04d}{i:04d}"}
        codes = []
        for _attempt in range(2 if i % 5 == 4 else 1):  # every 5th: the same form posted again
            status, _, location = c.request("/complaints/new", data, expect=(302,))
            m = re.search(r"/track/([^/?#]+)", location)
            if status == 302 and m:
                codes.append(m.group(1))
        with stats.lock:
            sent[marker] = codes
        if len(set(codes)) > 1:
            stats.record(False, 0, f"{marker}: a retry got a second tracking code {codes}")


def supervisor(name: str, base: str, shop_ids: list[int], quarter: str, deadline: float, stats: Stats,
               sent: dict):
    c = Client(base, stats, ip=f"10.200.0.{int(name[-1]) + 1}")
    _, html, _ = c.request("/auth/login")
    status, _, _ = c.request("/auth/login", {"csrf_token": TOKEN_RE.search(html).group(1), "username": name,
                                             "password": PASSWORD}, expect=(302,))
    if status != 302:
        return
    k = int(name[-1])
    for j, shop_id in enumerate(shop_ids + shop_ids[:5]):  # the first 5 shops voted on again (re-vote)
        if time.time() > deadline:
            return
        status, html, _ = c.request(f"/supervisor/vote/{shop_id}")
        m = TOKEN_RE.search(html or "")
        if status != 200 or not m:
            continue
        marks = {crit: "1" if (shop_id + k + j + b) % 3 else "0"
                 for b, crit in enumerate(("lawful", "service", "compliance", "honesty"))}
        status, _, _ = c.request(f"/supervisor/vote/{shop_id}", {"csrf_token": m.group(1), **marks}, expect=(302,))
        if status == 302:
            with stats.lock:
                sent[(name, shop_id, quarter)] = marks


def recompute_loop(env: dict, stop: threading.Event, results: list):
    while not stop.is_set():
        start = time.perf_counter()
        done = subprocess.run([PY, "-m", "flask", "--app", "wsgi", "grades", "recompute"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)
        results.append((done.returncode, time.perf_counter() - start, done.stdout.strip()[-200:] + done.stderr[-400:]))
        stop.wait(0.5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60, help="time box for sending (default 60)")
    ap.add_argument("--consumers", type=int, default=16)
    ap.add_argument("--supervisors", type=int, default=SUPERVISORS)
    ap.add_argument("--per-consumer", type=int, default=12)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="creditstreet-load-"))
    db_path = tmp / "load.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "CREDITSTREET_CONFIG": "dev",
           "CREDITSTREET_INSTANCE": str(tmp / "instance"), "SECRET_KEY": "load-test-" + "k" * 32,
           "PROXY_COUNT": "1", "FLASK_APP": "wsgi"}
    shop_ids, sup_names, quarter = seed(env)
    sup_names = sup_names[:args.supervisors]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [PY, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
         "--timeout", "120", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    stats, complaints_sent, ballots_sent, recomputes = Stats(), {}, {}, []
    stop = threading.Event()
    try:
        wait_up(base, gunicorn)
        started = time.perf_counter()
        deadline = time.time() + args.seconds
        recompute = threading.Thread(target=recompute_loop, args=(env, stop, recomputes))
        threads = [threading.Thread(target=consumer, args=(n, base, shop_ids, args.per_consumer, deadline, stats,
                                                            complaints_sent)) for n in range(args.consumers)]
        threads += [threading.Thread(target=supervisor, args=(name, base, shop_ids, quarter, deadline, stats,
                                                               ballots_sent)) for name in sup_names]
        recompute.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        stop.set()
        recompute.join()
    finally:
        stop.set()
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()

    # Check straight from the database.
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = con.execute("SELECT tracking_code, description FROM complaints").fetchall()
    by_code = {code: desc for code, desc in rows}
    marker_counts: dict[str, int] = {}
    for _, desc in rows:
        m = re.match(r"(LOAD-\d\d-\d\d\d) ", desc)
        if m:
            marker_counts[m.group(1)] = marker_counts.get(m.group(1), 0) + 1
    lost = duplicated = 0
    stored = 0
    for marker, codes in complaints_sent.items():
        n = marker_counts.get(marker, 0)
        ok = bool(codes) and all(by_code.get(c, "").startswith(marker + " ") for c in codes)
        lost += n == 0 or not ok
        duplicated += n > 1
        stored += n >= 1 and ok
    ballot_rows = con.execute(
        "SELECT u.username, b.shop_id, b.quarter, b.lawful, b.service, b.compliance, b.honesty "
        "FROM ballots b JOIN users u ON u.id = b.supervisor_id").fetchall()
    ballot_keys: dict[tuple, list] = {}
    for name, shop_id, q, *marks in ballot_rows:
        ballot_keys.setdefault((name, shop_id, q), []).append(marks)
    for key, marks in ballots_sent.items():
        got = ballot_keys.get(key, [])
        want = [int(marks[c]) for c in ("lawful", "service", "compliance", "honesty")]
        duplicated += len(got) > 1
        if len(got) == 1 and [int(x) for x in got[0]] == want:
            stored += 1
        else:
            lost += 1
    extra = len(ballot_keys) - len(ballots_sent) + len(rows) - len(complaints_sent)
    con.close()

    failed = len(stats.failures)
    bad_recomputes = [r for r in recomputes if r[0] != 0]
    sent = len(complaints_sent) + len(ballots_sent)
    requests = len(stats.latencies)
    print(f"gunicorn workers={args.workers} consumers={args.consumers} supervisors={len(sup_names)} "
          f"shops={len(shop_ids)} quarter={quarter} seconds={elapsed:.1f}")
    print(f"complaints sent={len(complaints_sent)} (retries of the same form included once) "
          f"ballots sent={len(ballots_sent)} (re-votes replace) rows: complaints={len(rows)} ballots={len(ballot_rows)}")
    print(f"recomputes={len(recomputes)} failed_recomputes={len(bad_recomputes)} "
          f"longest_recompute_s={max((r[1] for r in recomputes), default=0):.2f}")
    print(f"requests={requests} throughput={requests / elapsed:.1f} req/s p50_ms={stats.p(0.50):.0f} "
          f"p95_ms={stats.p(0.95):.0f} p99_ms={stats.p(0.99):.0f} max_ms={stats.p(1.0):.0f}")
    for f in stats.failures[:10]:
        print("FAILED", f)
    for r in bad_recomputes[:3]:
        print("RECOMPUTE FAILED", r[2])
    if extra:
        print(f"UNEXPECTED rows not sent by this run: {extra}")
    print(f"sent={sent} stored={stored} lost={lost} duplicated={duplicated} failed={failed + len(bad_recomputes)} "
          f"p99_ms={stats.p(0.99):.0f}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if (lost == duplicated == failed == extra == 0 and not bad_recomputes and sent) else 1


if __name__ == "__main__":
    raise SystemExit(main())
