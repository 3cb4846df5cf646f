"""The complaint form as consumers use it every day (issue 17): every error at once, only stored
complaints counted by the rate limit, back-then-submit-again is the same complaint (K7), photos
kept across a failed submit and the shop search (or named to attach again), a trader who is not in
the register, landline phones."""
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from creditstreet import create_app
from creditstreet.domain.complaints import RESUBMIT_WINDOW
from creditstreet.models import Complaint, Photo
from creditstreet.services import complaints as svc
from tests import factories

TEXT = "面里有头发，要求退款28元"


@pytest.fixture
def shop(street, db):
    s = factories.make_shop(street, "张记面馆")
    db.session.commit()
    return s


def _jpeg(color="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    return out.getvalue()


def _form(client, **kw):
    html = client.get("/complaints/new").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
            "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1),
            "kind": "complaint", "description": TEXT, "consumer_phone": "13800138000"}
    data.update(kw)
    return data


def _count(db, model=Complaint):
    return db.session.scalar(select(func.count(model.id)))


def _post(client, data, files=()):
    body = dict(data)
    if files:
        body["photos"] = [(io.BytesIO(raw), name, "image/jpeg") for name, raw in files]
    return client.post("/complaints/new", data=body, content_type="multipart/form-data")


def test_every_mistake_is_shown_in_one_round(client, db, shop):
    data = _form(client, consumer_phone="1380013800", amount="28,50", purchased_on="2099-01-01",
                 title="标" * 21, description="")
    html = _post(client, data).get_data(as_text=True)
    for message in ("请选择被投诉的商户", "手机号码格式不正确", "金额格式不正确", "购买日期不能晚于今天",
                    "标题不能超过20个字", "请填写事情经过"):
        assert message in html, message
    assert "有 6 处需要修改" in html
    # Each message sits in its own field's block (the field is marked has-error).
    assert len(re.findall(r'class="field has-error"', html)) == 5  # the shop error is under the shop box
    assert 'id="shop_id-error"' in html
    assert _count(db) == 0


def test_back_then_submit_again_is_the_same_complaint(client, db, shop):
    first = _post(client, _form(client, shop_id=str(shop.id)))
    assert first.status_code == 302
    # Back: the form is loaded again with a fresh one-time token, and the same content is sent.
    again = _post(client, _form(client, shop_id=str(shop.id), description="面里有头发，\n要求退款28元 "))
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert _count(db) == 1
    # Different content, or another phone, is another complaint.
    _post(client, _form(client, shop_id=str(shop.id), demand="道歉"))
    assert _count(db) == 2
    _post(client, _form(client, shop_id=str(shop.id), consumer_phone="13912345678"))
    assert _count(db) == 3


def test_the_same_content_after_the_window_is_a_new_complaint(db, street, shop):
    t0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    data = {"shop_id": shop.id, "description": TEXT, "consumer_phone": "13800138000"}
    a, created_a = svc.file_complaint(None, street, data, "tok-a", now=t0)
    b, created_b = svc.file_complaint(None, street, data, "tok-b", now=t0 + RESUBMIT_WINDOW - timedelta(seconds=1))
    c, created_c = svc.file_complaint(None, street, data, "tok-c", now=t0 + RESUBMIT_WINDOW)
    assert (created_a, created_b, created_c) == (True, False, True)
    assert b.id == a.id and c.id != a.id
    assert RESUBMIT_WINDOW == timedelta(minutes=30)


def test_photos_are_kept_across_a_failed_submit_and_the_shop_search(client, db, shop):
    data = _form(client, shop_q="张记", consumer_phone="")
    # The shop search round trip keeps the photo chosen before it.
    html = _post(client, {**data, "find_shop": "1"}, [("发票.jpg", _jpeg())]).get_data(as_text=True)
    assert "已保留的照片（1 张，无需重新选择）" in html and "发票.jpg" in html
    # A failed submit (no phone) keeps it too, plus a second one sent with it.
    html = _post(client, {**data, "shop_id": str(shop.id)}, [("面碗.jpg", _jpeg("blue"))]).get_data(as_text=True)
    assert "请填写手机号码" in html and "已保留的照片（2 张" in html and "面碗.jpg" in html
    assert _count(db) == 0 and _count(db, Photo) == 2
    # The consumer removes one and submits with nothing attached again: one photo goes with it.
    keep = db.session.scalar(select(Photo).where(Photo.staged_name == "发票.jpg"))
    drop = db.session.scalar(select(Photo).where(Photo.staged_name == "面碗.jpg"))
    resp = _post(client, {**data, "shop_id": str(shop.id), "consumer_phone": "13800138000",
                          "drop_photo": str(drop.id)})
    assert resp.status_code == 302
    c = db.session.scalar(select(Complaint))
    photos = db.session.scalars(select(Photo).where(Photo.complaint_id == c.id)).all()
    assert [p.id for p in photos] == [keep.id] and photos[0].staged_token is None
    assert _count(db, Photo) == 1


