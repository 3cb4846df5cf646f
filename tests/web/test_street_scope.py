"""Street scoping (SPEC Y2; issue 13 item 11, issue 18): an id of another street is a 404.

Every route that takes an object's id is discovered from the URL map. A user of street 1 of each
role allowed on it (per the authorisation matrix) asks for the route filled with the ids of street
2's objects, by GET and, where the route takes POST, by POST with a valid CSRF token: the answer is
404, as for an id that does not exist — so nothing of street 2 is shown or changed. A city admin
(no street) reaches the same street-2 objects.
"""
import re

import pytest

from creditstreet import create_app
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, Complaint

from .. import factories
from ..conftest import csrf_token
from .test_authz_matrix import ALLOWED, MATRIX, World

#: URL arguments naming another object (the matrix World's ids); the rest (year, action…) are not ids.
ID_ARGS = {"shop_id", "user_id", "patrol_id", "photo_id", "action_id", "group_id", "finding_id", "cid",
           "complaint_id", "range_id", "run_id", "star_id", "conflict_id", "warning_id", "commitment_id",
           "entry_id", "request_id", "oid", "rid", "file_id", "job_id"}
#: Open blueprints: their pages are public by design (a shop's page is the public board's).
OPEN = ("public.", "api.", "auth.")


def id_rules(app):
    """The staff routes that take an object id, from the URL map."""
    return sorted((r for r in app.url_map.iter_rules()
                   if r.arguments & ID_ARGS and not r.endpoint.startswith(OPEN)), key=lambda r: r.rule)


@pytest.fixture
def two_streets(app):
    one = World(factories.make_street("一号街", slug="one"), prefix="a")
    two = World(factories.make_street("二号街", slug="two"), prefix="b")
    city_admin = factories.make_user("admin", username="city-admin")
    db.session.commit()
    other = create_app("test", SQLALCHEMY_DATABASE_URI=str(db.engine.url.render_as_string(hide_password=False)))
    clients = {}
    for role, username in [*one.usernames.items(), ("city", city_admin.username)]:
        c = other.test_client()
        resp = c.post("/auth/login", data={"csrf_token": csrf_token(c, "/auth/login"), "username": username,
                                           "password": factories.PASSWORD})
        assert resp.status_code == 302, role
        html = c.get("/").get_data(as_text=True)
        c.token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        clients[role] = c
    yield one, two, clients
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_there_are_id_routes_to_walk(app):
    names = {r.endpoint for r in id_rules(app)}
    # the route the issue names, and one of each area
    assert {"inspector.shop_grade", "inspector.complaint_detail", "admin.shop_edit", "supervisor.vote",
            "admin.user_password", "admin.fund_action"} <= names
    assert len(names) >= 25


def test_every_id_route_answers_404_to_a_user_of_another_street(app, two_streets):
    one, two, clients = two_streets
    audit_before = db.session.query(AuditEntry).count()
    wrong, checked = [], 0
    for rule in id_rules(app):
        entry = MATRIX.get(rule.endpoint)
        if entry is None:
            continue  # a route without a matrix entry fails test_authz_matrix, which names it
        path = two.path(rule, entry)
        for role in ("inspector", "supervisor", "admin"):
            if role not in ALLOWED[entry.who]:
                continue
            for method in sorted(rule.methods & {"GET", "POST"}):
                data = {"csrf_token": clients[role].token, "note": "x", "reason": "x"} if method == "POST" else None
                got = clients[role].open(path, method=method, data=data).status_code
                checked += 1
                if got != 404:
                    wrong.append(f"{method} {path} ({rule.endpoint}) as street-1 {role}: {got}")
    assert not wrong, "\n".join(wrong)
    assert checked >= 40
    assert db.session.query(AuditEntry).count() == audit_before  # nothing of street 2 changed


def test_the_issue_example_and_a_city_admin(app, two_streets):
    one, two, clients = two_streets
    assert clients["inspector"].get(f"/inspector/shops/{two.shop.id}/grade").status_code == 404
    assert clients["inspector"].get(f"/inspector/shops/{one.shop.id}/grade").status_code == 200
    # a city admin sees every street's objects
    assert clients["city"].get(f"/inspector/shops/{two.shop.id}/grade").status_code == 200
    assert clients["city"].get(f"/admin/shops/{one.shop.id}").status_code == 200
    assert clients["city"].get(f"/inspector/complaints/{two.complaint.id}").status_code == 200


def test_lists_show_only_the_users_street(app, two_streets):
    one, two, clients = two_streets
    queue = clients["inspector"].get("/inspector/complaints").get_data(as_text=True)
    assert one.complaint.tracking_code in queue or f"/inspector/complaints/{one.complaint.id}" in queue
    assert f"/inspector/complaints/{two.complaint.id}\"" not in queue
    users = clients["admin"].get("/admin/users").get_data(as_text=True)
    assert "a-target" in users and "b-target" not in users and "city-admin" not in users
    assert db.session.get(Complaint, two.complaint.id).street_id == two.street.id
