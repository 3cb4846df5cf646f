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
    # The day's figures of the street the page is about (its links open that street's queue). The
    # city's are on /streets, street by street: a city-wide count of open items here read the whole
    # complaints table at city scale (1.7 s; SQLite plans `street_id IN (every street)` as a scan).
    street = current_street_or_none()
    figures = day_figures([street.id] if street else None)
    return render_template("admin/home.html", calendar_reminder=reminder_year(), figures=figures, streets=streets,
                           street=street)
