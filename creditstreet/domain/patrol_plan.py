"""Grade-weighted random patrol plan, 双随机 (SPEC G5).

Deterministic: the same shops, groups, rates and seed always give the same plan, whatever
order the inputs arrive in, so the draw can be recorded and re-run for audit. Rates are
per quarter, as Fractions in [0, 1] (default C 1, B 1/4, A 1/20); shops without a grade
are drawn at the B rate. C shops are marked ``priority``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Hashable, Iterable, Mapping

from .errors import ValidationError
from .i18n import Msg, N_
from .settings import DEFAULT_SETTINGS, RuleSettings


@dataclass(frozen=True)
class PlanEntry:
    """One drawn shop, the inspector group assigned to it, and whether it is a C shop."""

    shop_id: Hashable
    group_id: Hashable
    priority: bool


def draw_plan(shops: Iterable[tuple[Hashable, str | None]], groups: Iterable[Hashable], seed: int,
              rates: Mapping[str, Fraction] | RuleSettings = DEFAULT_SETTINGS) -> list[PlanEntry]:
    """Draw the quarter's patrol targets and assign groups (SPEC G5).

    ``shops``: (shop_id, grade 'A'|'B'|'C'|None); ``groups``: inspector group ids;
    ``seed``: int recorded with the plan. Shops are visited in sorted id order, one
    ``random()`` draw each (kept when below the rate, so rate 1 always keeps); the kept
    shops are shuffled and dealt round-robin over the shuffled groups, so groups differ
    by at most one shop. Returns entries sorted by shop id.
    Raises ValidationError on a duplicate shop, an unknown grade, a bad rate, or no groups
    when a shop is drawn.
    """
    rate = _rates(rates)
    shop_list = sorted(shops, key=lambda s: _key(s[0]))
    ids = [s for s, _ in shop_list]
    if len(set(ids)) != len(ids):
        raise ValidationError("巡查名单中有重复的商户", code="duplicate_shop")
    group_list = sorted(set(groups), key=_key)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError("随机种子应为整数", code="bad_seed")

    rng = random.Random(seed)  # nosec B311  # a recorded seed must replay the same draw (SPEC G5); not a secret
    drawn: list[tuple[Hashable, bool]] = []
    for shop_id, grade in shop_list:
        g = "B" if grade is None else grade
        if g not in rate:
            raise ValidationError(Msg(N_("商户%(shop_id)s的信用等级“%(grade)s”无效"),
                                      shop_id=shop_id, grade=grade), code="bad_grade")
        if rng.random() < rate[g]:
            drawn.append((shop_id, g == "C"))
    if drawn and not group_list:
        raise ValidationError("没有可分派的巡查组", code="no_groups")
    rng.shuffle(drawn)
    rng.shuffle(group_list)
    plan = [PlanEntry(shop_id, group_list[i % len(group_list)], prio)
            for i, (shop_id, prio) in enumerate(drawn)]
    return sorted(plan, key=lambda e: _key(e.shop_id))


def _rates(rates: Mapping[str, Fraction] | RuleSettings) -> dict[str, Fraction]:
    raw = rates.patrol_rates() if isinstance(rates, RuleSettings) else dict(rates)
    out: dict[str, Fraction] = {}
    for g in ("A", "B", "C"):
        if g not in raw:
            raise ValidationError(Msg(N_("缺少%(g)s级巡查抽取率"), g=g), code="bad_rate")
        value = raw[g]
        if isinstance(value, bool) or not isinstance(value, (int, Fraction)) or not 0 <= value <= 1:
            raise ValidationError(Msg(N_("%(g)s级巡查抽取率“%(value)s”无效，应为0到1的分数"), g=g, value=value), code="bad_rate")
        out[g] = Fraction(value)
    return out


def _key(value: Hashable) -> tuple[str, str | int]:
    """Sort ints numerically and everything else by text, without mixing types."""
    return ("0", value) if isinstance(value, int) else ("1", str(value))
