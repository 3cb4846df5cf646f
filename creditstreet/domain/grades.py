"""Credit grades A/B/C (信誉等级, SPEC G1–G3).

Units: T is a UTC instant (naive = UTC) — the grading instant, i.e. the first instant of
the next quarter, or "now" on demand; records count when ``at`` is in [T − 12 months, T)
on the street's clock, so a record stamped exactly at T belongs to the next period.
``improves_on`` is a street-local date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from .i18n import Msg, N_
from .errors import ValidationError
from .records import BadRecord, Reason, Violation, within_year
from .settings import DEFAULT_SETTINGS, RuleSettings
from .stars import CRITERIA, StarOutcome
from .time import as_utc, local_date, restores_on

GRADES = ("A", "B", "C")
GRADE_LABELS = {"A": N_("A级（守信）"), "B": N_("B级（基本守信）"), "C": N_("C级（重点巡查对象）")}


@dataclass(frozen=True)
class GradeOutcome:
    """One shop's grade at ``as_of`` with everything a grade row stores (SPEC G3).

    ``reasons``: the records that decided the grade (empty for A and for a clean shop held
    at B by its stars). ``improves_on``: when records block A, the local date the last of
    them leaves the window (``time.restores_on`` of its local date), else None. ``missing_criteria``:
    when stars block A, the criteria still missing (all four if not yet rated).
    """

    grade: str
    as_of: datetime
    stars: int | None
    settings_version: int
    serious: int
    general: int
    bad: int
    reasons: tuple[Reason, ...]
    improves_on: date | None
    missing_criteria: tuple[str, ...]


def grade_for_counts(serious: int, general: int, bad: int, stars: int | None) -> str:
    """The G2 rule on counts: C if serious ≥ 1 or general + bad ≥ 2; B if = 1; A at 4 stars; else B."""
    for n in (serious, general, bad):
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValidationError(Msg(N_("记录数“%(n)s”无效"), n=n), code="bad_count")
    if serious >= 1 or general + bad >= 2:
        return "C"
    if general + bad == 1:
        return "B"
    return "A" if stars == 4 else "B"


def cites_records(grade: str) -> bool:
    """Whether a grade's reasons list the shop's counted records (SPEC G3): B and C are decided by
    them (or, at B with no record, by the stars, when the list is simply empty); A by none."""
    return grade in ("B", "C")


def missing_criteria(grade: str, stars: int | None, earned: Iterable[str]) -> tuple[str, ...]:
    """The criteria still needed for A when stars block it (SPEC G3), in CRITERIA order; () for A or 4 stars."""
    earned = set(earned)
    return tuple(c for c in CRITERIA if c not in earned) if grade != "A" and stars != 4 else ()


def grade_shop(records: Iterable[Violation | BadRecord], stars: StarOutcome, T: datetime,
               settings: RuleSettings = DEFAULT_SETTINGS) -> GradeOutcome:
    """Grade a shop at instant T (SPEC G1–G3).

    ``records``: the shop's violations and bad records (any period; those outside
    [T − 12 months, T) are ignored). ``stars``: its current stars at T (``current_stars``).
    Raises ValidationError on a record of another type.
    """
    T = as_utc(T)
    tz = settings.timezone
    records = list(records)
    for r in records:
        if not isinstance(r, (Violation, BadRecord)):
            raise ValidationError("评级只接受违法违章和不良记录", code="bad_record_type")
    counted = within_year(records, T, tz)
    serious = [r for r in counted if isinstance(r, Violation) and r.severity == "serious"]
    general = [r for r in counted if isinstance(r, Violation) and r.severity == "general"]
    bad = [r for r in counted if isinstance(r, BadRecord)]
    grade = grade_for_counts(len(serious), len(general), len(bad), stars.stars)

    deciding = counted if cites_records(grade) else []
    reasons = tuple(r.reason(tz) for r in deciding)
    improves_on = None
    if deciding:
        improves_on = restores_on(max(local_date(r.at, tz) for r in deciding))
    missing = missing_criteria(grade, stars.stars, stars.earned)
    return GradeOutcome(grade, T, stars.stars, settings.version, len(serious), len(general),
                        len(bad), reasons, improves_on, missing)
