"""The merchant's pages (商户, SPEC §12 M1–M5), phone-first; every route needs a merchant login.

Only role ``merchant`` passes (admins act on shops from their own pages); everything is read
through the login's shop, so another shop's objects answer 404 by id and never turn up by search.
"""
from flask import Blueprint, abort
from flask_login import current_user

from ...extensions import login_manager

bp = Blueprint("merchant", __name__)


@bp.before_request
def _guard():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != "merchant" or current_user.shop_id is None:
        abort(403)


@bp.app_context_processor
def _merchant_parts():
    """For the handler's complaint page and the public shop page: the early-settlement history and
    the shop's replies (SPEC M2, M3), read only when a template asks."""
    from ...services.merchant import replies, settlement

    return {"early_settlement": settlement, "merchant_replies": replies}


from . import routes  # noqa: E402,F401
