"""Hardening (issue 7): security headers, production cookies, login rate limit, no inline script."""
import re
from pathlib import Path

from flask import g
from sqlalchemy.engine import make_url

from creditstreet import create_app
from creditstreet.extensions import db

from .. import factories

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _assert_security_headers(resp):
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def test_headers_on_a_public_page(client, street):
    resp = client.get("/")
    assert resp.status_code == 200
    _assert_security_headers(resp)


def test_headers_on_an_error_page(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)
    _assert_security_headers(resp)


def test_headers_on_a_json_response(client):
    resp = client.get("/api/health")
    assert resp.status_code == 200 and resp.is_json
    _assert_security_headers(resp)
    resp = client.get("/api/no-such-thing")
    assert resp.status_code == 404 and resp.is_json
    _assert_security_headers(resp)


def _set_cookies(resp) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in resp.headers.getlist("Set-Cookie")}


def test_production_cookies_are_secure_httponly_and_samesite(app, street):
    factories.make_user("admin", username="boss", street=street)
    db.session.commit()
    url = make_url(db.engine.url).render_as_string(hide_password=False)
    prod = create_app("prod", SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_STORAGE_URI="memory://")
    with prod.app_context():
        client = prod.test_client()
        https = {"base_url": "https://street.example"}
        html = client.get("/auth/login", **https).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        resp = client.post("/auth/login", data={"csrf_token": token, "username": "boss",
                                                "password": factories.PASSWORD, "remember": "y"}, **https)
        assert resp.status_code == 302
        cookies = _set_cookies(resp)
        for name in ("session", "remember_token"):
            attrs = {a.strip().split("=")[0].lower(): a.strip() for a in cookies[name].split(";")[1:]}
            assert "secure" in attrs and "httponly" in attrs, cookies[name]
            assert attrs["samesite"].lower() in ("samesite=lax", "samesite=strict"), cookies[name]
        db.session.remove()
        db.engine.dispose()


def test_production_refuses_to_start_without_a_secret_key():
    try:
        create_app("prod", SECRET_KEY=None)
    except RuntimeError as e:
        assert "SECRET_KEY" in str(e)
    else:
        raise AssertionError("prod must not start without SECRET_KEY")


def test_login_attempts_are_rate_limited(app):
    db.session.commit()  # hold no SQLite write lock while the second app logs in
    limited = create_app("test", RATELIMIT_ENABLED=True)
    with limited.app_context():
        client = limited.test_client()
        html = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        data = {"csrf_token": token, "username": "nobody", "password": "guess-guess"}
        codes = []
        for _ in range(11):
            g.pop("_login_user", None)
            codes.append(client.post("/auth/login", data=data))
        # The limit is 10 per minute: attempts 1–10 are answered (wrong password), the 11th is refused.
        assert [r.status_code for r in codes[:10]] == [200] * 10
        assert "用户名或密码错误" in codes[9].get_data(as_text=True)
        assert codes[10].status_code == 429
        assert "操作过于频繁" in codes[10].get_data(as_text=True)
        _assert_security_headers(codes[10])
        db.session.remove()


def test_templates_have_no_inline_script_or_event_handlers():
    """The CSP forbids inline script; a template that relies on it would silently break (script-src 'self')."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "pdf":  # rendered to PDF by WeasyPrint, never served to a browser
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in m.group(0):
                offenders.append(f"{path.relative_to(TEMPLATES)}: inline <script>")
        for m in re.finditer(r"\s(on[a-z]+)=[\"']", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {m.group(1)}= handler")
        if re.search(r"href=[\"']javascript:", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: javascript: link")
    assert offenders == []


def test_successful_logins_do_not_use_up_the_login_rate_limit(app):
    """QA: ~10 correct logins from one office IP got 429. Only failures count: 12 successes in a
    minute all succeed; then failures 1–10 are answered and the 11th failure is refused."""
    from tests import factories

    factories.make_user("inspector", username="zhangsan", street=factories.make_street())
    db.session.commit()  # hold no SQLite write lock while the second app logs in
    limited = create_app("test", RATELIMIT_ENABLED=True)
    with limited.app_context():
        def attempt(password):
            client = limited.test_client()  # a new browser each time, same address 127.0.0.1
            # The shared app context must not carry the last browser's login or CSRF token along.
            g.pop("_login_user", None)
            g.pop("csrf_token", None)
            html = client.get("/auth/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            g.pop("_login_user", None)
            return client.post("/auth/login", data={"csrf_token": token, "username": "zhangsan",
                                                    "password": password}).status_code

        assert [attempt(factories.PASSWORD) for _ in range(12)] == [302] * 12
        assert [attempt("wrong-guess") for _ in range(11)] == [200] * 10 + [429]
        db.session.remove()


def test_hsts_in_production_only(app, street):
    """Issue 13 §10: production answers carry Strict-Transport-Security (a year, subdomains too);
    development and tests, served over plain HTTP on 127.0.0.1, do not."""
    db.session.commit()
    url = make_url(db.engine.url).render_as_string(hide_password=False)
    prod = create_app("prod", SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_STORAGE_URI="memory://")
    with prod.app_context():
        client = prod.test_client()
        for path in ("/", "/auth/login", "/no-such-page", "/api/health"):
            resp = client.get(path, base_url="https://street.example")
            assert resp.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
        db.session.remove()
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    assert create_app("dev").config["HSTS_SECONDS"] == 0
