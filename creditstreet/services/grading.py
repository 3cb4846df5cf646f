"""Quarterly stars and credit grades for whole streets (SPEC S2–S3, G1–G4).

``recompute`` is set-based (services/grade_batch.py): the database counts, joins and writes every
shop's rows with a fixed number of statements — never one per shop — while the pure rules of
``domain.stars`` / ``domain.grades`` decide each distinct shape of counts once. The number of
statements does not grow with the number of shops (tests/services/test_grading.py counts them).
``compute_grades`` is the per-shop path through the same rules (the register's live preview, SPEC
G4) and the reference the set-based rows are tested against (tests/services/test_grade_batch.py).

Units: ``now`` and every stored instant are aware UTC datetimes; the grading instant T of a
quarter is its exclusive end in the street's zone (the first instant of the next quarter), or
``now`` for the open quarter (on demand). Records count when stamped in [T − 12 months, T).

Official vs provisional: a quarter is OFFICIALLY graded only when its rows have
``as_of == T`` = the quarter's end (SPEC G1). Recomputing the still-open quarter stores
``as_of = now``: a provisional grade ("临时·按需"), which the catch-up does not count as done
and which the quarter-end run replaces. See ``is_official`` / ``is_officially_graded``.
"""
from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import and_, case, delete, func, or_, select, true

from ..domain.i18n import Msg, N_
from ..domain import grades as grade_rules
from ..domain import records as rec
from ..domain import stars as star_rules
from ..domain.errors import ValidationError
from ..domain.settings import RuleSettings
from ..domain.time import Quarter, as_utc, local_date, quarters_between, year_window
from ..extensions import db
from ..models import (
    BadRecord, CardCheck, Complaint, CreditGrade, DisabledPeriod, ExamResult, GradeRun, QuarterResult,
    Shop, Street, User, Violation,
)
from ..models.patrol import domain_bad_record_kind, domain_violation_kind
from . import audit, grade_batch
from .settings import rule_settings

log = logging.getLogger(__name__)

#: Test hook (CASES K-05): called after the rows are written, inside the write transaction.
after_write_hook: Callable[[], None] | None = None


@dataclass(frozen=True)
class ShopGrade:
    """One shop's computed grade at T: the ballot result of the graded quarter, stars and grade."""

    shop_id: int
    quarter: Quarter
    result: star_rules.QuarterResult | None
    tally: star_rules.BallotTally | None
    stars: star_rules.StarOutcome
    grade: grade_rules.GradeOutcome

    @property
    def reasons(self) -> list[dict]:
        """Records deciding the grade, then those that cost a star, then register notes (G3)."""
        out, seen = [], set()
        lost = [r for c in star_rules.CRITERIA for r in self.stars.lost.get(c, ())]
        for r in (*self.grade.reasons, *lost):
            if (r.kind, str(r.id)) not in seen:
                seen.add((r.kind, str(r.id)))
                out.append({"kind": r.kind, "id": r.id, "text": r.text})
        out += [{"kind": "note", "id": n.code, "text": n.text} for n in self.stars.notes]
        return out


def grading_instant(quarter: Quarter | str, now: datetime, tz: str) -> datetime:
    """T for ``quarter`` in zone ``tz``: its end, or ``now`` while it is still open (SPEC G1).

    Raises ValidationError for a quarter that has not started yet.
    """
    quarter = Quarter.parse(quarter)
    now = as_utc(now)
    if quarter.start_utc(tz) > now:
        raise ValidationError(Msg(N_("%(quarter)s尚未开始，不能评级"), quarter=quarter.label_msg), code="quarter_in_future")
    return min(quarter.end_utc(tz), now)


#: How far back a quarter may be (re)graded: the same bound as the scheduler's catch-up.
MAX_QUARTERS_BACK = 8
OFFICIAL_LABEL = N_("正式")
PROVISIONAL_LABEL = N_("临时（按需）")


def is_official(grade: CreditGrade, tz: str) -> bool:
    """True when ``grade`` was computed at its quarter's end (SPEC G1), not mid-quarter on demand."""
    return as_utc(grade.as_of) == Quarter.parse(grade.quarter).end_utc(tz)


