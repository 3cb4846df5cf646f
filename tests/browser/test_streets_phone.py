"""The public city page /streets on a 360 px phone and at 1280 px (QA: street names wrapped one
character per line in a seven-column table). On a phone each street is a card: the name on one
line as its title, every figure labelled; no sideways scrolling. The desktop keeps the table."""
import pytest

from .conftest import Journey
from .test_city_journey import city_site  # noqa: F401 - the two-street city, both sizes

pytestmark = pytest.mark.browser


def test_street_list_is_readable_on_a_phone(browser, city_site):  # noqa: F811
    j = Journey(browser, city_site, f"streets-{city_site.size}")
    try:
        page = j.page
        j.goto("/streets")
        width = city_site.viewport["width"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        name = page.locator("tr[data-street=binjiang] th a")
        assert name.inner_text() == "滨江路美食街"
        # One line box for the 6-character name (one character per line gave 6).
        assert name.evaluate("el => el.getClientRects().length") == 1
        row = page.locator("tr[data-street=binjiang]")
        if width <= 600:
            assert row.evaluate("el => getComputedStyle(el).display") == "block"
            label = page.locator("tr[data-street=binjiang] td").first.evaluate(
                "el => getComputedStyle(el, '::before').content")
            assert label == '"在营商户："'
        else:
            assert row.evaluate("el => getComputedStyle(el).display") == "table-row"
        j.shot("streets")
        j.finish()
    finally:
        j.close()
