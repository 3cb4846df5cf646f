"""Chinese error pages for 400/403/404/413/429/500 and the friendly expired-form path (CASES K-09, K-13)."""
from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from ..extensions import db
from flask_wtf.csrf import CSRFError

MESSAGES = {
    401: (_l("请先登录"), _l("请先登录后再操作。")),
    400: (_l("请求有误"), _l("提交的内容无法处理，请返回后重试。")),
    403: (_l("无权访问"), _l("您的账号没有权限访问此页面。")),
    404: (_l("页面不存在"), _l("您要找的页面不存在或已被移除。")),
    405: (_l("请求方式不支持"), _l("此页面不支持该操作。")),
    413: (_l("内容过大"), _l("照片过大：上传的内容合计最大{max_mb}MB（每张照片最大{photo_mb}MB，最多5张），请压缩照片后重试。")),
    429: (_l("操作过于频繁"), _l("您的操作过于频繁，请稍后再试。")),
    500: (_l("系统出错"), _l("系统暂时出错，您填写的内容未丢失，请返回后重试。")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str | None = None, error_code: str | None = None):
    title, default = (str(t) for t in MESSAGES.get(code, MESSAGES[500]))
    max_mb = current_app.config.get("MAX_CONTENT_LENGTH", 0) // (1024 * 1024)
    text = (message or default).format(max_mb=max_mb, photo_mb=current_app.config.get("PHOTO_MAX_MB", 10))
    if wants_json():
        return jsonify(error={"code": error_code or f"http_{code}", "message": text}), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def register_error_handlers(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, lambda e, code=code: _handle(e, code))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        # A form whose token expired (or whose session cookie vanished) is shown again with
        # everything typed and a message, never a bare 400 (CASES K-09).
        shown = redisplay("页面已超时，请再次提交")
        if shown is not None:
            return shown
        return error_response(400, "页面已超时，请返回上一页刷新后再次提交。", "csrf_expired")

    @event.listens_for(db.session, "before_commit")
    def _no_commit_while_redisplaying(session):
        if has_request_context() and g.get("redisplay_only"):
            raise WriteWithoutCsrf()


def redisplay(message: str):
    """Re-call a ``keeps_input`` form view only to show the typed text again with ``message``.

    Used when a POST is refused before the view runs (expired CSRF token, rate limit). The view
    sees ``g.redisplay_only`` and must not act; a commit during the call is refused anyway, so a
    refused request can never write. Returns None when the request is not such a form POST.
    """
    view = current_app.view_functions.get(request.endpoint)
    if request.method != "POST" or not getattr(view, "keeps_input", False) or wants_json():
        return None
    # Skip the rate limiter's own wrapper: re-displaying must not count (or be refused) again.
    while getattr(view, "__wrapped__", None) is not None and "flask_limiter" in getattr(
            getattr(view, "__code__", None), "co_filename", ""):
        view = view.__wrapped__
    # The refusal happened before the blueprint's role guard ran: run it now, so a visitor or a
    # wrong role is answered by the guard (login redirect, 403), never shown the form.
    try:
        for name in reversed(request.blueprints):
            for guard in current_app.before_request_funcs.get(name, ()):
                answer = guard()
                if answer is not None:
                    return answer
    except HTTPException as e:
        return _handle(e, e.code)
    g.redisplay_only = True
    g.redisplay_message = message
    try:
        return view(**(request.view_args or {}))
    except WriteWithoutCsrf:
        db.session.rollback()
        return None


class WriteWithoutCsrf(Exception):
    """A view tried to commit while only re-displaying a refused form."""


def _handle(e, code):
    if code == 429:
        # A refused form POST keeps what was typed (the limit counts; the text is not lost).
        shown = redisplay("操作过于频繁，请稍后再提交；您填写的内容已保留。")
        if shown is not None:
            body, status = (shown if isinstance(shown, tuple) else (shown, 200))[:2]
            return body, 429
    if code == 500:
        from .. import extensions

        extensions.db.session.rollback()
    desc = getattr(e, "description", None) if code in (400, 404, 429) and wants_json() else None
    return error_response(code, desc if isinstance(desc, str) and not desc.isascii() else None)
