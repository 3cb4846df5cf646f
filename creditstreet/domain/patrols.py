"""Patrol rules (SPEC P1–P2, issue 17): a patrol checks something; a failed item may carry a
rectification deadline in working days (SPEC §3's calendar), closed by a re-inspection."""
from collections.abc import Mapping
from datetime import date

from .errors import ValidationError
from .i18n import Msg, N_
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


def licence_expired(expires_on: date | None, no_expiry: bool, today: date) -> bool:
    """Whether a business licence has expired on ``today`` (street-local date).

    A licence "长期" (``no_expiry``) or with no expiry date on file never expires here; a licence
    is still valid on its expiry day (expired from the next day on).
    """
    return not no_expiry and expires_on is not None and expires_on < today

#: The reason an expired licence fails item 1; the web layer shows it through ``gettext`` with the date.
LICENCE_EXPIRED = N_("营业执照已于%(date)s过期")


def known_failures(licence_expires_on: date | None, licence_no_expiry: bool, today: date) -> dict[str, str]:
    """Checklist items the office already knows fail before anyone looks (SPEC P1, issue 17).

    Returns item → Chinese reason; today only item 1 ("licence"): an expired business licence
    (``licence_expired``) is no valid 主体资格, e.g. expired 2026-10-31, today 2026-11-01 →
    {"licence": "营业执照已于2026-10-31过期"}; on 2026-10-31 → {}.
    """
    if licence_expired(licence_expires_on, licence_no_expiry, today):
        return {"licence": LICENCE_EXPIRED % {"date": licence_expires_on.isoformat()}}
    return {}


def all_pass(results: Mapping[str, str], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """The "all items pass" shortcut: every item not decided otherwise becomes "pass".

    ``known``: items the office knows fail (``known_failures``). The shortcut never passes one of
    them: an item the inspector left "na" is recorded "fail" (the inspector who has seen a renewed
    licence on the wall marks that item "pass" by hand, which is kept). Refused (ValidationError
    "has_failures") when an item other than a known failure is already marked "fail", so a typed
    failure is never overwritten.
    """
    known = known or {}
    if any(value == "fail" and item not in known for item, value in results.items()):
        raise ValidationError("已有不合格项，不能一键全部合格；请逐项选择", code="has_failures")
    return {item: ("pass" if value == "pass" or item not in known else "fail")
            for item, value in results.items()}


def parse_rectify_days(text: object) -> int | None:
    """A rectification period as typed: "" → None; "5" → 5; else ValidationError "bad_rectify_days".

    Whole working days from 1 to ``MAX_RECTIFY_WORKDAYS``.
    """
    raw = str(text or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= MAX_RECTIFY_WORKDAYS:
        raise ValidationError(Msg(N_("整改期限应为 1 到 %(max_rectify_workdays)s 个工作日"),
                                  max_rectify_workdays=MAX_RECTIFY_WORKDAYS), code="bad_rectify_days")
    return int(raw)


def rectification_due(calendar: WorkCalendar, ordered_on: date, workdays: int) -> date:
    """The last day to rectify: the ``workdays``-th working day after the patrol's local date
    (the patrol day itself does not count, as for complaint deadlines, CASES K-19)."""
    return calendar.add_workdays(ordered_on, workdays)
