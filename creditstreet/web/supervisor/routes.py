from flask import render_template

from . import bp


@bp.route("/")
def home():
    from .ballots import _home_context

    return render_template("supervisor/home.html", **_home_context())
