"""Special enforcement actions (专项检查) grouping patrols under one theme and date (SPEC P3)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...domain.errors import ValidationError
from ...domain.i18n import N_
from ...domain.text import check_length, clean_prose
from ...extensions import db
from ...models import Patrol, Shop, SpecialAction, User, Violation
from .. import audit
from .common import MAX_NOTE, _require_staff


def create_special_action(actor: User, street_id: int, theme: str, action_on: date, note: str = "") -> SpecialAction:
    """Create a special enforcement action (专项检查) with a theme and a date (SPEC P3)."""
    _require_staff(actor)
    theme = check_length(clean_prose(theme), 200, label=N_("专项检查主题"))
    if not theme:
        raise ValidationError("请填写专项检查主题", code="no_theme")
    if not isinstance(action_on, date):
        raise ValidationError("请填写专项检查日期", code="no_date")
    action = SpecialAction(street_id=street_id, theme=theme, action_on=action_on,
                           note=check_length(clean_prose(note), MAX_NOTE, label="说明"))
    db.session.add(action)
    db.session.flush()
    audit.record(actor, "special_action.create", "special_action", action.id, None,
                 audit.snapshot(action))
    return action


def attach_patrol(actor: User, action: SpecialAction, patrol: Patrol) -> Patrol:
    """Put an existing patrol under a special action of the same street (SPEC P3)."""
    _require_staff(actor)
    shop = db.session.get(Shop, patrol.shop_id)
    if shop.street_id != action.street_id:
        raise ValidationError("该巡查记录不属于此专项检查所在的商业街", code="bad_action")
    before = patrol.special_action_id
    patrol.special_action_id = action.id
    db.session.flush()
    audit.record(actor, "patrol.attach_action", "patrol", patrol.id,
                 {"special_action_id": before}, {"special_action_id": action.id})
    return patrol


@dataclass(frozen=True)
class SeizedTotal:
    goods: str
    unit: str
    quantity: int
    shops: int


@dataclass(frozen=True)
class ActionTotals:
    """A special action's totals (SPEC P3): patrols, distinct shops, violations, goods seized."""

    patrols: int
    shops_checked: int
    violations: int
    serious: int
    seized: tuple[SeizedTotal, ...]


def special_action_totals(action: SpecialAction) -> ActionTotals:
    """Totals of a special action; seized goods summed per (goods, unit), e.g. 504 支 toothpaste."""
    patrols = db.session.scalars(select(Patrol).where(Patrol.special_action_id == action.id)).all()
    patrol_ids = [p.id for p in patrols]
    violations = []
    if patrol_ids:
        violations = db.session.scalars(select(Violation).where(Violation.patrol_id.in_(patrol_ids))).all()
    qty: dict[tuple[str, str], int] = defaultdict(int)
    shops: dict[tuple[str, str], set[int]] = defaultdict(set)
    for v in violations:
        for s in v.seizures:
            qty[(s.goods, s.unit)] += s.quantity
            shops[(s.goods, s.unit)].add(v.shop_id)
    seized = tuple(SeizedTotal(g, u, q, len(shops[(g, u)])) for (g, u), q in sorted(qty.items()))
    return ActionTotals(len(patrols), len({p.shop_id for p in patrols}), len(violations),
                        sum(1 for v in violations if v.severity == "serious"), seized)
