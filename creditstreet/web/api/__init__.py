"""JSON API for intake and tracking (12315 transfer, apps, open data); errors as JSON with a Chinese message."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import routes, complaints  # noqa: E402,F401
