"""Accounts (issue 2 §7, CASES K-08): login, disable mid-session, logout, next, expired form."""
import re

from creditstreet.extensions import db
from creditstreet.services import accounts

from .. import factories
from ..conftest import csrf_token, login


def test_wrong_password_gives_chinese_message_and_keeps_username(client, street):
    factories.make_user("inspector", username="zhang", street=street)
    db.session.commit()
    resp = login(client, "zhang", "wrong-password")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "用户名或密码错误" in html
    assert 'value="zhang"' in html


def test_login_redirects_to_role_home(client, street):
    factories.make_user("supervisor", username="li", street=street)
    db.session.commit()
    resp = login(client, "li", factories.PASSWORD)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/supervisor/"


def test_next_only_leads_to_a_path_on_this_site(client, street):
    factories.make_user("admin", username="boss", street=street)
    db.session.commit()
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        token = csrf_token(client, "/auth/login")
        resp = client.post("/auth/login?next=" + bad, data={"csrf_token": token, "username": "boss",
                                                            "password": factories.PASSWORD})
        assert resp.headers["Location"] == "/admin/", bad
        client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    token = csrf_token(client, "/auth/login")
    resp = client.post("/auth/login?next=/inspector/", data={"csrf_token": token, "username": "boss",
                                                            "password": factories.PASSWORD})
    assert resp.headers["Location"] == "/inspector/"


def test_disabled_account_loses_access_on_next_request_even_when_remembered(app, street):
    client = app.test_client()
    user = factories.make_user("supervisor", username="li7", street=street)
    db.session.commit()
    assert login(client, "li7", factories.PASSWORD, remember=True).status_code == 302
    assert client.get("/supervisor/").status_code == 200
    accounts.set_disabled(None, user, True)
    db.session.commit()
    resp = client.get("/supervisor/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/auth/login")
    # Even with only the remember-me cookie left (new session), access stays closed.
    client2 = app.test_client()
    for cookie in client._cookies.values():
        if cookie.key == "remember_token":
            client2.set_cookie(cookie.key, cookie.value)
    assert client2.get("/supervisor/").status_code == 302
    page = client.get("/auth/login").get_data(as_text=True)
    assert "账号已停用" in page


def test_disabled_account_cannot_log_in(client, street):
    user = factories.make_user("inspector", username="wang", street=street)
    user.disabled = True
    db.session.commit()
    html = login(client, "wang", factories.PASSWORD).get_data(as_text=True)
    assert "账号已停用" in html


def test_logout_removes_remember_cookie(client, street):
    factories.make_user("inspector", username="zhao", street=street)
    db.session.commit()
    login(client, "zhao", factories.PASSWORD, remember=True)
    assert client.get_cookie("remember_token") is not None
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/inspector/")})
    assert client.get_cookie("remember_token") is None
    assert client.get("/inspector/").status_code == 302


def test_expired_login_form_is_shown_again_with_text_and_message(client, street):
    resp = client.post("/auth/login", data={"csrf_token": "expired-or-forged", "username": "zhang",
                                            "password": "x"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "页面已超时，请再次提交" in html
    assert 'value="zhang"' in html
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', html)


def test_wrong_role_is_403_in_chinese(client, login_as):
    login_as("supervisor")
    resp = client.get("/admin/")
    assert resp.status_code == 403
    assert "无权访问" in resp.get_data(as_text=True)


def test_unknown_page_is_404_in_chinese(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert "页面不存在" in resp.get_data(as_text=True)


def test_a_view_rerun_after_a_failed_csrf_token_can_never_commit(app, client, street):
    """The expired-form path re-calls the view only to re-display it; a commit there is refused."""
    from creditstreet.models import Street
    from creditstreet.web.roles import keeps_input

    @keeps_input
    def careless():  # a view that forgets to check the token and writes anyway
        db.session.add(Street(name="不应写入的街道"))
        db.session.commit()
        return "written"

    app.add_url_rule("/test-careless", "careless", careless, methods=["POST"])
    resp = client.post("/test-careless", data={"csrf_token": "forged"})
    assert resp.status_code == 400
    assert "页面已超时" in resp.get_data(as_text=True)
    assert db.session.query(Street).filter_by(name="不应写入的街道").count() == 0


def test_a_refused_post_is_answered_by_the_role_guard_first(client, street):
    """An expired/forged token never shows a guarded form to a visitor or a wrong role (QA round 2)."""
    factories.make_user("supervisor", username="sup", street=street)
    db.session.commit()
    shop = factories.make_shop(street)
    db.session.commit()
    for path in ("/admin/settings", "/admin/users/new", f"/supervisor/vote/{shop.id}", "/inspector/patrols/new"):
        resp = client.post(path, data={"csrf_token": "forged"})
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/auth/login"), path
    login(client, "sup", factories.PASSWORD)
    resp = client.post("/admin/settings", data={"csrf_token": "forged"})
    assert resp.status_code == 403
    assert "无权访问" in resp.get_data(as_text=True)


def test_login_names_do_not_depend_on_case(client, street):
    # "Zhang.San" is the account; typed "zhang.san" at the login it is the same person; a second
    # account "ZHANG.SAN" is refused, named beside the one it collides with.
    from creditstreet.domain.errors import ValidationError

    accounts.create_user(None, "Zhang.San", factories.PASSWORD, "inspector", street_id=street.id)
    db.session.commit()
    resp = login(client, "zhang.san", factories.PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/inspector")
    try:
        accounts.create_user(None, "ZHANG.SAN", factories.PASSWORD, "inspector", street_id=street.id)
    except ValidationError as e:
        assert e.code == "username_taken" and "ZHANG.SAN" in e.message and "Zhang.San" in e.message
    else:
        raise AssertionError("a name differing only in case was accepted")


def test_old_names_sharing_a_spelling_up_to_case_log_in_only_exactly(client, street):
    # Made before the rule (straight rows): "li4" and "LI4" both exist. Exact names log in; "Li4"
    # would be either, so it is no one's (the same answer as a wrong password).
    factories.make_user("inspector", username="li4", street=street)
    factories.make_user("supervisor", username="LI4", street=street)
    db.session.commit()
    assert accounts.authenticate("LI4", factories.PASSWORD).role == "supervisor"
    assert accounts.authenticate("li4", factories.PASSWORD).role == "inspector"
    html = login(client, "Li4", factories.PASSWORD).get_data(as_text=True)
    assert "用户名或密码错误" in html
