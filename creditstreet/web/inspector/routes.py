from flask import render_template

from ...services import patrols
from . import bp
from .patrols import current_street, street_today


@bp.route("/")
def home():
    """The inspector's landing page: the menu and the street's open rectifications (issue 17)."""
    street = current_street()
    return render_template("inspector/home.html", labels=patrols.CHECKLIST_LABELS,
                           rectifications=patrols.open_rectifications(street.id, street_today(street)))
