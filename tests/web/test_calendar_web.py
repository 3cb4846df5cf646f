"""Issue 14 over HTTP: the admin's calendar page (paste, preview, confirm), 暂定 on the queue, detail,
tracking page, API and export, the landing-page reminder, and pausing/resuming a clock."""
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from creditstreet.models import CalendarYear, Complaint
from creditstreet.services import complaints as svc
from creditstreet.services import settings as settings_service
from tests import factories
from tests.conftest import csrf_token

DATA = Path(__file__).resolve().parents[1] / "data"
MADEUP_2027 = (DATA / "notice_2027_madeup.txt").read_text(encoding="utf-8")
# Mon 2026-12-28 10:00 Beijing. Weekends only in 2027: decide by 12-29(1) 12-30 12-31 1-1(4) 1-4 1-5 1-6(7).
DEC28 = datetime(2026, 12, 28, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def shop(street, db):
    return factories.make_shop(street, "张记面馆")


@pytest.fixture
def late_item(db, street, shop):
    c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": "面里有头发",
                                             "consumer_phone": "13800138000"}, None, now=DEC28)
    db.session.commit()
    assert c.decide_by == date(2027, 1, 6)
    return c


def _post_notice(client, text, action, **extra):
    token = csrf_token(client, "/admin/calendar")
    return client.post("/admin/calendar/notice", data={"csrf_token": token, "year": "2027", "text": text,
                                                       "action": action, **extra})


def test_paste_preview_confirm_and_the_provisional_marks_go(client, db, login_as, late_item):
    login_as("admin")
    queue = client.get("/inspector/complaints").get_data(as_text=True)
    assert "暂定" in queue and "2027年节假日安排尚未录入" in queue

    preview = _post_notice(client, MADEUP_2027, "preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="notice-ok"' in html and 'id="confirm-year"' in html
    assert 'data-date="2027-01-30"' in html and db.session.get(CalendarYear, 2027) is None  # nothing stored yet

    done = _post_notice(client, MADEUP_2027, "confirm")
    assert done.status_code == 302
    follow = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已录入2027年节假日安排：放假12天、调休上班2天；重算1件" in follow
    # 1-1 off now: 12-29(1) 12-30(2) 12-31(3) 1-4..1-7(7)
    c = db.session.get(Complaint, late_item.id)
    assert c.decide_by == date(2027, 1, 7)
    detail = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert "2027-01-07" in detail and "暂定" not in detail
    assert "暂定" not in client.get("/inspector/complaints").get_data(as_text=True)


def test_unreadable_notice_names_the_problem_and_stores_nothing(client, db, login_as):
    login_as("admin")
    text = MADEUP_2027.replace("1月30日（周六）", "1月29日（周六）")
    resp = _post_notice(client, text, "confirm")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "2027年1月29日写为“周六”，实际是周五" in html
    assert db.session.get(CalendarYear, 2027) is None
    assert _post_notice(client, text, "confirm", accept_problems="y").status_code == 302
    assert db.session.get(CalendarYear, 2027) is not None


@pytest.mark.parametrize("text", ["", "没有条目的一段话", "国务院办公厅关于2026年部分节假日安排的通知"])
def test_bad_paste_is_a_chinese_message_not_500(client, db, login_as, text):
    login_as("admin")
    resp = _post_notice(client, text, "confirm")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "请粘贴通知全文" in html or "没有读出任何日期" in html or "不一致" in html or "请先核对" in html


def test_tracking_page_api_and_export_say_provisional(client, db, login_as, late_item):
    token = csrf_token(client, "/track")
    page = client.post("/track", data={"csrf_token": token, "code": late_item.tracking_code, "phone": "13800138000"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "暂定" in html and "期限暂按周末推算" in html
    api = client.post("/api/track", json={"code": late_item.tracking_code, "phone": "13800138000"})
    body = api.get_json()
    assert api.status_code == 200 and body["deadline_provisional"] is True
    assert body["deadline_note"].startswith("暂定：2027年") and body["paused"] is False and body["pauses"] == []
    login_as("admin")
    from creditstreet.services import complaint_stats
    from creditstreet.domain.time import Quarter
    from creditstreet.models import Street, User
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    rows = complaint_stats.export_rows(admin, db.session.get(Street, late_item.street_id), Quarter.parse("2026Q4"))
    assert rows[0][-2:] == ["2027-01-06 暂定", svc.calendar_warning(late_item)]


def test_admin_landing_page_reminds_while_next_year_is_missing(client, db, login_as):
    admin = login_as("admin")
    settings_service.update_settings(admin, {"calendar_reminder_from": "01-01"})
    db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert 'id="calendar-reminder"' in html and "节假日安排尚未录入" in html


def test_pause_and_resume_over_http(client, db, login_as, street, shop):
    c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": "待检测",
                                             "consumer_phone": "13800138000"}, None)
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/complaints/{c.id}"
    token = csrf_token(client, url)
    assert client.post(url + "/pause", data={"csrf_token": token, "pause_reason": "nonsense"}).status_code == 409
    assert client.post(url + "/pause", data={"csrf_token": token, "pause_reason": "inspection"}).status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "已中止计时（待检验检测）" in html and 'id="resume-clock"' in html
    assert client.post(url + "/resume", data={"csrf_token": token}).status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'id="pauses"' in html and "恢复计时" in html
    token = csrf_token(client, "/track")
    track = client.post("/track", data={"csrf_token": token, "code": c.tracking_code, "phone": "13800138000"})
    assert "待检验检测" in track.get_data(as_text=True)


def test_pausing_switched_off_hides_the_button_and_refuses(client, db, login_as, street, shop):
    admin = factories.make_user("admin", street=street)
    settings_service.update_settings(admin, {"pausing_allowed": "0"})
    c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": "x",
                                             "consumer_phone": "13800138000"}, None)
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/complaints/{c.id}"
    assert 'id="pause-clock"' not in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    resp = client.post(url + "/pause", data={"csrf_token": token, "pause_reason": "inspection"})
    assert resp.status_code == 409 and "不允许中止计时" in resp.get_data(as_text=True)


def test_year_taken_from_the_notice_title_by_default(client, db, login_as):
    login_as("admin")
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert '<option selected value="0">' in page or 'value="0" selected' in page
    token = csrf_token(client, "/admin/calendar")
    resp = client.post("/admin/calendar/notice", data={"csrf_token": token, "year": "0", "text": MADEUP_2027,
                                                       "action": "preview"})
    assert resp.status_code == 200 and "识别结果：2027年" in resp.get_data(as_text=True)
