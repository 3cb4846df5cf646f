"""Admin: ballot participation per quarter, quorum per shop, shops flagged for review (SPEC S1–S2)."""
from flask import flash, render_template, request

from ...domain.errors import DomainError
from ...domain.stars import CRITERIA, CRITERIA_LABELS
from ...domain.time import Quarter, last_completed_quarter
from ...models import utcnow
from ...services import ballots
from ..scope import current_street_or_none, shown_message
from . import bp


@bp.route("/ballots")
def ballots_overview():
    street = current_street_or_none()
    now = utcnow()
    default = ballots.open_quarter(now) or last_completed_quarter(now)
    try:
        quarter = Quarter.parse(request.args.get("quarter") or str(default))
    except DomainError as e:
        flash(shown_message(e.message), "danger")
        quarter = default
    data = ballots.participation(street.id, quarter, request.args.get("page", type=int)) if street else None
    return render_template("admin/ballots.html", street=street, data=data, quarter=quarter,
                           prev=quarter.prev(), next=quarter.next(), criteria=CRITERIA, labels=CRITERIA_LABELS,
                           gap=ballots.OUTLIER_GAP)
