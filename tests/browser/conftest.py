"""Browser journeys (issue 7): the app served by werkzeug in a thread, driven by Debian's Chromium.

One server and one seeded SQLite database per screen size (module-scoped, parametrized), so the
journeys (a)…(f) of one size run in order on the same street and hand results on through
``site.state``. Every page a journey shows is screenshotted into
``test-artifacts/screenshots/<journey>-<size>-<step>.png`` (a git-ignored folder; set
``CREDITSTREET_TEST_ARTIFACTS`` to write them elsewhere) and checked with axe-core (vendored),
failing on any serious or critical finding.
"""
import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from creditstreet import create_app
from creditstreet.domain.time import quarter_of
from creditstreet.extensions import db
from creditstreet.models import Ballot, CardBatch, CardRange, InspectorGroup, Shop, Street, User, utcnow
from creditstreet.services import grading, settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SIZES = {"phone": {"width": 360, "height": 800}, "desktop": {"width": 1280, "height": 800}}
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("CREDITSTREET_TEST_ARTIFACTS") or ROOT / "test-artifacts")
SHOTS = ARTIFACTS / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "browser-pass-2026"
SHOP = "老王服装店"
TZ = "Asia/Shanghai"


@dataclass
class Site:
    """A running server for one screen size and what the journeys learn on the way."""

    base: str
    size: str
    viewport: dict
    quarter: str
    state: dict = field(default_factory=dict)


def seed() -> str:
    """One street: 3 shops (cards 1–100 issued to 老王服装店), an inspector in a group, 3 supervisors,
    an admin, and four earlier quarters of all-yes ballots for 老王服装店, graded as of last quarter
    (A, 4 stars). The ballot window is set to cover the whole current quarter. Returns it ("2026Q4")."""
    now = utcnow()
    street = Street(name="城关××街", timezone=TZ, hotlines=[{"label": "投诉举报热线", "number": "12315"}])
    db.session.add(street)
    db.session.flush()
    from creditstreet.domain.text import search_key

    shops = []
    for i, (name, industry) in enumerate([(SHOP, "服装"), ("张记化妆品", "化妆品"), ("诚信家电", "家电")]):
        shop = Shop(street_id=street.id, uscc=f"92420381BROWSER{i:03d}", name=name, search_key=search_key(name),
                    ownership="individual", industry=industry, house_number=f"{i + 1}号",
                    opened_on=date(2015, 1, 1), phone="0719-8000000")
        db.session.add(shop)
        shops.append(shop)
    group = InspectorGroup(street_id=street.id, name="第一巡查组")
    db.session.add(group)
    db.session.flush()
    users = [("admin", "admin", "专班管理员", None), ("insp", "inspector", "刘巡查", group.id)]
    users += [(f"sup{i}", "supervisor", f"监督员{i}", None) for i in (1, 2, 3)]
    for username, role, name, gid in users:
        user = User(username=username, role=role, display_name=name, street_id=street.id, group_id=gid)
        user.set_password(PASSWORD)
        db.session.add(user)
    batch = CardBatch(street_id=street.id, name="2026年第一批", first_serial=1, last_serial=1000)
    db.session.add(batch)
    db.session.flush()
    db.session.add(CardRange(batch_id=batch.id, shop_id=shops[0].id, first_serial=1, last_serial=100,
                             issued_on=date.today() - timedelta(days=200)))
    settings.update_settings(None, {"ballot_open_days_before_end": "92", "ballot_close_days_after_end": "0"})
    current = quarter_of(now, TZ)
    q = current
    sups = db.session.scalars(db.select(User).where(User.role == "supervisor")).all()
    for _ in range(4):
        q = q.prev()
        for sup in sups:
            db.session.add(Ballot(supervisor_id=sup.id, shop_id=shops[0].id, quarter=str(q), lawful=True,
                                  service=True, compliance=True, honesty=True, cast_at=q.start_utc(TZ)))
    db.session.flush()
    grading.recompute(current.prev(), now)
    db.session.commit()
    return str(current)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module", params=list(SIZES))
def site(request):
    tmp = Path(tempfile.mkdtemp(prefix="creditstreet-browser-"))
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'browser.sqlite3'}", PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        db.create_all()
        quarter = seed()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_port}", request.param, SIZES[request.param], quarter)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


class Journey:
    """A browser context for one person; ``shot(step)`` screenshots and axe-checks the page."""

    def __init__(self, browser, site: Site, name: str):
        self.site, self.name = site, name
        self.context = browser.new_context(viewport=site.viewport, locale="zh-CN", base_url=site.base)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.findings: list[str] = []
        self.steps = 0

    def goto(self, path: str):
        resp = self.page.goto(path)
        assert resp is not None and resp.status < 400, f"{path}: HTTP {resp and resp.status}"
        return resp

    def login(self, username: str):
        self.goto("/auth/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state()
        assert "/auth/login" not in self.page.url, f"login as {username} failed"

    def shot(self, step: str):
        """Screenshot the page, then run axe-core on it (injected by evaluate, which the CSP does not govern)."""
        self.steps += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{self.name}-{self.site.size}-{self.steps:02d}-{step}.png"),
                             full_page=True)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = "; ".join(",".join(n["target"]) for n in v["nodes"][:3])
                self.findings.append(f"{step} {self.page.url}: {v['id']} ({v['impact']}) {v['help']} → {targets}")

    def finish(self):
        """End of the journey: no serious or critical accessibility finding on any page it showed."""
        assert not self.findings, "axe-core 严重/关键问题:\n" + "\n".join(self.findings)

    def close(self):
        self.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def journey(browser, site, request):
    opened: list[Journey] = []

    def _open(name: str) -> Journey:
        j = Journey(browser, site, name)
        opened.append(j)
        return j

    yield _open
    for j in opened:
        if getattr(request.node, "call_failed", False):  # keep the page the journey failed on
            SHOTS.mkdir(parents=True, exist_ok=True)
            j.page.screenshot(path=str(SHOTS / f"{j.name}-{site.size}-FAILED.png"), full_page=True)
        j.close()
