"""Public complaint form and tracking over HTTP (CASES K-06, K-09, K-11, K-12, K-13, K-14, K-15, K-16)."""
import io
import re
import time

import pytest
from sqlalchemy import func, select

from creditstreet import create_app
from creditstreet.domain.complaints import Outcome
from creditstreet.models import Complaint, Photo
from creditstreet.services import complaints as svc
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def shop(street, db):
    s = factories.make_shop(street, "张记面馆")
    db.session.commit()
    return s


def _other_browser(app):
    """A second browser. The fixture's app context is shared by requests, so Flask-WTF's per-request
    token cache in ``g`` must be dropped, or the first browser's token would leak into this one."""
    from flask import g

    for key in ("csrf_token", "redisplay_only", "redisplay_message", "csrf_valid"):
        g.pop(key, None)
    return app.test_client()


def _token(html):
    return re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1)


def _form(client, **kw):
    html = client.get("/complaints/new").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
            "submission_token": _token(html), "kind": "complaint", "description": "面里有头发，要求退款28元",
            "consumer_phone": "13800138000", "consumer_name": "王小明", "amount": "28"}
    data.update(kw)
    return data


def test_file_and_track(client, db, shop):
    resp = client.post("/complaints/new", data=_form(client, shop_id=str(shop.id)))
    assert resp.status_code == 302
    c = db.session.scalar(select(Complaint))
    # SPEC K6: no tracking code (or phone) in any URL
    assert resp.headers["Location"].endswith("/track/result") and c.tracking_code not in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert c.tracking_code in page and "已接收" in page and "138****8000" in page
    assert "13800138000" not in page and "王小明" not in page and "王**" in page
    # Another browser must type the code and the whole mobile number: the last 4 are not enough.
    other = _other_browser(client.application)
    assert c.tracking_code not in other.get("/track/result", follow_redirects=True).get_data(as_text=True)
    token = csrf_token(other, "/track")
    last4 = other.post("/track", data={"csrf_token": token, "code": c.tracking_code, "phone": "8000"})
    assert last4.status_code == 404
    ok = other.post("/track", data={"csrf_token": token, "code": c.tracking_code.lower(), "phone": "138 0013 8000"})
    assert ok.status_code == 200 and "已接收" in ok.get_data(as_text=True), ok.get_data(as_text=True)