def official_label(grade: CreditGrade | None, tz: str) -> str:
    """"正式" or "临时·按需" for a stored grade; "" for none."""
    if grade is None:
        return ""
    return OFFICIAL_LABEL if is_official(grade, tz) else PROVISIONAL_LABEL


def is_officially_graded(quarter: Quarter | str, street_id: int) -> bool:
    """Whether ``quarter`` has its official grade rows (as_of = the quarter's end) on the street.

    Annual stars (SPEC S4) must require an official Q4: a mid-quarter recompute is provisional.
    """
    quarter = Quarter.parse(quarter)
    street = db.session.get(Street, street_id)
    if street is None:
        return False
    T = quarter.end_utc(street.timezone)
    return db.session.scalar(select(
        select(CreditGrade.id).join(Shop, Shop.id == CreditGrade.shop_id)
        .where(Shop.street_id == street_id, CreditGrade.quarter == str(quarter), CreditGrade.as_of == T)
        .exists())) or False


def check_recomputable(quarter: Quarter, now: datetime, street: Street) -> None:
    """Refuse a quarter older than the last MAX_QUARTERS_BACK completed ones, one that ended before
    the street's earliest shop opened, or one that has not started (ValidationError, Chinese)."""
    from ..domain.time import last_completed_quarter, local_midnight

    grading_instant(quarter, now, street.timezone)  # future → quarter_in_future
    first = last_completed_quarter(now, street.timezone)
    for _ in range(MAX_QUARTERS_BACK - 1):
        first = first.prev()
    earliest = db.session.execute(
        select(func.min(Shop.opened_on), func.min(Shop.created_at)).where(Shop.street_id == street.id)).one()
    opened = [d for d in (earliest[0], local_date(earliest[1], street.timezone) if earliest[1] else None) if d]
    too_early = bool(opened) and quarter.end_utc(street.timezone) <= as_utc(local_midnight(min(opened), street.timezone))
    if quarter < first or too_early:
        raise ValidationError(Msg(N_("不能重算%(quarter)s：只能重算最近 %(max_quarters_back)s 个季度内、且已有商户开业的季度"),
                                  quarter=quarter.label_msg, max_quarters_back=MAX_QUARTERS_BACK),
                              code="quarter_out_of_range")


def recompute(quarter: Quarter | str, now: datetime, street_id: int | None = None, trigger: str = "cli",
              progress: Callable[[int, int], None] | None = None, actor: User | None = None) -> GradeRun:
    """Grade the shops of one street (or all streets) for ``quarter`` (SPEC G1–G4): those active and
    in business at the quarter's T (``grade_batch.graded_shops``).

    Idempotent: the quarter's QuarterResult and CreditGrade rows of those shops are replaced in
    place (UNIQUE(shop_id, quarter) is never broken; a concurrent second run on PostgreSQL waits
    for the first's rows, then writes over them). A shop closed since keeps the rows it was given
    while it traded (SPEC A2: nothing is deleted). Flushes, never commits; one audit
    entry per run. ``progress(done, total)`` is called after each street is written.
    """
    quarter = Quarter.parse(quarter)
    now = as_utc(now)
    streets = _streets(street_id)
    settings = rule_settings()
    for street in streets:
        check_recomputable(quarter, now, street)  # refuse a future or too old quarter before writing
    run = GradeRun(quarter=str(quarter), street_id=street_id, trigger=trigger, started_at=now)
    db.session.add(run)
    db.session.flush()
    counts = {"A": 0, "B": 0, "C": 0}
    instants = {street.id: grading_instant(quarter, now, street.timezone) for street in streets}
    active = {street.id: db.session.execute(
        select(func.count(Shop.id), func.min(Shop.id), func.max(Shop.id))
        .where(grade_batch.graded_shops(street.id, instants[street.id], street.timezone))).one()
        for street in streets}
    run.shops = sum(n for n, _, _ in active.values())
    grade_batch.create_temp_tables()
    # Streets graded alike — the same zone (so the same T and trailing quarters) and the same active
    # supervisors per quarter (so the same quorum, S2) — are graded in one pass: a city of hundreds
    # of streets costs a pass per kind of street, not a pass of the whole record tables per street.
    groups: dict[tuple, list[Street]] = {}
    for street in streets:
        T = instants[street.id]
        _drop_rows_of_shops_not_in_business(street, quarter, T)
        if not active[street.id][0]:
            continue
        tallied = star_rules.trailing_quarters(T, dataclasses.replace(settings, timezone=street.timezone))
        supervisors = active_supervisors(street, tallied + [quarter], T)
        groups.setdefault((street.timezone, tuple(sorted((str(q), k) for q, k in supervisors.items()))),
                          []).append(street)
    for (zone, supervisor_key), members in groups.items():
        T = instants[members[0].id]
        street_settings = dataclasses.replace(settings, timezone=zone)
        shop_range = (min(active[s.id][1] for s in members), max(active[s.id][2] for s in members))
        written = grade_batch.write_grades(
            [s.id for s in members], quarter, T, now, street_settings, shop_range,
            {Quarter.parse(q): k for q, k in supervisor_key})
        for g, k in written.grades.items():
            counts[g] += k
        run.done += written.shops
        if progress is not None:
            progress(run.done, run.shops)
    grade_batch.drop_temp_tables()
    run.finished_at = now
    db.session.flush()
    if after_write_hook is not None:
        after_write_hook()
    audit.record(actor, "grades.recompute", "grade_run", run.id, None,
                 {"quarter": str(quarter), "street_id": street_id, "trigger": trigger,
                  "shops": run.shops, **counts, "settings_version": settings.version},
                 actor_label=None if actor else f"system:{trigger}")
    db.session.flush()
    return run


