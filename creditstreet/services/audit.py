"""The append-only audit log (SPEC A1): every write that matters records who, when, what, before/after."""
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from sqlalchemy import insert

from ..extensions import db
from ..models import AuditEntry, User


def snapshot(obj, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A JSON-safe dict of an ORM object's column values (or of ``fields`` only)."""
    cols = fields or tuple(c.key for c in obj.__mapper__.column_attrs)
    return {k: _jsonable(getattr(obj, k)) for k in cols if k != "password_hash"}


def snapshot_of(values: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """``snapshot`` of column values held in a mapping (a row written with Core)."""
    return {k: _jsonable(values[k]) for k in fields}


def _jsonable(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>"
    return v


def entry_values(actor: User | None, action: str, entity: str, entity_id=None, before=None, after=None,
                 actor_label: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """The column values of one audit entry (``at`` None: the time of the insert)."""
    values = dict(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (actor.username if actor is not None else "system"),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
    )
    if at is not None:
        values["at"] = at
    return values


def record(actor: User | None, action: str, entity: str, entity_id=None, before=None, after=None,
           actor_label: str | None = None) -> AuditEntry:
    """Add one audit entry to the session (flushed with the change it describes)."""
    entry = AuditEntry(**entry_values(actor, action, entity, entity_id, before, after, actor_label))
    db.session.add(entry)
    return entry


def write(*entries: dict[str, Any]) -> None:
    """Insert entries made by ``entry_values`` at once, with one Core statement on the session's
    transaction (no ORM objects: the log is append-only, nothing reads them back; issue 18)."""
    if entries:
        db.session.connection().execute(_INSERT, entries[0] if len(entries) == 1 else list(entries))


_INSERT = insert(AuditEntry.__table__)  # built once (the intake writes one entry per complaint)