def test_tracking_with_a_field_left_empty_asks_for_it(client, db, shop):
    # QA: both fields empty answered "not found: wrong code or phone"; it now says what is missing,
    # and nothing was looked up (no 404, so the failed-lookup limit is not charged)
    token = csrf_token(client, "/track")
    page = client.post("/track", data={"csrf_token": token, "code": " ", "phone": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "请填写查询码" in html and "请填写投诉时留下的电话号码" in html
    assert "未找到" not in html
    only_phone = client.post("/track", data={"csrf_token": token, "code": "", "phone": "13800138000"})
    text = only_phone.get_data(as_text=True)
    assert "请填写查询码" in text and "请填写投诉时留下的电话号码" not in text and 'value="13800138000"' in text


def test_double_submit_creates_one_complaint(client, db, shop):
    """CASES K-06: the same form posted twice → one row, both answers lead to the same tracking page."""
    data = _form(client, shop_id=str(shop.id))
    first = client.post("/complaints/new", data=data)
    second = client.post("/complaints/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Complaint.id)).where(Complaint.shop_id == shop.id)) == 1
    assert "已接收" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_expired_csrf_keeps_text(app, client, db, shop):
    """CASES K-09: an expired form token re-shows everything typed; the second submit files one complaint."""
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    long_text = "面" * 800
    data = _form(client, shop_q="张记面馆", shop_id=str(shop.id), description=long_text)
    time.sleep(2)
    _other_browser(app)  # new request, new token cache (see _other_browser)
    resp = client.post("/complaints/new", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "页面已超时，请再次提交" in html
    assert long_text in html and 'value="13800138000"' in html and "张记面馆" in html
    assert db.session.scalar(select(func.count(Complaint.id))) == 0
    data["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert _token(html) == data["submission_token"]
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600  # the consumer now submits promptly
    _other_browser(app)
    again = client.post("/complaints/new", data=data)
    assert again.status_code == 302, again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Complaint.id))) == 1


def test_missing_session_cookie_keeps_text(app, client, db, shop):
    data = _form(client, shop_id=str(shop.id), description="很长的经过")
    fresh = _other_browser(app)  # e.g. WeChat's in-app browser dropped the cookie
    html = fresh.post("/complaints/new", data=data).get_data(as_text=True)
    assert "页面已超时，请再次提交" in html and "很长的经过" in html


@pytest.mark.parametrize("q", ["張記麵館", "张记麵馆", "张记面馆\u3000"])
def test_shop_search_on_form(client, db, street, shop, q):
    """CASES K-11."""
    factories.make_shop(street, "李记米粉")
    db.session.commit()
    html = client.get("/complaints/new", query_string={"q": q}).get_data(as_text=True)
    assert html.count('name="shop_id"') == 1 and f'value="{shop.id}"' in html


def test_title_with_emoji_accepted_and_no_maxlength(client, db, shop):
    """CASES K-12: 19 汉字 + 😡 = 20 code points; the browser counter uses data-maxchars, no maxlength."""
    html = client.get("/complaints/new").get_data(as_text=True)
    assert "maxlength" not in html and 'data-maxchars="20"' in html
    title = "一" * 19 + "😡"
    body = "服务很差😡😡后面还有很多字……"
    resp = client.post("/complaints/new", data=_form(client, shop_id=str(shop.id), title=title, description=body))
    assert resp.status_code == 302
    c = db.session.scalar(select(Complaint))
    assert c.title.encode() == title.encode() and c.description.encode() == body.encode()


def test_validation_error_keeps_text(client, db, shop):
    resp = client.post("/complaints/new", data=_form(client, shop_id=str(shop.id), consumer_phone="1380013800O",
                                                      description="保留我"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "手机号码格式不正确" in html and "保留我" in html


def _jpeg(size=(64, 48), exif_gps=True, pad_to=0):
    from PIL import Image

    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    if exif_gps:
        exif[0x8825] = {1: "N", 2: (30.0, 1.0, 2.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    return data + b"\0" * max(0, pad_to - len(data))


def test_photo_file_part_saves_reencoded_without_exif(client, db, shop):
    """CASES K-13: a ~450 kB photo as a file part saves; EXIF/GPS is dropped by re-encoding."""
    raw = _jpeg(pad_to=450_000)
    data = _form(client, shop_id=str(shop.id))
    data["photos"] = (io.BytesIO(raw), "p.jpg", "image/jpeg")
    assert client.post("/complaints/new", data=data, content_type="multipart/form-data").status_code == 302
    photo = db.session.scalar(select(Photo))
    assert photo is not None and photo.data[:2] == b"\xff\xd8" and b"Exif" not in photo.data
    assert len(photo.data) < 100_000


def test_base64_text_field_of_600kb_is_accepted_as_text_under_2mb_limit(client, db, shop):
    """CASES K-13 (a): MAX_FORM_MEMORY_SIZE is 2 MB, so a 600 kB text part is not a 413; photos
    must still come as file parts (the field is not a photo field and is ignored)."""
    data = _form(client, shop_id=str(shop.id))
    data["photo_base64"] = "A" * 600_000
    resp = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_oversize_upload_gets_chinese_413(client, db, shop):
    """A request over the total cap (5 photos × 10 MB + 1 MB text = 51 MB) → Chinese 413 naming 51 MB."""
    data = _form(client, shop_id=str(shop.id))
    data["photos"] = (io.BytesIO(b"\0" * (52 * 1024 * 1024)), "big.jpg", "image/jpeg")
    resp = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 413 and "照片过大" in resp.get_data(as_text=True)
    assert "最大51MB" in resp.get_data(as_text=True)
    resp = client.post("/api/complaints", data=b"{" + b" " * (52 * 1024 * 1024) + b"}",
                       content_type="application/json")
    assert resp.status_code == 413 and "照片过大" in resp.get_json()["error"]["message"]


def test_not_an_image_is_refused_in_chinese(client, db, shop):
    data = _form(client, shop_id=str(shop.id), description="文字保留")
    data["photos"] = (io.BytesIO(b"<?php echo 1; ?>"), "x.jpg", "image/jpeg")
    html = client.post("/complaints/new", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "照片无法识别" in html and "文字保留" in html


def _two(db, street, shop):
    a, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": "a",
                                             "consumer_phone": "13800138000", "consumer_name": "王小明"}, None)
    b, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": "b",
                                             "consumer_phone": "13912345678", "consumer_name": "李小红"}, None)
    db.session.commit()
    return a, b


def test_no_public_complaint_page_by_id_and_same_not_found(client, db, street, shop):
    """CASES K-15: /complaints/<id> is 404; a wrong pair and an unknown code give the same answer."""
    a, b = _two(db, street, shop)
    for cid in (a.id, b.id, 41, 42):
        assert client.get(f"/complaints/{cid}").status_code == 404
    token = csrf_token(client, "/track")
    wrong = client.post("/track", data={"csrf_token": token, "code": b.tracking_code, "phone": "13800138000"})
    unknown = client.post("/track", data={"csrf_token": token, "code": "TSZZZZZZZZZZ", "phone": "13800138000"})
    assert wrong.status_code == unknown.status_code == 404
    strip = lambda r: r.get_data(as_text=True).replace(b.tracking_code, "X").replace("TSZZZZZZZZZZ", "X")  # noqa
    assert strip(wrong) == strip(unknown) and "未找到" in strip(wrong)


def test_free_text_phones_and_name_masked_on_tracking(client, db, street, shop):
    """CASES K-14."""
    c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "consumer_name": "王小明", "consumer_phone": "13800138000",
                                             "description": "老板让我打13912345678找他，我的电话13800138000，微信wxid_test01"}, None)
    db.session.commit()
    token = csrf_token(client, "/track")
    html = client.post("/track", data={"csrf_token": token, "code": c.tracking_code, "phone": "13800138000"}).get_data(as_text=True)
    assert "139****5678" in html and "138****8000" in html and "王**" in html
    assert "13912345678" not in html and "13800138000" not in html and "王小明" not in html


def test_xss_text_escaped_on_tracking(client, db, street, shop):
    """CASES K-16 (public side)."""
    c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "consumer_name": '"><svg onload=alert(1)>',
                                             "consumer_phone": "13800138000",
                                             "description": "<img src=x onerror=alert(document.cookie)>\n第二行<b>粗</b>"}, None)
    db.session.commit()
    token = csrf_token(client, "/track")
    html = client.post("/track", data={"csrf_token": token, "code": c.tracking_code, "phone": "13800138000"}).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(document.cookie)&gt;\n第二行&lt;b&gt;粗&lt;/b&gt;" in html
    assert "<img src=x" not in html and "<svg" not in html


