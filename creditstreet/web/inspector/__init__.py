"""The inspector's pages (巡查员); every route requires the inspector role (admins pass too)."""
from flask import Blueprint

from ..roles import guard_blueprint

bp = Blueprint("inspector", __name__)
guard_blueprint(bp, "inspector")

from . import routes  # noqa: E402,F401
from . import cards, enforcement, patrols, plan, register  # noqa: E402,F401  (issue 5)
from . import grades  # noqa: E402,F401  (issue 3)
from . import complaints  # noqa: E402,F401  (issue 4)
