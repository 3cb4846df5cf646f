"""No personal data in any log line (issue 13 §8): failed statements are logged without their
parameters outside development (SQLAlchemy ``hide_parameters``), and the failures the issue found
are provoked with planted phone numbers, then the captured log is searched for them."""
import logging
import re

import pytest
from sqlalchemy import text

from creditstreet import create_app
from creditstreet.extensions import db

from .. import factories
from .test_admin_shops import upload
from .test_xlsx_bombs import garbage_sheet, merge_bomb

PLANTED = ("13912345678", "13800138000", "110101199003071234")


def _clean(log: str) -> str:
    return re.sub(r"\s+", "", log)


@pytest.fixture
def capture(app, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    # Also straight from the app's logger, in case a test before this one stopped it propagating.
    app.logger.addHandler(caplog.handler)
    yield caplog
    app.logger.removeHandler(caplog.handler)


def _complaint_form(client, **kw):
    html = client.get("/complaints/new").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
            "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1),
            "kind": "complaint", "description": "老板电话13912345678", "consumer_phone": "13800138000",
            "consumer_name": "王小明", "amount": "28"}
    data.update(kw)
    return data


def test_a_failing_insert_is_logged_without_its_parameters(app, client, capture):
    """A statement that fails in the database (here a duplicate key) is a 500 and a logged
    traceback; the traceback names the statement, never the values."""

    def fails():
        for _ in range(2):
            # Fails as a NOT NULL or duplicate-key violation, whichever the schema hits first.
            db.session.execute(text("INSERT INTO streets (id, name) VALUES (:id, :name)"),
                               {"id": 424242, "name": "13912345678 13800138000"})
        db.session.commit()
        return "never"

    app.add_url_rule("/test-fails", "fails", fails)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: logged, answered with the 500 page
    resp = client.get("/test-fails")
    assert resp.status_code == 500 and "系统出错" in resp.get_data(as_text=True)
    log = capture.text
    assert "IntegrityError" in log and "INSERT INTO streets" in log  # the failure was logged
    assert "hide_parameters=True" in log
    for number in PLANTED:
        assert number not in _clean(log)


def test_the_failures_found_in_issue_13_log_no_personal_data(app, client, street, capture, login_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 would be logged, as in production
    shop = factories.make_shop(street, "张记面馆")
    db.session.commit()
    client.get("/?q=13912345678%00")
    client.post("/complaints/new", data=_complaint_form(client, shop_id=str(shop.id),
                                                       description="老板电话13912345678\x00"))
    client.post("/complaints/new", data=_complaint_form(client, card_serial="13912345678"))
    client.post("/complaints/new", data=_complaint_form(client, shop_id="13912345678"))
    client.get("/cards/verify?serial=13912345678")
    client.get("/shops/13912345678")
    client.get(f"/shops/{2**31}?phone=13800138000")
    body = {"kind": "complaint", "shop_id": shop.id, "consumer_phone": "13800138000",
            "description": "身份证110101199003071234 \ud800"}
    client.post("/api/complaints", json=body)
    client.post("/api/complaints", json=dict(body, description="ok", shop_id=2**63))
    client.post("/api/complaints", data='{"consumer_phone": "13800138000", "x": ' + "[" * 5000 + "]" * 5000 + "}",
                content_type="application/json")
    login_as("admin")
    upload(client, "13912345678.xlsx", merge_bomb(), dry_run=True)
    upload(client, "13800138000.xlsx", garbage_sheet(), dry_run=True)
    for number in PLANTED:
        assert number not in _clean(capture.text)


def test_development_shows_parameters_other_configs_hide_them():
    assert create_app("dev").config["SQLALCHEMY_HIDE_PARAMETERS"] is False
    assert create_app("test").config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    prod = create_app("prod", SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert prod.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
