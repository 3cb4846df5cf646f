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


def may_change_city() -> bool:
    """Whether the logged-in admin may change what holds for every street — the city's rule
    settings and the working-day calendar (SPEC Y2): a city admin; a street admin only while the
    deployment has that one street (a one-street office has no one else to ask)."""
    from sqlalchemy import func, select

    from ..extensions import db
    from ..models import Street

    if not current_user.is_authenticated or current_user.role != "admin":
        return False
    if current_user.street_id is None:
        return True
    return (db.session.scalar(select(func.count(Street.id))) or 0) <= 1


def city_rules_writer(view):
    """A POST to ``view`` changes city-wide rules: 403 unless ``may_change_city`` (GET stays open:
    a street admin reads the rules its street works under)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from flask import request

        if request.method == "POST" and not may_change_city():
            abort(403)
        return view(*args, **kwargs)

    return wrapper