def is_unfinished(quarter: Quarter | str, now: datetime, street_id: int | None = None) -> bool:
    """True while ``quarter`` has not ended at ``now`` on some chosen street (its zone's quarter end)."""
    quarter = Quarter.parse(quarter)
    return any(quarter.end_utc(s.timezone) > as_utc(now) for s in _streets(street_id))


def preview(quarter: Quarter | str, now: datetime, street_id: int | None = None) -> dict[str, int]:
    """Grade counts {"A", "B", "C"} of the shops graded at T = now in an unfinished quarter (SPEC G1,
    on demand), computed by the per-shop path and never written: no QuarterResult, CreditGrade or
    register entry is dated at a quarter end still to come. ValidationError as ``recompute``."""
    quarter = Quarter.parse(quarter)
    now = as_utc(now)
    settings = rule_settings()
    counts = {"A": 0, "B": 0, "C": 0}
    for street in _streets(street_id):
        check_recomputable(quarter, now, street)
        street_settings = dataclasses.replace(settings, timezone=street.timezone)
        for g in compute_grades(street, quarter, grading_instant(quarter, now, street.timezone), street_settings):
            counts[g.grade.grade] += 1
    return counts


def grade_preview(shop: Shop, now: datetime) -> ShopGrade | None:
    """A live grade of one shop at T = now: shows a new downgrade at once (SPEC G4). None for a
    shop not graded now (closed, or its opening date still to come)."""
    street = db.session.get(Street, shop.street_id)
    now = as_utc(now)
    from ..domain.time import quarter_of

    quarter = quarter_of(now, street.timezone)
    graded = compute_grades(street, quarter, now, rule_settings(), shop_ids=[shop.id])
    return graded[0] if graded else None


def shop_grade_history(shop_id: int) -> list[CreditGrade]:
    """The shop's stored grades, newest quarter first."""
    return list(db.session.scalars(
        select(CreditGrade).where(CreditGrade.shop_id == shop_id).order_by(CreditGrade.quarter.desc())))