def test_a_bad_photo_is_named_and_the_others_are_kept(client, db, shop):
    data = _form(client, shop_id=str(shop.id))
    html = _post(client, data, [("好.jpg", _jpeg()), ("坏.jpg", b"not an image")]).get_data(as_text=True)
    assert "以下照片没有保存，请重新选择" in html and "坏.jpg：照片无法识别" in html
    assert "已保留的照片（1 张" in html and _count(db) == 0
    assert _post(client, data).status_code == 302  # nothing re-attached: the kept photo goes with it
    assert db.session.scalar(select(func.count(Photo.id)).where(Photo.complaint_id.is_not(None))) == 1


def test_the_429_page_names_the_photos_to_attach_again(db, street, shop):
    shop_id = shop.id
    db.session.commit()
    db.session.close()
    app2 = create_app("test", RATELIMIT_ENABLED=True, COMPLAINT_RATE_LIMIT="1 per minute")
    c = app2.test_client()
    assert _post(c, _form(c, shop_id=str(shop_id))).status_code == 302
    resp = _post(c, _form(c, shop_id=str(shop_id), demand="另一件"), [("小票.jpg", _jpeg())])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 429 and "操作过于频繁" in html
    assert "以下照片没有保存，请重新选择" in html and "小票.jpg" in html and "另一件" in html


def test_purge_drops_stale_staged_photos_only(db, street, shop):
    from creditstreet.services import photos

    kept, refused = photos.stage("tok", [("a.jpg", _jpeg())])
    assert len(kept) == 1 and refused == {}
    now = kept[0].created_at
    assert photos.purge_staged(now + timedelta(hours=23)) == 0
    assert photos.purge_staged(now + timedelta(hours=25)) == 1


def test_a_trader_not_in_the_register_with_its_house_number(client, db, shop):
    html = _post(client, _form(client, trader_name="路边水果摊")).get_data(as_text=True)
    assert "请填写门牌号或具体位置" in html and _count(db) == 0
    resp = _post(client, _form(client, trader_name="路边水果摊", trader_address="人民路28号门口"))
    assert resp.status_code == 302
    c = db.session.scalar(select(Complaint))
    assert (c.shop_id, c.trader_name, c.trader_address) == (None, "路边水果摊", "人民路28号门口")
    # A picked shop wins over typed trader text.
    _post(client, _form(client, shop_id=str(shop.id), trader_name="别的", trader_address="1号", demand="x"))
    c2 = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert (c2.shop_id, c2.trader_name) == (shop.id, "")


@pytest.mark.parametrize("typed, stored", [("0719-8117836", "0719-8117836"), ("(0719) 811 7836", "0719-8117836"),
                                           ("０７１９－８１１７８３６", "0719-8117836"), ("13800138000", "13800138000")])
def test_landlines_are_accepted_and_track(client, db, shop, typed, stored):
    resp = _post(client, _form(client, shop_id=str(shop.id), consumer_phone=typed))
    assert resp.status_code == 302
    c = db.session.scalar(select(Complaint))
    assert c.consumer_phone == stored
    assert svc.find_for_tracking(c.tracking_code, stored[-4:]) is None  # K6: the whole number
    assert svc.find_for_tracking(c.tracking_code, typed).id == c.id


def test_tracking_page_offers_copy_and_a_qr_of_itself(client, db, shop):
    resp = _post(client, _form(client, shop_id=str(shop.id)))
    code = db.session.scalar(select(Complaint)).tracking_code
    assert code not in resp.headers["Location"]  # K6: no code in a URL
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f'id="tracking-code" class="tracking-code">{code}<' in html
    assert 'data-copy="#tracking-code"' in html
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', html).group(1)
    import urllib.parse

    svg = urllib.parse.unquote(qr)
    assert "<svg" in svg and "13800138000" not in svg
    # The QR opens the look-up with the code in the #fragment (never sent to the server, K6); a new
    # browser still has to give the phone.
    other = client.application.test_client()
    page = other.get("/track").get_data(as_text=True)
    assert code not in page and "面里有头发" not in page


def test_an_inspector_matches_the_free_text_trader_to_a_shop(client, db, street, login_as):
    from tests.conftest import csrf_token

    stall = factories.make_shop(street, "陈记水果", house_number="28号")
    factories.make_shop(street, "别家", house_number="128号")
    db.session.commit()
    _post(client, _form(client, trader_name="路边水果摊", trader_address="人民路２８号门口"))
    c = db.session.scalar(select(Complaint))
    assert c.shop_id is None
    login_as("inspector")
    page = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert "路边水果摊" in page and f'<option value="{stall.id}">陈记水果（28号）</option>' in page
    assert "别家" not in page  # 128号 is not 28号
    token = csrf_token(client, f"/inspector/complaints/{c.id}")
    resp = client.post(f"/inspector/complaints/{c.id}/match_shop", data={"csrf_token": token, "shop_id": str(stall.id)})
    assert resp.status_code == 302
    db.session.refresh(c)
    assert c.shop_id == stall.id and c.trader_name == "路边水果摊"
    with pytest.raises(Exception):
        svc.match_trader(None, c, stall.id)  # already matched
