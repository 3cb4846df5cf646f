from flask import render_template
from flask_login import current_user

from ...services import patrols
from ...services.admin_day import handler_figures
from . import bp
from .patrols import current_street, street_today


@bp.route("/")
def home():
    """The inspector's landing page: the menu, the inspector's own complaint figures (open, overdue,
    due this week) and the street's open rectifications (issue 17)."""
    street = current_street()
    return render_template("inspector/home.html", labels=patrols.CHECKLIST_LABELS,
                           figures=handler_figures(current_user, street),
                           rectifications=patrols.open_rectifications(street.id, street_today(street)))
