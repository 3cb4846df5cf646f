"""Integer form parameters are bounded (issue 13 §7): every form an admin can open and post, with
every field set to a number beyond any database column (or not a number at all), answers with a
page or a Chinese error, never a 500, on SQLite and PostgreSQL."""
import re

import pytest

from creditstreet.extensions import db
from tests import factories
from tests.conftest import csrf_token

VALUES = ["99999999999999999999", "-99999999999999999999", "2147483648", "13912345678", "1e400", "NaN"]


@pytest.mark.parametrize("value", VALUES)
def test_no_form_answers_500_to_an_oversized_number(app, client, street, login_as, value):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a failure is a 500 answer here, as in production
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("admin")
    fallback_token = csrf_token(client, "/admin/")
    bad = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        url = re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: str(shop.id) if "id" in m.group(1) else "x", rule.rule)
        page = client.get(url) if "GET" in rule.methods else None
        html = page.get_data(as_text=True) if page is not None and page.status_code == 200 else ""
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
        data = {name: value for name in set(re.findall(r'name="([^"]+)"', html))}
        data["csrf_token"] = token.group(1) if token else fallback_token
        resp = client.post(url, data=data)
        if resp.status_code >= 500:
            bad.append((rule.rule, resp.status_code))
    assert bad == []
