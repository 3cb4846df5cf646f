"""Quarterly ballots and current stars (评星评店, SPEC S1–S3).

Units: instants are UTC (naive = UTC), evaluated in ``settings.timezone``; shares are
exact ``Fraction``s. Functions raise ``ValidationError`` for impossible inputs
(negative counts, more yes votes than ballots, two results for one quarter).
"""

from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Iterable, Mapping

from .i18n import Msg, N_
from .errors import ValidationError
from .records import HONESTY_KINDS, BadRecord, ExamResult, Reason, Violation, within_year
from .settings import DEFAULT_SETTINGS, RuleSettings
from .time import (Quarter, as_utc, last_completed_quarter, local_date, local_midnight, months_back, quarter_of,
                   year_window)

CRITERIA: tuple[str, ...] = ("lawful", "service", "compliance", "honesty")
CRITERIA_LABELS: dict[str, str] = {
    "lawful": N_("依法经营好"),
    "service": N_("售后服务质量好"),
    "compliance": N_("服从管理好"),
    "honesty": N_("诚实信用好"),
}


@dataclass(frozen=True)
class BallotTally:
    """One shop's ballots in one quarter: ``ballots`` cast and ``yes`` count per criterion."""

    shop_id: int | str
    quarter: Quarter
    ballots: int
    yes: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quarter", Quarter.parse(self.quarter))
        if not _count(self.ballots):
            raise ValidationError(Msg(N_("票数“%(ballots)s”无效"), ballots=self.ballots), code="bad_tally")
        unknown = set(self.yes) - set(CRITERIA)
        if unknown:
            raise ValidationError(Msg(N_("未知的评星项目：%(unknown)s"), unknown=sorted(unknown)), code="bad_tally")
        for c, n in self.yes.items():
            if not _count(n) or n > self.ballots:
                raise ValidationError(Msg(N_("“%(criteria)s”的赞成票数%(n)s无效（共%(ballots)s票）"),
                                          criteria=Msg(CRITERIA_LABELS[c]), n=n, ballots=self.ballots),
                                      code="bad_tally")


@dataclass(frozen=True)
class QuarterResult:
    """A shop's ballot result for a quarter (SPEC S2); ``passed`` is empty without quorum."""

    shop_id: int | str
    quarter: Quarter
    ballots: int
    quorum: int
    has_quorum: bool
    passed: frozenset[str]


@dataclass(frozen=True)
class ShopFacts:
    """What S3 reads from a shop's register besides ballots (records may span any period)."""

    opened_on: date
    violations: tuple[Violation, ...] = ()
    bad_records: tuple[BadRecord, ...] = ()
    exams: tuple[ExamResult, ...] = ()


@dataclass(frozen=True)
class Note:
    """A remark for the register: stable ``code`` and Chinese ``text``."""

    code: str  # "not_rated_new_shop" | "not_rated_quorum" | "exam_missing"
    text: str


@dataclass(frozen=True)
class StarOutcome:
    """Current stars at ``as_of`` (SPEC S3).

    ``stars`` is 0–4, or None for 待评定 (not yet rated). ``earned``: criteria held after
    losses; ``passed``: criteria earned by ballots before losses; ``lost``: criterion →
    reasons (records in the year before ``as_of``); ``notes``: e.g. exam missing.
    """

    stars: int | None
    as_of: datetime
    earned: frozenset[str]
    passed: frozenset[str]
    lost: Mapping[str, tuple[Reason, ...]]
    notes: tuple[Note, ...]
    quorum_quarters: int

    @property
    def rated(self) -> bool:
        return self.stars is not None

    @property
    def missing(self) -> tuple[str, ...]:
        """Criteria not held, in CRITERIA order (all four when not yet rated)."""
        return tuple(c for c in CRITERIA if c not in self.earned)


@dataclass(frozen=True)
class StarShape:
    """Everything S3 decides on for one shop at T, as counts (records in the year before T).

    ``passes``: per criterion in CRITERIA order, the quorum quarters of the trailing four in
    which it passed; ``latest_exam``: the score of the latest exam in the year, None for none;
    ``at_fault`` / ``refused`` / ``yellow``: bad records of those kinds. Equal shapes get equal
    decisions, so a whole street is decided once per distinct shape (services/grade_batch.py).
    """

    quorum_quarters: int
    passes: tuple[int, int, int, int]
    open_long_enough: bool
    latest_exam: int | None
    violations: int
    honesty_violations: int
    at_fault: int
    refused: int
    yellow: int


