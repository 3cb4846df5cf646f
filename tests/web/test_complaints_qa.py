"""QA defects of the complaint area (issue 4 QA pass): each with the concrete input of the report."""
import io
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from creditstreet import create_app
from creditstreet.models import Complaint, ComplaintEvent, Photo
from creditstreet.services import cards as card_service
from creditstreet.services import complaints as svc
from tests import factories
from tests.conftest import csrf_token

TEXT = "面里有头发，要求退款，已保留小票"


@pytest.fixture
def shops(street, db):
    """韦记饭店坊 and 范磊超市; cards 00000101–00000200 of batch 1–1000 were issued to 范磊超市."""
    wei = factories.make_shop(street, "韦记饭店坊")
    fan = factories.make_shop(street, "范磊超市")
    admin = factories.make_user("admin", street=street)
    batch = card_service.register_batch(admin, street, "2026年第一批", 1, 1000)
    card_service.issue_range(admin, batch, fan, 101, 200, date(2026, 1, 5))
    db.session.commit()
    return wei, fan


def _form(client, **kw):
    html = client.get("/complaints/new").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
            "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1),
            "kind": "complaint", "description": TEXT, "consumer_phone": "13800138000", "consumer_name": "王小明"}
    data.update(kw)
    return data


def _count(db):
    return db.session.scalar(select(func.count(Complaint.id)))


# --- 1. a card serial never silently moves the complaint to another shop ---------------------------

