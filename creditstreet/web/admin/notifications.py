"""Admin: the SMS outbox (issue 17): every message's state — pending (with the next try),
delivered, failed with the last error — and sending a failed one again."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ...domain.i18n import N_
from ...extensions import db
from ...models import OUTBOX_STATES, OutboxMessage
from ...services import audit, notify
from . import bp

PAGE = 50
STATE_LABELS = {"pending": N_("待发送"), "delivered": N_("已送达"), "failed": N_("发送失败")}


class PlainForm(FlaskForm):
    """Only the CSRF token."""


def _scoped(q):
    """A street admin sees their street's messages; a city admin (no street) sees all."""
    if current_user.street_id:
        q = q.where(OutboxMessage.street_id == current_user.street_id)
    return q


@bp.route("/notifications")
def notifications():
    status = request.args.get("status") or None
    if status not in (None, *OUTBOX_STATES):
        abort(404)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    q = _scoped(select(OutboxMessage))
    if status:
        q = q.where(OutboxMessage.status == status)
    rows = db.session.scalars(q.order_by(OutboxMessage.id.desc()).offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    counts = dict(db.session.execute(_scoped(select(OutboxMessage.status, func.count(OutboxMessage.id)))
                                     .group_by(OutboxMessage.status)).all())
    return render_template("admin/notifications.html", rows=rows[:PAGE], more=len(rows) > PAGE, page=page,
                           status=status, counts=counts, labels=STATE_LABELS, form=PlainForm(),
                           max_attempts=notify.MAX_ATTEMPTS)


@bp.route("/notifications/<int:msg_id>/retry", methods=["POST"])
def notification_retry(msg_id: int):
    form = PlainForm()
    msg = db.session.get(OutboxMessage, msg_id)
    if msg is None or (current_user.street_id and msg.street_id != current_user.street_id):
        abort(404)
    if not form.validate() or msg.status != "failed":
        abort(400)
    notify.retry_now(msg)
    audit.record(current_user, "outbox.retry", "outbox", msg.id, {"status": "failed"}, {"status": "pending"})
    db.session.commit()
    flash(_("已重新排队发送"), "success")
    return redirect(url_for("admin.notifications", status="failed"))
