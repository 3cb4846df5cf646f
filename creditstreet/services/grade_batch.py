"""Set-based grading of one street: the database counts and writes, the domain decides (SPEC S2–S3, G1–G3).

``write_grades`` runs a fixed number of statements whatever the number of shops:

0. **shops** — the street's active shops in range, and whether each opened long enough before T
   (``domain.stars.opened_by``), into a small temporary table every later step drives from.
1. **tally** — ballots grouped per (quarter, shop), the four yes counts packed in one integer
   (``_tally_rows``: a range scan of the covering index ``ix_ballots_quarter_shop_marks``).
2. **S2** — each distinct tally shape (quarter, ballots, yes key) is decided once in Python
   by ``domain.stars.quarter_result``; the decisions go back into a temporary table and are added up
   per shop over the trailing quarters.
3. **citations** — every record in [T − 12 months, T) that G2 or S3 counts (violations, bad records,
   complaints at fault or refusing mediation and yellow cards not yet written as bad records), with
   its reason as JSON text: the local date (the street's UTC offsets, ``domain.time.utc_offsets``)
   then the text the record keeps (``reason_tail``, written by ``domain.records`` when the record is);
   and each shop's latest exam in the window.
4. **facts** — one row per shop: quarters at quorum and passes per criterion, opened in time, latest
   exam, counts of each class of citation — clipped to ``domain.stars.count_cap`` (the exam to
   ``exam_stand_in``), which changes no decision — kept as the one integer key they make.
5. **S3, G2** — each distinct facts shape, read back from its key, is decided once by
   ``domain.stars.decide_stars`` and ``domain.grades.grade_for_counts``; the decisions (grade, stars,
   criteria, what to cite, the notes' JSON) go back into a temporary table.
6. **write** — ``INSERT … SELECT`` of the QuarterResult and CreditGrade rows, each replacing the
   shop's row of the quarter in place when it has one (``ON CONFLICT (shop_id, quarter) DO UPDATE``).
   The reasons (G3) are the shop's citations joined into a JSON array in the database, oldest first,
   then the failed exam and the notes; "restores A" comes from a table of ``domain.time.restores_on``
   for every local date of the window.

So the rules stay in ``domain/`` (Python decides every distinct shape: a few thousand at most,
however many shops), and the per-shop work — counting, joining, writing — is set-based SQL that
runs on SQLite and PostgreSQL, each statement shaped for how that database executes it (SQLite:
WITHOUT ROWID tables read in key order, no sorts after the citations'; PostgreSQL: hashed joins of
pre-aggregated rows, sorts in memory). ``tests/services/test_grade_batch.py`` checks that the rows
equal those of the per-shop reference path (``grading.compute_grades``) on randomised streets.
Timings: docs/benchmarks.md.

Units: instants are aware UTC datetimes, stored naive UTC; dates are street-local.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (JSON, BigInteger, Boolean, Column, Date, Integer, MetaData, String, Table, and_, case, cast, func,
                        insert, literal, literal_column, or_, select, text, true, type_coerce, union_all)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from ..domain import grades as grade_rules
from ..domain import records as rec
from ..domain import stars as star_rules
from ..domain.settings import RuleSettings
from ..domain.time import Quarter, as_utc, get_zone, local_midnight, restores_on, utc_offsets, year_window
from ..extensions import db
from ..models import (Ballot, BadRecord, CardCheck, Complaint, CreditGrade, ExamResult, QuarterResult, Shop,
                      User, Violation)
from ..models.patrol import domain_bad_record_kind
from ..models.types import UTCDateTime

# --------------------------------------------------------------------------- SQL spelled per dialect


class json_object(FunctionElement):
    """A JSON object's text from alternating key / value arguments: json_object | json_build_object."""

    type = String()
    inherit_cache = True


@compiles(json_object)
def _json_object_sqlite(element, compiler, **kw):
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "postgresql")
def _json_object_pg(element, compiler, **kw):
    return f"CAST(json_build_object({compiler.process(element.clauses, **kw)}) AS TEXT)"


class ordered_text_agg(FunctionElement):
    """Texts joined with a separator, in the order of the sort keys that follow: ``value, sep, *keys``.

    SQLite 3.40 has no ORDER BY inside an aggregate: group_concat takes the rows in the order the
    plan reads them, so the caller must read them in that order (and a test checks the plan).
    """

    type = String()
    inherit_cache = True


@compiles(ordered_text_agg)
def _ordered_text_agg_sqlite(element, compiler, **kw):
    value, sep, *_ = list(element.clauses)
    return f"group_concat({compiler.process(value, **kw)}, {compiler.process(sep, **kw)})"


@compiles(ordered_text_agg, "postgresql")
def _ordered_text_agg_pg(element, compiler, **kw):
    value, sep, *keys = list(element.clauses)
    order = ", ".join(compiler.process(k, **kw) for k in keys)
    return f"string_agg({compiler.process(value, **kw)}, {compiler.process(sep, **kw)} ORDER BY {order})"


class as_json(FunctionElement):
    """A JSON value from its text (SQLite stores the text itself)."""

    type = JSON()
    inherit_cache = True


