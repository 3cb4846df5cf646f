from flask import render_template

from . import bp


@bp.route("/")
def home():
    from ...services.calendar import reminder

    from ...services.streets import all_streets
    from ..scope import current_street_or_none, is_city_wide

    # A city admin picks the street its pages show (SPEC Y2); a street admin works on its own.
    streets = all_streets() if is_city_wide() else []
    return render_template("admin/home.html", calendar_reminder=reminder(), streets=streets,
                           street=current_street_or_none())
