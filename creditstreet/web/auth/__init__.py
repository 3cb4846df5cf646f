"""Login and logout for inspectors, supervisors and admins (consumers need no account)."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import password, routes  # noqa: E402,F401
