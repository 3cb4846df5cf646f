"""All wiring of extensions, blueprints, handlers and commands; called by ``create_app``."""
from flask import Flask, g, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

# The engine hooks live in sqlite_mode (imported by jobs too, without importing this module back).
from .sqlite_mode import TEMP_PAGE_SIZE, _sqlite_immediate, sqlite_reads_only  # noqa: F401


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (register mappings before anything reflects on them)
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_engine_options(app)
    if app.config.get("SQLALCHEMY_HIDE_PARAMETERS"):
        # A failed statement's error (and so the logged traceback) never carries its values:
        # phones, names and complaint text stay out of the logs (issue 13 §8).
        opts = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        opts["hide_parameters"] = True
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_translation_directories="translations")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    login_manager.needs_refresh_message = "请重新登录"

    @app.before_request
    def _fresh_locale():
        # Pick the language anew for every request, also when an app context is reused (tests).
        from flask_babel import refresh

        refresh()

    @app.before_request
    def _read_only_for_safe_methods():
        g._sqlite_mode = _sqlite_immediate.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _restore_sqlite_mode(_exc=None):
        token = g.pop("_sqlite_mode", None)
        if token is not None:
            _sqlite_immediate.reset(token)

    if app.config.get("PROXY_COUNT"):
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    @login_manager.user_loader
    def load_user(user_id: str):
        from .models import User

        uid, _, epoch = user_id.partition(":")
        if not uid.isdigit():
            return None
        user = db.session.get(User, int(uid))
        if user is None:
            return None
        if user.disabled or str(user.session_epoch) != epoch:
            g.account_disabled = user.disabled
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for

        from .web.errors import error_response, wants_json

        if wants_json():
            return error_response(401, "请先登录", "login_required")
        from flask_login import current_user

        from flask_babel import gettext

        # flashed in the reader's language (a flash is stored as text: rendered now)
        if g.get("account_disabled") or getattr(current_user, "disabled", False):
            flash(gettext("账号已停用，请联系管理员"), "danger")
        else:
            flash(gettext("请先登录"), "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    from .web import register_blueprints
    from .web.boundary import register_boundary
    from .web.errors import register_error_handlers
    from .web.filters import register_filters
    from .web.no_store import register_no_store
    from .web.security import register_security

    register_boundary(app)  # before the blueprints: their <int:…> rules use the bounded converter
    register_blueprints(app)
    register_error_handlers(app)
    register_filters(app)
    register_security(app)
    register_no_store(app)

    from .cli import register_commands

    register_commands(app)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _select_locale() -> str:
    lang = request.args.get("lang") or session.get("lang")
    if lang in ("zh_Hans_CN", "en"):
        return lang
    return "zh_Hans_CN"


def _sqlite_engine_options(app: Flask) -> None:
    """SQLite: foreign keys on, WAL, busy timeout ≥ 15 s, writers take the lock at BEGIN (CASES K-05)."""
    opts = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(opts.get("connect_args") or {})
    connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
    connect_args.setdefault("check_same_thread", False)
    # Let SQLAlchemy, not the sqlite3 module, issue BEGIN so we can make it BEGIN IMMEDIATE.
    connect_args.setdefault("isolation_level", None)
    opts["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts


@event.listens_for(Engine, "handle_error")
def _hide_row_values(context):
    """With ``hide_parameters``, also drop the values PostgreSQL quotes back in its own message
    ("DETAIL:  Failing row contains (…)", "Key (username)=(…) already exists"): the logged
    traceback of a failed statement then carries no personal data (issue 13 §8)."""
    engine = context.engine
    if engine is None or not engine.hide_parameters:
        return
    for error in (context.original_exception, context.sqlalchemy_exception):
        if error is not None and error.args and isinstance(error.args[0], str) and "DETAIL:" in error.args[0]:
            kept = [line for line in error.args[0].splitlines() if not line.lstrip().startswith("DETAIL:")]
            error.args = ("\n".join(kept + ["DETAIL:  [hidden due to hide_parameters=True]"]), *error.args[1:])