def latest_grades(street_id: int | None = None, page: int | None = 1):
    """One page (``services.paging.Page``) of the active shops, by street and natural house number,
    each with its latest stored grade: items are (Shop, CreditGrade | None), None when never graded.

    Three statements whatever the city's size: the count, a page of shops (indexed order) and the
    page's grades.
    """
    from . import paging

    # status is fixed by the WHERE; naming it in the ORDER BY lets both planners walk
    # ix_shops_street_status_house in order instead of sorting every shop of the city.
    stmt = (select(Shop).where(Shop.status == "active")
            .order_by(Shop.street_id, Shop.status, Shop.house_sort, Shop.id))
    if street_id is not None:
        stmt = stmt.where(Shop.street_id == street_id)
    shops = paging.paginate(stmt, page, key=Shop.id)
    latest: dict[int, CreditGrade] = {}
    if shops.items:
        for g in db.session.scalars(select(CreditGrade).where(CreditGrade.shop_id.in_([s.id for s in shops.items]))
                                    .order_by(CreditGrade.quarter)):
            latest[g.shop_id] = g  # the last one read is the latest quarter
    return paging.Page([(s, latest.get(s.id)) for s in shops.items], shops.total, shops.page, shops.pages,
                       shops.per_page)


def grade_counts(street_id: int | None = None) -> tuple[str | None, dict[str, int]]:
    """(quarter, grade → shops): the grades of the latest quarter graded (the street's, or any),
    counted on ``ix_credit_grades_quarter_grade``; (None, {}) before any grading."""
    scope = [] if street_id is None else [CreditGrade.shop_id.in_(select(Shop.id).where(Shop.street_id == street_id))]
    quarter = db.session.scalar(select(func.max(CreditGrade.quarter)).where(*scope))
    if quarter is None:
        return None, {}
    counts = dict(db.session.execute(select(CreditGrade.grade, func.count()).where(CreditGrade.quarter == quarter, *scope)
                                     .group_by(CreditGrade.grade)).all())
    return quarter, counts


def missing_quarters(now: datetime, street: Street, limit: int = MAX_QUARTERS_BACK) -> list[Quarter]:
    """Completed quarters of the street with no OFFICIAL CreditGrade yet, oldest first (CASES K-02).

    Official = ``as_of`` is the quarter's end; rows of a mid-quarter recompute (provisional) do
    not count. Bounded to quarters ending after the street's earliest shop was entered, and to
    the last ``limit`` completed quarters.
    """
    from ..domain.time import last_completed_quarter, quarter_of

    last = last_completed_quarter(now, street.timezone)
    first = last
    for _ in range(limit - 1):
        first = first.prev()
    earliest = _earliest_activity(street)
    if earliest is None:
        return []
    first = max(first, quarter_of(earliest, street.timezone))
    wanted = quarters_between(first, last)
    graded = set(db.session.scalars(
        select(CreditGrade.quarter).join(Shop, Shop.id == CreditGrade.shop_id)
        .where(Shop.street_id == street.id,
               or_(*[and_(CreditGrade.quarter == str(q), CreditGrade.as_of == q.end_utc(street.timezone))
                     for q in wanted]))
        .distinct())) if wanted else set()
    return [q for q in wanted if str(q) not in graded]


def _earliest_activity(street: Street) -> datetime | None:
    """The street's first recorded instant: a shop entered, a patrol, violation or complaint.

    Shops imported today may carry records from earlier (a backfilled register); quarters before
    the first record have nothing to grade. One query per table, never per shop.
    """
    from ..models import Complaint, Patrol, Violation

    shop_ids = select(Shop.id).where(Shop.street_id == street.id)
    firsts = [
        db.session.scalar(select(func.min(Shop.created_at)).where(Shop.street_id == street.id)),
        db.session.scalar(select(func.min(Patrol.patrolled_at)).where(Patrol.shop_id.in_(shop_ids))),
        db.session.scalar(select(func.min(Violation.recorded_at)).where(Violation.shop_id.in_(shop_ids))),
        db.session.scalar(select(func.min(Complaint.received_at)).where(Complaint.street_id == street.id)),
    ]
    firsts = [f for f in firsts if f is not None]
    return min(firsts) if firsts else None


