"""Rectification deadlines of failed patrol items and the re-inspections that close them (issue 17).

A failed item may carry a deadline of N working days (SPEC §3's calendar, the patrol's local date
not counted); a later patrol of the same shop that passes the item closes every open one for it.
Open rectifications are listed on the inspector's landing page, overdue ones first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...domain import patrols as rules
from ...domain.time import local_date
from ...domain.workdays import is_overdue
from ...extensions import db
from ...models import CHECKLIST, Patrol, Rectification, Shop, Street, User, utcnow
from .. import audit
from ..settings import work_calendar


def order_rectifications(actor: User, patrol: Patrol, deadlines: dict[str, int]) -> list[Rectification]:
    """Create one rectification per failed item of ``patrol`` in ``deadlines`` (item → working days)."""
    if not deadlines:
        return []
    street = db.session.get(Street, db.session.get(Shop, patrol.shop_id).street_id)
    ordered_on = local_date(patrol.patrolled_at, street.timezone)
    calendar = work_calendar()
    made = []
    for item in CHECKLIST:
        if item not in deadlines:
            continue
        r = Rectification(patrol_id=patrol.id, shop_id=patrol.shop_id, checklist_item=item,
                          workdays=deadlines[item], ordered_by=actor.id,
                          due_on=rules.rectification_due(calendar, ordered_on, deadlines[item]))
        db.session.add(r)
        made.append(r)
    db.session.flush()
    for r in made:
        audit.record(actor, "rectification.order", "rectification", r.id, None,
                     audit.snapshot(r, ("patrol_id", "shop_id", "checklist_item", "workdays", "due_on")))
    return made


def close_rectifications(actor: User, patrol: Patrol) -> list[Rectification]:
    """Close the shop's open rectifications of every item ``patrol`` passed (the re-inspection)."""
    passed = [item for item in CHECKLIST if getattr(patrol, item) == "pass"]
    if not passed:
        return []
    rows = db.session.scalars(select(Rectification).where(
        Rectification.shop_id == patrol.shop_id, Rectification.closed_at.is_(None),
        Rectification.checklist_item.in_(passed), Rectification.patrol_id != patrol.id)).all()
    for r in rows:
        r.closed_at, r.closed_by_patrol_id = patrol.patrolled_at or utcnow(), patrol.id
    db.session.flush()
    for r in rows:
        audit.record(actor, "rectification.close", "rectification", r.id, {"closed_at": None},
                     {"closed_at": r.closed_at.isoformat(), "closed_by_patrol_id": patrol.id})
    return list(rows)


@dataclass(frozen=True)
class OpenRectification:
    rectification: Rectification
    shop: Shop
    overdue: bool


def open_rectifications(street_id: int, today: date, limit: int = 50) -> list[OpenRectification]:
    """The street's open rectifications, earliest due first; ``overdue`` once ``today`` (local) is past due."""
    rows = db.session.execute(
        select(Rectification, Shop).join(Shop, Shop.id == Rectification.shop_id)
        .where(Shop.street_id == street_id, Rectification.closed_at.is_(None))
        .order_by(Rectification.due_on, Shop.house_number, Rectification.id).limit(limit)).all()
    return [OpenRectification(r, shop, is_overdue(r.due_on, today)) for r, shop in rows]


def for_patrol(patrol: Patrol) -> list[Rectification]:
    """The rectifications a patrol ordered, in checklist order."""
    rows = db.session.scalars(select(Rectification).where(Rectification.patrol_id == patrol.id)).all()
    return sorted(rows, key=lambda r: CHECKLIST.index(r.checklist_item))
