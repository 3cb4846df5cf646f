"""K7 in the real browser (issue 17): a consumer fills the complaint form, submits, presses Back and
submits again — still one complaint, the same tracking code shown both times.

Two ways a consumer reaches the form:
- from the shop's public page ("投诉这家商户", a GET): Back shows the form again — as the browser
  kept it (the typed text and its one-time token) or loaded afresh (``no-store``, K6: a new token,
  and the consumer types the same complaint again). Either way the second submission is the first
  complaint (the token, else K7's same phone + same content within 30 minutes);
- after searching the shop with 查找商户 (a POST that keeps what was typed): Back lands on a POST
  result that ``no-store`` forbids the browser to keep, so Chromium shows its "confirm form
  resubmission" page (ERR_CACHE_MISS) today; the consumer opens the form again and types the same
  complaint: still the same code. (Should Back one day show the form, submitting it is checked too.)
The inspector's queue then lists exactly one complaint with that description.
"""
import re

import pytest

from .conftest import SHOP

DESCRIPTION = "买的羽绒服第二天就开线了，要求退货。"
PHONE = "13812340077"


def _fill(page, search: bool):
    if search:
        page.fill("#shop_q", SHOP)
        page.click("button[name=find_shop]")
    page.check("input[name=shop_id]")
    page.fill("#description", DESCRIPTION)
    page.fill("#consumer_phone", PHONE)


def _submit(page) -> str:
    page.click("main form .actions-bottom button[type=submit]")
    page.wait_for_url(re.compile(r"/track/result$"))
    return page.inner_text("#tracking-code").strip()


@pytest.mark.parametrize("site", ["phone"], indirect=True)
def test_back_and_submit_again_is_still_one_complaint(journey, site):
    consumer = journey("k7-consumer")
    page = consumer.page
    consumer.goto("/")
    page.click(f"a:has-text('{SHOP}')")
    page.click("#complain-shop a")
    page.wait_for_url(re.compile(r"/complaints/new\?shop=\d+$"))
    _fill(page, search=False)
    first = _submit(page)
    assert re.fullmatch(r"[A-Z0-9]{4,20}", first)

    page.go_back()  # the shop's form, a GET
    page.wait_for_url(re.compile(r"/complaints/new\?shop=\d+$"))
    if page.input_value("#description") != DESCRIPTION:
        _fill(page, search=False)  # loaded afresh: the consumer types the same complaint again
    assert page.locator("main form .actions-bottom button[type=submit]").is_enabled()
    assert _submit(page) == first
    consumer.shot("back-from-shop-form")

    # The 查找商户 path: Back meets a POST result the browser may not keep.
    consumer.goto("/complaints/new")
    _fill(page, search=True)
    assert _submit(page) == first
    try:
        page.go_back()
        back_worked = True
    except Exception as e:  # Chromium: ERR_CACHE_MISS, "confirm form resubmission"
        assert "ERR_CACHE_MISS" in str(e)
        back_worked = False
        page.wait_for_url(re.compile(r"^chrome-error://"))  # let the error page finish loading
        page.wait_for_load_state()
    if not back_worked:
        consumer.goto("/complaints/new")
    if page.input_value("#description") != DESCRIPTION:
        _fill(page, search=True)
    assert _submit(page) == first
    consumer.shot("after-resubmit")
    consumer.finish()

    inspector = journey("k7-inspector")
    inspector.login("insp")
    inspector.goto("/inspector/complaints")
    queue = inspector.page.locator("#complaint-queue tr.complaint-item")
    assert queue.filter(has_text=first).count() == 1
    assert queue.filter(has_text="羽绒服").count() == 1
