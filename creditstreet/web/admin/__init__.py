"""The admin's pages (创建专班（管理员）); every route requires the admin role (admins pass too)."""
from flask import Blueprint

from ..roles import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, "admin")


@bp.context_processor
def _city_rules():
    from ..roles import may_change_city

    return {"may_change_city": may_change_city}

from . import routes, shops  # noqa: E402,F401
from . import audit, settings, users  # noqa: E402,F401  (issue 7)
from . import cards  # noqa: E402,F401  (issue 5)
from . import grades  # noqa: E402,F401  (issue 3)
from . import ballots, supervisors, exams, awards, warnings  # noqa: E402,F401  (issue 6)
from . import promises, fund  # noqa: E402,F401  (issue 16)
from . import workcalendar  # noqa: E402,F401  (issue 14)
from . import merchants  # noqa: E402,F401  (issue 15)
from . import notifications  # noqa: E402,F401  (issue 17)
from . import street_settings, streets  # noqa: E402,F401  (issue 18)
