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
    # the day's figures of the street the page is about (the links go to its queue); a city admin
    # also sees the whole city's
    street = current_street_or_none()
    figures = day_figures([street.id] if street else None)
    city_figures = day_figures(None) if is_city_wide() else None
    return render_template("admin/home.html", calendar_reminder=reminder_year(), figures=figures, streets=streets,
                           street=street, city_figures=city_figures)
