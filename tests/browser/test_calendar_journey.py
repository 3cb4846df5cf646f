"""Issue 14 in a real browser, at 360×800 and 1280×800: an admin pastes the State Council's 2026
notice as a stand-in for next year's, checks the calendar, confirms, and the 暂定 marks disappear
from the items that no longer need them.

The app takes only chinesecalendar's years up to 2025 (``WORKDAYS_LIBRARY_UNTIL``), as an older
release would, so 2026 is the incomplete "next year". Item A was received Mon 2026-09-28: on
weekends only its 7-working-day decision deadline is 2026-10-07 (暂定); with the notice it is
2026-10-13 (10-1..10-7 off, Sat 10-10 works). Item B was accepted 2026-12-07: its 45-day
mediation deadline counts into 2027, which stays incomplete, so it keeps its 暂定.
"""
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from creditstreet import create_app
from creditstreet.extensions import db
from creditstreet.models import Shop, User
from creditstreet.services import complaints as svc

from .conftest import SIZES, Site, seed

pytestmark = pytest.mark.browser
NOTICE = (Path(__file__).resolve().parents[1] / "data" / "notice_2026.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=list(SIZES))
def site(request):
    tmp = Path(tempfile.mkdtemp(prefix="creditstreet-calendar-"))
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'browser.sqlite3'}",
                     PROPAGATE_EXCEPTIONS=False, WORKDAYS_LIBRARY_UNTIL=2025)
    with app.app_context():
        db.create_all()
        quarter = seed()
        shop = db.session.scalar(db.select(Shop).order_by(Shop.id))
        insp = db.session.scalar(db.select(User).where(User.username == "insp"))
        codes = {}
        for key, received, accepted in (("a", datetime(2026, 9, 28, 2, tzinfo=timezone.utc), None),
                                        ("b", datetime(2026, 12, 4, 2, tzinfo=timezone.utc),
                                         datetime(2026, 12, 7, 2, tzinfo=timezone.utc))):
            c, _ = svc.file_complaint(None, shop.street, {"shop_id": shop.id, "description": f"事项{key}",
                                                          "consumer_phone": "13912345678"}, None, now=received)
            if accepted:
                svc.accept_complaint(insp, c, now=accepted)
            codes[key] = c.tracking_code
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    s = Site(f"http://127.0.0.1:{server.server_port}", request.param, SIZES[request.param], quarter)
    s.state["codes"] = codes
    yield s
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def _row(page, code):
    return page.locator("#complaint-queue tbody tr", has_text=code).inner_text()


def test_admin_pastes_the_notice_and_the_provisional_marks_go(journey, site):
    a, b = site.state["codes"]["a"], site.state["codes"]["b"]
    j = journey("calendar-admin")
    page = j.page
    j.login("admin")
    j.goto("/inspector/complaints")
    assert "2026-10-07" in _row(page, a) and "暂定" in _row(page, a)
    assert "暂定" in _row(page, b)
    j.shot("queue-before")

    j.goto("/admin/calendar")
    page.select_option("#year", "2026")
    page.fill("#text", NOTICE)
    page.click("button[value=preview]")
    page.wait_for_selector("#notice-preview")
    assert page.locator("#notice-ok").is_visible()
    assert "休" in page.locator('#notice-preview td[data-date="2026-10-07"]').inner_text()
    assert "班" in page.locator('#notice-preview td[data-date="2026-10-10"]').inner_text()
    j.shot("preview")
    page.click("#confirm-year")
    page.wait_for_load_state()
    assert "已录入2026年节假日安排：放假33天、调休上班6天" in page.inner_text("main")
    assert "已按国务院办公厅通知录入" in page.inner_text("#year-status")
    j.shot("confirmed")

    j.goto("/inspector/complaints")
    row_a = _row(page, a)
    assert "2026-10-13" in row_a and "暂定" not in row_a
    assert "暂定" in _row(page, b)  # counts into 2027, still not entered
    j.shot("queue-after")
    j.finish()
