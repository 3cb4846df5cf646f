"""Shared fixtures (flaskr style): app, client, runner, login_as(role), factories.

The database is real: a SQLite file by default, or PostgreSQL when DATABASE_URL / TEST_DATABASE_URL
is set (CI runs the suite on both). The schema is created once per session; every test starts empty.
"""
import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

_TMP = Path(tempfile.mkdtemp(prefix="creditstreet-tests-"))
os.environ.setdefault("CREDITSTREET_INSTANCE", str(_TMP / "instance"))
if not (os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")):
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"

from flask import has_app_context  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from creditstreet import create_app  # noqa: E402
from creditstreet.wiring import sqlite_reads_only  # noqa: E402
from creditstreet.extensions import db as _db  # noqa: E402

from . import factories  # noqa: E402


def _empty_all_tables():
    meta = _db.metadata
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in meta.sorted_tables)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(meta.sorted_tables):
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture(scope="session")
def _schema():
    app = create_app("test")
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


class RequestIsolatingClient(FlaskClient):
    """Every request gets its own app context, session and ``g``, as under a real server.

    The test's own session (the fixture's app context) commits what the test set up before the
    request, and ends its read snapshot afterwards, so assertions read what the request committed.
    """

    def open(self, *args, **kwargs):
        outer = has_app_context()
        if outer:
            _db.session.commit()
        with self.application.app_context():
            resp = super().open(*args, **kwargs)
        if outer:
            _db.session.commit()
        return resp


@pytest.fixture(autouse=True)
def _test_thread_reads_deferred():
    # The test thread mostly reads between requests; without this, touching an attribute after a
    # commit would take SQLite's write lock and block the app's other threads (CASES K-05 tests).
    # Set before every test: a test that switches it off (a regrade holding its write lock) must not
    # leave later tests' reads taking the write lock ("database is locked" in another app's request).
    sqlite_reads_only(True)


@pytest.fixture
def app(_schema):
    app = create_app("test")
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_all_tables()
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def street(app):
    return factories.make_street()


@pytest.fixture
def login_as(app, client, street):
    """Log ``client`` in as a new user of ``role``; returns the user."""

    def _login(role: str, username: str | None = None, **kw):
        user = factories.make_user(role=role, username=username, street=street, **kw)
        _db.session.commit()
        resp = login(client, user.username, factories.PASSWORD)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return user

    return _login


def csrf_token(client, path: str) -> str:
    """Fetch ``path`` and return the CSRF token of its first form."""
    import re

    html = client.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert m, f"no csrf token on {path}"
    return m.group(1)


def login(client, username: str, password: str, remember: bool = False):
    token = csrf_token(client, "/auth/login")
    data = {"csrf_token": token, "username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data)
