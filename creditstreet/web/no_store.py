"""``Cache-Control: no-store`` on every response that may carry personal data (SPEC K6, issue 13).

Which responses: every page, JSON or file served to a signed-in account (handler pages, registers,
exports, photos), every attachment, and the consumer's own tracking and filing responses. A
browser or proxy cache must not keep a consumer's name, phone or text for the next user of a
shared computer. Public pages without personal data (board, shop pages, static files) stay
cacheable.
"""
from flask import Flask, request
from flask_login import current_user

#: Public endpoints whose responses show a consumer their own case.
CONSUMER_ENDPOINTS = frozenset({"public.track", "public.track_result", "public.track_action",
                                "public.complaint_new", "api.track", "api.create_complaint"})


def carries_personal_data(resp) -> bool:
    """Whether ``resp`` (for the current request) may carry personal data."""
    if request.endpoint == "static":
        return False
    if request.endpoint in CONSUMER_ENDPOINTS or "attachment" in resp.headers.get("Content-Disposition", ""):
        return True
    return bool(getattr(current_user, "is_authenticated", False))


def register_no_store(app: Flask) -> None:
    @app.after_request
    def _no_store(resp):
        if carries_personal_data(resp):
            resp.headers["Cache-Control"] = "no-store"
            resp.headers["Pragma"] = "no-cache"
        return resp
