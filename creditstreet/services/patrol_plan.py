"""The quarter's double-random patrol plan (双随机, SPEC G5): create, re-run, progress.

The draw itself is ``domain.patrol_plan.draw_plan``; this module gathers its inputs (active shops
with their latest grade, the street's inspector groups, the rates in force), picks a seed with
``secrets.randbits(32)`` and stores seed and inputs in ``PatrolPlan.inputs`` so anyone can re-run it.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..domain.errors import ValidationError
from ..domain.i18n import Msg, N_
from ..domain.patrol_plan import PlanEntry, draw_plan
from ..domain.time import Quarter, quarter_of
from ..extensions import db
from ..models import CHECKLIST, CreditGrade, InspectorGroup, Patrol, PatrolPlan, PatrolPlanItem, Shop, Street, User, utcnow
from . import audit
from .settings import rule_settings


def plan_inputs(street: Street, quarter: Quarter) -> dict:
    """The draw's inputs: active shops with their latest grade up to ``quarter`` (None if never
    graded — drawn as B), the street's inspector groups and the G5 rates (as "n/d" text)."""
    latest = (select(CreditGrade.shop_id, func.max(CreditGrade.quarter).label("q"))
              .where(CreditGrade.quarter <= str(quarter)).group_by(CreditGrade.shop_id).subquery())
    rows = db.session.execute(
        select(Shop.id, CreditGrade.grade)
        .outerjoin(latest, latest.c.shop_id == Shop.id)
        .outerjoin(CreditGrade, (CreditGrade.shop_id == Shop.id) & (CreditGrade.quarter == latest.c.q))
        .where(Shop.street_id == street.id, Shop.status == "active").order_by(Shop.id)).all()
    groups = db.session.scalars(select(InspectorGroup.id).where(InspectorGroup.street_id == street.id)
                                .order_by(InspectorGroup.id)).all()
    rates = rule_settings().patrol_rates()
    return {"shops": [[sid, grade] for sid, grade in rows], "groups": list(groups),
            "rates": {g: str(r) for g, r in rates.items()}}


def rerun_plan(plan: PatrolPlan) -> list[PlanEntry]:
    """Re-run the stored draw from its seed and inputs; gives the plan's items again (audit)."""
    inputs = plan.inputs
    return draw_plan([(sid, grade) for sid, grade in inputs["shops"]], inputs["groups"], plan.seed,
                     {g: Fraction(r) for g, r in inputs["rates"].items()})


def allowed_quarters(street: Street, at: datetime | None = None) -> tuple[Quarter, Quarter]:
    """The quarters a plan may be drawn for at ``at``: the current one and the next (street's clock)."""
    current = quarter_of(at or utcnow(), street.timezone)
    return current, current.next()


