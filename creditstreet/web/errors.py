"""Chinese error pages for 400/403/404/413/429/500 and the friendly expired-form path (CASES K-09, K-13)."""
from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from sqlalchemy import event

from ..extensions import db
from flask_wtf.csrf import CSRFError

MESSAGES = {
    401: ("请先登录", "请先登录后再操作。"),
    400: ("请求有误", "提交的内容无法处理，请返回后重试。"),
    403: ("无权访问", "您的账号没有权限访问此页面。"),
    404: ("页面不存在", "您要找的页面不存在或已被移除。"),
    405: ("请求方式不支持", "此页面不支持该操作。"),
    413: ("内容过大", "照片过大，最大{max_mb}MB：上传的内容过大，请压缩后重试。"),
    429: ("操作过于频繁", "您的操作过于频繁，请稍后再试。"),
    500: ("系统出错", "系统暂时出错，您填写的内容未丢失，请返回后重试。"),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str | None = None, error_code: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    max_mb = current_app.config.get("MAX_CONTENT_LENGTH", 0) // (1024 * 1024)
    text = (message or default).format(max_mb=max_mb)
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
        # The view runs again only to re-display; a commit during that call is refused, so a
        # request without a valid token can never write, whatever the view does.
        view = current_app.view_functions.get(request.endpoint)
        if request.method == "POST" and getattr(view, "keeps_input", False):
            g.csrf_expired = True
            try:
                return view(**(request.view_args or {}))
            except WriteWithoutCsrf:
                db.session.rollback()
        return error_response(400, "页面已超时，请返回上一页刷新后再次提交。", "csrf_expired")

    @event.listens_for(db.session, "before_commit")
    def _no_commit_without_csrf(session):
        if has_request_context() and g.get("csrf_expired"):
            raise WriteWithoutCsrf()


class WriteWithoutCsrf(Exception):
    """A view tried to commit while re-displaying a form whose CSRF token failed."""


def _handle(e, code):
    if code == 500:
        from .. import extensions

        extensions.db.session.rollback()
    desc = getattr(e, "description", None) if code in (400, 404, 429) and wants_json() else None
    return error_response(code, desc if isinstance(desc, str) and not desc.isascii() else None)
