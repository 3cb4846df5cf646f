"""Rule thresholds (SPEC: every "default" is a setting an administrator can change).

``RuleSettings`` is an immutable snapshot of one settings version. Services load it from
the settings table with ``RuleSettings.from_mapping(rows)`` and store ``to_mapping()``;
grade rows record ``version`` (SPEC G3).

Units: ``*_days`` are calendar days, ``*_workdays`` are working days (SPEC §3, K4),
shares and rates are exact ``fractions.Fraction`` values in [0, 1].
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import date
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .i18n import Msg, N_, joined
from .errors import ValidationError

#: Chinese labels for settings, used in validation messages and the admin page.
LABELS: dict[str, str] = {
    "version": N_("设置版本"),
    "timezone": N_("时区"),
    "ballot_open_days_before_end": N_("投票开始（季度末前天数）"),
    "ballot_close_days_after_end": N_("投票截止（季度末后天数）"),
    "quorum_min": N_("最少有效票数"),
    "quorum_share": N_("有效票数占在岗监督员比例"),
    "pass_share": N_("单项通过所需赞成比例"),  # nosec B105  # a label ("pass" share), not a password
    "quarters_share": N_("获星所需通过季度比例"),
    "min_quorum_quarters": N_("最少有效季度数"),
    "min_months_open": N_("参评最短开业月数"),
    "exam_pass_mark": N_("考试及格分"),  # nosec B105  # a label (exam pass mark), not a password
    "service_fault_complaints": N_("失去服务星的有责投诉数"),
    "card_yellow_from_miss": N_("第几次未随货同行给予黄牌"),
    "patrol_rate_c": N_("C级巡查抽取率"),
    "patrol_rate_b": N_("B级巡查抽取率"),
    "patrol_rate_a": N_("A级巡查抽取率"),
    "accept_deadline_workdays": N_("受理决定期限（工作日）"),
    "mediation_deadline_workdays": N_("调解期限（工作日）"),
    "report_deadline_workdays": N_("举报立案决定期限（工作日）"),
    "report_extension_workdays": N_("举报决定延长期限（工作日）"),
    "report_max_extensions": N_("举报决定最多延长次数"),
    "confirm_window_days": N_("消费者确认/重新打开期限（天）"),
    "hotspot_min_complaints": N_("热点最少投诉数"),
    "hotspot_window_days": N_("热点统计天数"),
    "hotspot_baseline_days": N_("热点对比基准天数"),
    "hotspot_rate_factor": N_("热点增长倍数"),
    "commitment_notice_days": N_("终止承诺的公告期（天）"),
    "disclosure_min_closed": N_("公示办结率所需最少办结件数"),
    "key_disclosure_min": N_("重点公示的12个月投诉数"),
    "key_disclosure_months": N_("重点公示期（月）"),
    "fund_payout_workdays": N_("先行赔付支付期限（工作日）"),
    "settlement_workdays": N_("先行和解期限（工作日）"),
    "objection_workdays": N_("异议提出期限（工作日）"),
    "objection_decision_workdays": N_("异议处理期限（工作日）"),
    "repair_months_general": N_("一般违法违章和不良记录可申请修复的月数"),
    "repair_months_serious": N_("严重违法违章可申请修复的月数"),
    "repair_decision_workdays": N_("信用修复决定期限（工作日）"),
    "pausing_allowed": N_("允许中止计时（1=允许，0=不允许）"),
    "calendar_reminder_from": N_("提醒录入次年节假日安排的起始日（月-日）"),
}

_FRACTION_FIELDS = {"quorum_share", "pass_share", "quarters_share",
                    "patrol_rate_c", "patrol_rate_b", "patrol_rate_a", "hotspot_rate_factor"}

#: Accepted range of every setting, (low, high) inclusive; ``OPEN_LOW`` fields exclude ``low``.
#: Wider values made no sense in the rules and overflowed date arithmetic (QA: 99999999999999999999).
#:
#: ============================  =======  ================  ===========================
#: setting                       default  range             SPEC
#: ============================  =======  ================  ===========================
#: ballot_open_days_before_end   15       0–92 days         S1 (open + close ≤ 92 days)
#: ballot_close_days_after_end   10       0–45 days         S1 (open + close ≤ 92 days)
#: quorum_min                    3        1–100             S2
#: quorum_share                  1/2      (0, 1]            S2
#: pass_share                    2/3      (0, 1]            S2
#: quarters_share                3/4      (0, 1]            S3
#: min_quorum_quarters           2        1–4               S3 (trailing four quarters)
#: min_months_open               3        0–24 months       S3
#: exam_pass_mark                60       0–100             S3
#: service_fault_complaints      2        1–100             S3
#: card_yellow_from_miss         2        1–10              C4
#: patrol_rate_c / _b / _a       1, 1/4, 1/20  [0, 1]       G5
#: accept_deadline_workdays      7        1–120 work days   K4
#: mediation_deadline_workdays   45       1–120 work days   K4
#: report_deadline_workdays      15       1–120 work days   K4
#: report_extension_workdays     15       1–120 work days   K4
#: report_max_extensions         1        0–10              K4
#: confirm_window_days           15       1–90 days         K3
#: hotspot_min_complaints        3        1–1000            W1
#: hotspot_window_days           30       1–365 days        W1
#: hotspot_baseline_days         90       1–365 days        W1
#: hotspot_rate_factor           2        1–100             W1
#: commitment_notice_days        30       0–365 days        §13 P1
#: disclosure_min_closed         5        1–1000            §13 P4
#: key_disclosure_min            10       1–10000           §13 P4
#: key_disclosure_months         3        1–24 months       §13 P4
#: fund_payout_workdays          2        1–30 work days    §13 P3
#: settlement_workdays           10       1–60 work days    M2
#: objection_workdays            15       1–120 work days   M4
#: objection_decision_workdays   15       1–120 work days   M4
#: repair_months_general         6        1–60 months       M5
#: repair_months_serious         12       1–60 months       M5
#: repair_decision_workdays      15       1–120 work days   M5
#: pausing_allowed               1        0–1 (off/on)      K4
#: calendar_reminder_from        11-01    a month-day       §3
#: version                       1        ≥ 1               G3
#: ============================  =======  ================  ===========================
RANGES: dict[str, tuple[Any, Any]] = {
    "version": (1, None),
    "ballot_open_days_before_end": (0, 92),
    "ballot_close_days_after_end": (0, 45),
    "quorum_min": (1, 100),
    "quorum_share": (Fraction(0), Fraction(1)),
    "pass_share": (Fraction(0), Fraction(1)),
    "quarters_share": (Fraction(0), Fraction(1)),
    "min_quorum_quarters": (1, 4),
    "min_months_open": (0, 24),
    "exam_pass_mark": (0, 100),
    "service_fault_complaints": (1, 100),
    "card_yellow_from_miss": (1, 10),
    "patrol_rate_c": (Fraction(0), Fraction(1)),
    "patrol_rate_b": (Fraction(0), Fraction(1)),
    "patrol_rate_a": (Fraction(0), Fraction(1)),
    "accept_deadline_workdays": (1, 120),
    "mediation_deadline_workdays": (1, 120),
    "report_deadline_workdays": (1, 120),
    "report_extension_workdays": (1, 120),
    "report_max_extensions": (0, 10),
    "confirm_window_days": (1, 90),
    "hotspot_min_complaints": (1, 1000),
    "hotspot_window_days": (1, 365),
    "hotspot_baseline_days": (1, 365),
    "hotspot_rate_factor": (Fraction(1), Fraction(100)),
    "commitment_notice_days": (0, 365),
    "disclosure_min_closed": (1, 1000),
    "key_disclosure_min": (1, 10000),
    "key_disclosure_months": (1, 24),
    "fund_payout_workdays": (1, 30),
    "settlement_workdays": (1, 60),
    "objection_workdays": (1, 120),
    "objection_decision_workdays": (1, 120),
    "repair_months_general": (1, 60),
    "repair_months_serious": (1, 60),
    "repair_decision_workdays": (1, 120),
    "pausing_allowed": (0, 1),
}
OPEN_LOW = {"quorum_share", "pass_share", "quarters_share"}
#: The ballot window (S1) spans at most one quarter (the longest has 92 days: "open all quarter").
#: In a shorter quarter such a window meets the previous quarter's closing days; there the ended
#: quarter keeps priority (``domain.stars.ballot_quarter_at``), so no instant has two open quarters.
MAX_BALLOT_WINDOW_DAYS = 92
_MAX_INPUT_CHARS = 30  # longer inputs are never a sensible number (and could be slow to parse)


class SettingsError(ValidationError):
    """Every bad setting at once: ``errors`` maps field name → Chinese message."""

    code = "bad_setting"

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(joined(self.errors.values()), code="bad_setting")


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
    commitment_notice_days: int = 30                       # §13 P1, calendar days
    disclosure_min_closed: int = 5                         # §13 P4
    key_disclosure_min: int = 10                           # §13 P4
    key_disclosure_months: int = 3                         # §13 P4
    fund_payout_workdays: int = 2                          # §13 P3
    settlement_workdays: int = 10                          # M2: the shop's time to settle first
    objection_workdays: int = 15                           # M4: from the record entering the register
    objection_decision_workdays: int = 15                  # M4: the admin's time to decide
    repair_months_general: int = 6                         # M5: bad records and general violations
    repair_months_serious: int = 12                        # M5: serious violations
    repair_decision_workdays: int = 15                     # M5
    pausing_allowed: int = 1                               # K4: 1 = the clock may be paused (中止)
    calendar_reminder_from: str = "11-01"                  # §3: month-day the next-year reminder starts

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            try:
                if f.name == "timezone":
                    parsed = _parse_zone(value)
                elif f.name == "calendar_reminder_from":
                    parsed = _parse_month_day(f.name, value)
                elif f.name in _FRACTION_FIELDS:
                    parsed = _parse_fraction(f.name, value)
                else:
                    parsed = _parse_int(f.name, value)
            except _Bad as e:
                errors[f.name] = e.message
                continue
            object.__setattr__(self, f.name, parsed)
        both = ("ballot_open_days_before_end", "ballot_close_days_after_end")
        if not any(k in errors for k in both):
            span = self.ballot_open_days_before_end + self.ballot_close_days_after_end
            if span > MAX_BALLOT_WINDOW_DAYS:
                for k in both:
                    errors[k] = Msg(N_("设置“%(setting)s”的值“%(value)s”无效：投票开始与截止天数之和"
                                       "不能超过%(max)s天（一个季度，现为%(span)s天）"), setting=Msg(LABELS[k]),
                                    value=getattr(self, k), max=MAX_BALLOT_WINDOW_DAYS, span=span)
        if errors:
            raise SettingsError(errors)

    def __hash__(self) -> int:
        """The fields' hash, computed once: the rules' caches (``lru_cache``) hash the settings on
        every call, and hashing the seven Fractions costs more than many a rule. Safe: frozen."""
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(tuple(getattr(self, f.name) for f in dataclasses.fields(self)))
            object.__setattr__(self, "_hash", cached)
        return cached

    @property
    def reminder_month_day(self) -> tuple[int, int]:
        """``calendar_reminder_from`` as (month, day)."""
        month, day = self.calendar_reminder_from.split("-")
        return int(month), int(day)

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

        Unknown keys are ignored; missing keys take SPEC defaults; text is NFKC-normalised
        first (full-width ``２／３`` = ``2/3``); fractions accept ``"2/3"``, ``"0.25"``, ``"25%"``.
        Raises ``SettingsError`` (a ``ValidationError``) listing EVERY bad field in ``.errors``
        (field → Chinese message) and in ``.message``; each field's range is in ``RANGES``.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> "RuleSettings":
        """Like ``from_mapping``, but a stored value that is now out of range falls back to
        SPEC's default instead of failing every page (values saved before the ranges existed)."""
        try:
            return cls.from_mapping(data)
        except SettingsError as e:
            return cls.from_mapping({k: v for k, v in data.items() if k not in e.errors})

    def to_mapping(self) -> dict[str, str]:
        """Every setting as a string (fractions as ``"2/3"``); round-trips ``from_mapping``."""
        return {f.name: str(getattr(self, f.name)) for f in dataclasses.fields(self)}


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _bad(name: str, value: Any, why: str) -> _Bad:
    """The message naming the setting, the value as typed (cut) and ``why`` (a fixed text or a Msg)."""
    shown = str(value)
    if len(shown) > _MAX_INPUT_CHARS:
        shown = shown[:_MAX_INPUT_CHARS] + "…"
    return _Bad(Msg(N_("设置“%(setting)s”的值“%(value)s”无效：%(why)s"), setting=Msg(LABELS.get(name, name)),
                    value=shown, why=Msg(why)))