def count_cap(settings: RuleSettings = DEFAULT_SETTINGS) -> int:
    """The count from which more records change nothing (S3 and G2): max(2, service_fault_complaints).

    S3 asks "any" (≥ 1) of each kind but complaints at fault (≥ ``service_fault_complaints``);
    G2 asks serious ≥ 1 and general + bad ≥ 2 or = 1. So every count of a StarShape and of G2 may
    be clipped to this cap without changing a decision — the set-based recompute groups shops by
    clipped counts (tested in tests/domain/test_grade_shapes.py).
    """
    return max(2, settings.service_fault_complaints)


def exam_stand_in(score: int | None, settings: RuleSettings = DEFAULT_SETTINGS) -> int | None:
    """A latest-exam score that decides like ``score``: S3 only asks whether it is below the pass mark.

    None (no exam in the year) stays None; a failing score becomes pass mark − 1, a pass the pass mark.
    """
    if score is None:
        return None
    return settings.exam_pass_mark - 1 if score < settings.exam_pass_mark else settings.exam_pass_mark


@dataclass(frozen=True)
class StarDecision:
    """What S3 decides for a StarShape: stars (None = 待评定), criteria and register notes.

    ``lost``: criteria earned by ballots but lost to records (a subset of ``passed``);
    ``exam_failed``: the latest exam in the year is below the pass mark (cited for ``lawful``).
    """

    stars: int | None
    passed: frozenset[str]
    earned: frozenset[str]
    lost: frozenset[str]
    notes: tuple[Note, ...]
    exam_failed: bool

    @property
    def cites_exam(self) -> bool:
        """The failed exam is among the reasons (SPEC G3): it cost the ``lawful`` star."""
        return "lawful" in self.lost and self.exam_failed


@lru_cache(maxsize=65536)
def decide_stars(shape: StarShape, settings: RuleSettings = DEFAULT_SETTINGS) -> StarDecision:
    """The S3 rule on counts: earned criteria, the automatic losses, and "not yet rated".

    A criterion is earned when it passed in at least ``quarters_share`` (3/4) of the quorum
    quarters and at least ``min_quorum_quarters`` (2) reached quorum; then lost for:
    ``lawful`` any violation or a failed latest exam; ``service`` any refused mediation or
    ≥ ``service_fault_complaints`` (2) complaints at fault; ``compliance`` any yellow card;
    ``honesty`` any counterfeit / false-advertising / price-fraud violation. Not yet rated
    (stars None) with too few quorum quarters or a shop open < ``min_months_open`` months.
    """
    n = shape.quorum_quarters
    passed = frozenset(
        c for c, k in zip(CRITERIA, shape.passes)
        if n >= settings.min_quorum_quarters and _share_at_least(k, n, settings.quarters_share))
    notes: list[Note] = []
    if shape.latest_exam is None:
        notes.append(Note("exam_missing", "近一年内没有法规知识考试成绩"))
    if not shape.open_long_enough:
        notes.insert(0, Note("not_rated_new_shop", f"开业不满{settings.min_months_open}个月，待评定"))
    if n < settings.min_quorum_quarters:
        notes.insert(0, Note("not_rated_quorum",
                             f"达到法定票数的季度只有{n}个（需要{settings.min_quorum_quarters}个），待评定"))
    exam_failed = shape.latest_exam is not None and shape.latest_exam < settings.exam_pass_mark
    if any(x.code.startswith("not_rated") for x in notes):
        return StarDecision(None, passed, frozenset(), frozenset(), tuple(notes), exam_failed)
    lost = set()
    if shape.violations or exam_failed:
        lost.add("lawful")
    if shape.refused or shape.at_fault >= settings.service_fault_complaints:
        lost.add("service")
    if shape.yellow:
        lost.add("compliance")
    if shape.honesty_violations:
        lost.add("honesty")
    earned = passed - lost
    return StarDecision(len(earned), passed, earned, frozenset(lost) & passed, tuple(notes), exam_failed)


