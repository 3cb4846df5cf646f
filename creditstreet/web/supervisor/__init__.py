"""The supervisor's pages (义务监督员); every route requires the supervisor role (admins pass too)."""
from flask import Blueprint

from ..roles import guard_blueprint

bp = Blueprint("supervisor", __name__)
guard_blueprint(bp, "supervisor")

from . import routes, ballots  # noqa: E402,F401
