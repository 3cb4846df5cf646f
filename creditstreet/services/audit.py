"""The append-only audit log (SPEC A1): every write that matters records who, when, what, before/after."""
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from sqlalchemy import insert, select
from sqlalchemy.sql import ClauseElement

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


def _model_of(entity: str):
    """The mapped class whose name is ``entity`` in snake case ("bad_record" → BadRecord), or None."""
    name = "".join(part.title() for part in entity.split("_"))
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    return None


#: How an object leads to its street when it has no ``street_id``: the first of these columns it
#: has, and the model that column points to.
_VIA = (("shop_id", "Shop"), ("complaint_id", "Complaint"), ("violation_id", "Violation"),
        ("patrol_id", "Patrol"), ("industry_group_id", "IndustryGroup"))


def street_expr(model, id_expr, depth: int = 3):
    """SQL scalar subquery: the street of ``model``'s row ``id_expr`` (its ``street_id``, or its
    shop's, complaint's, violation's, patrol's or industry group's street), or None when the model
    leads to no street (city-wide objects)."""
    if model.__name__ == "Street":
        return id_expr
    if "street_id" in model.__table__.c:
        return select(model.street_id).where(model.id == id_expr).scalar_subquery()
    if depth == 0:
        return None
    for column, target in _VIA:
        if column in model.__table__.c:
            inner = street_expr(_model_of(_snake(target)), getattr(model, column), depth - 1)
            if inner is not None:
                return select(inner).where(model.id == id_expr).scalar_subquery()
    return None


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def street_of(entity: str, entity_id, before: dict | None, after: dict | None):
    """The street an entry is about (SPEC Y2: a street admin reads its street's entries only): the
    ``street_id`` (or the street of the ``shop_id``) its after/before snapshot carries, else its
    object's street read in the INSERT itself (``street_expr``), else None (city-wide)."""
    for snap in (after, before):
        if isinstance(snap, dict):
            if entity == "street" and isinstance(snap.get("id"), int):
                return snap["id"]
            if isinstance(snap.get("street_id"), int):
                return snap["street_id"]
    for snap in (after, before):
        if isinstance(snap, dict) and isinstance(snap.get("shop_id"), int):
            from ..models import Shop

            return street_expr(Shop, snap["shop_id"])
    key = str(entity_id) if entity_id is not None else ""
    if entity == "annual_stars":  # a street's year: "street_id:year"
        head = key.split(":", 1)[0]
        return int(head) if head.isdigit() and len(head) < 10 else None
    model = _model_of(entity)
    if model is None or not key.isdigit() or len(key) > 12:
        return None
    return street_expr(model, int(key))


_AUTO = object()


def entry_values(actor: User | None, action: str, entity: str, entity_id=None, before=None, after=None,
                 actor_label: str | None = None, at: datetime | None = None, street_id=_AUTO) -> dict[str, Any]:
    """The column values of one audit entry (``at`` None: the time of the insert). ``street_id``:
    the street the entry is about when the caller knows it (None: city-wide), else ``street_of``'s
    (possibly a SQL expression, evaluated by the INSERT)."""
    values = dict(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (actor.username if actor is not None else "system"),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        street_id=street_of(entity, entity_id, before, after) if street_id is _AUTO else street_id,
    )
    if at is not None:
        values["at"] = at
    return values


def record(actor: User | None, action: str, entity: str, entity_id=None, before=None, after=None,
           actor_label: str | None = None, street_id=_AUTO) -> AuditEntry:
    """Add one audit entry to the session (flushed with the change it describes); ``street_id`` as
    in ``entry_values``."""
    entry = AuditEntry(**entry_values(actor, action, entity, entity_id, before, after, actor_label,
                                      street_id=street_id))
    db.session.add(entry)
    return entry


def write(*entries: dict[str, Any]) -> None:
    """Insert entries made by ``entry_values`` at once, with one Core statement on the session's
    transaction (no ORM objects: the log is append-only, nothing reads them back; issue 18)."""
    conn = db.session.connection()
    plain = [e for e in entries if not isinstance(e.get("street_id"), ClauseElement)]
    for e in entries:
        if e not in plain:  # a street read by the INSERT: one statement each
            conn.execute(insert(AuditEntry.__table__).values(**e))
    if plain:
        conn.execute(_INSERT, plain[0] if len(plain) == 1 else plain)


_INSERT = insert(AuditEntry.__table__)  # built once (the intake writes one entry per complaint)


def backfill_streets(conn, batch: int = 1000) -> int:
    """Set ``street_id`` on every entry written before it existed, by ``street_of`` (the migration
    that adds the column). Returns the number of entries given a street."""
    from sqlalchemy import update

    table = AuditEntry.__table__
    done, last = 0, 0
    while True:
        rows = conn.execute(select(table.c.id, table.c.entity, table.c.entity_id, table.c.before, table.c.after)
                            .where(table.c.id > last).order_by(table.c.id).limit(batch)).all()
        if not rows:
            return done
        for row in rows:
            street = street_of(row.entity, row.entity_id, row.before, row.after)
            if street is not None:
                conn.execute(update(table).where(table.c.id == row.id).values(street_id=street))
                done += 1
        last = rows[-1].id

