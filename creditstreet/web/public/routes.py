from sqlalchemy import select

from ...extensions import db
from ...models import Street
from . import bp


def current_street() -> Street | None:
    """The street the public site shows: the first one (a city deployment lists them on /streets)."""
    return db.session.scalar(select(Street).order_by(Street.id).limit(1))


# The notice board ("/", endpoint public.index) and shop pages live in board.py.
