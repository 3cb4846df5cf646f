"""Sessions (issue 13 §5): logout ends that login on the server; the session is renewed at login.

The account's session token (``User.session_epoch``, Flask-Login's alternative id) is in both the
session cookie and the remember-me cookie; logout and password changes rotate it, so a copy of
either cookie taken before stops working. Every finding is checked on SQLite and PostgreSQL.
"""
from creditstreet.extensions import db
from creditstreet.services import accounts

from .. import factories
from ..conftest import csrf_token, login


def _copy_cookies(app, client, names=("session", "remember_token")):
    """A second browser holding copies of ``client``'s cookies (what a thief would copy)."""
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        if cookie is not None:
            other.set_cookie(name, cookie.value)
    return other


def test_a_remember_cookie_copied_before_logout_does_not_work_after_it(app, client, street):
    factories.make_user("inspector", username="zhao", street=street)
    db.session.commit()
    assert login(client, "zhao", factories.PASSWORD, remember=True).status_code == 302
    thief = _copy_cookies(app, client, names=("remember_token",))  # only the 365-day cookie
    assert thief.get("/inspector/").status_code == 200  # the copy works while the login lasts
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/inspector/")})
    resp = thief.get("/inspector/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/auth/login")


def test_a_session_cookie_copied_before_logout_does_not_work_after_it(app, client, street):
    factories.make_user("admin", username="boss", street=street)
    db.session.commit()
    login(client, "boss", factories.PASSWORD)
    thief = _copy_cookies(app, client, names=("session",))
    assert thief.get("/admin/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert thief.get("/admin/").status_code == 302


def test_logging_in_again_after_logout_works_and_the_old_copy_stays_dead(app, client, street):
    factories.make_user("supervisor", username="li", street=street)
    db.session.commit()
    login(client, "li", factories.PASSWORD, remember=True)
    thief = _copy_cookies(app, client)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/supervisor/")})
    assert login(client, "li", factories.PASSWORD, remember=True).status_code == 302
    assert client.get("/supervisor/").status_code == 200
    assert thief.get("/supervisor/").status_code == 302


def test_a_password_change_ends_every_login_of_the_account(app, client, street):
    user = factories.make_user("inspector", username="qian", street=street)
    db.session.commit()
    login(client, "qian", factories.PASSWORD, remember=True)
    remembered = _copy_cookies(app, client, names=("remember_token",))
    accounts.reset_password(None, user, "a-new-password-2")
    db.session.commit()
    assert client.get("/inspector/").status_code == 302
    assert remembered.get("/inspector/").status_code == 302
    assert login(client, "qian", "a-new-password-2").status_code == 302


def test_a_csrf_token_planted_before_login_is_refused_after_it(app, client, street):
    """An attacker who planted a session (and knows its CSRF token) before the victim logs in
    cannot use that token afterwards: the login starts a new session with a new token."""
    factories.make_user("admin", username="boss", street=street)
    db.session.commit()
    planted = csrf_token(client, "/auth/login")  # the pre-login session's token
    resp = client.post("/auth/login", data={"csrf_token": planted, "username": "boss",
                                            "password": factories.PASSWORD})
    assert resp.status_code == 302
    forged = client.post("/auth/logout", data={"csrf_token": planted})
    assert forged.status_code == 400 and "页面已超时" in forged.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # the forged logout did nothing
    fresh = csrf_token(client, "/admin/")
    assert fresh != planted
    assert client.post("/auth/logout", data={"csrf_token": fresh}).status_code == 302


def test_the_chosen_language_survives_the_session_renewal(app, client, street):
    factories.make_user("inspector", username="sun", street=street)
    db.session.commit()
    client.post("/auth/lang/en", data={"csrf_token": csrf_token(client, "/auth/login")})
    login(client, "sun", factories.PASSWORD)
    with client.session_transaction() as s:
        assert s.get("lang") == "en"