def quorum(active_supervisors: int, settings: RuleSettings = DEFAULT_SETTINGS) -> int:
    """Ballots needed for a shop's quarter: max(3, ⌈n/2⌉) by default (SPEC S2)."""
    if not _count(active_supervisors):
        raise ValidationError(Msg(N_("在岗监督员人数“%(active_supervisors)s”无效"),
                                  active_supervisors=active_supervisors), code="bad_count")
    share = settings.quorum_share * active_supervisors
    return max(settings.quorum_min, math.ceil(share))


def criterion_passes(yes: int, ballots: int, settings: RuleSettings = DEFAULT_SETTINGS) -> bool:
    """yes/ballots ≥ pass share (2/3), compared exactly; False with no ballots (SPEC S2)."""
    return ballots > 0 and _share_at_least(yes, ballots, settings.pass_share)


def _share_at_least(part: int, whole: int, share: Fraction) -> bool:
    """part/whole ≥ share for whole > 0, exactly, by integer cross-multiplication."""
    num, den = share.as_integer_ratio()
    return part * den >= num * whole


def quarter_result(tally: BallotTally, active_supervisors: int,
                   settings: RuleSettings = DEFAULT_SETTINGS) -> QuarterResult:
    """Decide which criteria passed in the quarter, or that it lacked quorum (SPEC S2).

    ``active_supervisors`` is the count of active supervisors for that quarter.
    """
    need = quorum(active_supervisors, settings)
    ok = tally.ballots >= need
    passed = frozenset(c for c in CRITERIA if ok and criterion_passes(tally.yes.get(c, 0), tally.ballots, settings))
    return QuarterResult(tally.shop_id, tally.quarter, tally.ballots, need, ok, passed)


def trailing_quarters(T: datetime, settings: RuleSettings = DEFAULT_SETTINGS) -> list[Quarter]:
    """The four quarters that ended at or before T, oldest first (SPEC S3).

    At T = 2024-04-01 00:00+08:00 these are 2023Q2..2024Q1.
    """
    return list(_trailing(as_utc(T), settings.timezone))


@lru_cache(maxsize=256)
def _trailing(T: datetime, tz: str) -> tuple[Quarter, ...]:
    out = [last_completed_quarter(T, tz)]
    for _ in range(3):
        out.insert(0, out[0].prev())
    return tuple(out)


def is_open_long_enough(opened_on: date, T: datetime, settings: RuleSettings = DEFAULT_SETTINGS) -> bool:
    """True when the shop opened at least ``min_months_open`` (3) calendar months before T.

    Opened 2024-01-01 (local) and T = 2024-04-01 00:00+08:00 → exactly 3 months → True.
    """
    tz = settings.timezone
    return _opened_utc(opened_on, tz) <= _months_before(as_utc(T), settings.min_months_open, tz)


def in_business_by(T: datetime, tz: str) -> date:
    """The last local day a shop may have opened on to be graded at T (SPEC G1: the shops active
    at T): the street-local date of the last instant before T.

    T = 2024-07-01 00:00+08:00 (2024Q2's end) → 2024-06-30; T = now = 2024-08-15 14:30+08:00 → 2024-08-15.
    A shop that opens later has no grade for that quarter.
    """
    return local_date(as_utc(T) - timedelta(microseconds=1), tz)


def opened_by(T: datetime, settings: RuleSettings = DEFAULT_SETTINGS) -> date:
    """The latest local opening date that counts as open long enough at T (SPEC S3).

    ``is_open_long_enough(d, T)`` ⇔ ``d <= opened_by(T)``: T = 2024-04-01 00:00+08:00 → 2024-01-01.
    """
    tz = settings.timezone
    return local_date(_months_before(as_utc(T), settings.min_months_open, tz), tz)


@lru_cache(maxsize=4096)
def _opened_utc(opened_on: date, tz: str) -> datetime:
    return as_utc(local_midnight(opened_on, tz))


@lru_cache(maxsize=256)
def _months_before(T: datetime, n: int, tz: str) -> datetime:
    return months_back(T, n, tz)


