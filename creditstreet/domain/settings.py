"""Rule thresholds (SPEC: every "default" is a setting an administrator can change).

``RuleSettings`` is an immutable snapshot of one settings version. Services load it from
the settings table with ``RuleSettings.from_mapping(rows)`` and store ``to_mapping()``;
grade rows record ``version`` (SPEC G3).

Units: ``*_days`` are calendar days, ``*_workdays`` are working days (SPEC §3, K4),
shares and rates are exact ``fractions.Fraction`` values in [0, 1].
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ValidationError

#: Chinese labels for settings, used in validation messages and the admin page.
LABELS: dict[str, str] = {
    "version": "设置版本",
    "timezone": "时区",
    "ballot_open_days_before_end": "投票开始（季度末前天数）",
    "ballot_close_days_after_end": "投票截止（季度末后天数）",
    "quorum_min": "最少有效票数",
    "quorum_share": "有效票数占在岗监督员比例",
    "pass_share": "单项通过所需赞成比例",  # nosec B105  # a label ("pass" share), not a password
    "quarters_share": "获星所需通过季度比例",
    "min_quorum_quarters": "最少有效季度数",
    "min_months_open": "参评最短开业月数",
    "exam_pass_mark": "考试及格分",  # nosec B105  # a label (exam pass mark), not a password
    "service_fault_complaints": "失去服务星的有责投诉数",
    "card_yellow_from_miss": "第几次未随货同行给予黄牌",
    "patrol_rate_c": "C级巡查抽取率",
    "patrol_rate_b": "B级巡查抽取率",
    "patrol_rate_a": "A级巡查抽取率",
    "accept_deadline_workdays": "受理决定期限（工作日）",
    "mediation_deadline_workdays": "调解期限（工作日）",
    "report_deadline_workdays": "举报立案决定期限（工作日）",
    "report_extension_workdays": "举报决定延长期限（工作日）",
    "report_max_extensions": "举报决定最多延长次数",
    "confirm_window_days": "消费者确认/重新打开期限（天）",
    "hotspot_min_complaints": "热点最少投诉数",
    "hotspot_window_days": "热点统计天数",
    "hotspot_baseline_days": "热点对比基准天数",
    "hotspot_rate_factor": "热点增长倍数",
}

_FRACTION_FIELDS = {"quorum_share", "pass_share", "quarters_share",
                    "patrol_rate_c", "patrol_rate_b", "patrol_rate_a", "hotspot_rate_factor"}
_UNIT_FRACTIONS = _FRACTION_FIELDS - {"hotspot_rate_factor"}
_POSITIVE_INTS = {"version", "quorum_min", "min_quorum_quarters", "card_yellow_from_miss",
                  "accept_deadline_workdays", "mediation_deadline_workdays",
                  "report_deadline_workdays", "hotspot_min_complaints",
                  "hotspot_window_days", "hotspot_baseline_days", "service_fault_complaints"}


@dataclass(frozen=True)
class RuleSettings:
    """One version of every rule threshold, SPEC defaults (see ``LABELS`` for meanings).

    Raises ``ValidationError`` (Chinese message) when a value is out of range.
    """

    version: int = 1
    timezone: str = "Asia/Shanghai"                        # SPEC §3
    ballot_open_days_before_end: int = 15                  # S1, calendar days
    ballot_close_days_after_end: int = 10                  # S1, calendar days
    quorum_min: int = 3                                    # S2
    quorum_share: Fraction = Fraction(1, 2)                # S2: ⌈half of active supervisors⌉
    pass_share: Fraction = Fraction(2, 3)                  # S2: yes-share ≥ 2/3
    quarters_share: Fraction = Fraction(3, 4)              # S3
    min_quorum_quarters: int = 2                           # S3
    min_months_open: int = 3                               # S3
    exam_pass_mark: int = 60                               # S3 lawful
    service_fault_complaints: int = 2                      # S3 service
    card_yellow_from_miss: int = 2                         # C4: the 2nd miss in a year → yellow
    patrol_rate_c: Fraction = Fraction(1)                  # G5
    patrol_rate_b: Fraction = Fraction(1, 4)               # G5
    patrol_rate_a: Fraction = Fraction(1, 20)              # G5
    accept_deadline_workdays: int = 7                      # K4
    mediation_deadline_workdays: int = 45                  # K4
    report_deadline_workdays: int = 15                     # K4
    report_extension_workdays: int = 15                    # K4
    report_max_extensions: int = 1                         # K4
    confirm_window_days: int = 15                          # K3, calendar days
    hotspot_min_complaints: int = 3                        # W1
    hotspot_window_days: int = 30                          # W1
    hotspot_baseline_days: int = 90                        # W1
    hotspot_rate_factor: Fraction = Fraction(2)            # W1

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "timezone":
                object.__setattr__(self, f.name, _parse_zone(value))
            elif f.name in _FRACTION_FIELDS:
                object.__setattr__(self, f.name, _parse_fraction(f.name, value))
            else:
                object.__setattr__(self, f.name, _parse_int(f.name, value))

    @property
    def zone(self) -> ZoneInfo:
        """The street's time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)

    def patrol_rates(self) -> dict[str, Fraction]:
        """Per-quarter draw rates by grade (SPEC G5)."""
        return {"A": self.patrol_rate_a, "B": self.patrol_rate_b, "C": self.patrol_rate_c}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "RuleSettings":
        """Build from a settings table (values may be strings or numbers).

        Unknown keys are ignored; missing keys take SPEC defaults; fractions accept
        ``"2/3"``, ``"0.25"``, ``"25%"``. Raises ``ValidationError`` on a bad value.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_mapping(self) -> dict[str, str]:
        """Every setting as a string (fractions as ``"2/3"``); round-trips ``from_mapping``."""
        return {f.name: str(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _bad(name: str, value: Any, why: str) -> ValidationError:
    return ValidationError(f"设置“{LABELS.get(name, name)}”的值“{value}”无效：{why}",
                           code="bad_setting")


def _parse_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _bad(name, value, "应为整数")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit() and value.strip().isascii():
        result = int(value.strip())
    elif isinstance(value, (float, Fraction)) and value == int(value):
        result = int(value)
    else:
        raise _bad(name, value, "应为整数")
    low = 1 if name in _POSITIVE_INTS else 0
    if result < low:
        raise _bad(name, value, f"不能小于{low}")
    if name == "exam_pass_mark" and result > 100:
        raise _bad(name, value, "不能大于100")
    return result


def _parse_fraction(name: str, value: Any) -> Fraction:
    if isinstance(value, bool):
        raise _bad(name, value, "应为比例")
    try:
        if isinstance(value, Fraction):
            result = value
        elif isinstance(value, int):
            result = Fraction(value)
        elif isinstance(value, float):
            result = Fraction(repr(value))  # 0.25 → 1/4 exactly, not the binary float
        elif isinstance(value, str):
            text = value.strip()
            if not text.isascii():
                raise ValueError(text)
            result = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
        else:
            raise TypeError(value)
    except (ValueError, TypeError, ZeroDivisionError):
        raise _bad(name, value, "应为比例，如 2/3、0.25 或 25%") from None
    if result < 0 or (name in _UNIT_FRACTIONS and result > 1):
        raise _bad(name, value, "应在0到1之间" if name in _UNIT_FRACTIONS else "不能为负数")
    return result


def _parse_zone(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad("timezone", value, "应为时区名称，如 Asia/Shanghai")
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad("timezone", value, "未知时区") from None
    return value.strip()


DEFAULT_SETTINGS = RuleSettings()
