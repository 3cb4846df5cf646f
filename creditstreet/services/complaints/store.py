"""Storing a checked intake (SPEC K1, K2, K7, K6, A1; issue 18): one short run of statements.

``store_intake`` is the write half of ``file_complaint``: everything that can be read and checked
before the write lock was (``check_complaint``), everything that needs no database was computed
(``prepare``: the redacted copies, K6, the tracking code, the timeline notes); what must be read
under the lock is read by prepared Core statements, and the rows are written with Core inserts
(each statement built once), not the ORM's unit of work:

1. one SELECT: the complaint already stored under the submission token, the one with the same
   content from the same phone within ``RESUBMIT_WINDOW`` (K7), whether the shop takes part in
   early settlement (M2) — read here, in the writing transaction, so two intakes cannot both miss
   each other (SQLite: BEGIN IMMEDIATE; PostgreSQL: the token's UNIQUE constraint, below);
2. the rule settings and the working-day calendar (one statement each; parsed once per content,
   ``services.settings``), read here too, so a calendar change that recomputes the open deadlines
   either sees this complaint or was seen by it;
3. ``INSERT … ON CONFLICT (submission_token) DO NOTHING RETURNING id`` with every column, the
   redacted copies included (``models.complaint.public_copies``): a concurrent request with the
   same token that committed first makes it return nothing, and that complaint is returned;
4. the statistics' day and month counts (``models.complaint_counts``: two single-row upserts);
5. the timeline's intake event and the audit entry (an INSERT each; no name, phone or free text
   in the audit, K6).

``store_intake`` returns the row as written (the JSON API answers from it after the commit);
``store_complaint`` returns the complaint as an ORM object made persistent from those values (no
read-back), its pauses known to be none. Statement counts and timings: docs/benchmarks.md.
"""
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ...domain import complaints as rules
from ...domain.redact import redact
from ...domain.time import local_date
from ...domain.workdays import WorkCalendar
from ...extensions import db
from ...models import Complaint, ComplaintEvent
from ...models.complaint import public_copies
from ...models.complaint_counts import count_inserted
from .. import audit, once, photos as photo_service, sql
from ..merchant import settlement
from ..settings import rule_settings, work_calendar
from .common import AUDIT_FIELDS, CHANNEL_LABELS, new_tracking_code
from .intake import CheckedIntake

__all__ = ["Stored", "prepare", "store_complaint", "store_intake", "deadline_fields"]

_COMPLAINTS = Complaint.__table__
_EVENTS = ComplaintEvent.__table__

_FIRST_STATEMENT: list = []


def _first():
    """Under the write lock, before inserting: (id stored under the token, first id with the same
    content from the same phone since ``since``, whether the shop takes part in early settlement).
    Built once, on first use: at import ``merchant.settlement`` may still be loading (it imports
    ``complaints.common``, which loads this package)."""
    if not _FIRST_STATEMENT:
        _FIRST_STATEMENT.append(select(
            select(Complaint.id).where(Complaint.submission_token == bindparam("token")).scalar_subquery(),
            select(func.min(Complaint.id)).where(Complaint.consumer_phone == bindparam("phone"),
                                                 Complaint.content_key == bindparam("key"),
                                                 Complaint.received_at > bindparam("since")).scalar_subquery(),
            settlement.member_now(bindparam("shop_id")),
        ))
    return _FIRST_STATEMENT[0]
_INSERT_ONCE: dict[str, Any] = {}


@dataclass(frozen=True)
class Stored:
    """What ``store_intake`` did: the complaint's ``id``; ``created`` False when it existed already
    (then ``row`` is None). For a new complaint ``row`` holds every column as written, ``calendar``
    the working-day calendar its deadlines were counted with and ``obj`` the ORM object when one
    was needed (early settlement, photos), else None."""

    id: int
    created: bool
    row: dict | None = None
    calendar: WorkCalendar | None = None
    obj: Complaint | None = None


def prepare(intake: CheckedIntake) -> CheckedIntake:
    """Everything of the rows that needs no database: the redacted copies (K6, with the consumer's
    name), the tracking code, the columns' defaults, the timeline notes and their redacted copies.
    Pure CPU, so a caller does it before SQLite's write lock (the JSON API); ``store_intake`` calls
    it for a caller that did not. A replay or an intake already prepared is returned as it is."""
    if intake.replay is not None or intake.prepared:
        return intake
    v = dict(intake.values)
    names = (v.get("consumer_name") or "",)
    v.update(public_copies(v, names), tracking_code=new_tracking_code())
    notes = [("intake", CHANNEL_LABELS[intake.channel])] + ([("card_status", intake.card_note)] if intake.card_note else [])
    return replace(intake, values=_with_defaults(v), prepared=True,
                   notes=tuple((kind, note, redact(note, names)) for kind, note in notes))


def store_complaint(intake: CheckedIntake) -> tuple[Complaint, bool]:
    """``store_intake``, with the complaint as an ORM object; returns (complaint, created).

    The new complaint is made persistent from the values written (no read-back), its pauses known
    to be none; an existing one is loaded."""
    if intake.replay is not None:
        return intake.replay, False
    s = store_intake(intake)
    if not s.created:
        return db.session.get(Complaint, s.id), False
    return s.obj if s.obj is not None else _object(s.id, s.row), True


