"""Time every GET page of the app on a city-sized database, as each role sees it (SPEC Y3).

    python bench/pages.py [--scale 1.0] [--repeat 10] [--keep] [--reuse URL] [--only REGEX] [--at ISO] [--no-cache]

Builds a city with the recompute bench's generator (``bench/recompute.py``: per 1.0 of scale 300
streets, 100,000 shops — half of them on the first street, so one street is at scale too —
1,000,000 complaints, 2,000,000 ballots, 300,000 violations …), grades 2024Q2 for every shop,
loads the demo street beside it (patrols, photos, cards, warnings, promises: rows for every kind
of page) and adds one account per role. The database is a SQLite file in a temp dir, or the
PostgreSQL database in ``DATABASE_URL`` (a throwaway: every table is dropped). ``--keep`` keeps
the SQLite file and prints how to measure it again with ``--reuse``.

Then, in-process (Flask's test client: no HTTP, no network noise), it logs in through the login
form as the city admin, an inspector and a supervisor of the big street, discovers every GET
route from the URL map, fills its ids from the data, warms it once and times it ``--repeat``
times. Routes under /admin are timed as the city admin working on the big street, /inspector as the inspector, /supervisor as the
supervisor, the rest anonymously. Downloads (a route whose URL ends in a file name: PDF, XLSX,
CSV, JSON files) are timed and listed apart: a file of the whole city is not a page.

Prints one line per route (status, median and p95 wall time, bytes, p95 of this process's CPU time —
SQLite's work included — which a shared machine's load does not inflate) and, last, the machine-readable line
``routes=N p95_max_ms=X over_200ms=K`` over the pages. The data do not depend on today's date; the
pages' periods do ("the last 12 months" of today is empty): ``--at 2024-07-02T09:00+08:00`` sets the
app's clock to the generated year's end. ``--only REGEX`` times just the routes matching;
``--no-cache`` turns the board's per-process section cache off (every board page computed).
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import recompute  # noqa: E402  (the generator; ROOT on the path first)

CST = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 7, 2, 9, tzinfo=CST)  # the generator's data lie in the year before this
PASSWORD = "bench-pages-2024"  # nosec B105  # throwaway accounts in a throwaway database
TARGET_MS = 200
ROLES = {"/admin": "cityadmin", "/inspector": "inspector", "/supervisor": "supervisor", "/merchant": "merchant"}
# Per-route values where one argument name means different things on different routes.
ARG_OVERRIDES = {"/open-data/<name>.<fmt>": {"fmt": "csv"}}
NEEDS_QUERY: set[str] = set()  # rules that answer only with a query string (timed as variants below)
# Per-role values where a role may open only its own rows: the merchant's complaint is one of its shop's.
ROLE_ARGS = {"merchant": {"cid": "merchant_cid"}}
# Rows only the demo street has (patrols, cards, promises …): their pages are timed as the demo
# street's own staff, who may see them.
DEMO_ARGS = {"action_id", "group_id", "patrol_id", "photo_id", "warning_id", "star_id", "commitment_id", "range_id"}
DEMO_ROLES = {"cityadmin": "admin", "inspector": "inspector1", "supervisor": "supervisor1"}
# (rows only the demo street has: a merchant has none of them, so "/merchant" needs no demo login)
# Beyond the bare routes: searches and far pages of the long lists (a page number past the end
# shows the last page).
VARIANTS = ["/?q=商户12", "/?page=100000", "/inspector/shops?q=商户12", "/inspector/shops?page=100000",
            "/admin/grades?page=100000", "/admin/shops?q=商户12", "/admin/shops?page=100000",
            "/admin/ballots?page=100000", "/admin/ballots?quarter=2024Q2", "/admin/audit?page=100000", "/inspector/complaints?page=100000",
            # the big street's statistics over the generated year (last: ?street= stays in the session)
            "/admin/complaint-stats/?from=2023-07&street=s1"]
DOWNLOAD = re.compile(r"\.(pdf|xlsx|csv|json|<fmt>|<string:fmt>)$|<path:")


def spread(streets: int) -> None:
    """Move the generated shops (and their complaints) onto ``streets`` streets, as
    ``recompute.street_of`` places them: the first street keeps every other shop."""
    from sqlalchemy import text

    from creditstreet.extensions import db
    from creditstreet.models import Street

    slug, default = "slug" in Street.__table__.c, "is_default" in Street.__table__.c
    db.session.execute(Street.__table__.insert(), [
        {"id": n, "name": f"基准测试街{n}", "timezone": "Asia/Shanghai", "hotlines": [], "duty_hours": "",
         "created_at": recompute.YEAR_START, **({"slug": f"s{n}"} if slug else {}),
         **({"is_default": False} if default else {})} for n in range(2, streets + 1)])
    where = f"CASE WHEN {{id}} % 2 = 1 THEN 1 ELSE 2 + ({{id}} / 2) % {streets - 1} END"
    db.session.execute(text(f"UPDATE shops SET street_id = {where.format(id='id')}"))
    db.session.execute(text(f"UPDATE complaints SET street_id = {where.format(id='shop_id')}"
                            " WHERE shop_id IS NOT NULL"))
    if db.engine.dialect.name == "postgresql":  # rows were inserted with their ids: move the sequences on
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))
    db.session.commit()


def add_accounts() -> None:
    """One account per role on the big street (and a city admin), all with ``PASSWORD``."""
    from werkzeug.security import generate_password_hash

    from creditstreet.extensions import db
    from creditstreet.models import User

    pw = generate_password_hash(PASSWORD)
    db.session.add_all([
        User(username="cityadmin", password_hash=pw, display_name="全市管理员", role="admin", street_id=None),
        User(username="inspector", password_hash=pw, display_name="巡查员", role="inspector", street_id=1),
    ])
    # The big street's supervisor is the generator's first, with its years of ballots (its own list)
    db.session.execute(db.update(User).where(User.id == 1, User.role == "supervisor")
                       .values(username="supervisor", password_hash=pw, display_name="监督员"))
    if hasattr(User, "shop_id"):  # the merchant role (M1): an account of one shop
        shop = db.session.execute(db.text("SELECT shop_id FROM complaints WHERE street_id = 1"
                                          " ORDER BY id LIMIT 1")).scalar()
        db.session.add(User(username="merchant", password_hash=pw, display_name="商户", role="merchant",
                            street_id=1, shop_id=shop))
    for column, value in (("must_change_password", False), ("password_changed_at", NOW)):
        if hasattr(User, column):  # a first-login password change would stop the bench at login
            db.session.execute(db.update(User).values({column: value}))
    db.session.commit()


def prepare(url: str, streets: int, with_demo: bool = True) -> None:
    """After the generator: grades, the streets, the demo street beside them, one account per role.

    The generator's shops are graded while they are all on the first street (one pass of the
    set-based recompute), then spread over the streets: a recompute of every street loops over
    them, a full pass each, which is the scheduler's business, not this benchmark's.
    """

    from creditstreet.extensions import db
    from creditstreet.services import demo, grading

    app = recompute.make_app(url)
    with app.app_context():
        t0 = time.perf_counter()
        grading.recompute(recompute.QUARTER, NOW, trigger="bench")
        db.session.commit()
        print(f"graded {recompute.QUARTER} in {time.perf_counter() - t0:.1f} s", flush=True)
        spread(streets)
        # The generator and spread() write complaints and ballots with raw SQL (and move shops between
        # streets): recount the sums the session keeps (Y3). A tree without them skips the step.
        for module, what in (("complaint_counts", "complaint day counts"), ("ballot_tallies", "ballot tallies")):
            try:
                sums = importlib.import_module(f"creditstreet.services.{module}")
            except ImportError:
                continue
            t0 = time.perf_counter()
            sums.rebuild()
            db.session.commit()
            print(f"{what} rebuilt in {time.perf_counter() - t0:.1f} s", flush=True)
        analyze()  # the generator's statistics saw one street: without this every street's query scans the city
        if with_demo:
            t0 = time.perf_counter()
            demo.load_demo(NOW)
            db.session.commit()
            print(f"demo street loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        add_accounts()
        analyze()
        db.engine.dispose()


def analyze() -> None:
    """Fresh planner statistics (SQLite ``ANALYZE``, PostgreSQL ``VACUUM ANALYZE``), as a running
    city's would be."""
    from creditstreet.extensions import db

    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def ids_from_data(db) -> dict[str, object]:
    """A value for every URL argument name, taken from the data (the big street first)."""
    from sqlalchemy import text

    def one(sql: str):
        return db.session.execute(text(sql)).scalar()

    values = {
        "shop_id": one("SELECT shop_id FROM complaints WHERE street_id = 1 ORDER BY id LIMIT 1"),
        "merchant_cid": one("SELECT max(id) FROM complaints WHERE kind = 'complaint' AND shop_id = "
                            "(SELECT shop_id FROM complaints WHERE street_id = 1 ORDER BY id LIMIT 1)"),
        "cid": one("SELECT id FROM complaints WHERE street_id = 1 ORDER BY id DESC LIMIT 1"),
        "run_id": one("SELECT max(id) FROM grade_runs"),
        "range_id": one("SELECT min(id) FROM card_ranges"),
        "street_id": one("SELECT min(id) FROM streets"),
        "star_id": one("SELECT min(id) FROM annual_stars"),
        "commitment_id": one("SELECT min(id) FROM commitments"),
        "user_id": one("SELECT min(id) FROM users"),
        "warning_id": one("SELECT min(id) FROM consumer_warnings"),
        "action_id": one("SELECT min(id) FROM special_actions"),
        "group_id": one("SELECT min(id) FROM industry_groups"),
        "patrol_id": one("SELECT min(id) FROM patrols"),
        "photo_id": one("SELECT min(id) FROM photos"),
        "year": 2023,
        "code": one("SELECT tracking_code FROM complaints WHERE street_id = 1 ORDER BY id DESC LIMIT 1"),
        "slug": "s1",
        "street": "s1",
        "job_id": one("SELECT min(id) FROM print_jobs"),
        "street_slug": "s1",
        "name": "shops",
        "fmt": "xlsx",
    }
    return values


