"""Issue 17: session loss while filling a patrol must not lose the typed entry. The inspector fills
a patrol, the session ends (cookies gone), saving leads to the login page; after logging in again
the form comes back filled (the browser kept it) and saves once; the saved record clears the copy."""
import re

import pytest

from .conftest import PASSWORD, SHOP

pytestmark = pytest.mark.browser


def test_a_patrol_entry_survives_a_lost_session(journey, site):
    j = journey("patrol-draft")
    page = j.page
    j.login("insp")
    j.goto("/inspector/patrols/new?q=" + SHOP)
    page.click(f"main a:has-text('{SHOP}')")
    form_url = page.url
    for item in ("licence", "ledger", "advertising", "counterfeit", "cards"):
        page.check(f"input[name={item}][value=pass]")
    page.check("input[name=prices][value=fail]")
    page.fill("#rectify_prices", "5")
    page.fill("#note", "价签缺失，限期整改")
    page.wait_for_timeout(500)  # the copy is written 0.3 s after the last keystroke
    j.shot("typed")

    j.context.clear_cookies()  # the session ends while the form is open
    page.click("main form .actions-bottom button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"/auth/login"))
    assert "请先登录" in page.inner_text("main") or "请先登录" in page.content()
    page.fill("#username", "insp")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/inspector/patrols/new\?shop_id=\d+"))
    assert page.url.split("?")[1] == form_url.split("?")[1]
    page.wait_for_selector("#draft-restored", state="visible")
    assert page.is_checked("input[name=prices][value=fail]")
    assert page.is_checked("input[name=licence][value=pass]")
    assert page.input_value("#note") == "价签缺失，限期整改"
    assert page.input_value("#rectify_prices") == "5"
    j.shot("restored")

    page.click("main form .actions-bottom button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"/inspector/patrols/\d+"))
    text = page.inner_text("main")
    assert "巡查记录已保存" in text and "整改要求" in text and "价签缺失，限期整改" in text
    j.shot("saved")
    page.goto(form_url)  # the saved record cleared the copy: a fresh form
    assert not page.is_visible("#draft-restored")
    assert page.input_value("#note") == ""
    j.goto("/inspector/")
    assert SHOP in page.inner_text("#open-rectifications")
    j.shot("landing")
    j.finish()
