"""Error pages 400/403/404/413/500 in Chinese, as pages and as JSON (issue 2, Build 8; CASES K-13)."""
import re

import pytest

from creditstreet import create_app
from tests.conftest import csrf_token


def page(resp):
    return resp.get_data(as_text=True)


def test_400_expired_or_missing_token_is_a_chinese_page(client):
    resp = client.post("/auth/logout", data={})  # no CSRF token on a form that keeps no input
    assert resp.status_code == 400
    assert "400 · 请求有误" in page(resp) and "页面已超时" in page(resp)


def test_403_wrong_role(client, login_as):
    login_as("supervisor")
    resp = client.get("/admin/")
    assert resp.status_code == 403 and "403 · 无权访问" in page(resp) and "没有权限" in page(resp)


def test_404_page_and_json(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and "404 · 页面不存在" in page(resp)
    resp = client.get("/api/no-such-thing")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == {"code": "http_404", "message": "您要找的页面不存在或已被移除。"}


def test_413_too_large_upload(_schema):
    app = create_app("test", MAX_CONTENT_LENGTH=1024 * 1024)
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    resp = client.post("/auth/login", data={"csrf_token": token, "username": "x" * (2 * 1024 * 1024)})
    assert resp.status_code == 413
    assert "413 · 内容过大" in page(resp) and re.search(r"最大 ?1 ?MB", page(resp))  # the configured limit


@pytest.fixture
def boom_app(_schema):
    app = create_app("test", PROPAGATE_EXCEPTIONS=False)

    @app.route("/test-only/boom")
    def boom():
        raise RuntimeError("kaboom")

    return app


def test_500_is_a_chinese_page_without_details(boom_app):
    resp = boom_app.test_client().get("/test-only/boom")
    assert resp.status_code == 500
    assert "500 · 系统出错" in page(resp) and "kaboom" not in page(resp) and "Traceback" not in page(resp)


def test_500_as_json(boom_app):
    resp = boom_app.test_client().get("/test-only/boom", headers={"Accept": "application/json"})
    assert resp.status_code == 500 and resp.get_json()["error"]["code"] == "http_500"
