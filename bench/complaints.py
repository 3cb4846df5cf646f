"""Benchmark complaint intake on SQLite under gunicorn, beside a bare insert route (issue 4).

Serves the real app (config "test", rate limits off, a temporary SQLite file, WAL, BEGIN
IMMEDIATE) under gunicorn with several sync workers on loopback, then 16 client threads at once:
1. POST /api/complaints through the real service (validation, idempotency key, audit, deadlines);
   every client also re-sends one of its keys to check that retries are not stored twice;
2. POST /bench/bare: a route that inserts one minimal complaint row with a single INSERT.
Checks that nothing is lost or duplicated and that no request saw "database is locked", then prints
as its last line:

    clients=16 sent=N stored=N duplicates=0 locked=0 per_s=X bare_per_s=Y

Run: ``.venv/bin/python bench/complaints.py [--seconds 5] [--workers 4] [--rounds 5]``. Bounded in time.
``--rounds N`` alternates N slices of each route (fair under background load); the line before the
last gives the ratio and the 1-minute load average at start and end.
"""
import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 16


def make_app():
    """App factory for gunicorn: the real app on BENCH_DB plus the bare insert route."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text

    from creditstreet import create_app
    from creditstreet.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.environ['BENCH_DB']}", RATELIMIT_ENABLED=False,
                     WTF_CSRF_ENABLED=True)

    @app.route("/bench/bare", methods=["POST"])
    def bare_insert():
        db.session.execute(text(
            "INSERT INTO complaints (street_id, kind, carries_report, channel, tracking_code, title, goods,"
            " goods_category, description, demand, consumer_name, consumer_phone, status, money_recovered_fen,"
            " shop_at_fault, refused_mediation, received_at, overdue, reopened_count, report_extended, created_at)"
            " VALUES (1, 'complaint', 0, 'api', :code, '', '', '', 'bare', '', '', '13800138000', 'received', 0,"
            " 0, 0, CURRENT_TIMESTAMP, 0, 0, 0, CURRENT_TIMESTAMP)"), {"code": "BB" + secrets.token_hex(8)})
        db.session.commit()
        return "", 204

    from creditstreet.extensions import csrf

    csrf.exempt(bare_insert)
    return app


def seed(db_path: str) -> int:
    """Create the schema, one street and one shop; return the shop id."""
    os.environ["BENCH_DB"] = db_path
    app = make_app()
    from creditstreet.extensions import db
    from creditstreet.models import Shop, Street

    with app.app_context():
        db.create_all()
        street = Street(name="基准街", timezone="Asia/Shanghai", hotlines=[])
        db.session.add(street)
        db.session.flush()
        shop = Shop(street_id=street.id, uscc="92420381AXL5T17H86", name="张记面馆", search_key="张记面馆",
                    ownership="individual")
        db.session.add(shop)
        db.session.commit()
        shop_id = shop.id
        db.engine.dispose()
    return shop_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(db_path: str, workers: int, port: int) -> subprocess.Popen:
    env = dict(os.environ, BENCH_DB=db_path, PYTHONPATH=str(ROOT),
               CREDITSTREET_INSTANCE=str(Path(db_path).parent / "instance"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "bench.complaints:make_app()"],
        cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + proc.stderr.read().decode(errors="replace")[-2000:])
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start in 30 s")


def warm_up(port: int) -> None:
    """Let every worker finish booting (the master accepts connections before workers are ready)."""
    def hit():
        for _ in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/api/health")
            conn.getresponse().read()
            conn.close()

    threads = [threading.Thread(target=hit) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)


def drive(port: int, path: str, seconds: float, body_for) -> dict:
    """16 threads POST for ``seconds``; returns counts of sent/ok/errors/locked and requests per second."""
    stats = {"sent": 0, "ok": 0, "errors": 0, "locked": 0, "keys": []}
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)
    stop_at = [0.0]

    def client(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start.wait()
        if n == 0:
            stop_at[0] = time.monotonic() + seconds
        while not stop_at[0]:
            time.sleep(0.001)
        i = 0
        while time.monotonic() < stop_at[0]:
            key, body = body_for(n, i)
            headers = {"Content-Type": "application/json"}
            if key:
                headers["Idempotency-Key"] = key
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    stats["errors"] += 1
                continue
            with lock:
                stats["sent"] += 1
                if resp.status in (200, 201, 204):
                    stats["ok"] += 1
                    if key:
                        stats["keys"].append(key)
                else:
                    stats["errors"] += 1
                if b"locked" in data:
                    stats["locked"] += 1
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    stats["elapsed"] = max(time.monotonic() - t0, 1e-9)
    return stats


def _merge(total: dict, part: dict) -> None:
    for k in ("sent", "ok", "errors", "locked", "elapsed"):
        total[k] = total.get(k, 0) + part[k]
    total.setdefault("keys", []).extend(part["keys"])


def run(seconds: float = 5.0, workers: int = 4, rounds: int = 1) -> dict:
    """``rounds`` > 1: ``seconds`` per route split into that many slices, alternating between the
    two routes, so that background load on a shared machine falls on both alike (as bench/board.py)."""
    import sqlite3

    tmp = Path(tempfile.mkdtemp(prefix="bench-complaints-"))
    db_path = str(tmp / "bench.sqlite3")
    shop_id = seed(db_path)
    port = free_port()
    proc = start_gunicorn(db_path, workers, port)
    load_before = os.getloadavg()
    real, bare = {}, {}
    try:
        warm_up(port)

        def complaint_body(r, n, i):
            # Every 3rd request re-sends the previous request (same key, same body): a retry that
            # must not be stored twice. (A reused key with another body is a new complaint.)
            j = i - 1 if i % 3 == 2 else i
            key = f"bench-{r}-{n}-{j}"
            return key, json.dumps({"shop_id": shop_id, "description": f"客户端{n}第{j}次（{r}）：面里有头发😡",
                                    "consumer_phone": "13800138000", "amount": "28"}).encode()

        for r in range(rounds):
            _merge(real, drive(port, "/api/complaints", seconds / rounds, lambda n, i, r=r: complaint_body(r, n, i)))
            _merge(bare, drive(port, "/bench/bare", seconds / rounds, lambda n, i: (None, b"{}")))
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    load_after = os.getloadavg()
    con = sqlite3.connect(db_path)
    stored = con.execute("SELECT COUNT(*) FROM complaints WHERE channel='api' AND tracking_code LIKE 'TS%'").fetchone()[0]
    dup_tokens = con.execute("SELECT COUNT(*) - COUNT(DISTINCT submission_token) FROM complaints"
                             " WHERE submission_token IS NOT NULL").fetchone()[0]
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)  # the run's database: read, nothing else needs it
    distinct_keys = len(set(real["keys"]))
    return {"clients": CLIENTS, "sent": distinct_keys, "stored": stored,
            "duplicates": dup_tokens + max(0, stored - distinct_keys), "locked": real["locked"] + bare["locked"],
            "errors": real["errors"] + bare["errors"], "requests": real["sent"],
            "per_s": real["sent"] / real["elapsed"], "bare_per_s": bare["sent"] / bare["elapsed"],
            "load": (load_before[0], load_after[0])}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--rounds", type=int, default=1,
                   help="alternate this many slices per route (default 1: all complaints, then all bare)")
    a = p.parse_args(argv)
    r = run(a.seconds, a.workers, max(1, a.rounds))
    print(f"requests={r['requests']} errors={r['errors']} (sent counts distinct idempotency keys)")
    print(f"ratio={r['per_s'] / max(r['bare_per_s'], 1e-9):.2f} load_avg_1min={r['load'][0]:.2f}..{r['load'][1]:.2f}"
          f" rounds={max(1, a.rounds)} seconds={a.seconds:g} workers={a.workers}")
    print(f"clients={r['clients']} sent={r['sent']} stored={r['stored']} duplicates={r['duplicates']} "
          f"locked={r['locked']} per_s={r['per_s']:.1f} bare_per_s={r['bare_per_s']:.1f}")
    return 0 if r["sent"] == r["stored"] and not r["duplicates"] and not r["locked"] and not r["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
