"""All wiring of extensions, blueprints, handlers and commands; called by ``create_app``."""
import os
from contextvars import ContextVar

from flask import Flask, g, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (register mappings before anything reflects on them)
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_engine_options(app)
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

        if g.get("account_disabled") or getattr(current_user, "disabled", False):
            flash("账号已停用，请联系管理员", "danger")
        else:
            flash("请先登录", "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    from .web import register_blueprints
    from .web.errors import register_error_handlers
    from .web.filters import register_filters
    from .web.no_store import register_no_store
    from .web.security import register_security

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


#: SQLite page size of each connection's temporary database, in bytes.
TEMP_PAGE_SIZE = 16384


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_conn, _record):
    import sqlite3

    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=20000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # in-memory databases keep their journal mode
    cur.execute("PRAGMA synchronous=NORMAL")
    # Large sorts (the quarterly grading sorts ~5 citations per shop) may merge on helper threads;
    # small ones never start a thread.
    cur.execute(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")
    # Temporary tables (the grading's scratch tables: ~40 MB of citations at 100,000 shops) on 16 KiB
    # pages: a quarter as many pages to split, scan and free as at the default 4 KiB (≈ −0.2 s of
    # 2.3 s measured, docs/benchmarks.md). Takes effect before the connection's first temporary table.
    cur.execute(f"PRAGMA temp.page_size={TEMP_PAGE_SIZE}")
    cur.close()


# Transactions that may write take SQLite's write lock at BEGIN, so they wait (busy timeout) instead
# of failing when upgrading a read lock (CASES K-05). GET/HEAD requests read with a plain BEGIN.
_sqlite_immediate: ContextVar[bool] = ContextVar("sqlite_immediate", default=True)


def sqlite_reads_only(flag: bool = True) -> None:
    """Mark the current context (a GET request) as read-only for SQLite's BEGIN."""
    _sqlite_immediate.set(not flag)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _sqlite_immediate.get() else "BEGIN")