def test_consumer_confirms_and_reopens_within_window(client, db, street, shop):
    inspector = factories.make_user("inspector", street=street)
    c, _ = svc.file_complaint(None, street, {"shop_id": shop.id, "description": "x", "consumer_phone": "13800138000"}, None)
    svc.accept_complaint(inspector, c)
    svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 2800), shop_at_fault=True)
    db.session.commit()
    token = csrf_token(client, "/track")
    html = client.post("/track", data={"csrf_token": token, "code": c.tracking_code, "phone": "13800138000"}).get_data(as_text=True)
    assert "28.00" in html and "退货退款" in html and "确认办理结果" in html
    assert client.post("/track/reopen", data={"csrf_token": token, "code": c.tracking_code, "reason": "没到账"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, c.id).status == "reopened"
    # Reopening again is illegal now: a flash, not a 500.
    resp = client.post("/track/reopen", data={"csrf_token": token, "code": c.tracking_code}, follow_redirects=True)
    assert resp.status_code == 200 and "不能" in resp.get_data(as_text=True)
    # A browser that never proved the pair cannot act.
    other = _other_browser(client.application)
    assert other.post("/track/confirm", data={"csrf_token": csrf_token(other, "/track"), "code": c.tracking_code}).status_code == 404


def _limited_app(proxy_count):
    return create_app("test", RATELIMIT_ENABLED=True, PROXY_COUNT=proxy_count, TRACK_FAIL_RATE_LIMIT="5 per minute")


@pytest.mark.parametrize("proxy_count", [1, 0])
def test_tracking_rate_limited_per_real_client(db, street, proxy_count):
    """CASES K-15: after 5 failures → 429 in Chinese; X-Forwarded-For is trusted only behind PROXY_COUNT proxies."""
    db.session.commit()  # release SQLite's write lock for the second app's requests
    app2 = _limited_app(proxy_count)
    c = app2.test_client()
    token = csrf_token(c, "/track")

    def attempt(xff, remote="10.0.0.1"):
        return c.post("/track", data={"csrf_token": token, "code": "TSAAAAAAAAAA", "phone": "13800000000"},
                      headers={"X-Forwarded-For": xff}, environ_base={"REMOTE_ADDR": remote})

    codes = [attempt(f"203.0.113.{i if proxy_count == 0 else 7}").status_code for i in range(6)]
    assert codes == [404] * 5 + [429]
    last = attempt("203.0.113.7")
    assert last.status_code == 429 and "操作过于频繁" in last.get_data(as_text=True)
    if proxy_count == 1:
        # Behind one proxy, another real client (a different X-Forwarded-For from nginx) has its own bucket.
        assert attempt("203.0.113.8").status_code == 404
    else:
        # Without a proxy the header is ignored: spoofing a new address does not reset the bucket…
        assert attempt("198.51.100.1").status_code == 429
        # …while another real address is not blocked.
        assert attempt("198.51.100.1", remote="10.0.0.2").status_code == 404


def test_complaint_form_rate_limited(db, street):
    db.session.commit()
    app2 = create_app("test", RATELIMIT_ENABLED=True, COMPLAINT_RATE_LIMIT="2 per minute")
    c = app2.test_client()
    token = csrf_token(c, "/complaints/new")
    # Failed submits (no shop, no phone) are re-shown and never count against the limit (issue 17).
    codes = [c.post("/complaints/new", data={"csrf_token": token, "description": "x"}).status_code for _ in range(4)]
    assert codes == [200] * 4
    shop = factories.make_shop(street, "限流测试店")
    db.session.commit()
    stored = [c.post("/complaints/new", data={"csrf_token": token, "shop_id": str(shop.id), "description": f"第{i}件",
                                              "consumer_phone": "13800138000"}).status_code for i in range(3)]
    assert stored == [302, 302, 429]  # two stored complaints use the limit up, the third is refused
    assert "操作过于频繁" in c.post("/complaints/new", data={"csrf_token": token}).get_data(as_text=True)
    assert c.get("/complaints/new").status_code == 200  # reading the form is not limited
