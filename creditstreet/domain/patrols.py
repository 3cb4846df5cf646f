"""Patrol rules (SPEC P1–P2, issue 17): a patrol checks something; a failed item may carry a
rectification deadline in working days (SPEC §3's calendar), closed by a re-inspection."""
from collections.abc import Mapping
from datetime import date

from .errors import ValidationError
from .workdays import WorkCalendar

#: Longest rectification period an inspector may set, in working days (about three months).
MAX_RECTIFY_WORKDAYS = 60


def require_checked(results: Mapping[str, str]) -> None:
    """Refuse a patrol with no checked item: all "na" would mark the shop inspected for nothing.

    ``results``: checklist item → "pass" | "fail" | "na". Raises ValidationError "nothing_checked".
    """
    if all(value == "na" for value in results.values()):
        raise ValidationError("请至少检查一项：逐项选择“合格”或“不合格”，或点“全部合格”",
                              code="nothing_checked")


def all_pass(results: Mapping[str, str]) -> dict[str, str]:
    """The "all items pass" shortcut: every item "pass". Refused (ValidationError "has_failures")
    when an item is already marked "fail", so a typed failure is never overwritten."""
    if any(value == "fail" for value in results.values()):
        raise ValidationError("已有不合格项，不能一键全部合格；请逐项选择", code="has_failures")
    return {item: "pass" for item in results}


def parse_rectify_days(text: object) -> int | None:
    """A rectification period as typed: "" → None; "5" → 5; else ValidationError "bad_rectify_days".

    Whole working days from 1 to ``MAX_RECTIFY_WORKDAYS``.
    """
    raw = str(text or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= MAX_RECTIFY_WORKDAYS:
        raise ValidationError(f"整改期限应为 1 到 {MAX_RECTIFY_WORKDAYS} 个工作日", code="bad_rectify_days")
    return int(raw)


def rectification_due(calendar: WorkCalendar, ordered_on: date, workdays: int) -> date:
    """The last day to rectify: the ``workdays``-th working day after the patrol's local date
    (the patrol day itself does not count, as for complaint deadlines, CASES K-19)."""
    return calendar.add_workdays(ordered_on, workdays)
