from flask import render_template

from . import bp


@bp.route("/")
def home():
    from flask_login import current_user

    from ...services.admin_day import day_figures
    from ...services.calendar import reminder_year
    from ...services.streets import all_streets
    from ..scope import current_street_or_none, is_city_wide

    # A city admin picks the street its pages show (SPEC Y2); a street admin works on its own.
    streets = all_streets() if is_city_wide() else []
    # a street admin sees their street's day figures; a city admin (no street) every street's
    figures = day_figures([current_user.street_id] if current_user.street_id else None)
    return render_template("admin/home.html", calendar_reminder=reminder_year(), figures=figures, streets=streets,
                           street=current_street_or_none())