def unfinalized_quarters(now: datetime, street: Street, limit: int = MAX_QUARTERS_BACK) -> list[Quarter]:
    """Completed quarters whose ballot window (SPEC S1) has closed by ``now`` but which no run has
    graded since it closed: late ballots (cast after the quarter's end) are not counted yet.

    Within the same bound as ``missing_quarters``; oldest first.
    """
    from ..domain.stars import ballot_window
    from ..domain.time import last_completed_quarter, quarter_of

    settings = dataclasses.replace(rule_settings(), timezone=street.timezone)
    earliest = db.session.scalar(select(func.min(Shop.created_at)).where(Shop.street_id == street.id))
    if earliest is None:
        return []
    last = last_completed_quarter(now, street.timezone)
    first = last
    for _ in range(limit - 1):
        first = first.prev()
    first = max(first, quarter_of(earliest, street.timezone))
    closes = {q: ballot_window(q, settings)[1] for q in quarters_between(first, last)}
    closed = [q for q, close in closes.items() if close <= as_utc(now)]
    if not closed:
        return []
    final = set(db.session.scalars(
        select(GradeRun.quarter).where(
            or_(GradeRun.street_id == street.id, GradeRun.street_id.is_(None)),
            or_(*[and_(GradeRun.quarter == str(q), GradeRun.started_at >= closes[q]) for q in closed]))
        .distinct()))
    return [q for q in closed if str(q) not in final]


# ---------------------------------------------------------------- the per-shop path

