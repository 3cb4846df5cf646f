"""Security headers set by the app (CSP without inline scripts, frame denial, no-sniff, referrer;
HSTS in production, issue 13 §10)."""
from flask import Flask

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def register_security(app: Flask) -> None:
    seconds = int(app.config.get("HSTS_SECONDS") or 0)
    # Every answer in production, HTTP too: the proxy in front terminates TLS, and browsers
    # ignore the header on plain HTTP anyway.
    hsts = f"max-age={seconds}; includeSubDomains" if seconds > 0 else None

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if hsts:
            resp.headers.setdefault("Strict-Transport-Security", hsts)
        return resp
