"""Changing one's own password, forced at the first login after someone else set it (issue 17).

While ``current_user.must_change_password`` is set, every page but this one, logout, the language
switch and static files sends the user here (one app-wide hook, not per blueprint).
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ...domain.errors import ValidationError
from ...extensions import db
from ...services import accounts
from ..scope import shown_message
from . import bp

#: What a user who must change the password may still reach.
ALLOWED_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.set_language", "static"}


@bp.before_app_request
def _force_password_change():
    if (current_user.is_authenticated and getattr(current_user, "must_change_password", False)
            and request.endpoint not in ALLOWED_ENDPOINTS and request.endpoint is not None):
        if request.method == "GET" and not request.path.startswith("/api/"):
            flash(_("首次登录请先修改密码（由他人设置的密码不能继续使用）"), "warning")
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    from .routes import HOME_BY_ROLE, _renew_session

    if request.method == "POST":
        form = request.form
        try:
            user = accounts.change_own_password(current_user._get_current_object(), form.get("current", ""),
                                                form.get("new", ""), form.get("repeat", ""))
            db.session.commit()
        except ValidationError as e:
            db.session.rollback()
            flash(shown_message(e.message), "danger")
            return render_template("auth/password.html"), 400
        # The token rotated, so every other login ended; this one continues in a new session.
        _renew_session()
        login_user(user)
        flash(_("密码已修改"), "success")
        return redirect(url_for(HOME_BY_ROLE[user.role]))
    return render_template("auth/password.html")
