"""Inspector complaint pages: queue, detail masking (K6), actions, illegal steps, XSS (CASES K-10, K-16)."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from creditstreet.models import AuditEntry, BadRecord, Complaint
from creditstreet.services import complaints as svc
from tests import factories
from tests.conftest import csrf_token

XSS_TEXT = "<img src=x onerror=alert(document.cookie)>\n第二行<b>粗</b>"
XSS_NAME = '"><svg onload=alert(1)>'


@pytest.fixture
def shop(street, db):
    return factories.make_shop(street, "张记面馆")


def _file(street, shop, **kw):
    data = {"shop_id": shop.id, "description": "面里有头发，要求退款28元", "consumer_phone": "13800138000",
            "consumer_name": "王小明"}
    data.update(kw)
    c, _ = svc.file_complaint(None, street, data, None)
    return c


@pytest.mark.parametrize("role, status", [("inspector", 200), ("admin", 200), ("supervisor", 403)])
def test_queue_authorization(client, login_as, role, status):
    login_as(role)
    assert client.get("/inspector/complaints").status_code == status
    assert client.get("/admin/complaint-stats/").status_code == status


def test_anonymous_redirected(client, street):
    assert client.get("/inspector/complaints").status_code == 302
    assert client.get("/inspector/complaints/1").status_code == 302
    assert client.get("/admin/complaint-stats/export.csv?quarter=2026Q3").status_code == 302


def test_queue_sorted_overdue_first(client, db, login_as, street, shop):
    t_old = datetime(2026, 9, 1, 2, tzinfo=timezone.utc)
    late = _file(street, shop, description="逾期的")
    late.received_at, late.decide_by = t_old, t_old.date()
    soon = _file(street, shop, description="不急的")
    db.session.flush()
    svc.flag_overdue(datetime(2026, 12, 1, 2, tzinfo=timezone.utc))
    db.session.expire_all()
    db.session.get(Complaint, soon.id).overdue = False  # only the first is flagged
    db.session.commit()
    login_as("inspector")
    html = client.get("/inspector/complaints").get_data(as_text=True)
    assert html.index(late.tracking_code) < html.index(soon.tracking_code)
    assert 'class="overdue"' in html


def test_detail_masks_for_other_inspectors_and_shows_handler_full(client, db, login_as, street, shop):
    c = _file(street, shop, description="老板让我打13912345678找他")
    _file(street, shop, consumer_phone="+86 138 0013 8000", title="第二件")  # other content: not a resubmission (K7)
    _file(street, shop, consumer_phone="１３８００１３８０００", title="第三件")
    db.session.commit()
    me = login_as("inspector")
    html = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert "王**" in html and "138****8000" in html and "139****5678" in html
    assert "13800138000" not in html and "王小明" not in html
    # CASES K-10: three spellings are one consumer → two earlier complaints.
    assert "该号码此前投诉 2 次" in html
    token = csrf_token(client, f"/inspector/complaints/{c.id}")
    assert client.post(f"/inspector/complaints/{c.id}/accept", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, c.id).handler_id == me.id
    html = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert "王小明" in html and "13800138000" in html and "13912345678" in html


def test_full_handling_over_http(client, db, login_as, street, shop):
    c = _file(street, shop)
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/complaints/{c.id}"
    token = csrf_token(client, url)
    assert client.post(url + "/accept", data={"csrf_token": token}).status_code == 302
    assert client.post(url + "/note", data={"csrf_token": token, "note": "商家同意退款"}).status_code == 302
    resp = client.post(url + "/close", data={"csrf_token": token, "outcome": "agreement", "remedy": "refund",
                                             "money": "28.00", "shop_at_fault": "y", "note": "已退款"})
    assert resp.status_code == 302
    db.session.expire_all()
    c = db.session.get(Complaint, c.id)
    assert (c.status, c.outcome, c.money_recovered_fen) == ("closed", "agreement", 2800)
    assert db.session.scalar(select(BadRecord.kind).where(BadRecord.complaint_id == c.id)) == "complaint_at_fault"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "complaint",
                                                                      AuditEntry.entity_id == str(c.id))) >= 4


def test_illegal_step_is_a_message_not_500_and_keeps_text(client, db, login_as, street, shop):
    c = _file(street, shop)
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/complaints/{c.id}"
    token = csrf_token(client, url)
    resp = client.post(url + "/close", data={"csrf_token": token, "outcome": "withdrawn", "note": "我写的说明"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "不能“办结”" in html and "我写的说明" in html
    resp = client.post(url + "/close", data={"csrf_token": token, "outcome": "agreement", "money": "-5"})
    assert resp.status_code == 409 and "金额" in resp.get_data(as_text=True)
    resp = client.post(url + "/report_extend", data={"csrf_token": token})
    assert resp.status_code == 409 and "不含举报" in resp.get_data(as_text=True)


def test_refuse_with_reason(client, db, login_as, street, shop):
    c = _file(street, shop)
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/complaints/{c.id}"
    token = csrf_token(client, url)
    assert client.post(url + "/refuse", data={"csrf_token": token, "reason": "missing_materials"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, c.id).refusal_reason == "missing_materials"


def test_report_track_over_http(client, db, login_as, street, shop):
    c = _file(street, shop, kind="report")
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/complaints/{c.id}"
    token = csrf_token(client, url)
    assert client.post(url + "/report_extend", data={"csrf_token": token}).status_code == 302
    assert client.post(url + "/report_extend", data={"csrf_token": token}).status_code == 409
    assert client.post(url + "/report_open_case", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, c.id).report_status == "case_opened"


def test_intake_by_inspector(client, db, login_as, street, shop):
    me = login_as("inspector")
    html = client.get("/inspector/complaints/intake").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    sub = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, "submission_token": sub, "channel": "box", "kind": "complaint",
            "shop_id": str(shop.id), "description": "投诉箱来信", "consumer_phone": ""}
    assert client.post("/inspector/complaints/intake", data=data).status_code == 302
    assert client.post("/inspector/complaints/intake", data=data).status_code == 302  # resubmitted: still one
    c = db.session.scalar(select(Complaint))
    assert db.session.scalar(select(func.count(Complaint.id))) == 1
    assert (c.channel, c.handler_id, c.consumer_phone) == ("box", me.id, "")


def test_xss_escaped_in_list_detail_and_flash(client, db, login_as, street, shop):
    """CASES K-16: text and name render escaped and literal everywhere an inspector looks."""
    c = _file(street, shop, description=XSS_TEXT, consumer_name=XSS_NAME, title="<b>标题</b>")
    db.session.commit()
    admin = login_as("admin")
    for url in ("/inspector/complaints", f"/inspector/complaints/{c.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "<svg" not in html and "<b>标题" not in html
    html = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(document.cookie)&gt;\n第二行&lt;b&gt;粗&lt;/b&gt;" in html
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html and 'class="literal" id="description"' in html
    assert admin.role == "admin"
    token = csrf_token(client, f"/inspector/complaints/{c.id}")
    html = client.post(f"/inspector/complaints/{c.id}/accept", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "已受理" in html and "<img src=x" not in html
