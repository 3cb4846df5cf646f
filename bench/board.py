"""Benchmark the public notice board against a bare Flask page (issue 6).

Generates a 10,000-shop street (with a graded quarter and annual titles) into a temporary SQLite
file, serves the real app's board ("/") and a bare Flask app rendering 50 shop rows from the same
file, each under gunicorn (2 sync workers, loopback, a free port), and drives each with 16
concurrent connections for ``--seconds`` (default 10), alternating one-second slices between
the two so that both see the same background load. Prints one line at the end:

    board_per_s=X bare_per_s=Y p99_ms=Z      (Z = the board's 99th-percentile latency)

Target: X ≥ 0.7 × Y. Run: ``.venv/bin/python bench/board.py [--seconds 10] [--shops 10000]``.
"""
import argparse
import http.client
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent

# ---- the bare baseline: a tiny separate WSGI app ---------------------------------------------------
try:
    from flask import Flask, render_template_string

    bare_app = Flask("bare")
    _BARE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>bare</title><table>
{% for r in rows %}<tr><td>{{ r[0] }}</td><td>{{ r[1] }}</td><td>{{ r[2] }}</td></tr>{% endfor %}</table></html>"""

    @bare_app.route("/")
    def bare_index():
        con = sqlite3.connect(os.environ["BENCH_DB"])
        try:
            rows = con.execute("SELECT house_number, name, industry FROM shops ORDER BY id LIMIT 50").fetchall()
        finally:
            con.close()
        return render_template_string(_BARE, rows=rows)
except ImportError:  # pragma: no cover
    bare_app = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(db_path: Path, shops: int) -> None:
    """Create the schema with the app's models and insert a street of ``shops`` shops."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    sys.path.insert(0, str(ROOT))
    from creditstreet import create_app
    from creditstreet.domain.text import search_key
    from creditstreet.extensions import db
    from creditstreet.models import AnnualStar, CreditGrade, Shop, Street, utcnow

    app = create_app("dev", SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}")
    rnd = random.Random(6)
    trades = ["服装", "鞋帽", "化妆品", "家电", "食品", "百货"]
    with app.app_context():
        db.create_all()
        street = Street(name="基准测试街", hotlines=[{"label": "投诉热线", "number": "0719-12315"}])
        db.session.add(street)
        db.session.flush()
        now = utcnow()
        rows = []
        for i in range(shops):
            name = f"{rnd.choice(['张记', '李家', '王氏', '老街', '新华'])}{rnd.choice(trades)}店{i:05d}"
            rows.append(dict(street_id=street.id, uscc=f"92{i:016d}", name=name, search_key=search_key(name),
                             ownership=rnd.choice(["private", "individual", "individual", "state"]),
                             industry=rnd.choice(trades), house_number=f"{i // 10:04d}-{i % 10}", status="active",
                             principal="某某", phone="13800138000", note="", public_reply="",
                             licence_no_expiry=False, created_at=now, updated_at=now))
        db.session.execute(Shop.__table__.insert(), rows)
        ids = db.session.scalars(db.select(Shop.id)).all()
        grades, annual = [], []
        for sid in ids:
            stars = rnd.choice([None, 1, 2, 3, 4, 4])
            for q in ("2025Q3", "2025Q4"):
                grades.append(dict(shop_id=sid, quarter=q, as_of=now, grade="B", stars=stars, criteria=[],
                                   settings_version=1, reasons=[], missing_criteria=[], computed_at=now))
            if stars == 4:
                annual.append(dict(shop_id=sid, year=2025, stars=4, reasons=[], status="confirmed",
                                   revoke_reason=""))
        db.session.execute(CreditGrade.__table__.insert(), grades)
        db.session.execute(AnnualStar.__table__.insert(), annual)
        db.session.commit()


def serve(app_spec: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", app_spec], cwd=str(ROOT), env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"{app_spec} did not start on port {port}")


def drive(port: int, paths: list[str], seconds: float, connections: int = 16) -> tuple[float, list[float]]:
    """Hit ``paths`` round-robin from ``connections`` threads for ``seconds``; (requests/s, latencies ms)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int):
        mine, i = [], k
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += connections
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status != 200:
                    errors[0] += 1
                    continue
            except OSError:
                errors[0] += 1
                continue
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if errors[0]:
        print(f"warning: {errors[0]} failed requests on port {port}", file=sys.stderr)
    return len(latencies) / elapsed, latencies


def p99(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(0.99 * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--shops", type=int, default=10_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="creditstreet-bench-"))
    db_path = tmp / "board.sqlite3"
    generate(db_path, args.shops)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_path}", BENCH_DB=str(db_path), CREDITSTREET_CONFIG="dev",
               CREDITSTREET_INSTANCE=str(tmp / "instance"), SECRET_KEY="bench-only-secret",
               PYTHONPATH=str(ROOT))
    pages = max(1, args.shops // 50)
    rnd = random.Random(1)
    board_paths = ["/"] + [f"/?page={rnd.randint(2, pages)}" for _ in range(30)] + ["/?q=" + quote("張記"), "/?q=" + quote("新华鞋帽")]
    procs = []
    try:
        board_port, bare_port = free_port(), free_port()
        procs.append(serve("wsgi:app", board_port, env))
        procs.append(serve("bench.board:bare_app", bare_port, env))
        drive(board_port, board_paths, 1.0)  # warm-up: imports, caches, statistics (not counted)
        drive(bare_port, ["/"], 1.0)
        # Alternate one-second slices so both servers see the same background load on a shared machine.
        board_n = bare_n = 0
        board_t = bare_t = 0.0
        board_lat: list[float] = []
        slices = max(1, round(args.seconds))
        for _ in range(slices):
            rate, lat = drive(board_port, board_paths, args.seconds / slices)
            board_n, board_t, board_lat = board_n + len(lat), board_t + len(lat) / rate if rate else board_t, board_lat + lat
            rate, lat = drive(bare_port, ["/"], args.seconds / slices)
            bare_n, bare_t = bare_n + len(lat), bare_t + len(lat) / rate if rate else bare_t
        board_rate = board_n / board_t if board_t else 0.0
        bare_rate = bare_n / bare_t if bare_t else 0.0
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)  # the generated street's database
    print(f"board_per_s={board_rate:.1f} bare_per_s={bare_rate:.1f} p99_ms={p99(board_lat):.1f}")


if __name__ == "__main__":
    main()