def login(client, username: str, password: str = PASSWORD) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token.group(1)
    resp = client.post("/auth/login", data=data)
    if resp.status_code != 302:
        raise SystemExit(f"login as {username} failed: {resp.status_code}")


def routes(app, values: dict) -> tuple[list[tuple[str, str]], list[str]]:
    """(path, role) for every GET rule whose arguments we can fill; and the rules we could not."""
    found, skipped = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule in NEEDS_QUERY:
            continue
        missing = [a for a in rule.arguments if a not in values]
        if missing:
            skipped.append(f"{rule.rule} (no value for {', '.join(missing)})")
            continue
        with app.test_request_context():
            from flask import url_for

            role = next((r for prefix, r in ROLES.items() if rule.rule.startswith(prefix)), None)
            own = ROLE_ARGS.get(role, {})
            args = {a: values[own[a]] if a in own and own[a] in values else values[a] for a in rule.arguments}
            path = url_for(rule.endpoint, **{**args, **{k: v for k, v in ARG_OVERRIDES.get(rule.rule, {}).items()
                                                        if k in args}})
        role = next((r for prefix, r in ROLES.items() if rule.rule.startswith(prefix)), None)
        if role and DEMO_ARGS & set(rule.arguments):
            role = DEMO_ROLES[role]
        found.append((path, role, rule.rule))
    for path in VARIANTS:
        path = path.format(**values)
        role = next((r for prefix, r in ROLES.items() if path.startswith(prefix)), None)
        found.append((path, role, path))
    return found, skipped


