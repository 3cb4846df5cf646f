"""Role guards shared by the role blueprints (CTFd style: every route of a blueprint is guarded)."""
from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager


def guard_blueprint(bp, *roles: str) -> None:
    """Require a logged-in, active user with one of ``roles`` for every route of ``bp``.

    Anonymous → 302 to the login page; wrong role → 403. Admins pass every guard.
    """

    @bp.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role != "admin" and current_user.role not in roles:
            abort(403)


def role_required(*roles: str):
    """Decorator form of the guard for single routes outside a role blueprint."""

    def deco(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return deco


def keeps_input(view):
    """Mark a form view: when its CSRF token expired, it is called again to re-show the typed text."""
    view.keeps_input = True
    return view


def city_admin_required(view):
    """Only a city admin (an admin bound to no street, SPEC Y2): a street admin gets 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role != "admin" or current_user.street_id is not None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper
