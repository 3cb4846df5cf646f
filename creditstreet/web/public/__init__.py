"""Public pages for consumers: notice board, shop pages, complaint form, tracking, card verification.

Each street's pages live under ``/s/<slug>/`` (SPEC Y1); the same pages without the prefix are the
default street's (the one-street URLs printed on plaques before the city existed). The street is
read from the URL in one place, ``web.scope.current_street``.
"""
from flask import Blueprint, current_app, g

bp = Blueprint("public", __name__)

STREET_PREFIX = "/s/<street>"


def street_route(rule: str, **options):
    """Register a view at ``rule`` (the default street) and at ``/s/<street>`` + ``rule`` (any street)."""

    def deco(view):
        endpoint = options.pop("endpoint", None) or view.__name__
        bp.add_url_rule(rule, endpoint, view, **options)
        bp.add_url_rule(STREET_PREFIX + rule, endpoint, view, **options)
        return view

    return deco


@bp.url_value_preprocessor
def _pull_street(endpoint, values):
    g.street_slug = values.pop("street", None) if values else None


@bp.url_defaults
def _add_street(endpoint, values):
    """Links between a street's pages stay on that street (the default street keeps its short URLs).

    The street is the one the view resolved (``g.street``), else the one the URL names: a view that
    never looks its street up (the tracking form) still links and posts under /s/<slug>/ (issue 17).
    """
    street = g.get("street")
    if street is None and g.get("street_slug"):
        from ..scope import street_by_slug

        street = street_by_slug(g.street_slug)
        if street is not None:
            g.street = street  # as current_street() would resolve it: one look-up per request
    if ("street" in values or street is None or street.is_default
            or not current_app.url_map.is_endpoint_expecting(endpoint, "street")):
        return
    values["street"] = street.slug


from . import routes, complaints, board  # noqa: E402,F401
from . import cards  # noqa: E402,F401  (issue 5)
from . import open_data  # noqa: E402,F401  (issue 16)
from . import city  # noqa: E402,F401  (issue 18)
