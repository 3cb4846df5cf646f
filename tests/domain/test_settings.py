"""Tests for creditstreet.domain.settings: SPEC defaults and parsing of the settings table."""

import dataclasses
from fractions import Fraction

import pytest

from creditstreet.domain.errors import ValidationError
from creditstreet.domain.settings import RuleSettings


@pytest.mark.parametrize("name, value", [
    ("timezone", "Asia/Shanghai"),              # §3
    ("ballot_open_days_before_end", 15),         # S1
    ("ballot_close_days_after_end", 10),         # S1
    ("quorum_min", 3), ("quorum_share", Fraction(1, 2)),      # S2
    ("pass_share", Fraction(2, 3)),              # S2
    ("quarters_share", Fraction(3, 4)), ("min_quorum_quarters", 2), ("min_months_open", 3),  # S3
    ("exam_pass_mark", 60), ("service_fault_complaints", 2),  # S3
    ("card_yellow_from_miss", 2),                # C4
    ("patrol_rate_c", 1), ("patrol_rate_b", Fraction(1, 4)), ("patrol_rate_a", Fraction(1, 20)),  # G5
    ("accept_deadline_workdays", 7), ("mediation_deadline_workdays", 45),  # K4
    ("report_deadline_workdays", 15), ("report_extension_workdays", 15), ("report_max_extensions", 1),
    ("confirm_window_days", 15),                 # K3
    ("hotspot_min_complaints", 3), ("hotspot_window_days", 30), ("hotspot_baseline_days", 90),
    ("hotspot_rate_factor", 2),                  # W1
])
def test_spec_defaults(name, value):
    assert getattr(RuleSettings(), name) == value


@pytest.mark.parametrize("key, raw, parsed", [
    ("pass_share", "3/4", Fraction(3, 4)),
    ("pass_share", "0.25", Fraction(1, 4)),
    ("patrol_rate_b", "25%", Fraction(1, 4)),
    ("patrol_rate_b", 0.1, Fraction(1, 10)),   # exact 1/10, not the binary float
    ("patrol_rate_c", 1, Fraction(1)),
    ("quorum_min", "4", 4),
    ("quorum_min", 5, 5),
    ("accept_deadline_workdays", " 10 ", 10),
    ("version", "7", 7),
    ("timezone", "Asia/Urumqi", "Asia/Urumqi"),
    ("pass_share", "２／３", Fraction(2, 3)),        # full-width: NFKC first (QA)
    ("patrol_rate_b", "２５％", Fraction(1, 4)),
    ("min_months_open", "２４", 24),                  # the upper bound itself is allowed
    ("min_months_open", "0", 0),
    ("pass_share", "1", Fraction(1)),               # (0, 1]: 1 allowed
    ("ballot_open_days_before_end", "45", 45),       # 45 + default 10 = 55 ≤ 92
])
def test_from_mapping_parses(key, raw, parsed):
    assert getattr(RuleSettings.from_mapping({key: raw}), key) == parsed


@pytest.mark.parametrize("key, raw", [
    ("pass_share", "abc"), ("pass_share", "3/2"), ("pass_share", "-1/3"), ("pass_share", "1/0"),
    ("pass_share", True), ("quorum_min", "0"), ("quorum_min", "x"), ("quorum_min", True),
    ("quorum_min", 2.5), ("exam_pass_mark", "101"), ("accept_deadline_workdays", "七"),
    ("timezone", "Mars/Base"), ("timezone", ""), ("report_max_extensions", "-1"),
    # ranges (QA): each one just outside its bound
    ("min_months_open", "99999999999999999999"), ("min_months_open", "25"), ("min_months_open", "1200"),
    ("pass_share", "0"), ("quorum_share", "0"), ("quarters_share", "0"), ("patrol_rate_a", "101%"),
    ("ballot_open_days_before_end", "200"), ("ballot_close_days_after_end", "46"),
    ("accept_deadline_workdays", "121"), ("mediation_deadline_workdays", "0"), ("confirm_window_days", "91"),
    ("hotspot_min_complaints", "1001"), ("hotspot_window_days", "366"), ("hotspot_baseline_days", "0"),
    ("quorum_min", "101"), ("card_yellow_from_miss", "11"), ("hotspot_rate_factor", "1/2"),
    ("pass_share", "1e999999999"), ("min_months_open", "9" * 5000),  # never slow, never OverflowError
])
def test_from_mapping_rejects(key, raw):
    with pytest.raises(ValidationError) as info:
        RuleSettings.from_mapping({key: raw})
    assert info.value.code == "bad_setting"
    assert "设置“" in info.value.message


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ValidationError) as info:
        RuleSettings.from_mapping({"min_months_open": "99999999999999999999", "pass_share": "0",
                                   "exam_pass_mark": "60"})
    assert set(info.value.errors) == {"min_months_open", "pass_share"}
    assert "参评最短开业月数" in info.value.message and "单项通过所需赞成比例" in info.value.message
    assert "应在0到24之间" in info.value.errors["min_months_open"]


def test_ballot_window_spans_at_most_one_quarter():
    # open 60 + close 33 = 93 days > 92 → refused on both fields; 60 + 32 = 92 and 92 + 0 accepted
    with pytest.raises(ValidationError) as info:
        RuleSettings(ballot_open_days_before_end=60, ballot_close_days_after_end=33)
    assert set(info.value.errors) == {"ballot_open_days_before_end", "ballot_close_days_after_end"}
    assert RuleSettings(ballot_open_days_before_end=60, ballot_close_days_after_end=32)
    assert RuleSettings(ballot_open_days_before_end=92, ballot_close_days_after_end=0)
    with pytest.raises(ValidationError):
        RuleSettings(ballot_open_days_before_end=93, ballot_close_days_after_end=0)


def test_stored_out_of_range_value_falls_back_to_the_default():
    s = RuleSettings.from_stored({"min_months_open": "1200", "pass_share": "3/4"})
    assert s.min_months_open == 3 and s.pass_share == Fraction(3, 4)


def test_unknown_keys_ignored_and_round_trip():
    s = RuleSettings.from_mapping({"no_such_key": "1", "pass_share": "3/5", "version": 4})
    assert s.pass_share == Fraction(3, 5) and s.version == 4
    assert RuleSettings.from_mapping(s.to_mapping()) == s
    assert s.to_mapping()["pass_share"] == "3/5"


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RuleSettings().quorum_min = 4


def test_settings_hash_like_their_fields_and_key_the_rules_caches():
    """The hash is cached (the rules' lru_caches hash the settings per call) but still the fields':
    equal settings hash alike, a changed threshold gives other settings, and neither the cache
    nor the cached hash shows in equality, fields or repr."""
    a, b = RuleSettings(), RuleSettings(quorum_share="1/2")
    changed = dataclasses.replace(a, pass_share=Fraction(3, 4))
    assert a == b and hash(a) == hash(b) == hash(a)
    assert changed != a and {a: 1, changed: 2}[changed] == 2 and {a: 1}.get(changed) is None
    assert "_hash" not in repr(a) and "_hash" not in dataclasses.asdict(a)
