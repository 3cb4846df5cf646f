from flask import render_template

from . import bp


@bp.route("/")
def home():
    from ...services.calendar import reminder

    return render_template("admin/home.html", calendar_reminder=reminder())