def freeze(at: datetime) -> None:
    """Make the app's clock read ``at`` (every module's ``utcnow``): the periods of the statistics
    pages ("the last 12 months") then cover the generated year instead of an empty one."""
    from datetime import timezone

    from creditstreet.models import types

    fixed = at.astimezone(timezone.utc)
    real = types.utcnow
    for name, mod in list(sys.modules.items()):  # modules imported later import the patched one
        if name.startswith("creditstreet") and getattr(mod, "utcnow", None) is real:
            mod.utcnow = lambda: fixed
    board = sys.modules.get("creditstreet.web.public.board")
    if board is not None:
        board.now = lambda: fixed


def measure(url: str, repeat: int, only: str | None = None, at: datetime | None = None,
            no_cache: bool = False) -> int:
    from creditstreet.extensions import db

    from creditstreet import create_app

    app = create_app("dev", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench", RATELIMIT_ENABLED=False,
                     **({"BOARD_CACHE_TTL": 0} if no_cache else {}))
    if at is not None:
        freeze(at)
    with app.app_context():
        values = {k: v for k, v in ids_from_data(db).items() if v is not None}
        has_merchant = db.session.execute(db.text("SELECT count(*) FROM users WHERE username = 'merchant'")).scalar()
        has_demo = db.session.execute(db.text("SELECT count(*) FROM users WHERE username = 'inspector1'")).scalar()
        db.session.remove()
    clients = {None: app.test_client()}
    from creditstreet.services import demo

    for role in ROLES.values():
        clients[role] = app.test_client()
        if role != "merchant" or has_merchant:
            login(clients[role], role)
    # The city admin works on the big street (its choice is kept in the session, SPEC Y2): a street's
    # admin pages are timed at scale, not on the small default street.
    clients["cityadmin"].get("/admin/shops?street=s1")
    for role, name in DEMO_ROLES.items():
        clients[name] = app.test_client()
        if not has_demo:
            continue
        login(clients[name], name, demo.ADMIN[1] if role == "cityadmin" else
              demo.INSPECTOR_PASSWORD if role == "inspector" else demo.SUPERVISOR_PASSWORD)
    found, skipped = routes(app, values)
    if only:  # --only REGEX: just the routes whose rule or path matches
        found = [f for f in found if re.search(only, f[2]) or re.search(only, f[0])]
    pages, downloads = [], []
    print(f"{'route':<58} {'as':<10} {'status':>6} {'median_ms':>9} {'p95_ms':>8} {'kB':>8} {'cpu_p95_ms':>10}")
    for path, role, rule in found:
        client = clients[role]
        client.get(path)  # warm: templates compiled, caches as a second visitor finds them
        times, cpu, status, size = [], [], None, 0
        for _ in range(repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            resp = client.get(path)
            body = resp.get_data()
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            status, size = resp.status_code, len(body)
        times.sort()
        cpu.sort()
        med = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        cpu95 = cpu[min(len(cpu) - 1, round(0.95 * (len(cpu) - 1)))]
        row = (rule, role or "public", status, med, p95, size, cpu95)
        (downloads if DOWNLOAD.search(rule) else pages).append(row)
        flag = "  <-- over target" if p95 > TARGET_MS and not DOWNLOAD.search(rule) else ""
        print(f"{path[:58]:<58} {role or 'public':<10} {status:>6} {med:9.1f} {p95:8.1f} {size / 1024:8.1f} "
              f"{cpu95:10.1f}{flag}", flush=True)
    for s in skipped:
        print(f"skipped: {s}")
    bad = [r for r in pages if r[2] >= 400]
    for r in bad:
        print(f"not a page answer: {r[0]} as {r[1]} gave {r[2]}")
    if downloads:
        print("downloads (not pages; not in the target): " + ", ".join(
            f"{r[0]} p95 {r[4]:.0f} ms" for r in downloads))
    p95_max = max((r[4] for r in pages), default=0.0)
    over = sum(1 for r in pages if r[4] > TARGET_MS)
    print(f"database: {url.split(':', 1)[0]}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"this process's CPU time per request (SQLite's work included, PostgreSQL's not): "
          f"p95 max {max((r[6] for r in pages), default=0.0):.1f} ms, over 200 ms: {sum(1 for r in pages if r[6] > TARGET_MS)}")
    print(f"routes={len(pages)} p95_max_ms={p95_max:.1f} over_200ms={over}")
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 shops on 300 streets")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    parser.add_argument("--reuse", metavar="URL", help="measure a city built before (with --keep)")
    parser.add_argument("--only", metavar="REGEX", help="time only the routes whose rule or path matches")
    parser.add_argument("--at", metavar="ISO", type=datetime.fromisoformat,
                        help="the app's clock, e.g. 2024-07-02T09:00+08:00 (the generated year's end)")
    parser.add_argument("--no-cache", action="store_true", help="without the board's per-process section cache")
    parser.add_argument("--no-demo", action="store_true",
                        help="without the demo street (its pages' ids then have no rows and are skipped)")
    args = parser.parse_args()
    os.environ.setdefault("CREDITSTREET_INSTANCE", tempfile.mkdtemp(prefix="bench-instance-"))
    if args.reuse:
        sys.exit(measure(args.reuse, args.repeat, args.only, args.at, args.no_cache))
    from config import normalize_database_url

    shops = max(1000, round(100_000 * args.scale))
    streets = max(3, round(300 * args.scale))
    tmp, url = None, os.environ.get("DATABASE_URL")
    if url:
        url = normalize_database_url(url)
    else:
        tmp = tempfile.mkdtemp(prefix="bench-pages-")
        url = f"sqlite:///{tmp}/city.sqlite3"
    t0 = time.perf_counter()
    counts = recompute.generate(url, shops)
    print(f"generated in {time.perf_counter() - t0:.1f} s: streets={streets}, "
          + ", ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
    prepare(url, streets, with_demo=not args.no_demo)
    if tmp and args.keep:
        print(f"keeping {url} (measure it again: bench/pages.py --reuse {url})", flush=True)
    try:  # a fresh process, as a web worker would be: nothing cached from the build
        code = subprocess.run([sys.executable, __file__, "--reuse", url, "--repeat", str(args.repeat)]
                              + (["--only", args.only] if args.only else [])
                              + (["--at", args.at.isoformat()] if args.at else [])
                              + (["--no-cache"] if args.no_cache else [])).returncode
    finally:
        if tmp and not args.keep:
            for p in Path(tmp).glob("*"):
                p.unlink()
            os.rmdir(tmp)
    sys.exit(code)


if __name__ == "__main__":
    main()
