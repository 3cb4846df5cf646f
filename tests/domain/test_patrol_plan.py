"""Tests for creditstreet.domain.patrol_plan (SPEC G5). Statistical bounds use the
binomial: 2000 B shops at 1/4 → mean 500, sd ≈ 19.4; bounds are ±5 sd."""

from collections import Counter
from fractions import Fraction

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.patrol_plan import draw_plan
from creditstreet.domain.settings import RuleSettings

GROUPS = ["G1", "G2", "G3", "G4"]
SHOPS = [(i, "ABC"[i % 3]) for i in range(1, 61)] + [(61, None), (62, None)]


def test_same_inputs_same_plan_in_any_order():
    a = draw_plan(SHOPS, GROUPS, seed=20240401)
    b = draw_plan(list(reversed(SHOPS)), list(reversed(GROUPS)), seed=20240401)
    assert a == b and a


def test_other_seed_other_plan():
    shops = [(i, "B") for i in range(200)]
    assert draw_plan(shops, GROUPS, 1) != draw_plan(shops, GROUPS, 2)


def test_c_always_drawn_and_priority():
    plan = draw_plan(SHOPS, GROUPS, seed=7)
    c_ids = {s for s, g in SHOPS if g == "C"}
    assert c_ids <= {e.shop_id for e in plan}
    assert {e.shop_id for e in plan if e.priority} == c_ids


@pytest.mark.parametrize("rates, expected_ids", [
    ({"A": 0, "B": 0, "C": 1}, {3, 6}),                 # C only
    ({"A": 1, "B": 0, "C": 0}, {1, 4}),                 # A only
    ({"A": 0, "B": 1, "C": 0}, {2, 5, 7}),              # B and ungraded (7)
    ({"A": 1, "B": 1, "C": 1}, {1, 2, 3, 4, 5, 6, 7}),
])
def test_rates_and_ungraded_as_b(rates, expected_ids):
    shops = [(1, "A"), (2, "B"), (3, "C"), (4, "A"), (5, "B"), (6, "C"), (7, None)]
    rates = {k: Fraction(v) for k, v in rates.items()}
    assert {e.shop_id for e in draw_plan(shops, ["G"], 3, rates)} == expected_ids


def test_default_b_rate_statistics():
    plan = draw_plan([(i, "B") for i in range(2000)], GROUPS, seed=99)
    assert 403 <= len(plan) <= 597
    plan_a = draw_plan([(i, "A") for i in range(2000)], GROUPS, seed=99)   # 1/20: mean 100, sd ≈ 9.7
    assert 52 <= len(plan_a) <= 148


def test_groups_balanced_and_valid():
    plan = draw_plan([(i, "C") for i in range(10)], GROUPS, seed=5)
    counts = Counter(e.group_id for e in plan)
    assert set(counts) <= set(GROUPS) and sum(counts.values()) == 10
    assert max(counts.values()) - min(counts.values()) <= 1 and len(counts) == 4


def test_settings_rates():
    plan = draw_plan([(1, "A"), (2, "B")], GROUPS, 1, RuleSettings(patrol_rate_a=0, patrol_rate_b=1))
    assert [e.shop_id for e in plan] == [2]


@pytest.mark.parametrize("shops, groups, rates", [
    ([(1, "A"), (1, "B")], GROUPS, None),         # duplicate shop
    ([(1, "D")], GROUPS, None),                   # unknown grade
    ([(1, "C")], [], None),                       # nobody to patrol
    ([(1, "C")], GROUPS, {"A": 0, "B": Fraction(3, 2), "C": 1}),
    ([(1, "C")], GROUPS, {"A": 0, "B": 0.25, "C": 1}),   # floats must be converted by settings
    ([(1, "C")], GROUPS, {"B": 0, "C": 1}),
])
def test_rejects(shops, groups, rates):
    with pytest.raises(ValidationError):
        draw_plan(shops, groups, 1, rates if rates is not None else RuleSettings())


def test_no_groups_fine_when_nothing_drawn():
    assert draw_plan([(1, "A")], [], 1, {"A": 0, "B": 0, "C": 0}) == []