def current_stars(results: Iterable[QuarterResult], facts: ShopFacts, T: datetime,
                  settings: RuleSettings = DEFAULT_SETTINGS) -> StarOutcome:
    """Current stars at instant T (SPEC S3).

    ``results``: QuarterResults of this shop (others than the trailing four are ignored;
    a missing quarter counts as no quorum). A criterion is earned when passed in at
    least ``quarters_share`` (3/4) of the quorum quarters and at least
    ``min_quorum_quarters`` (2) reached quorum; then lost per S3 for records within
    [T − 12 months, T). Not yet rated (stars None) when too few quorum quarters or the
    shop is open < ``min_months_open`` months at T. Raises ValidationError on duplicate
    results for a quarter.
    """
    T = as_utc(T)
    tz = settings.timezone
    window = _trailing(T, tz)
    by_quarter: dict[Quarter, QuarterResult] = {}
    for r in results:
        if r.quarter in window:
            if r.quarter in by_quarter:
                raise ValidationError(Msg(N_("%(quarter)s的投票结果重复"),
                                          quarter=r.quarter.label_msg), code="duplicate_result")
            by_quarter[r.quarter] = r
    counted = [r for r in by_quarter.values() if r.has_quorum]
    n = len(counted)
    year = year_window(T, tz)
    exams = within_year(facts.exams, T, tz, window=year)
    violations = within_year(facts.violations, T, tz, window=year)
    bad = within_year(facts.bad_records, T, tz, window=year)
    shape = StarShape(
        quorum_quarters=n,
        passes=tuple(sum(c in r.passed for r in counted) for c in CRITERIA),
        open_long_enough=is_open_long_enough(facts.opened_on, T, settings),
        latest_exam=exams[-1].score if exams else None,  # within_year sorts oldest first
        violations=len(violations),
        honesty_violations=sum(v.kind in HONESTY_KINDS for v in violations),
        at_fault=sum(b.kind == "complaint_at_fault" for b in bad),
        refused=sum(b.kind == "refused_mediation" for b in bad),
        yellow=sum(b.kind == "yellow_card" for b in bad),
    )
    decided = decide_stars(shape, settings)
    if decided.stars is None:
        return StarOutcome(None, T, frozenset(), decided.passed, {}, decided.notes, n)
    lost = {c: _lost_reasons(c, violations, bad, exams[-1] if exams else None, settings)
            for c in CRITERIA if c in decided.lost}
    return StarOutcome(decided.stars, T, decided.earned, decided.passed, lost, decided.notes, n)


def _lost_reasons(criterion: str, violations: list[Violation], bad: list[BadRecord],
                  latest_exam: ExamResult | None, settings: RuleSettings) -> tuple[Reason, ...]:
    """The records (oldest first) that cost ``criterion`` its star (SPEC S3); see decide_stars."""
    tz = settings.timezone
    if criterion == "lawful":
        out = [v.reason(tz) for v in violations]
        if latest_exam is not None and latest_exam.score < settings.exam_pass_mark:
            out.append(latest_exam.reason(settings.exam_pass_mark, tz))
        return tuple(out)
    if criterion == "service":
        at_fault = [b for b in bad if b.kind == "complaint_at_fault"]
        cited = [b for b in bad if b.kind == "refused_mediation"
                 or (b.kind == "complaint_at_fault" and len(at_fault) >= settings.service_fault_complaints)]
        return tuple(b.reason(tz) for b in cited)
    if criterion == "compliance":
        return tuple(b.reason(tz) for b in bad if b.kind == "yellow_card")
    return tuple(v.reason(tz) for v in violations if v.kind in HONESTY_KINDS)


def ballot_window(quarter: Quarter | str, settings: RuleSettings = DEFAULT_SETTINGS) -> tuple[datetime, datetime]:
    """Half-open UTC window in which ballots for ``quarter`` may be cast (SPEC S1).

    Default: [quarter end − 15 days, quarter end + 10 days), on the local calendar; for
    2024Q1: [2024-03-17 00:00+08:00, 2024-04-11 00:00+08:00).
    """
    end = Quarter.parse(quarter).end(settings.timezone)
    return (as_utc(end - timedelta(days=settings.ballot_open_days_before_end)),
            as_utc(end + timedelta(days=settings.ballot_close_days_after_end)))


def ballot_quarter_at(now: datetime, settings: RuleSettings = DEFAULT_SETTINGS) -> Quarter | None:
    """The quarter whose ballot window is open at ``now``, or None (SPEC S1)."""
    current = quarter_of(now, settings.timezone)
    for q in (current.prev(), current):
        start, end = ballot_window(q, settings)
        if start <= as_utc(now) < end:
            return q
    return None


def _count(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0