def create_plan(actor: User, street: Street, quarter: Quarter | str, seed: int | None = None,
                at: datetime | None = None) -> PatrolPlan:
    """Draw and store the street's plan for ``quarter`` (SPEC G5); one plan per street and quarter.

    Only the current quarter at ``at`` (default now) and the next one may be drawn: a past
    quarter's plan would be drawn after the fact, a far-future one from grades not yet known.
    ``seed`` defaults to ``secrets.randbits(32)``. Raises ValidationError when the quarter is not
    allowed or already has a plan, or when shops are drawn and the street has no inspector groups.
    """
    if actor is None or actor.role not in ("inspector", "admin"):
        raise ValidationError("只有巡查员或管理员可以生成巡查计划", code="not_inspector")
    quarter = Quarter.parse(quarter)
    current, following = allowed_quarters(street, at)
    if quarter not in (current, following):
        raise ValidationError(Msg(N_("只能抽取本季度（%(current)s）或下一季度（%(following)s）的巡查计划，不能抽取%(quarter)s的"),
                                  current=current.label_msg, following=following.label_msg,
                                  quarter=quarter.label_msg), code="quarter_not_allowed")
    if plan_for(street, quarter) is not None:
        raise ValidationError(Msg(N_("%(quarter)s的巡查计划已生成，不能重复抽取"), quarter=quarter.label_msg), code="plan_exists")
    seed = secrets.randbits(32) if seed is None else seed
    if not 0 <= seed < 2**32:
        raise ValidationError("随机种子应为 0 到 4294967295 之间的整数", code="bad_seed")
    plan = PatrolPlan(street_id=street.id, quarter=str(quarter), seed=seed,
                      inputs=plan_inputs(street, quarter), created_by=actor.id)
    entries = rerun_plan(plan)
    grades = dict((sid, grade) for sid, grade in plan.inputs["shops"])
    try:
        with db.session.begin_nested():
            db.session.add(plan)
            db.session.flush()
    except IntegrityError:
        raise ValidationError(Msg(N_("%(quarter)s的巡查计划已生成，不能重复抽取"),
                                  quarter=quarter.label_msg), code="plan_exists") from None
    db.session.add_all(PatrolPlanItem(plan_id=plan.id, shop_id=e.shop_id, group_id=e.group_id,
                                      priority=e.priority, grade=grades[e.shop_id] or "B")
                       for e in entries)
    db.session.flush()
    audit.record(actor, "patrol_plan.create", "patrol_plan", plan.id, None,
                 {"quarter": plan.quarter, "seed": seed, "inputs": plan.inputs, "items": len(entries)})
    return plan


def plan_for(street: Street, quarter: Quarter | str) -> PatrolPlan | None:
    return db.session.scalar(select(PatrolPlan).where(PatrolPlan.street_id == street.id,
                                                      PatrolPlan.quarter == str(Quarter.parse(quarter))))


@dataclass(frozen=True)
class PlanRow:
    item: PatrolPlanItem
    shop: Shop
    group: InspectorGroup
    done: bool


def plan_rows(plan: PatrolPlan, tz: str) -> list[PlanRow]:
    """The plan's items, C shops (priority) first, then by group and house number; ``done`` when a
    patrol of the shop that checked at least one item falls in the plan's quarter [start, end) on
    the street's clock (an empty patrol recorded before that was required does not count)."""
    q = Quarter.parse(plan.quarter)
    checked = or_(*(getattr(Patrol, item) != "na" for item in CHECKLIST))
    patrolled = set(db.session.scalars(select(Patrol.shop_id).where(
        Patrol.patrolled_at >= q.start_utc(tz), Patrol.patrolled_at < q.end_utc(tz), checked)).all())
    rows = db.session.execute(
        select(PatrolPlanItem, Shop, InspectorGroup)
        .join(Shop, Shop.id == PatrolPlanItem.shop_id)
        .join(InspectorGroup, InspectorGroup.id == PatrolPlanItem.group_id)
        .where(PatrolPlanItem.plan_id == plan.id)
        .order_by(PatrolPlanItem.priority.desc(), InspectorGroup.name, Shop.house_sort, Shop.id)).all()
    return [PlanRow(item, shop, group, shop.id in patrolled) for item, shop, group in rows]


def verify_plan(plan: PatrolPlan) -> list[str]:
    """Re-run the stored draw and compare with the stored items; returns the differences (Chinese),
    empty when the plan is exactly what its seed and inputs give (audit of 双随机, SPEC G5)."""
    stored = {(i.shop_id, i.group_id, i.priority) for i in db.session.scalars(
        select(PatrolPlanItem).where(PatrolPlanItem.plan_id == plan.id))}
    again = {(e.shop_id, e.group_id, e.priority) for e in rerun_plan(plan)}
    return ([f"计划中多出：商户{s}（巡查组{g}）" for s, g, _ in sorted(stored - again)]
            + [f"计划中缺少：商户{s}（巡查组{g}）" for s, g, _ in sorted(again - stored)])