def compute_grades(street: Street, quarter: Quarter, T: datetime, settings: RuleSettings,
                   shop_ids: list[int] | None = None) -> list[ShopGrade]:
    """Grade the street's active shops (or ``shop_ids``) at T in Python, each through
    ``current_stars`` and ``grade_shop``: the live preview (SPEC G4) and the reference the
    set-based ``recompute`` is tested against. Inputs are read with grouped queries."""
    if settings.timezone != street.timezone:
        settings = dataclasses.replace(settings, timezone=street.timezone)
    tz = settings.timezone
    start, end = year_window(T, tz)
    trailing = star_rules.trailing_quarters(T, settings)
    if quarter not in trailing:  # the open quarter graded on demand: tally it too (not used for stars)
        trailing = trailing + [quarter]

    shop_q = select(Shop.id, Shop.opened_on, Shop.created_at).where(grade_batch.graded_shops(street.id, T, tz))
    if shop_ids is not None:
        shop_q = shop_q.where(Shop.id.in_(shop_ids))
    shops = {sid: (opened or local_date(created, tz)) for sid, opened, created in db.session.execute(shop_q)}
    if not shops:
        return []

    def limit(col):
        """Restrict to the chosen shops when grading a few (the register's live preview)."""
        return col.in_(shop_ids) if shop_ids is not None else true()

    supervisors = active_supervisors(street, trailing, T)

    # Ballots tallied per (quarter, shop): a range scan of ix_ballots_quarter_shop_marks.
    tallies: dict[int, list] = defaultdict(list)
    graded_tally: dict[int, star_rules.BallotTally] = {}
    parsed = {str(q): q for q in trailing}
    decisions: dict[tuple, star_rules.QuarterResult] = {}
    for q, sid, n, yl, ys, yc, yh in db.session.execute(grade_batch.ballot_tally_query(trailing, shop_ids)):
        if sid in shops:
            yes = (int(yl), int(ys), int(yc), int(yh))
            key = (q, n, yes)
            tally = None
            decided = decisions.get(key)
            if decided is None:  # the S2 rule depends only on the counts: decide each shape once
                tally = star_rules.BallotTally(sid, parsed[q], n, dict(zip(star_rules.CRITERIA, yes)))
                decided = decisions[key] = star_rules.quarter_result(tally, supervisors[parsed[q]], settings)
            tallies[sid].append(star_rules.QuarterResult(sid, decided.quarter, decided.ballots, decided.quorum,
                                                         decided.has_quorum, decided.passed))
            if decided.quarter == quarter:
                graded_tally[sid] = tally or star_rules.BallotTally(
                    sid, decided.quarter, n, dict(zip(star_rules.CRITERIA, yes)))

    violations: dict[int, list] = defaultdict(list)
    for vid, sid, sev, kind, at, desc in db.session.execute(
            select(Violation.id, Violation.shop_id, Violation.severity, Violation.kind,
                   Violation.recorded_at, Violation.description)
            .where(Violation.recorded_at >= start, Violation.recorded_at < end, limit(Violation.shop_id),
                   grade_batch.counted(Violation, end))):
        if sid in shops:
            violations[sid].append(rec.Violation(vid, at, sev, domain_violation_kind(kind), rec.summary_of(desc)))

    bad: dict[int, list] = defaultdict(list)
    for bid, sid, kind, at, desc in db.session.execute(
            select(BadRecord.id, BadRecord.shop_id, BadRecord.kind, BadRecord.recorded_at,
                   BadRecord.description)
            .where(BadRecord.recorded_at >= start, BadRecord.recorded_at < end, limit(BadRecord.shop_id),
                   grade_batch.counted(BadRecord, end))):
        kind = domain_bad_record_kind(kind)
        if sid in shops and kind is not None:
            bad[sid].append(rec.BadRecord(bid, at, kind, rec.summary_of(desc)))

    # Complaints closed with the shop at fault / refusing mediation (K5), and yellow cards (C4),
    # whose bad record was not written (yet): counted from the source row, never twice.
    no_record_c = ~select(BadRecord.id).where(BadRecord.complaint_id == Complaint.id).exists()
    for cid, sid, at, fault, refused in db.session.execute(
            select(Complaint.id, Complaint.shop_id, Complaint.closed_at, Complaint.shop_at_fault,
                   Complaint.refused_mediation)
            .where(Complaint.closed_at >= start, Complaint.closed_at < end,
                   or_(Complaint.shop_at_fault.is_(True), Complaint.refused_mediation.is_(True)),
                   limit(Complaint.shop_id), no_record_c)):
        if sid in shops:
            bad[sid].append(rec.BadRecord(f"complaint:{cid}", at, "refused_mediation" if refused else "complaint_at_fault"))
    no_record_k = ~select(BadRecord.id).where(BadRecord.card_check_id == CardCheck.id).exists()
    for kid, sid, at in db.session.execute(
            select(CardCheck.id, CardCheck.shop_id, CardCheck.checked_at)
            .where(CardCheck.checked_at >= start, CardCheck.checked_at < end,
                   CardCheck.consequence == "yellow_card", limit(CardCheck.shop_id), no_record_k)):
        if sid in shops:
            bad[sid].append(rec.BadRecord(f"card_check:{kid}", at, "yellow_card", "商品质量信誉卡未随货同行"))

    exams: dict[int, list] = defaultdict(list)
    for eid, sid, at, score in db.session.execute(
            select(ExamResult.id, ExamResult.shop_id, ExamResult.taken_at, ExamResult.score)
            .where(ExamResult.taken_at >= start, ExamResult.taken_at < end, limit(ExamResult.shop_id))):
        if sid in shops:
            exams[sid].append(rec.ExamResult(eid, at, score))

    quorum_now = star_rules.quorum(supervisors[quarter], settings)
    out = []
    for sid in sorted(shops):
        facts = star_rules.ShopFacts(shops[sid], tuple(violations[sid]), tuple(bad[sid]), tuple(exams[sid]))
        stars = star_rules.current_stars(tallies[sid], facts, T, settings)
        grade = grade_rules.grade_shop([*violations[sid], *bad[sid]], stars, T, settings)
        result = next((r for r in tallies[sid] if r.quarter == quarter), None) or star_rules.QuarterResult(
            sid, quarter, 0, quorum_now, False, frozenset())  # no ballot: the quorum it needed all the same
        out.append(ShopGrade(sid, quarter, result, graded_tally.get(sid), stars, grade))
    return out


def active_supervisors(street: Street, quarters: list[Quarter], T: datetime) -> dict[Quarter, int]:
    """Supervisors of the street (or of every street) active at each quarter's end, capped at T (S2).

    In post at e (the quarter's end E, or T when sooner): the account was created before e and was
    not disabled at the instant just before e — no DisabledPeriod with started_at < e ≤ ended_at.
    Every change stamped exactly at e (creation, disabling, re-enabling) takes effect after it
    (SPEC §3: a boundary belongs to the later period), so a supervisor disabled at E still counts
    and one re-enabled at E does not. Disabling an account later does not change a past quarter's
    count. One query whatever the number of quarters.
    """
    tz = street.timezone
    q_ends = [min(as_utc(q.end_utc(tz)), T) for q in quarters]

    def disabled_at(e):
        return select(DisabledPeriod.id).where(
            DisabledPeriod.user_id == User.id, DisabledPeriod.started_at < e,
            or_(DisabledPeriod.ended_at.is_(None), DisabledPeriod.ended_at >= e)).exists()

    row = db.session.execute(select(*[
        func.coalesce(func.sum(case((and_(User.created_at < e, ~disabled_at(e)), 1), else_=0)), 0) for e in q_ends
    ]).where(User.role == "supervisor", or_(User.street_id == street.id, User.street_id.is_(None)))).one()
    return {q: int(n) for q, n in zip(quarters, row)}


