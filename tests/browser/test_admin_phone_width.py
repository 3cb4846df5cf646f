"""Issue 17: every admin (and inspector) page opens on a 360 px phone without sideways scrolling of
the whole page — the notifications filter row overflowed. Wide tables scroll inside their own
``.table-wrap``; the page itself must fit: document.scrollingElement.scrollWidth <= 360.

The pages are every GET route of the admin, complaint-statistics, inspector and public blueprints that takes
no URL parameter (downloads excluded), read from the app's URL map, so a new list page is checked
too. Each page is read in Chinese and in English (?lang=en), whose long words cannot wrap.
"""
import pytest

from creditstreet import create_app

BLUEPRINTS = ("admin.", "complaint_stats.", "inspector.", "public.")
#: Pages only a city-wide admin may open (the seeded admin belongs to a street): 403 expected.
CITY_ONLY = {"/admin/streets"}


def _pages() -> list[str]:
    app = create_app("test")
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if r.endpoint.startswith(BLUEPRINTS) and "GET" in r.methods and not r.arguments
                  and not r.rule.endswith((".xlsx", ".csv", ".pdf", ".json", ".zip")))


@pytest.mark.parametrize("site", ["phone"], indirect=True)
def test_no_admin_page_scrolls_sideways_at_360px(journey, site):
    pages = _pages()
    assert "/admin/notifications" in pages and "/admin/audit" in pages and len(pages) > 25
    j = journey("admin-width")
    j.login("admin")
    wide = {}
    for path in [p + lang for p in pages for lang in ("", "?lang=en")]:  # English words do not break
        resp = j.page.goto(path)
        if path.split("?")[0] in CITY_ONLY and resp.status == 403:
            continue
        assert resp.status < 400, f"{path}: HTTP {resp.status}"
        width = j.page.evaluate("() => document.scrollingElement.scrollWidth")
        if width > 360:
            culprits = j.page.evaluate("""() => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-wrap'))
                .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)""")
            wide[path] = (width, culprits)
    assert not wide, f"pages wider than 360 px: {wide}"
