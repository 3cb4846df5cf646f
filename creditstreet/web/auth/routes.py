from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ...domain.errors import ValidationError
from ...extensions import db, limiter
from ...services import accounts
from ..roles import keeps_input
from ..scope import committing, shown_message
from . import bp, throttle
from .forms import LoginForm

HOME_BY_ROLE = {"inspector": "inspector.home", "supervisor": "supervisor.home", "admin": "admin.home",
                "merchant": "merchant.home"}


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no "//" or backslash tricks."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
# Only failed attempts count (a successful login answers 302): an office sharing one IP can log in
# all morning, while password guessing is still cut off after 10 failures a minute.
@limiter.limit("10 per minute; 50 per hour", methods=["POST"], deduct_when=lambda response: response.status_code != 302)
@keeps_input
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        address = get_remote_address()
        if throttle.refused(form.username.data, address):
            flash(_("该账号登录失败次数过多，请1小时后再试，或联系管理员"), "danger")
            return render_template("auth/login.html", form=form), 429
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except ValidationError as e:
            if e.code == "bad_credentials":
                throttle.record_failure(form.username.data, address)
            flash(shown_message(e.message), "danger")
        else:
            throttle.record_success(form.username.data, address)
            _renew_session()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE[user.role]))
    elif form.csrf_token.errors:
        flash(_("页面已超时，请再次提交"), "warning")
    return render_template("auth/login.html", form=form)


def _renew_session() -> None:
    """Start a new session at login: nothing planted before it (a CSRF token, a stale login) survives.

    Only the chosen language carries over; the CSRF token is drawn afresh on the next form.
    """
    lang = session.get("lang")
    session.clear()
    g.pop("csrf_token", None)
    if lang:
        session["lang"] = lang


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Ends this login on the server: the session and any copy of the remember-me cookie
        # carry the old session token and no longer load the user (issue 13 §5).
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
    session.clear()  # nothing of this visit outlives it (before logout_user, which marks the cookie)
    logout_user()  # also clears the remember-me cookie
    flash(_("您已退出登录"), "info")
    return redirect(url_for("public.index"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in ("zh_Hans_CN", "en"):
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"], deduct_when=lambda response: response.status_code != 302)
@keeps_input
def signup():
    """A shop's staff sign up with the one-time invitation code the office handed over (SPEC M1)."""
    from ...services.merchant import accounts as merchant_accounts

    form = request.form
    if request.method == "POST" and not g.get("redisplay_only"):
        with committing() as done:
            user = merchant_accounts.sign_up(form.get("code"), form.get("username", ""), form.get("password", ""),
                                             form.get("password2", ""), form.get("display_name", ""))
        if done.ok:
            login_user(user)
            flash(_("注册成功，已登录"), "success")
            return redirect(url_for("merchant.home"))
    code = form.get("code") if request.method == "POST" else request.args.get("code", "")
    return render_template("auth/signup.html", code=(code or "")[:20], typed=form), 400 if request.method == "POST" else 200
