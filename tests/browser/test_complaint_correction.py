"""The consumer's correction-and-resubmit path in a real browser (issue 17), at 360×800 and 1280×800.

A first submit with three mistakes and a photo shows every mistake at once, keeps the photo and
brings the first wrong field into view above the sticky 提交 bar; the shop search round trip keeps
the photo too; the corrected submit files one complaint whose tracking page has a copy button and a
QR; submitting the same content again (back, then submit) gives the same tracking code.
"""
import io
import re

import pytest
from PIL import Image

from .conftest import SHOP

pytestmark = pytest.mark.browser


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return out.getvalue()


def _not_under_the_bar(page, selector: str) -> None:
    """The element is inside the viewport and ends above the sticky submit bar."""
    box = page.locator(selector).first.bounding_box()
    bar = page.locator(".actions-bottom").bounding_box()
    viewport = page.viewport_size
    assert box is not None and bar is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (selector, box, viewport)
    assert box["y"] + box["height"] <= bar["y"] + 1, (selector, box, bar)


def _fill(page, phone="13912340000", amount="36"):
    page.fill("#title", "裤子开线")
    page.fill("#description", "买的裤子穿一天就开线了，\n要求退款。")
    page.fill("#amount", amount)
    page.fill("#consumer_phone", phone)


def test_consumer_corrects_mistakes_and_submits_once(journey, site):
    j = journey("correction")
    page = j.page
    j.goto("/complaints/new")
    _fill(page, phone="1391234000", amount="36,50")
    page.set_input_files("#photos", files=[{"name": "裤子.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    page.click("main form .actions-bottom button[type=submit]")
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "有 3 处需要修改" in main
    for message in ("请选择被投诉的商户", "手机号码格式不正确", "金额格式不正确"):
        assert message in main, message
    assert "已保留的照片（1 张，无需重新选择）" in main and "裤子.jpg" in main
    # The page brought the first mistake (the shop) into view, not hidden by the sticky bar.
    _not_under_the_bar(page, "#shop_id-error")
    assert page.input_value("#description") == "买的裤子穿一天就开线了，\n要求退款。"
    j.shot("errors")

    # The browser's own check (phone emptied) scrolls to the field above the bar as well.
    page.fill("#consumer_phone", "")
    page.evaluate("window.scrollTo(0, 0)")
    page.click("main form .actions-bottom button[type=submit]")
    page.wait_for_timeout(300)
    _not_under_the_bar(page, "#consumer_phone")

    # Correct: find the shop (a round trip that keeps the photo), fix the phone and the amount.
    page.fill("#shop_q", "老王")
    page.click("text=查找商户")
    page.wait_for_load_state()
    assert "已保留的照片（1 张" in page.inner_text("main")
    page.check(f"label:has-text('{SHOP}') input[type=radio]")
    page.fill("#consumer_phone", "13912340000")
    page.fill("#amount", "36.50")
    j.shot("corrected")
    page.click("main form .actions-bottom button[type=submit]")
    page.wait_for_url(re.compile(r"/track/"))
    code = page.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"TS[A-Z2-9]{10}", code)
    assert page.is_visible("button[data-copy='#tracking-code']")
    assert page.locator(".tracking-box img").get_attribute("src").startswith("data:image/svg+xml")
    j.shot("filed")

    # Back, then submit the same content again (a fresh form token): the same complaint.
    j.goto("/complaints/new")
    page.fill("#shop_q", "老王")
    page.click("text=查找商户")
    page.wait_for_load_state()
    page.check(f"label:has-text('{SHOP}') input[type=radio]")
    _fill(page, amount="36.50")
    page.click("main form .actions-bottom button[type=submit]")
    page.wait_for_url(re.compile(r"/track/"))
    assert page.inner_text("#tracking-code").strip() == code
    j.finish()
