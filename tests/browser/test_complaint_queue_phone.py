"""The inspector's complaint queue on a 360 px phone and at 1280 px (issue 17; SPEC K6).

A consumer files a complaint with a photo; the inspector finds it in the queue (cards on a phone,
no sideways scrolling, a short page), takes it, filters "我承办的", taps the consumer's number
(a ``tel:`` link, only for the handler) and sees the photo's thumbnail and full view.
"""
import re

from PIL import Image

from .conftest import SHOP


def _photo(tmp_path) -> str:
    path = tmp_path / "receipt.jpg"
    Image.new("RGB", (640, 480), (200, 120, 40)).save(path, "JPEG")
    return str(path)


def test_queue_cards_mine_filter_tel_and_photos(journey, site, tmp_path):
    consumer = journey("q-consumer")
    page = consumer.page
    consumer.goto("/complaints/new")
    page.fill("#shop_q", SHOP)
    page.click("button[name=find_shop]")
    page.check("input[name=shop_id]")
    page.fill("#description", "买的外套拉链坏了，要求更换。电话 139 1234 5678")
    page.fill("#consumer_phone", "13912345678")
    page.set_input_files("#photos", _photo(tmp_path))
    page.click("main form .actions-bottom button[type=submit]")
    page.wait_for_url(re.compile(r"/track/result$"))
    code = page.inner_text("#tracking-code").strip()
    consumer.finish()

    j = journey("q-inspector")
    page = j.page
    j.login("insp")
    j.goto("/inspector/complaints")
    row = page.locator("#complaint-queue tr.complaint-item", has_text=code)
    assert "139****5678" in row.inner_text() and "13912345678" not in page.content()  # not yet the handler
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= site.viewport["width"], f"the queue scrolls sideways: {width}px"
    display = row.evaluate("el => getComputedStyle(el).display")
    assert display == ("block" if site.viewport["width"] <= 600 else "table-row")
    assert page.evaluate("() => document.documentElement.scrollHeight") < 4000
    j.shot("queue")

    row.locator("a", has_text=code).click()
    assert "照片" in page.inner_text("main") and page.locator("#photos img").count() == 0  # K6: handler only
    page.click("button:has-text('由我承办')")
    tel = page.locator("#consumer a.tel")
    assert tel.get_attribute("href") == "tel:13912345678"
    img = page.locator("#photos img").first
    img.wait_for()
    assert page.evaluate("el => el.complete && el.naturalWidth", img.element_handle()) == 640
    full = page.locator("#photos a").first.get_attribute("href")
    resp = page.request.get(full)
    assert resp.status == 200 and resp.headers["content-type"] == "image/jpeg"
    assert resp.headers["cache-control"] == "no-store"
    j.shot("detail-handler")

    j.goto("/inspector/complaints?mine=1")
    assert page.is_checked("#f-mine")
    mine = page.locator("#complaint-queue tr.complaint-item")
    assert mine.count() == 1 and code in mine.inner_text()
    assert mine.locator("a.tel").get_attribute("href") == "tel:13912345678"
    box = mine.locator("a.tel").bounding_box()
    assert box["height"] >= 44  # a thumb can hit it
    j.shot("mine")
    j.finish()