def store_intake(intake: CheckedIntake) -> Stored:
    """Store a checked intake (not a replay). Flushes the session first; never commits.

    created False: a complaint stored meanwhile under the same token or with the same content
    from the same phone within ``RESUBMIT_WINDOW`` (K7). Deadlines are counted in working days from
    the street-local day of receipt (K4); a complaint against a shop that takes part in early
    settlement goes to the shop first (M2). Photos given to the check are attached, and so are those
    staged under the token (the web form's; the API takes none). ValueError for a replay (it is
    answered from the complaint already stored, never written again: a caller's mistake).
    """
    if intake.replay is not None:
        raise ValueError("store_intake: a replay is answered from the stored complaint, not stored again")
    intake = prepare(intake)
    row, now, actor = dict(intake.values), intake.now, intake.actor
    phone = row["consumer_phone"] or None  # no phone (a box complaint): never "the same content"
    token_id, same_id, member = sql.run(_first(), {
        "token": intake.token, "phone": phone, "key": row["content_key"],
        "since": now - rules.RESUBMIT_WINDOW, "shop_id": row["shop_id"]}).one()
    if token_id is not None or same_id is not None:
        return Stored(token_id or same_id, False)

    calendar = work_calendar()
    row.update(deadline_fields(row["kind"], row["carries_report"], local_date(now, intake.timezone), row["street_id"],
                               calendar))
    new_id = _insert_once(row)
    if new_id is None:  # the same token committed first (PostgreSQL; SQLite's lock rules it out)
        return Stored(once.id_by_token(Complaint, intake.token), False)
    count_inserted(db.session.connection(), row, intake.timezone)  # the statistics' day counts (Y3)

    obj = None
    n_photos = 0
    if intake.photos:
        n_photos += len(photo_service.attach(list(intake.photos), complaint_id=new_id))
    if intake.token and intake.channel != "api":
        n_photos += photo_service.attach_staged(intake.token, new_id)
    events = [dict(complaint_id=new_id, actor_id=actor.id if actor is not None else None, kind=kind, note=note,
                   note_public=public, at=now) for kind, note, public in intake.notes]
    if member:  # early settlement first when the shop takes part (SPEC M2); its event comes next
        _insert_events(events[:1])
        events = events[1:]
        obj = _object(new_id, row)
        if settlement.route_new_complaint(obj, intake.share_contact, now) is not None:
            row["decide_by"] = obj.decide_by  # the office's clock waits for the settlement's end
    _insert_events(events)
    after = audit.snapshot(obj, AUDIT_FIELDS) if obj is not None else audit.snapshot_of(row, AUDIT_FIELDS)
    audit.write(audit.entry_values(actor, "complaint.intake", "complaint", new_id, None, {**after, "photos": n_photos},
                                   actor_label=None if actor else "consumer", street_id=row["street_id"]))
    return Stored(new_id, True, row, calendar, obj)


def deadline_fields(kind: str, carries_report: bool, received_on, street_id: int,
                    calendar: WorkCalendar | None = None) -> dict:
    """decide_by (a complaint), report_status and report_decide_by (a report, or a complaint that
    carries one, K2): working days after ``received_on`` (street-local) under the street's settings
    and the working-day ``calendar`` (None: read it)."""
    d = rules.deadlines(received_on, None, calendar or work_calendar(), rule_settings(street_id))
    fields: dict[str, Any] = {"decide_by": d.decide_by if kind == "complaint" else None}
    if kind == "report" or (kind == "complaint" and carries_report):
        fields.update(report_status="received", report_decide_by=d.report_decide_by)
    return fields


def _with_defaults(values: dict) -> dict:
    """Every column of a complaint row: ``values`` over the columns' Python defaults (None if none)."""
    row = {}
    for col in _COMPLAINTS.columns:
        if col.key in values:
            row[col.key] = values[col.key]
        elif col.primary_key:
            continue
        elif col.default is None:
            row[col.key] = None
        elif col.default.is_scalar:
            row[col.key] = col.default.arg
        else:  # a Python callable (utcnow); SQLAlchemy wraps it to take the execution context
            row[col.key] = col.default.arg(None)
    return row


def _insert_once(row: dict) -> int | None:
    """Insert the complaint; its id, or None when a row with its submission token exists."""
    conn = db.session.connection()
    name = conn.dialect.name
    stmt = _INSERT_ONCE.get(name)
    if stmt is None and name in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        dialect_insert = sqlite.insert if name == "sqlite" else postgresql.insert
        stmt = _INSERT_ONCE[name] = (dialect_insert(_COMPLAINTS)
                                     .on_conflict_do_nothing(index_elements=[_COMPLAINTS.c.submission_token])
                                     .returning(_COMPLAINTS.c.id))
    if stmt is not None:
        return conn.execute(stmt, row).scalar()
    try:  # another database: a savepoint, and the UNIQUE constraint's error
        with db.session.begin_nested():
            return db.session.connection().execute(insert(_COMPLAINTS).returning(_COMPLAINTS.c.id), row).scalar()
    except IntegrityError:
        if row.get("submission_token") is None or once.id_by_token(Complaint, row["submission_token"]) is None:
            raise
        return None


def _object(new_id: int, row: dict) -> Complaint:
    """The complaint just inserted (every column in ``row``) as if just loaded: in the session, no
    SQL; its pauses known to be none."""
    obj = Complaint(id=new_id, **row)
    make_transient_to_detached(obj)
    db.session.add(obj)
    set_committed_value(obj, "pauses", [])
    return obj


_INSERT_EVENT = insert(_EVENTS)


def _insert_events(rows: list[dict]) -> None:
    """The timeline rows (with their redacted copies, K6, as ``models.complaint._write_public_note``)."""
    if rows:
        sql.run(_INSERT_EVENT, rows if len(rows) > 1 else rows[0])
