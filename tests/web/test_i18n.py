"""Chinese by default, English by the switch (Flask-Babel catalogs in creditstreet/translations)."""
from pathlib import Path

from tests.conftest import csrf_token

TRANSLATIONS = Path(__file__).resolve().parents[2] / "creditstreet" / "translations"


def test_compiled_catalogs_are_shipped():
    for locale in ("zh_Hans_CN", "en"):
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").is_file()


def test_login_page_is_chinese_by_default(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "用户名" in html and "工作人员登录" in html and ">登录<" in html
    assert "Username" not in html


def test_language_switch_to_english_and_back(client):
    token = csrf_token(client, "/auth/login")
    resp = client.post("/auth/lang/en", data={"csrf_token": token, "next": "/auth/login"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/login")
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html and "Username" in html and "Password" in html and "Staff login" in html
    assert "用户名" not in html
    # the public board's shell is English too
    assert "Consumer-Satisfied Street" in client.get("/").get_data(as_text=True)

    token = csrf_token(client, "/auth/login")
    client.post("/auth/lang/zh_Hans_CN", data={"csrf_token": token, "next": "/auth/login"})
    assert "用户名" in client.get("/auth/login").get_data(as_text=True)


def test_unknown_language_keeps_chinese(client):
    token = csrf_token(client, "/auth/login")
    client.post("/auth/lang/xx", data={"csrf_token": token})
    assert "用户名" in client.get("/auth/login").get_data(as_text=True)


def test_please_log_in_is_said_in_the_readers_language(client, street):
    # QA: an English reader sent to the login page was told "请先登录"
    token = csrf_token(client, "/auth/login")
    client.post("/auth/lang/en", data={"csrf_token": token, "next": "/auth/login"})
    page = client.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "Please log in" in page and "请先登录" not in page
    token = csrf_token(client, "/auth/login")
    client.post("/auth/lang/zh_Hans_CN", data={"csrf_token": token, "next": "/auth/login"})
    assert "请先登录" in client.get("/admin/", follow_redirects=True).get_data(as_text=True)
