"""The request's street and the one error boundary of the views (SPEC Y1–Y2, issue 18; issue 13 item 11).

Every view takes its street from here, never from "the first street":

- public pages (blueprints ``public`` and ``api``): the street named by the URL, ``/s/<slug>/…``,
  else the deployment's default street (the one-street URLs printed before the city existed);
- staff pages: the user's street; a city-wide account (city admin, city-wide supervisor) picks a
  street with ``?street=<slug>`` on any page, kept in the session, else the default street.

``in_scope`` / ``get_or_404`` are the id check: an object of another street is a 404 for a user
bound to a street, exactly like an id that does not exist (no hint that it exists elsewhere).

``committing`` replaces the views' try/except DomainError → rollback → flash → commit blocks.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from flask import abort, flash, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import select

from ..domain.errors import DomainError
from ..domain.inputs import db_id
from ..extensions import db
from ..models import Street

#: Blueprints whose street comes from the URL, whoever is logged in.
URL_SCOPED = frozenset({"public", "api"})
SESSION_KEY = "street"


def default_street() -> Street | None:
    """The deployment's default street (``Street.is_default``), None on an empty deployment."""
    return db.session.scalar(_DEFAULT_STREET)


_DEFAULT_STREET = select(Street).where(Street.is_default.is_(True)).limit(1)


def street_by_slug(slug: str | None) -> Street | None:
    """The street with this slug, None when there is none (or no slug)."""
    if not slug or len(slug) > 40:
        return None
    return db.session.scalar(select(Street).where(Street.slug == slug.lower()))


def user_street_id() -> int | None:
    """The street the logged-in user is bound to; None for city-wide accounts and visitors."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.street_id
    return None


def is_city_wide() -> bool:
    """A logged-in account bound to no street: a city admin or a city-wide supervisor (Y2, S2)."""
    return bool(current_user and current_user.is_authenticated and current_user.street_id is None)


def _resolve() -> Street | None:
    if request.blueprint in URL_SCOPED:
        slug = g.get("street_slug")
        if slug is None:
            return default_street()
        street = street_by_slug(slug)
        if street is None:
            abort(404)
        return street
    if not current_user.is_authenticated:
        return None
    if current_user.street_id is not None:
        return db.session.get(Street, current_user.street_id)
    asked = request.args.get("street")
    if asked:
        street = street_by_slug(asked)
        if street is None:
            abort(404)
        session[SESSION_KEY] = street.slug
        return street
    return street_by_slug(session.get(SESSION_KEY)) or default_street()


def current_street_or_none() -> Street | None:
    """The request's street (see the module docstring), resolved once per request; None if none."""
    if "street" not in g:
        g.street = _resolve()
    return g.street


def current_street() -> Street:
    """The request's street; 404 when the deployment has none (or the URL names none)."""
    street = current_street_or_none()
    if street is None:
        abort(404)
    return street


def in_scope(street_id: int | None) -> bool:
    """Whether the logged-in user may see an object of ``street_id`` (city-wide accounts see all)."""
    bound = user_street_id()
    return bound is None or street_id == bound


def require_scope(street_id: int | None) -> None:
    """404 unless the object's street is the user's (issue 13 item 11)."""
    if not in_scope(street_id):
        abort(404)


def street_id_of(obj) -> int | None:
    """The street an object belongs to: its ``street_id``, else its shop's or complaint's street."""
    from ..models import Complaint, Shop

    if hasattr(obj, "street_id"):
        return obj.street_id
    for attr, model in (("shop_id", Shop), ("complaint_id", Complaint)):
        ref = getattr(obj, attr, None)
        if ref is not None:
            owner = db.session.get(model, ref)
            return owner.street_id if owner is not None else None
    return None


def get_or_404(model, ident):
    """``db.session.get(model, ident)``, or 404 if missing or on another street than the user's.

    For a city-wide account the object's street becomes the page's street (``current_street``),
    so a city admin following a link to a street-B shop works on street B.
    """
    ident = db_id(ident)  # typed text or an id beyond the database's range: "not found"
    obj = db.session.get(model, ident) if ident is not None else None
    street_id = street_id_of(obj) if obj is not None else None
    if obj is None or not in_scope(street_id):
        abort(404)
    if street_id is not None and is_city_wide() and request.blueprint not in URL_SCOPED:
        g.street = db.session.get(Street, street_id)
    return obj


# --- the views' error boundary -------------------------------------------------------------------

@dataclass
class Outcome:
    """What ``committing`` did: ``error`` is the DomainError's message in the reader's language
    (``shown_message``, rendered when the error was caught), None when committed; ``exception``
    keeps the error itself (its Chinese ``message``, a ``FieldErrors``' ``errors``)."""

    error: str | None = None
    code: str | None = None
    exception: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def shown_message(message) -> str:
    """A service message in the reader's language: a ``Msg`` re-rendered, a fixed text through its
    catalog entry (service messages are listed in ``web.extra_messages``); others stay as written."""
    from flask_babel import gettext

    from .filters import tr

    return tr(message) if hasattr(message, "pattern") else gettext(message) if message else message


@contextmanager
def committing(*, flash_error: bool = True, category: str = "danger") -> Iterator[Outcome]:
    """Run a service call as one unit: commit when the block ends, roll back on a DomainError.

    The error's message, in the reader's language, is flashed (``flash_error``) and kept on the
    yielded Outcome, so the view can show it inline instead. Other exceptions propagate (the error pages roll back).
    A ``return`` inside the block still commits first. Usage::

        with committing() as done:
            shop = shops.create_shop(current_user, street, uscc, **fields)
        if done.ok:
            return redirect(url_for("admin.shop_edit", shop_id=shop.id))
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as e:
        db.session.rollback()
        outcome.error, outcome.code, outcome.exception = shown_message(e.message), e.code, e
        if flash_error:  # rendered now: the session stores a flash as plain JSON text, not a Msg
            flash(outcome.error, category)
    else:
        db.session.commit()
