"""Public promises in a real browser (issue 16, SPEC §13): an admin records and approves a shop's
7-day no-reason-returns commitment; a consumer filters the board to such shops, opens the shop, reads
its terms and complaint figures, and files a "承诺未兑现" complaint from the shop's page."""
import re

import pytest

from .conftest import SHOP

pytestmark = pytest.mark.browser


def test_consumer_finds_a_promise_and_complains_it_was_not_kept(journey, site):
    admin = journey("p-admin")
    admin.login("admin")
    admin.goto("/admin/shops")
    admin.page.click(f"tr:has-text('{SHOP}') >> text=承诺")
    admin.page.select_option("#kind", "no_reason_returns")
    admin.page.fill("#return_days", "7")
    admin.page.fill("#categories", "服装、鞋帽")
    admin.page.fill("#exclusions", "内衣、定制服装")
    admin.page.click("main form:has(#kind) button[type=submit]")
    assert "待审核通过后公示" in admin.page.inner_text("main")
    admin.goto("/admin/commitments")
    admin.shot("queue")
    admin.page.click(f"section:has-text('{SHOP}') >> text=审核通过")
    assert "承诺已公示" in admin.page.inner_text("main")
    admin.finish()

    c = journey("p-consumer")
    page = c.page
    c.goto("/")
    page.select_option("#commit", "no_reason_returns")
    page.click("form[role=search] button[type=submit]")
    assert "共 1 户经营户" in page.inner_text("main")
    c.shot("filtered")
    page.click(f"main table >> text={SHOP}")
    body = page.inner_text("main")
    assert "7天无理由退货" in body and "服装、鞋帽" in body and "内衣、定制服装" in body
    assert "投诉信息公示" in body and "收到投诉" in body
    c.shot("shop")
    page.click("text=承诺未兑现？我要投诉")
    assert page.input_value("#subject") == "broken_commitment"
    assert page.is_checked("input[name=shop_id]")
    page.fill("#description", "买的鞋第3天去退，店家说不退。")
    page.fill("#consumer_phone", "13912345678")
    c.shot("form")
    page.click("main form .actions-bottom button[type=submit]")
    page.wait_for_url(re.compile(r"/track/"))
    assert page.inner_text("#tracking-code").strip()
    c.shot("filed")
    c.finish()
