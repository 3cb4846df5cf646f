"""Public pages for consumers: notice board, shop pages, complaint form, tracking, card verification."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401
