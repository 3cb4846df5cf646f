"""Accounts (issue 17, Admins): the first login forces a password change; weak passwords refused."""
import pytest
from sqlalchemy import select

from creditstreet.domain.errors import ValidationError
from creditstreet.extensions import db
from creditstreet.models import AuditEntry, User
from creditstreet.services import accounts

from .. import factories
from ..conftest import csrf_token, login


def test_an_account_made_by_an_admin_must_change_its_password_first(client, street):
    admin = factories.make_user("admin", street=street)
    user = accounts.create_user(admin, "zhaoxc", "temp-pass-2026", "inspector", "赵巡查", street_id=street.id)
    db.session.commit()
    assert user.must_change_password is True
    assert login(client, "zhaoxc", "temp-pass-2026").status_code == 302
    home = client.get("/inspector/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/auth/password")
    page = client.get("/auth/password").get_data(as_text=True)
    assert "首次登录请先修改密码" in page and "您的密码由他人设置" in page
    token = csrf_token(client, "/auth/password")

    def change(current, new, repeat=None):
        return client.post("/auth/password", data={"csrf_token": token, "current": current, "new": new,
                                                   "repeat": new if repeat is None else repeat})

    for current, new, repeat, message in (
            ("wrong-pass-1", "Shanghai-road-88", None, "当前密码不正确"),
            ("temp-pass-2026", "12345678", None, "密码太简单"),
            ("temp-pass-2026", "Shanghai-road-88", "Shanghai-road-89", "两次输入的新密码不一致"),
            ("temp-pass-2026", "temp-pass-2026", None, "新密码不能与当前密码相同")):
        resp = change(current, new, repeat)
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), message
    assert client.get("/inspector/").status_code == 302  # still held at the password page
    done = change("temp-pass-2026", "Shanghai-road-88")
    assert done.status_code == 302 and done.headers["Location"].endswith("/inspector/")
    assert client.get("/inspector/").status_code == 200  # the same browser goes on, logged in
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.must_change_password is False and user.check_password("Shanghai-road-88")
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "user.password_change"))


def test_an_admin_reset_forces_a_change_and_weak_passwords_are_refused(app, street):
    admin = factories.make_user("admin", street=street)
    user = factories.make_user("supervisor", street=street)
    assert user.must_change_password is False  # an existing account goes on as it is
    accounts.reset_password(admin, user, "new-temp-2026")
    assert user.must_change_password is True
    for weak in ("12345678", "password", "87654321", "abcdefgh"):
        with pytest.raises(ValidationError, match="密码太简单"):
            accounts.reset_password(admin, user, weak)
        with pytest.raises(ValidationError, match="密码太简单"):
            accounts.create_user(admin, f"u{len(weak)}{weak[:2]}", weak, "inspector", street_id=street.id)
