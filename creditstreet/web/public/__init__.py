"""Public pages for consumers: notice board, shop pages, complaint form, tracking, card verification."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes, complaints, board  # noqa: E402,F401
from . import cards  # noqa: E402,F401  (issue 5)
from . import open_data  # noqa: E402,F401  (issue 16)
