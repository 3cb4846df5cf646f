from flask import render_template

from . import bp


@bp.route("/")
def home():
    from flask_login import current_user

    from ...services.admin_day import day_figures
    from ...services.calendar import reminder

    # a street admin sees their street; a city admin (no street) every street (SPEC Y2)
    figures = day_figures([current_user.street_id] if current_user.street_id else None)
    return render_template("admin/home.html", calendar_reminder=reminder(), figures=figures)
