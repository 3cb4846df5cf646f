"""Paused clocks (中止计时, SPEC K4): the fixed list of reasons and the paused working days.

A pause runs from the local date it was set (``paused_on``, counted as paused) until the local
date it was lifted (``resumed_on``, counted again): the half-open range [paused_on, resumed_on).
Working days inside do not count toward any running deadline of the item (CASES K-20).
"""
from __future__ import annotations

from datetime import date

from .errors import ValidationError
from .i18n import Msg, N_
from .workdays import WorkCalendar

#: The fixed list (K4). Codes are stored; labels are shown.
PAUSE_REASONS = {
    "inspection": "待检验检测",
    "consumer_materials": "待消费者补充材料",
    "shop_documents": "待经营者提供材料",
}


def pause_label(code: str) -> str:
    """Chinese label of a pause reason; ``ValidationError`` when it is not on the fixed list."""
    if code not in PAUSE_REASONS:
        raise ValidationError(Msg(N_("中止理由“%(code)s”不在规定范围内"), code=code), code="bad_pause_reason")
    return PAUSE_REASONS[code]


def paused_workdays(calendar: WorkCalendar, paused_on: date, resumed_on: date) -> int:
    """Working days in [paused_on, resumed_on) — the days a closed pause took off the clock."""
    if resumed_on <= paused_on:
        return 0
    return calendar.workdays_between(paused_on, resumed_on) + (1 if calendar.is_workday(paused_on) else 0) - (
        1 if calendar.is_workday(resumed_on) else 0)
