"""Admin: ballot participation per quarter, quorum per shop, shops flagged for review (SPEC S1–S2)."""
from flask import flash, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ...domain.errors import DomainError
from ...domain.stars import CRITERIA, CRITERIA_LABELS
from ...domain.time import Quarter, last_completed_quarter
from ...extensions import db
from ...models import Street, utcnow
from ...services import ballots
from . import bp


def admin_street() -> Street | None:
    """The admin's street, else the first one."""
    if current_user.street_id:
        return db.session.get(Street, current_user.street_id)
    return db.session.scalar(select(Street).order_by(Street.id).limit(1))


@bp.route("/ballots")
def ballots_overview():
    street = admin_street()
    now = utcnow()
    default = ballots.open_quarter(now) or last_completed_quarter(now)
    try:
        quarter = Quarter.parse(request.args.get("quarter") or str(default))
    except DomainError as e:
        flash(e.message, "danger")
        quarter = default
    data = ballots.participation(street.id, quarter, request.args.get("page", type=int)) if street else None
    return render_template("admin/ballots.html", street=street, data=data, quarter=quarter,
                           prev=quarter.prev(), next=quarter.next(), criteria=CRITERIA, labels=CRITERIA_LABELS,
                           gap=ballots.OUTLIER_GAP)