def _normal(value: Any) -> Any:
    """NFKC and trim text (full-width digits, ／ and ％ become ASCII); other values unchanged."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def _range_text(name: str) -> Msg:
    low, high = RANGES[name]
    if high is None:
        return Msg(N_("不能小于%(low)s"), low=low)
    if name in OPEN_LOW:
        return Msg(N_("应大于%(low)s且不大于%(high)s"), low=low, high=high)
    return Msg(N_("应在%(low)s到%(high)s之间"), low=low, high=high)


def _parse_int(name: str, value: Any) -> int:
    value = _normal(value)
    if isinstance(value, bool):
        raise _bad(name, value, N_("应为整数"))
    if isinstance(value, int):
        result = value
    elif (isinstance(value, str) and len(value) <= _MAX_INPUT_CHARS and value.isascii()
          and value.lstrip("+-").isdigit()):
        result = int(value)
    elif isinstance(value, (float, Fraction)) and value == value and abs(value) != float("inf") \
            and value == int(value):
        result = int(value)
    else:
        raise _bad(name, value, N_("应为整数"))
    low, high = RANGES.get(name, (0, None))
    if result < low or (high is not None and result > high):
        raise _bad(name, value, _range_text(name) if name in RANGES else Msg(N_("不能小于%(low)s"), low=low))
    return result


def _parse_fraction(name: str, value: Any) -> Fraction:
    value = _normal(value)
    if isinstance(value, bool):
        raise _bad(name, value, N_("应为比例"))
    try:
        if isinstance(value, Fraction):
            result = value
        elif isinstance(value, int):
            result = Fraction(value)
        elif isinstance(value, float):
            result = Fraction(repr(value))  # 0.25 → 1/4 exactly, not the binary float
        elif isinstance(value, str):
            text = value
            if not text.isascii() or len(text) > _MAX_INPUT_CHARS or "e" in text.lower():
                raise ValueError(text)
            result = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
        else:
            raise TypeError(value)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        raise _bad(name, value, N_("应为比例，如 2/3、0.25 或 25%")) from None
    low, high = RANGES[name]
    if result < low or result > high or (name in OPEN_LOW and result == low):
        raise _bad(name, value, _range_text(name))
    return result


def _parse_month_day(name: str, value: Any) -> str:
    """"11-01", "11月1日", "1101"-free forms → "MM-DD"; a day that exists in every year (not 02-29)."""
    text = _normal(value)
    if not isinstance(text, str):
        raise _bad(name, value, N_("应为月-日，如 11-01"))
    m = re.fullmatch(r"(\d{1,2})\s*(?:-|/|月)\s*(\d{1,2})\s*日?", text)
    if not m:
        raise _bad(name, value, N_("应为月-日，如 11-01"))
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2025, month, day)  # not a leap year: 02-29 would skip three years in four
    except ValueError:
        raise _bad(name, value, N_("不是每年都有的日期")) from None
    return f"{month:02d}-{day:02d}"


def _parse_zone(value: Any) -> str:
    value = _normal(value)
    if not isinstance(value, str) or not value.strip():
        raise _bad("timezone", value, N_("应为时区名称，如 Asia/Shanghai"))
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad("timezone", value, N_("未知时区")) from None
    return value.strip()


DEFAULT_SETTINGS = RuleSettings()
