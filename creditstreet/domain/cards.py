"""Quality credit card checks: escalation of misses (商品质量信誉卡, SPEC C4).

A *miss* is a card check that found the card did not go with the goods. Counting is over
"within the year" before the new miss: [at − 12 months, at) on the street's clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from .i18n import Msg, N_
from .errors import ValidationError
from .settings import DEFAULT_SETTINGS, RuleSettings
from .time import as_utc, in_window, year_window

WARNING_LABELS = {"verbal_warning": N_("口头警告"), "yellow_card": N_("黄牌警告")}


def escalate(misses_in_year_before_this: int, settings: RuleSettings = DEFAULT_SETTINGS) -> str:
    """The warning for a new miss, given how many misses the shop had in the year before it.

    0 earlier misses → ``"verbal_warning"`` (logged, not a bad record); 1 or more →
    ``"yellow_card"`` (a bad record), by default (``card_yellow_from_miss`` = 2nd miss).
    Raises ValidationError for a negative or non-integer count.
    """
    n = misses_in_year_before_this
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValidationError(Msg(N_("未随货同行次数“%(n)s”无效"), n=n), code="bad_count")
    return "yellow_card" if n + 1 >= settings.card_yellow_from_miss else "verbal_warning"


def misses_in_year_before(miss_times: Iterable[datetime], at: datetime,
                          settings: RuleSettings = DEFAULT_SETTINGS) -> int:
    """Count earlier misses with instants in [at − 12 months, at) (SPEC §3 window)."""
    start, end = year_window(as_utc(at), settings.timezone)
    return sum(1 for t in miss_times if in_window(t, start, end))


def is_bad_record(warning: str) -> bool:
    """A yellow card is a bad record; a verbal warning is not (SPEC C4)."""
    if warning not in WARNING_LABELS:
        raise ValidationError(Msg(N_("警告类别“%(warning)s”无效"), warning=warning), code="bad_warning")
    return warning == "yellow_card"