@compiles(as_json)
def _as_json_sqlite(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(as_json, "postgresql")
def _as_json_pg(element, compiler, **kw):
    return f"CAST({compiler.process(list(element.clauses)[0], **kw)} AS JSON)"


class local_day(FunctionElement):
    """The street-local date of a stored UTC instant as 'YYYY-MM-DD', given the offset in minutes."""

    type = String()
    inherit_cache = True


@compiles(local_day)
def _local_day_sqlite(element, compiler, **kw):
    at, minutes = list(element.clauses)
    return f"date({compiler.process(at, **kw)}, ({compiler.process(minutes, **kw)}) || ' minutes')"


@compiles(local_day, "postgresql")
def _local_day_pg(element, compiler, **kw):
    at, minutes = list(element.clauses)
    return (f"to_char({compiler.process(at, **kw)} + make_interval(mins => {compiler.process(minutes, **kw)}), "
            "'YYYY-MM-DD')")


def _text(value) -> ColumnElement:
    return cast(value, String)


def _const(value: str) -> ColumnElement:
    """A constant string written into the SQL (no bind parameter to type inside JSON builders)."""
    return literal_column("'" + value.replace("'", "''") + "'", String())


def _sort_key(col) -> ColumnElement:
    """Order text by code point on both databases (Python's ``str`` order)."""
    return col.collate("C") if db.engine.dialect.name == "postgresql" else col


# --------------------------------------------------------------------------- temporary tables

_tmp = MetaData()


def _temp(name: str, *cols) -> Table:
    return Table(name, _tmp, *cols, prefixes=["TEMPORARY"])


#: The shops being graded (the street's active shops in range) and whether each opened in time (S3).
SHOPS = _temp("grading_tmp_shops", Column("shop_id", Integer, primary_key=True), Column("open_ok", Integer))
#: A facts shape's integer key (``_shape_key``): 64 bits; on SQLite INTEGER, so a key column is the rowid.
SHAPE_KEY = BigInteger().with_variant(Integer(), "sqlite")
#: A shop's facts shape: what S3 and G2 decide on, each clipped (``_facts``).
SHAPE_FIELDS = ("nq", "pl", "ps", "pc", "ph", "open_ok", "exam", "violations", "honesty", "serious", "general",
                "at_fault", "refused", "yellow")
#: A tally's shape is (quarter, n, yes): ballots, and the four yes counts as one integer
#: (``_tally_rows``, mixed radix: lawful, service, compliance, honesty).
TALLY_SHAPE = ("quarter", "n", "yes")
#: Keyed (quarter, shop): the order the ballots' covering index yields the tallies, so inserting
#: appends (WITHOUT ROWID on SQLite), and a quarter's tally of a shop is found by key.
TALLY = Table("grading_tmp_tally", _tmp,
              Column("quarter", String(6), primary_key=True), Column("shop_id", Integer, primary_key=True),
              Column("n", Integer), Column("yes", SHAPE_KEY), prefixes=["TEMPORARY"], sqlite_with_rowid=False)
#: The S2 decision of each tally shape, with the yes counts it was made of.
TALLY_DECISION = Table("grading_tmp_tally_decision", _tmp,
                       Column("quarter", String(6), primary_key=True), Column("n", Integer, primary_key=True),
                       Column("yes", SHAPE_KEY, primary_key=True),
                       Column("yl", Integer), Column("ys", Integer), Column("yc", Integer), Column("yh", Integer),
                       Column("quorum", Integer), Column("has_quorum", Boolean), Column("passed", JSON),
                       Column("pl", Integer), Column("ps", Integer), Column("pc", Integer), Column("ph", Integer),
                       prefixes=["TEMPORARY"], sqlite_with_rowid=False)
#: The records a grade can cite, in reason order: PRIMARY KEY (shop, instant, id as text, family —
#: a violation before a bad record of the same id text). On SQLite a WITHOUT ROWID table is stored in
#: that order, so each shop's rows are read in order by a seek on its key prefix.
CITES = Table("grading_tmp_cites", _tmp,
              Column("shop_id", Integer, primary_key=True), Column("at", UTCDateTime, primary_key=True),
              Column("k", String(40), primary_key=True), Column("fam", Integer, primary_key=True),
              Column("cls", Integer), Column("js", String),
              prefixes=["TEMPORARY"], sqlite_with_rowid=False)
#: What a citation counts as (CITES.cls): a violation by severity, and whether its kind is one of
#: honesty (S3); a bad record by kind (S3, G2). Small integers, compared per citation by the facts.
CLASS_SERIOUS, CLASS_SERIOUS_HONESTY, CLASS_GENERAL, CLASS_GENERAL_HONESTY = 1, 2, 3, 4
CLASS_OF_BAD_RECORD = {"complaint_at_fault": 5, "refused_mediation": 6, "yellow_card": 7}
#: Each shop's latest exam in the window (S3 lawful), with its reason's JSON text if it failed.
EXAMS = _temp("grading_tmp_exams", Column("shop_id", Integer, primary_key=True), Column("score", Integer),
              Column("js", String))
#: Per shop: quarters at quorum in the trailing four, and how many of them each criterion passed.
QUORUM = _temp("grading_tmp_quorum", Column("shop_id", Integer, primary_key=True), Column("nq", Integer),
               Column("pl", Integer), Column("ps", Integer), Column("pc", Integer), Column("ph", Integer))
#: Per shop: its facts shape as one key (``_shape_key``; ``_shape_of`` reads it back) and the local
#: day of its latest citation (when the records citing it leave the window: "restores A").
FACTS = _temp("grading_tmp_facts", Column("shop_id", Integer, primary_key=True), Column("shape", SHAPE_KEY),
              Column("last_day", String(10)))
DECISION = _temp("grading_tmp_decision",
                 Column("shape", SHAPE_KEY, primary_key=True), Column("grade", String(1)),
                 Column("stars", Integer), Column("criteria", JSON), Column("missing", JSON),
                 Column("cite_records", Integer), Column("cite_exam", Integer), Column("notes", String))
#: "Restores A" (``domain.time.restores_on``) for every local day of the window: one seek by day.
RESTORES = Table("grading_tmp_restores", _tmp, Column("day", String(10), primary_key=True),
                 Column("improves_on", Date), prefixes=["TEMPORARY"], sqlite_with_rowid=False)
TEMP_TABLES = (SHOPS, TALLY, TALLY_DECISION, QUORUM, CITES, EXAMS, FACTS, DECISION, RESTORES)
#: The large tables whose primary key exists for SQLite's WITHOUT ROWID order.
CLUSTERED = (TALLY, CITES)


#: PostgreSQL's per-sort memory during a recompute (``SET LOCAL``; the server default is 4 MB).
PG_WORK_MEM = "256MB"


def create_temp_tables() -> None:
    """(Re)create the empty temporary tables on the session's connection (undone by a rollback)."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        # The joins and per-shop orderings sort ~5 citations per shop: in memory, not in temp files
        # (the default 4 MB spills from a few thousand shops on). Until the transaction ends.
        conn.execute(text(f"SET LOCAL work_mem = '{PG_WORK_MEM}'"))
    for t in TEMP_TABLES:
        conn.execute(text(f"DROP TABLE IF EXISTS {t.name}"))
        t.create(conn)
        if conn.dialect.name == "postgresql" and t in CLUSTERED:
            # Their keys order SQLite's storage; PostgreSQL hashes and sorts instead, so the index
            # would only slow the inserts. (They stay unique by construction.)
            conn.execute(text(f"ALTER TABLE {t.name} DROP CONSTRAINT {t.name}_pkey"))


def drop_temp_tables() -> None:
    conn = db.session.connection()
    for t in TEMP_TABLES:
        conn.execute(text(f"DROP TABLE IF EXISTS {t.name}"))


# --------------------------------------------------------------------------- one street


@dataclass(frozen=True)
class Written:
    """What one street's write produced: shops graded and how many of each grade."""

    shops: int
    grades: dict[str, int]


def write_grades(street_id: int | list[int], quarter: Quarter, T: datetime, now: datetime, settings: RuleSettings,
                 shop_range: tuple[int, int], supervisors: dict[Quarter, int]) -> Written:
    """Grade the street's shops graded at T (``graded_shops``) with ids in ``shop_range``; write their rows.

    ``street_id``: one street, or a list of streets graded alike (one zone, the same ``supervisors``).
    ``supervisors``: active supervisors per quarter (S2) for the trailing quarters and ``quarter``.
    The temporary tables must exist (``create_temp_tables``); they are emptied first.
    Flushes nothing through the ORM; never commits.
    """
    tz = settings.timezone
    T = as_utc(T)
    start, end = year_window(T, tz)
    trailing = star_rules.trailing_quarters(T, settings)
    if db.session.scalar(select(func.count()).select_from(FACTS)):  # a previous street's rows
        for t in TEMP_TABLES:
            db.session.execute(t.delete())
    tallied = trailing if quarter in trailing else trailing + [quarter]
    s = db.session

    # 0. the shops graded
    s.execute(insert(SHOPS).from_select(["shop_id", "open_ok"], _shops(street_id, shop_range, T, settings)))
    graded = _graded(every_shop=s.scalar(select(func.count()).select_from(SHOPS)) == s.scalar(
        select(func.count()).select_from(Shop)))

    # 1–2. tallies and their S2 decisions
    yes_radix = _yes_radix()
    s.execute(insert(TALLY).from_select(["quarter", "shop_id", "n", "yes"],
                                        _tally_rows(tallied, shop_range, yes_radix)))
    shapes = s.execute(select(*[TALLY.c[c] for c in TALLY_SHAPE]).distinct()).all()
    by_label = {str(q): q for q in tallied}
    rows = []
    for q, n, yes in shapes:
        yl, ys, yc, yh = _yes_counts(yes, yes_radix)
        tally = star_rules.BallotTally(0, by_label[q], n, dict(zip(star_rules.CRITERIA, (yl, ys, yc, yh))))
        r = star_rules.quarter_result(tally, supervisors[by_label[q]], settings)
        rows.append({"quarter": q, "n": n, "yes": yes, "yl": yl, "ys": ys, "yc": yc, "yh": yh, "quorum": r.quorum,
                     "has_quorum": r.has_quorum, "passed": [c for c in star_rules.CRITERIA if c in r.passed],
                     **{f"p{c[0]}": int(c in r.passed) for c in star_rules.CRITERIA}})
    if rows:
        s.execute(insert(TALLY_DECISION), rows)

    # 3. citations: the records, and each shop's latest exam
    s.execute(insert(CITES).from_select([c.name for c in CITES.c], _citations(start, end, settings, graded)))
    s.execute(insert(EXAMS).from_select([c.name for c in EXAMS.c], _latest_exams(start, end, settings, graded)))

    # 4. facts per active shop
    s.execute(insert(FACTS).from_select([c.name for c in FACTS.c], _facts(trailing, T, settings)))

    # 5. S3 and G2 per distinct shape
    decided = []
    counts = {"A": 0, "B": 0, "C": 0}
    missing = {}
    shape_radix = _shape_radix(len(trailing), settings)
    for key, shops in s.execute(select(FACTS.c.shape, func.count()).group_by(FACTS.c.shape)).all():
        f = _shape_of(key, shape_radix, settings)
        d = star_rules.decide_stars(star_rules.StarShape(
            f["nq"], (f["pl"], f["ps"], f["pc"], f["ph"]), bool(f["open_ok"]), f["exam"], f["violations"],
            f["honesty"], f["at_fault"], f["refused"], f["yellow"]), settings)
        grade = grade_rules.grade_for_counts(f["serious"], f["general"], f["at_fault"] + f["refused"] + f["yellow"],
                                             d.stars)
        counts[grade] += shops
        if (grade, d.stars, d.earned) not in missing:  # few distinct answers among thousands of shapes
            missing[grade, d.stars, d.earned] = list(grade_rules.missing_criteria(grade, d.stars, d.earned))
        decided.append({
            "shape": key, "grade": grade, "stars": d.stars,
            "criteria": [c for c in star_rules.CRITERIA if c in d.earned],
            "missing": missing[grade, d.stars, d.earned],
            "cite_records": int(grade_rules.cites_records(grade)),
            "cite_exam": int(d.cites_exam),
            # the register notes as JSON objects' text, comma-joined: the reasons' tail (G3)
            "notes": ",".join(json.dumps({"kind": "note", "id": n.code, "text": n.text}, ensure_ascii=False)
                              for n in d.notes)})
    if decided:
        s.execute(insert(DECISION), decided)
    zone = get_zone(tz)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    s.execute(insert(RESTORES), [{"day": (first + timedelta(days=i)).isoformat(),
                                  "improves_on": restores_on(first + timedelta(days=i))}
                                 for i in range((last - first).days + 1)])

    # 6. the rows
    q = str(quarter)
    _insert_quarter_results(q, star_rules.quorum(supervisors[quarter], settings))
    _insert_credit_grades(q, T, now, settings)
    return Written(sum(counts.values()), counts)


# --------------------------------------------------------------------------- the statements


def _yes_counts_sql():
    """The yes count of each criterion, in CRITERIA order, as aggregates over grouped ballots."""
    return [func.count().filter(col.is_(True)) for col in (Ballot.lawful, Ballot.service, Ballot.compliance,
                                                            Ballot.honesty)]


def ballot_tally_query(quarters: list[Quarter], shop_ids: list[int] | None = None):
    """Ballots grouped per (quarter, shop): (quarter, shop_id, n, yes per criterion…) (SPEC S2).

    Reads only columns of the covering index ix_ballots_quarter_shop_marks.
    """
    stmt = (select(Ballot.quarter, Ballot.shop_id, func.count(), *_yes_counts_sql())
            .where(Ballot.quarter.in_([str(q) for q in quarters]))
            .group_by(Ballot.quarter, Ballot.shop_id))
    if shop_ids is not None:
        stmt = stmt.where(Ballot.shop_id.in_(shop_ids))
    return stmt


def _yes_radix() -> int:
    """A radix above any yes count: a shop's ballots in a quarter are one per voter (UNIQUE
    (supervisor_id, shop_id, quarter)), so fewer than the accounts + 1. Four digits must fit a BIGINT
    (up to 55,000 accounts); ValueError beyond."""
    radix = db.session.scalar(select(func.count()).select_from(User)) + 1
    if radix ** 4 >= 2 ** 63:
        raise ValueError(f"{radix - 1} accounts: yes counts no longer fit one BIGINT key")
    return radix


def _tally_rows(quarters: list[Quarter], shop_range: tuple[int, int], radix: int):
    """``ballot_tally_query``'s tallies of the shops in range as (quarter, shop_id, n, yes key):
    one key instead of four counts makes the tally table narrower and its shape join shorter."""
    def pack(digits):
        key = 0
        for digit in digits:
            key = key * radix + digit
        return key

    if db.engine.dialect.name == "postgresql":
        key = pack(_yes_counts_sql())  # a sum of bigints would add up in numeric
    else:
        # SQLite keeps booleans as 0/1: one sum of each ballot's marks packed alike is the key, and
        # one aggregate per row costs less than four filtered counts
        key = func.sum(pack([type_coerce(col, Integer) for col in (
            Ballot.lawful, Ballot.service, Ballot.compliance, Ballot.honesty)]))
    return (select(Ballot.quarter, Ballot.shop_id, func.count(), key)
            .where(Ballot.quarter.in_([str(q) for q in quarters]), _in_range(Ballot.shop_id, shop_range))
            .group_by(Ballot.quarter, Ballot.shop_id))


def _yes_counts(key: int, radix: int) -> tuple[int, int, int, int]:
    """The four yes counts a ``_tally_rows`` key was made of, in CRITERIA order."""
    out = []
    for _ in range(4):
        key, digit = divmod(key, radix)
        out.append(digit)
    return tuple(reversed(out))


def _in_range(col, shop_range):
    return col.between(*shop_range)


def _shape_radix(trailing: int, settings: RuleSettings) -> dict[str, int]:
    """The radix of each SHAPE_FIELDS digit of a shape key, in key order (most significant first).

    Quarters at quorum and passes are 0..``trailing``, ``open_ok`` 0..1, the exam a code 0..2 (none,
    failed, passed), the counts 0..``count_cap`` (≤ 100 by the settings' bounds): at most
    5⁵·2·3·101⁷ ≈ 2·10¹⁸ keys < 2⁶³. Raises ValueError beyond that.
    """
    cap = star_rules.count_cap(settings)
    radix = {"nq": trailing + 1, "pl": trailing + 1, "ps": trailing + 1, "pc": trailing + 1,
             "ph": trailing + 1, "open_ok": 2, "exam": 3}
    radix = {name: radix.get(name, cap + 1) for name in SHAPE_FIELDS}
    total = 1
    for r in radix.values():
        total *= r
    if total >= 2 ** 63:
        raise ValueError(f"shape keys need {total} values, more than a BIGINT holds")
    return radix


def _shape_key(cols: dict, trailing: int, settings: RuleSettings):
    """A facts shape as one integer in SQL (mixed radix over the SHAPE_FIELDS columns ``cols``).

    Integer keys group and join faster than the fourteen columns; ``_shape_of`` reads one back.
    """
    radix, pass_mark, exam = _shape_radix(trailing, settings), settings.exam_pass_mark, cols["exam"]
    key = 0
    for name, r in radix.items():
        code = case((exam.is_(None), 0), (exam < pass_mark, 1), else_=2) if name == "exam" else cols[name]
        key = key * r + code
    return key


def _shape_of(key: int, radix: dict[str, int], settings: RuleSettings) -> dict[str, int | None]:
    """The SHAPE_FIELDS values a ``_shape_key`` key was made of (``radix`` = ``_shape_radix``); the
    exam as its stand-in (or None)."""
    out = {}
    for name, r in reversed(radix.items()):
        key, out[name] = divmod(key, r)
    pass_mark = settings.exam_pass_mark
    out["exam"] = (None, star_rules.exam_stand_in(pass_mark - 1, settings),
                   star_rules.exam_stand_in(pass_mark, settings))[out["exam"]]
    return out


def _tally_shape_of(tally, decision):
    """Join a tally to the decision of its shape."""
    return and_(*[tally.c[c] == decision.c[c] for c in TALLY_SHAPE])


def in_business(T: datetime, tz: str):
    """Whether a shop is in business at T, as a SQL condition that is never NULL (so its negation is
    safe): opened on or before ``domain.stars.in_business_by(T)`` (local date), or, with no opening
    date, entered before T."""
    return case((Shop.opened_on.is_not(None), Shop.opened_on <= star_rules.in_business_by(T, tz)),
                else_=Shop.created_at < literal(as_utc(T), UTCDateTime()))


def graded_shops(street_id: int | list[int], T: datetime, tz: str):
    """Which shops are graded at T (SPEC G1), as a SQL condition on ``shops``: the street's (or the
    listed streets') active shops ``in_business`` at T. The same for the set-based and the per-shop paths."""
    street = Shop.street_id.in_(street_id) if isinstance(street_id, (list, tuple)) else Shop.street_id == street_id
    return and_(street, Shop.status == "active", in_business(T, tz))


def _shops(street_id, shop_range, T, settings):
    """The graded shops in range (``graded_shops``), each with whether it opened long enough before T
    (S3): ``opened_on`` (local date) on or before ``opened_by(T)``, else created before the day after it."""
    cutoff = star_rules.opened_by(T, settings)
    created_cutoff = as_utc(local_midnight(cutoff + timedelta(days=1), settings.timezone))
    open_ok = case((Shop.opened_on.is_not(None), case((Shop.opened_on <= cutoff, 1), else_=0)),
                   else_=case((Shop.created_at < literal(created_cutoff, UTCDateTime()), 1), else_=0))
    return select(Shop.id, open_ok).where(graded_shops(street_id, T, settings.timezone),
                                          _in_range(Shop.id, shop_range))


def _offset_minutes(at, start: datetime, end: datetime, tz: str):
    """The street's UTC offset (minutes) at the stored instant ``at`` over [start, end)."""
    periods = utc_offsets(start, end, tz)
    if len(periods) == 1:
        return literal(periods[0][1])
    return case(*[(at < literal(p[0], UTCDateTime()), literal(prev[1]))
                  for prev, p in zip(periods, periods[1:])], else_=literal(periods[-1][1]))


def _graded(every_shop: bool):
    """A test that a record's shop is graded, for the sources read in one sequential pass.

    When ``every_shop`` in the database is graded (one street, none closed) there is nothing to test;
    otherwise a probe of the small SHOPS table per record (probing ``shops`` itself would read its
    wide rows; a range or IN test would make the planner seek the records' shop index per shop).
    """
    def test(shop_id):
        if every_shop:
            return true()
        return select(SHOPS.c.shop_id).where(SHOPS.c.shop_id == shop_id).exists()
    return test


def _window(at, start, end):
    return and_(at >= literal(start, UTCDateTime()), at < literal(end, UTCDateTime()))


def counted(model, end):
    """The records of ``model`` (Violation or BadRecord) that still count at grading instant ``end``:
    not void (an upheld objection, SPEC M4), not repaired at or before ``end`` (M5), and for a bad
    record not withdrawn by the consumer reopening its complaint (K5: the final closing decides)."""
    withdrawn = getattr(model, "withdrawn_at", None)
    return and_(model.void_at.is_(None),
                or_(model.repaired_at.is_(None), model.repaired_at > literal(end, UTCDateTime())),
                true() if withdrawn is None else withdrawn.is_(None))


def _reason(kind: str, id_, at, text_, start, end, tz):
    """A reason's JSON text ``{"kind", "id", "text"}``: the local date of ``at``, then ``text_``."""
    day = local_day(at, _offset_minutes(at, start, end, tz))
    return json_object(_const("kind"), _const(kind), _const("id"), id_, _const("text"), day + text_)


def _citations(start, end, settings, graded):
    """Every record of the graded shops in [start, end) that G2/S3 count, as CITES rows in key order.

    Each source builds its own rows — key, the counts' class and the reason (``_reason``: the local
    date, then the record's stored ``reason_tail`` or a constant text of ``domain.records``).
    Sources: violations, bad records, and the complaints closed at fault / refusing mediation (K5)
    and yellow cards (C4) whose bad record is not written (yet).
    """
    tz = settings.timezone

    def row(shop_id, at, k, fam, cls, kind, id_, text_):
        cols = (shop_id, at, k, literal(fam), cls if isinstance(cls, ColumnElement) else literal(cls),
                _reason(kind, id_, at, text_, start, end, tz))
        return select(*[col.label(c.name) for col, c in zip(cols, CITES.c)])

    # violations and bad records: their reason text after the date is stored with them, written by
    # the domain rule (models/patrol.py ``reason_tail``); honesty kinds are spelt alike in both
    v = Violation
    honesty = v.kind.in_(sorted(rec.HONESTY_KINDS))
    violations = row(
        v.shop_id, v.recorded_at, _text(v.id), 0,
        case((v.severity == "serious", case((honesty, CLASS_SERIOUS_HONESTY), else_=CLASS_SERIOUS)),
             else_=case((honesty, CLASS_GENERAL_HONESTY), else_=CLASS_GENERAL)),
        "violation", v.id, v.reason_tail,
    ).where(_window(v.recorded_at, start, end), graded(v.shop_id), counted(v, end))

    # bad records of the kinds the rules count (model kind "complaint_fault" is "complaint_at_fault")
    b = BadRecord
    b_kinds = {k: domain_bad_record_kind(k) for k in ("complaint_fault", *rec.BAD_RECORD_KINDS)}
    bad = row(
        b.shop_id, b.recorded_at, _text(b.id), 1,
        case(*[(b.kind == k, CLASS_OF_BAD_RECORD[d]) for k, d in b_kinds.items()]),
        "bad_record", b.id, b.reason_tail,
    ).where(_window(b.recorded_at, start, end), graded(b.shop_id), b.kind.in_(sorted(b_kinds)),
            counted(b, end))

    # complaints closed at fault / refusing mediation whose bad record is not written (yet) (K5);
    # read through the partial index ix_complaints_fault_closed, whose predicate this spells alike
    c = Complaint
    refused = c.refused_mediation.is_(True)
    c_id = _const("complaint:") + _text(c.id)
    complaints = row(
        c.shop_id, c.closed_at, c_id, 1,
        case((refused, CLASS_OF_BAD_RECORD["refused_mediation"]), else_=CLASS_OF_BAD_RECORD["complaint_at_fault"]),
        "bad_record", c_id,
        case((refused, _const(rec.bad_record_tail("refused_mediation"))),
             else_=_const(rec.bad_record_tail("complaint_at_fault"))),
    ).where(_window(c.closed_at, start, end), or_(c.shop_at_fault.is_(True), refused), graded(c.shop_id),
            ~select(BadRecord.id).where(BadRecord.complaint_id == c.id).exists())

    # yellow cards from card checks (C4) whose bad record is not written (yet): ix_card_checks_yellow_at
    k = CardCheck
    k_id = _const("card_check:") + _text(k.id)
    cards = row(
        k.shop_id, k.checked_at, k_id, 1, CLASS_OF_BAD_RECORD["yellow_card"], "bad_record", k_id,
        _const(rec.bad_record_tail("yellow_card", "商品质量信誉卡未随货同行")),
    ).where(_window(k.checked_at, start, end), k.consequence == "yellow_card", graded(k.shop_id),
            ~select(BadRecord.id).where(BadRecord.card_check_id == k.id).exists())

    u = union_all(violations, bad, complaints, cards).subquery()
    if db.engine.dialect.name == "postgresql":  # a heap: any order
        return select(u)
    # in primary-key order: appending to the table's B-tree beats inserting all over it
    return select(u).order_by(*[u.c[c.name] for c in list(CITES.c)[:4]])


def _latest_exams(start, end, settings, graded):
    """Each graded shop's latest exam in [start, end) — latest by (taken_at, id as text) — as EXAMS rows,
    in shop order: an exam with no later one of the same shop (a seek of ix_exam_results_shop_taken)."""
    e, later = ExamResult, ExamResult.__table__.alias("later")
    newer = select(later.c.id).where(
        later.c.shop_id == e.shop_id, _window(later.c.taken_at, start, end),
        or_(later.c.taken_at > e.taken_at,
            and_(later.c.taken_at == e.taken_at, _sort_key(_text(later.c.id)) > _sort_key(_text(e.id))))).exists()
    text_ = _const(" 法规知识考试") + _text(e.score) + _const(f"分，低于及格分{settings.exam_pass_mark}分")
    # only a failed exam is ever cited (StarDecision.cites_exam): no reason text for a pass
    reason = case((e.score < settings.exam_pass_mark,
                   _reason("exam", e.id, e.taken_at, text_, start, end, settings.timezone)), else_=None)
    return (select(e.shop_id, e.score, reason)
            .where(_window(e.taken_at, start, end), graded(e.shop_id), ~newer)
            .order_by(e.shop_id))


def _facts(trailing, T, settings):
    """One row per graded shop: its StarShape and G2 counts, clipped to ``count_cap``, and their key.

    Clipping (and the exam's stand-in score, ``exam_stand_in``) keeps the decisions exact and the
    number of distinct shapes bounded whatever the number of shops (``_shape_key``).
    """
    quarters = [str(q) for q in trailing]
    start, end = year_window(T, settings.timezone)
    t, d = TALLY, TALLY_DECISION
    db.session.execute(insert(QUORUM).from_select(
        ["shop_id", "nq", "pl", "ps", "pc", "ph"],
        select(t.c.shop_id, func.count(), func.sum(d.c.pl), func.sum(d.c.ps), func.sum(d.c.pc), func.sum(d.c.ph))
        .join(d, _tally_shape_of(t, d))
        .where(t.c.quarter.in_(quarters), d.c.has_quorum.is_(True))
        .group_by(t.c.shop_id)))
    quorum = QUORUM
    c = CITES.c
    cap = star_rules.count_cap(settings)

    def n(cond):
        return func.count().filter(cond)

    counts = {
        "violations": n(c.cls <= CLASS_GENERAL_HONESTY),
        "honesty": n(c.cls.in_([CLASS_SERIOUS_HONESTY, CLASS_GENERAL_HONESTY])),
        "serious": n(c.cls <= CLASS_SERIOUS_HONESTY),
        "general": n(c.cls.in_([CLASS_GENERAL, CLASS_GENERAL_HONESTY])),
        **{kind: n(c.cls == CLASS_OF_BAD_RECORD[d]) for kind, d in (
            ("at_fault", "complaint_at_fault"), ("refused", "refused_mediation"), ("yellow", "yellow_card"))},
    }
    last_at = func.max(c.at)
    shops = (select(SHOPS.c.shop_id).select_from(SHOPS)
             .outerjoin(quorum, quorum.c.shop_id == SHOPS.c.shop_id)
             .outerjoin(EXAMS, EXAMS.c.shop_id == SHOPS.c.shop_id))
    if db.engine.dialect.name == "postgresql":
        # The citations counted per shop first (one aggregate over one table), then joined one row
        # per shop: PostgreSQL hashes each join, so the fewer rows the cheaper.
        per_shop = select(c.shop_id, *[v.label(k) for k, v in counts.items()], last_at.label("last_at"))
        per_shop = per_shop.group_by(c.shop_id).subquery()
        shops = shops.outerjoin(per_shop, per_shop.c.shop_id == SHOPS.c.shop_id)
        counts = {k: func.coalesce(per_shop.c[k], 0) for k in counts}
        last_at = per_shop.c.last_at
    else:
        # Each shop (SHOPS in key order) seeks its citations by CITES's key prefix: grouped on that
        # scan, nothing is sorted. QUORUM and EXAMS have one row per shop.
        shops = shops.outerjoin(CITES, c.shop_id == SHOPS.c.shop_id).group_by(SHOPS.c.shop_id)
    exam = EXAMS.c.score  # the key keeps only none / failed / passed; _shape_of gives its stand-in

    cols = {
        "nq": func.coalesce(quorum.c.nq, 0), "pl": func.coalesce(quorum.c.pl, 0),
        "ps": func.coalesce(quorum.c.ps, 0), "pc": func.coalesce(quorum.c.pc, 0),
        "ph": func.coalesce(quorum.c.ph, 0), "open_ok": SHOPS.c.open_ok, "exam": exam, **counts,
    }
    inner = shops.add_columns(
        *[expr.label(name) for name, expr in cols.items()],
        local_day(last_at, _offset_minutes(last_at, start, end, settings.timezone)).label("last_day")).subquery()

    # clipped here, on the counts' labels: each count is aggregated once (written twice inside the
    # aggregate query, with a bound cap each time, SQLite would keep two counters per count)
    def clipped(count):
        return case((count > cap, cap), else_=count)

    key = _shape_key({name: clipped(inner.c[name]) if name in counts else inner.c[name] for name in SHAPE_FIELDS},
                     len(trailing), settings)
    return select(inner.c.shop_id, key, inner.c.last_day)


def _insert_quarter_results(q: str, quorum: int) -> None:
    """The graded quarter's ballot result of every shop in the facts table; a shop without a ballot
    gets zeros and the quarter's ``quorum`` it did not reach."""
    f, t, d = FACTS, TALLY, TALLY_DECISION
    stmt = (select(f.c.shop_id, literal(q), func.coalesce(d.c.n, 0), func.coalesce(d.c.quorum, quorum),
                   func.coalesce(d.c.yl, 0), func.coalesce(d.c.ys, 0), func.coalesce(d.c.yc, 0),
                   func.coalesce(d.c.yh, 0), func.coalesce(d.c.has_quorum, literal(False)),
                   func.coalesce(d.c.passed, as_json(_const("[]"))))
            .outerjoin(t, and_(t.c.shop_id == f.c.shop_id, t.c.quarter == q))
            .outerjoin(d, _tally_shape_of(t, d)))
    _replace_rows(QuarterResult.__table__, ["shop_id", "quarter", "ballots", "quorum", "yes_lawful", "yes_service",
                                            "yes_compliance", "yes_honesty", "quorum_reached", "passed"], stmt)


def _insert_credit_grades(q: str, T: datetime, now: datetime, settings: RuleSettings) -> None:
    """Every shop's CreditGrade: the decision of its shape, and as reasons (G3) its records (when the
    grade cites them, oldest first), its failed exam (when it cost the lawful star), then the notes.

    The reasons are assembled as text — the JSON objects' texts joined with commas inside [] are the
    JSON array — so both databases build them the same way.
    """
    f, d, c, e, r = FACTS, DECISION, CITES.c, EXAMS, RESTORES
    records = ordered_text_agg(c.js, _const(","), c.at, _sort_key(c.k), c.fam)
    stmt = (select(f.c.shop_id).select_from(f)
            .join(d, d.c.shape == f.c.shape)
            .outerjoin(r, r.c.day == f.c.last_day)
            .outerjoin(e, e.c.shop_id == f.c.shop_id))
    if db.engine.dialect.name == "postgresql":
        # Each shop's records joined in order first — a sort of the narrow citations alone — then
        # joined one row per shop, used where the grade cites them.
        per_shop = select(c.shop_id, records.label("records")).group_by(c.shop_id).subquery()
        stmt = stmt.outerjoin(per_shop, per_shop.c.shop_id == f.c.shop_id)
        records = case((d.c.cite_records == 1, per_shop.c.records), else_=None)
    else:
        # SQLite 3.40 has no ORDER BY inside an aggregate: each shop (FACTS in key order) seeks its
        # citations by the WITHOUT ROWID table's key, which is the reasons' order, and GROUP BY
        # follows the outer scan (a test checks the plan sorts nothing).
        stmt = (stmt.outerjoin(CITES, and_(c.shop_id == f.c.shop_id, d.c.cite_records == 1))
                .group_by(f.c.shop_id))
    exam = case((d.c.cite_exam == 1, e.c.js), else_=None)
    notes = func.nullif(d.c.notes, _const(""))
    parts = (func.coalesce(_const(",") + records, _const("")) + func.coalesce(_const(",") + exam, _const(""))
             + func.coalesce(_const(",") + notes, _const("")))
    # most grades cite records only: one copy of the long text instead of several
    reasons = as_json(case((and_(d.c.cite_exam == 0, d.c.notes == _const("")),
                            func.coalesce(_const("[") + records + _const("]"), _const("[]"))),
                           else_=_const("[") + func.substr(parts, 2) + _const("]")))
    stmt = stmt.add_columns(literal(q), literal(T, UTCDateTime()), d.c.grade, d.c.stars, d.c.criteria,
                            literal(settings.version), reasons,
                            case((d.c.cite_records == 1, r.c.improves_on), else_=None), d.c.missing,
                            literal(now, UTCDateTime()))
    _replace_rows(CreditGrade.__table__, ["shop_id", "quarter", "as_of", "grade", "stars", "criteria",
                                          "settings_version", "reasons", "improves_on", "missing_criteria",
                                          "computed_at"], stmt)


def _replace_rows(table: Table, columns: list[str], rows) -> None:
    """``INSERT … SELECT`` of one row per (shop_id, quarter) that replaces the row already there.

    A regrade (the quarter-end run, then the one after the ballot window closes) updates each row
    in place, keeping its id, instead of deleting and re-inserting it and its index entries.
    UNIQUE(shop_id, quarter) is the conflict target; a run that overlaps another waits for it on
    PostgreSQL, then writes over its rows. The ``WHERE`` is SQLite's: its parser needs one between a
    join's ON and ON CONFLICT.
    """
    make = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    stmt = make(table).from_select(columns, rows.where(true()))
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=["shop_id", "quarter"],
        set_={c: stmt.excluded[c] for c in columns if c not in ("shop_id", "quarter")}))