def test_card_of_another_shop_is_refused_naming_both(client, db, shops):
    wei, fan = shops
    resp = client.post("/complaints/new", data=_form(client, shop_q="韦记", shop_id=str(wei.id), card_serial="150"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "信誉卡 00000150 是范磊超市发放的，与您选择的韦记饭店坊不一致，请核对" in html
    assert TEXT in html and _count(db) == 0


def test_card_link_shows_whose_card_it_is(client, db, shops):
    html = client.get("/complaints/new?card=150").get_data(as_text=True)
    assert "此卡由 范磊超市 发放" in html


def test_card_of_the_picked_shop_is_accepted(client, db, shops):
    wei, fan = shops
    resp = client.post("/complaints/new", data=_form(client, shop_id=str(fan.id), card_serial="150"))
    assert resp.status_code == 302
    c = db.session.scalar(select(Complaint))
    assert (c.shop_id, c.card_serial) == (fan.id, 150)


# --- 2. a fake or unissued card can be complained about -------------------------------------------

@pytest.mark.parametrize(("serial", "note"), [
    ("40001", "信誉卡 00040001：该卡编号不在登记批次中（疑似伪造）"),  # 40001 is in no batch (1–1000)
    ("500", "信誉卡 00000500：该卡尚未发放"),                        # in the batch, not issued
])
def test_fake_or_unissued_card_is_kept_as_evidence(client, db, login_as, shops, serial, note):
    wei, _fan = shops
    resp = client.post("/complaints/new", data=_form(client, shop_id=str(wei.id), card_serial=serial))
    assert resp.status_code == 302
    c = db.session.scalar(select(Complaint))
    assert (c.shop_id, c.card_serial) == (wei.id, int(serial))
    assert db.session.scalar(select(ComplaintEvent.note).where(ComplaintEvent.kind == "card_status")) == note
    login_as("inspector")
    assert note in client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)


def test_fake_card_without_shop_asks_for_the_shop(client, db, shops):
    resp = client.post("/complaints/new", data=_form(client, card_serial="40001"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "请在上方查找并选择给您这张卡的商户" in html
    assert "未发放或不存在" not in html and TEXT in html and _count(db) == 0


# --- 3. photos: 10 MB each, five per complaint -----------------------------------------------------

def _jpeg_of_size(target: int) -> bytes:
    """A JPEG padded with a trailing comment-free tail to ``target`` bytes (Pillow ignores the tail)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    data = out.getvalue()
    return data + b"\0" * (target - len(data))


def test_three_3_8_mb_photos_are_accepted(client, db, shops):
    wei, _fan = shops
    size = int(3.8 * 1024 * 1024)  # 3 × 3.8 MB = 11.4 MB < 51 MB total, each < 10 MB
    data = _form(client, shop_id=str(wei.id))
    data["photos"] = [(io.BytesIO(_jpeg_of_size(size)), f"p{i}.jpg", "image/jpeg") for i in range(3)]
    resp = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count(Photo.id))) == 3


def test_photo_over_10_mb_is_refused_with_text_kept(client, db, shops):
    wei, _fan = shops
    data = _form(client, shop_id=str(wei.id))
    data["photos"] = (io.BytesIO(_jpeg_of_size(11 * 1024 * 1024)), "big.jpg", "image/jpeg")
    resp = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "big.jpg：有11.0MB，超过每张10MB的上限" in html
    assert TEXT in html and _count(db) == 0
    assert 'data-max-mb="10"' in html


# --- 4. overdue computed from the deadline, not only the nightly flag ------------------------------

def test_queue_and_detail_flag_overdue_without_the_job(client, db, login_as, street, shops):
    wei, _fan = shops
    c, _ = svc.file_complaint(None, street, {"kind": "report", "shop_id": wei.id, "description": "卖假酒",
                                             "consumer_phone": "13800138000"}, None,
                              now=datetime(2026, 1, 20, 2, tzinfo=timezone.utc))
    c.report_decide_by = date(2026, 1, 30)  # the QA demo's deadline; today (≥ 2026-11) is past it
    db.session.commit()
    assert c.overdue is False  # the daily job never ran
    login_as("inspector")
    html = client.get("/inspector/complaints?overdue=1").get_data(as_text=True)
    assert c.tracking_code in html and "共 1 件" in html
    assert "逾期" in client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)


# --- 5. shop searches do not count toward the 5-per-minute limit -----------------------------------

def test_searches_do_not_count_and_the_sixth_submit_keeps_text(db, street, shops):
    wei_id = shops[0].id
    db.session.commit()
    db.session.close()  # the second app's requests must not wait on this session
    app2 = create_app("test", RATELIMIT_ENABLED=True, COMPLAINT_RATE_LIMIT="5 per minute")
    c = app2.test_client()
    # No shop picked: each submit is refused with a message (no write) and does not count (issue 17).
    data = _form(c, shop_q="韦记", title="面里有头发", demand="退款28元")
    searches = [c.post("/complaints/new", data={**data, "find_shop": "1"}).status_code for _ in range(6)]
    assert searches == [200] * 6  # six searches in a minute: none refused
    submits = [c.post("/complaints/new", data=data) for _ in range(7)]
    assert [r.status_code for r in submits] == [200] * 7  # corrections behind one NAT address: never locked out
    assert "请选择被投诉的商户" in submits[0].get_data(as_text=True)
    stored = [c.post("/complaints/new", data={**data, "shop_id": str(wei_id), "title": f"第{i}件",
                                              "submission_token": f"token-{i}"}).status_code
              for i in range(5)]
    assert stored == [302] * 5 and _count(db) == 5
    sixth = c.post("/complaints/new", data=data)
    html = sixth.get_data(as_text=True)
    assert sixth.status_code == 429 and "操作过于频繁" in html
    for typed in (TEXT, "面里有头发", "退款28元", "13800138000", "王小明", "韦记"):
        assert typed in html
    assert _count(db) == 5


# --- 6. radios: label wraps input, no bullets, single match pre-selected ---------------------------

def test_radios_are_boxed_labels_and_single_match_is_picked(client, db, shops):
    wei, _fan = shops
    html = client.post("/complaints/new", data=_form(client, shop_q="韦记", find_shop="1")).get_data(as_text=True)
    assert "<ul" not in html.split("<form")[1]  # no list (bullets) inside the form
    assert re.search(r'<div class="choice-row">\s*<label for="kind-0"><input[^>]*id="kind-0"', html)
    assert re.search(rf'<label for="shop_id-0"><input checked[^>]*value="{wei.id}"', html)


# --- 7. amounts, purchase dates, phone -------------------------------------------------------------

def test_empty_phone_is_asked_for(client, db, shops):
    wei, _fan = shops
    html = client.post("/complaints/new", data=_form(client, shop_id=str(wei.id), consumer_phone="")).get_data(as_text=True)
    assert "请填写手机号码" in html and TEXT in html and _count(db) == 0
    assert re.search(r'<input[^>]*aria-required="true"[^>]*id="consumer_phone"[^>]*required', html) or \
        re.search(r'id="consumer_phone"[^>]*required', html)


def test_decimal_comma_amount_is_refused(client, db, shops):
    wei, _fan = shops
    html = client.post("/complaints/new", data=_form(client, shop_id=str(wei.id), amount="28,50")).get_data(as_text=True)
    assert "金额格式不正确" in html and TEXT in html and _count(db) == 0


# --- 8. deadlines in a year chinese-calendar does not cover ----------------------------------------

def test_deadline_in_incomplete_year_is_marked(client, db, login_as, street, shops):
    wei, _fan = shops
    accepted = datetime(2026, 11, 30, 2, tzinfo=timezone.utc)  # 10:00 in Shanghai, a Monday
    c, _ = svc.file_complaint(None, street, {"shop_id": wei.id, "description": TEXT, "consumer_phone": "13800138000"},
                              None, now=accepted)
    inspector = factories.make_user("inspector", street=street)
    svc.accept_complaint(inspector, c, now=accepted)
    db.session.commit()
    # 45 working days after Mon 2026-11-30: 23 weekdays in December 2026, then 22 weekdays of 2027
    # counted weekends-only (1 Jan counts): Jan 1, 4–8, 11–15, 18–22, 25–29 = 21, Feb 1 = 22nd.
    assert c.mediate_by == date(2027, 2, 1)
    warning = "暂定：2027年节假日安排尚未录入，期限暂按周末推算，录入后自动重算"
    page = client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": c.tracking_code,
                                       "phone": "13800138000"}).get_data(as_text=True)
    assert warning in page
    login_as("inspector")
    assert warning in client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert warning in client.get("/inspector/complaints").get_data(as_text=True)


# --- 9. contacts in public free text are masked -----------------------------------------------------

def test_landline_and_wechat_masked_on_tracking_and_export(client, db, login_as, street, shops):
    wei, _fan = shops
    text = "老板电话0571-88886666，微信wxid_test01"
    c, _ = svc.file_complaint(None, street, {"shop_id": wei.id, "description": text, "consumer_phone": "13800138000",
                                             "consumer_name": "欧阳娜娜"}, None,
                              now=datetime(2026, 10, 10, 2, tzinfo=timezone.utc))
    db.session.commit()
    page = client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": c.tracking_code,
                                       "phone": "13800138000"}).get_data(as_text=True)
    assert "0571-****6666" in page and "[微信号]" in page and "欧**" in page
    assert "88886666" not in page and "wxid_test01" not in page and "欧阳娜娜" not in page
    login_as("inspector")
    resp = client.get("/admin/complaint-stats/export.csv?quarter=2026Q4")
    body = resp.get_data().decode("utf-8-sig")
    assert "0571-****6666" in body and "wxid_test01" not in body and "88886666" not in body
    # 11. one charset, an ASCII fallback name, the Chinese name in filename*
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = resp.headers["Content-Disposition"]
    assert 'filename="complaints_2026Q4.csv"' in disposition and "filename*=UTF-8''" in disposition
    xlsx = client.get("/admin/complaint-stats/export.xlsx?quarter=2026Q4")
    assert 'filename="complaints_2026Q4.xlsx"' in xlsx.headers["Content-Disposition"]


# --- 10. tracking with the full phone ---------------------------------------------------------------

def test_tracking_accepts_the_full_phone(client, db, street, shops):
    wei, _fan = shops
    c, _ = svc.file_complaint(None, street, {"shop_id": wei.id, "description": TEXT, "consumer_phone": "13800138000"},
                              None)
    db.session.commit()
    assert "投诉时填写的电话号码" in client.get("/track").get_data(as_text=True)
    resp = client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": c.tracking_code,
                                       "phone": "138 0013 8000"})
    assert resp.status_code == 200 and c.tracking_code in resp.get_data(as_text=True)
    wrong = client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": c.tracking_code,
                                        "phone": "13900138001"})
    last4 = client.post("/track", data={"csrf_token": csrf_token(client, "/track"), "code": c.tracking_code,
                                        "phone": "8000"})
    assert last4.status_code == 404  # SPEC K6: the last 4 digits show in the masked phone
    assert wrong.status_code == 404