# ---------------------------------------------------------------- bulk writing

def _drop_rows_of_shops_not_in_business(street: Street, quarter: Quarter, T: datetime) -> None:
    """Delete the quarter's rows of the street's active shops that are not graded at T — opened
    after it (a row a recompute wrote before that rule, or before the opening date was corrected).
    Rows of shops closed since stay (SPEC A2). Usually deletes nothing."""
    late = list(db.session.scalars(select(Shop.id).where(
        Shop.street_id == street.id, Shop.status == "active", ~grade_batch.in_business(T, street.timezone))))
    for model in (CreditGrade, QuarterResult) if late else ():
        db.session.execute(delete(model).where(model.quarter == str(quarter), model.shop_id.in_(late)),
                           execution_options={"synchronize_session": False})


def reference_rows(graded: list[ShopGrade], quarter: Quarter, T: datetime, now: datetime) -> tuple[list, list]:
    """The QuarterResult and CreditGrade rows of ``compute_grades`` output, as plain dicts.

    The per-shop reference for the set-based write (services/grade_batch.py), compared in tests.
    """
    q = str(quarter)
    return [_result_row(g, q) for g in graded], [_grade_row(g, q, T, now) for g in graded]


def _result_row(g: ShopGrade, q: str) -> dict:
    r = g.result
    return {"shop_id": g.shop_id, "quarter": q, "ballots": r.ballots if r else 0,
            "quorum": r.quorum if r else 0, "quorum_reached": bool(r and r.has_quorum),
            "passed": [c for c in star_rules.CRITERIA if r and c in r.passed],
            **{f"yes_{c}": (g.tally.yes.get(c, 0) if g.tally else 0) for c in star_rules.CRITERIA}}


def _grade_row(g: ShopGrade, q: str, T: datetime, now: datetime) -> dict:
    return {"shop_id": g.shop_id, "quarter": q, "as_of": T, "grade": g.grade.grade,
            "stars": g.stars.stars, "criteria": [c for c in star_rules.CRITERIA if c in g.stars.earned],
            "settings_version": g.grade.settings_version, "reasons": g.reasons,
            "improves_on": g.grade.improves_on, "missing_criteria": list(g.grade.missing_criteria),
            "computed_at": now}


def _streets(street_id: int | None) -> list[Street]:
    stmt = select(Street).order_by(Street.id)
    if street_id is not None:
        stmt = stmt.where(Street.id == street_id)
    streets = list(db.session.scalars(stmt))
    if street_id is not None and not streets:
        raise ValidationError("没有这条商业街", code="no_street")
    return streets


def restore_text(grade: CreditGrade | grade_rules.GradeOutcome) -> str:
    """What would restore A, in Chinese (SPEC G3): the date records leave the window, the criteria
    still missing. A stored grade or a live one (``grade_preview(...).grade``)."""
    if grade.grade == "A":
        return Msg(N_("已是 A 级"))
    parts = []
    if grade.improves_on:
        parts.append(Msg(N_("预计 %(date)s 后可恢复 A 级"), date=grade.improves_on.isoformat()))
    if grade.missing_criteria:
        parts.append(Msg(N_("还需获得：%(criteria)s"), criteria=[
            Msg(star_rules.CRITERIA_LABELS[c]) for c in grade.missing_criteria if c in star_rules.CRITERIA_LABELS]))
    if len(parts) == 2:
        return Msg(N_("%(first)s；%(second)s"), first=parts[0], second=parts[1])
    return parts[0] if parts else Msg(N_("无"))
