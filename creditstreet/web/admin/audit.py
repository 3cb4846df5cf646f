"""The audit log viewer (SPEC A1): read-only, filtered by entity, actor and local date, paginated.

Only GET routes: the log is append-only and no page edits or deletes an entry.
"""
from datetime import date, datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import select

from ...extensions import db
from ...models import AuditEntry
from ...services.settings import rule_settings
from . import bp

PER_PAGE = 50


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/audit")
def audit_log():
    """Entries newest first; ``entity``, ``entity_id``, ``actor`` (name), ``since``/``until`` (local dates)."""
    args = request.args
    entity = (args.get("entity") or "").strip()
    entity_id = (args.get("entity_id") or "").strip()
    actor = (args.get("actor") or "").strip()
    since, until = _day(args.get("since")), _day(args.get("until"))
    zone = rule_settings().zone
    q = select(AuditEntry)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    if entity_id:
        q = q.where(AuditEntry.entity_id == entity_id)
    if actor:
        q = q.where(AuditEntry.actor_label == actor)
    if since:
        q = q.where(AuditEntry.at >= datetime.combine(since, time(), zone))
    if until:  # inclusive: up to the start of the next local day
        q = q.where(AuditEntry.at < datetime.combine(until + timedelta(days=1), time(), zone))
    page = db.paginate(q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()), per_page=PER_PAGE,
                       error_out=False)
    entities = db.session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).all()
    filters = {"entity": entity, "entity_id": entity_id, "actor": actor,
               "since": since.isoformat() if since else "", "until": until.isoformat() if until else ""}
    return render_template("admin/audit.html", page=page, entities=entities, filters=filters)
