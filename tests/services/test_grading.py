"""Set-based recompute of stars and credit grades (SPEC S2–S3, G1–G4), worked by hand.

The street has 4 active supervisors → quorum = max(3, ⌈4/2⌉) = 3 ballots per shop-quarter.
Grading 2024Q2: T = 2024-07-01 00:00 CST = 2024-06-30 16:00 UTC; trailing quarters are
2023Q3..2024Q2; the year window is [2023-07-01 00:00 CST, 2024-07-01 00:00 CST).
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text

from creditstreet.models import AuditEntry, Ballot, BadRecord, Complaint, CreditGrade, ExamResult, GradeRun, \
    QuarterResult, Violation
from creditstreet.services import grade_batch, grading
from tests import factories

CST = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
T = datetime(2024, 7, 1, tzinfo=CST)
NOW = datetime(2024, 7, 2, 9, tzinfo=CST)
QUARTERS = ("2023Q3", "2023Q4", "2024Q1", "2024Q2")
ALL_YES = dict(lawful=True, service=True, compliance=True, honesty=True)


@pytest.fixture
def sups(db, street):
    out = [factories.make_user("supervisor", street=street, created_at=datetime(2020, 1, 1, tzinfo=UTC))
           for _ in range(4)]
    return out


def vote(db, sups, shop, marks=ALL_YES, quarters=QUARTERS, n=3):
    for q in quarters:
        for s in sups[:n]:
            db.session.add(Ballot(supervisor_id=s.id, shop_id=shop.id, quarter=q, **marks))
    db.session.flush()


def shop_with_votes(db, street, sups, marks=ALL_YES, **kw):
    shop = factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=UTC), **kw)
    vote(db, sups, shop, marks)
    return shop


def grade_of(db, shop, q="2024Q2"):
    return db.session.scalar(select(CreditGrade).where(CreditGrade.shop_id == shop.id, CreditGrade.quarter == q))


def test_clean_four_star_shop_is_a_and_three_star_shop_is_b(db, street, sups):
    a = shop_with_votes(db, street, sups)
    # honesty: 0 yes of 3 < 2/3 in every quarter → not earned; 3 stars; clean → B (G2 last line)
    b = shop_with_votes(db, street, sups, marks=dict(ALL_YES, honesty=False))
    run = grading.recompute("2024Q2", NOW, trigger="test")
    db.session.commit()
    ga, gb = grade_of(db, a), grade_of(db, b)
    assert (ga.grade, ga.stars, ga.improves_on, ga.missing_criteria) == ("A", 4, None, [])
    # no deciding records; only the register note that no exam was taken in the year (S3)
    assert [r["id"] for r in ga.reasons] == ["exam_missing"]
    assert ga.as_of == T.astimezone(UTC)
    assert (gb.grade, gb.stars, gb.missing_criteria) == ("B", 3, ["honesty"])
    assert run.shops == run.done == 2 and run.finished_at is not None
    qr = db.session.scalar(select(QuarterResult).where(QuarterResult.shop_id == a.id))
    assert (qr.ballots, qr.quorum, qr.quorum_reached, qr.yes_lawful) == (3, 3, True, 3)
    # one audit entry per run, not per shop
    assert db.session.scalar(select(text("count(*)")).select_from(AuditEntry)
                             .where(AuditEntry.action == "grades.recompute")) == 1


def test_serious_violation_gives_c_with_reason_and_restore_date(db, street, sups):
    shop = shop_with_votes(db, street, sups)
    v = Violation(shop_id=shop.id, severity="serious", kind="counterfeit", description="售假牙膏",
                  recorded_at=datetime(2024, 3, 15, 10, tzinfo=CST))
    db.session.add(v)
    db.session.flush()
    grading.recompute("2024Q2", NOW)
    g = grade_of(db, shop)
    assert g.grade == "C"
    assert [r["id"] for r in g.reasons if r["kind"] == "violation"] == [v.id]
    assert "严重" in g.reasons[0]["text"]
    # leaves the window 12 months after 2024-03-15 10:00 → 2025-03-15
    assert g.improves_on == date(2025, 3, 15)
    # the counterfeit also costs lawful and honesty: 4 − 2 = 2 stars
    assert g.stars == 2
    assert "预计 2025-03-15 后可恢复 A 级" in grading.restore_text(g)


def test_general_violation_plus_yellow_card_is_c(db, street, sups):
    shop = shop_with_votes(db, street, sups)
    db.session.add_all([
        Violation(shop_id=shop.id, severity="general", kind="other", recorded_at=datetime(2023, 9, 1, tzinfo=CST)),
        BadRecord(shop_id=shop.id, kind="yellow_card", recorded_at=datetime(2024, 5, 20, 15, tzinfo=CST)),
    ])
    db.session.flush()
    grading.recompute("2024Q2", NOW)
    g = grade_of(db, shop)
    # general + bad = 1 + 1 = 2 → C; the later record (2024-05-20) leaves on 2025-05-20
    assert (g.grade, g.improves_on) == ("C", date(2025, 5, 20))


def test_one_general_violation_is_b(db, street, sups):
    shop = shop_with_votes(db, street, sups)
    db.session.add(Violation(shop_id=shop.id, severity="general", kind="other",
                             recorded_at=datetime(2023, 7, 1, tzinfo=CST)))  # first instant of the window
    db.session.flush()
    grading.recompute("2024Q2", NOW)
    assert (grade_of(db, shop).grade, grade_of(db, shop).improves_on) == ("B", date(2024, 7, 1))


def test_record_exactly_at_t_is_not_counted(db, street, sups):
    shop = shop_with_votes(db, street, sups)
    db.session.add_all([
        Violation(shop_id=shop.id, severity="serious", kind="other", recorded_at=T),
        # a second before the window opens: not counted either
        Violation(shop_id=shop.id, severity="serious", kind="other",
                  recorded_at=datetime(2023, 6, 30, 23, 59, 59, tzinfo=CST)),
    ])
    db.session.flush()
    grading.recompute("2024Q2", NOW)
    assert grade_of(db, shop).grade == "A"


def test_complaint_at_fault_without_bad_record_and_low_exam(db, street, sups):
    shop = shop_with_votes(db, street, sups)
    db.session.add(Complaint(street_id=street.id, shop_id=shop.id, tracking_code="T1", status="closed",
                             shop_at_fault=True, closed_at=datetime(2024, 2, 1, tzinfo=CST)))
    db.session.add(ExamResult(shop_id=shop.id, taken_at=datetime(2024, 1, 10, tzinfo=CST), score=55))
    db.session.flush()
    grading.recompute("2024Q2", NOW)
    g = grade_of(db, shop)
    # 1 bad record (the complaint) → B; exam 55 < 60 loses lawful → 3 stars
    assert (g.grade, g.stars) == ("B", 3)
    assert {r["kind"] for r in g.reasons} == {"bad_record", "exam"}


def test_recompute_is_idempotent(db, street, sups):
    shops = [shop_with_votes(db, street, sups) for _ in range(3)]
    db.session.add(Violation(shop_id=shops[0].id, severity="general", kind="other",
                             recorded_at=datetime(2024, 1, 1, tzinfo=CST)))
    db.session.commit()

    def rows():
        cols = [c for c in CreditGrade.__table__.c if c.name != "id"]
        return sorted(tuple(r) for r in db.session.execute(select(*cols)).all())

    grading.recompute("2024Q2", NOW)
    db.session.commit()
    first = rows()
    grading.recompute("2024Q2", NOW)
    db.session.commit()
    assert rows() == first and len(first) == 3
    assert db.session.scalar(select(text("count(*)")).select_from(GradeRun)) == 2


def test_query_count_is_constant_in_shops(db, street, sups, app):
    def count_statements(n):
        for _ in range(n):
            s = shop_with_votes(db, street, sups)
            db.session.add(Violation(shop_id=s.id, severity="general", kind="other",
                                     recorded_at=datetime(2024, 1, 1, tzinfo=CST)))
        db.session.commit()
        seen = []

        def listener(conn, cursor, statement, *a):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            grading.recompute("2024Q2", NOW)
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    small = count_statements(5)
    large = count_statements(45)  # 50 shops now
    assert small == large
    assert large < 60  # about 25 for the data, and 3 per temporary table (drop, create, drop)


def test_ballot_query_uses_covering_index(db, street):
    stmt = grade_batch.ballot_tally_query([grading.Quarter.parse(q) for q in QUARTERS])
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(r[-1]) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "COVERING INDEX ix_ballots_quarter_shop_marks" in plan, plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}")))
        # must not walk ballots through a single-column index (e.g. on shop_id or quarter alone)
        assert "ix_ballots_quarter_shop_marks" in plan, plan


def test_preview_shows_a_new_downgrade_at_once(db, street, sups):
    shop = shop_with_votes(db, street, sups)
    grading.recompute("2024Q2", NOW)
    db.session.add(Violation(shop_id=shop.id, severity="serious", kind="other",
                             recorded_at=datetime(2024, 7, 2, 10, tzinfo=CST)))
    db.session.flush()
    live = grading.grade_preview(shop, datetime(2024, 7, 2, 11, tzinfo=CST))
    assert live.grade.grade == "C"          # live: the new serious violation counts now
    assert grade_of(db, shop).grade == "A"  # official grade waits for the next recompute
    assert [g.quarter for g in grading.shop_grade_history(shop.id)] == ["2024Q2"]


def test_future_quarter_is_refused(db, street):
    from creditstreet.domain.errors import ValidationError

    with pytest.raises(ValidationError):
        grading.recompute("2024Q4", NOW)


def test_missing_quarters_start_at_the_first_record_not_at_the_import(db, street):
    # QA round 2: shops imported today with a register backfilled from February. The first record
    # (a patrol on 2026-02-10 local) is in 2026Q1; at 2026-11-29 the last completed quarter is
    # 2026Q3; nothing is graded yet → 2026Q1, 2026Q2, 2026Q3 are missing (2025Q4 had no records).
    from creditstreet.models import Patrol

    now = datetime(2026, 11, 29, 4, 0, tzinfo=timezone.utc)
    shop = factories.make_shop(street, created_at=now)
    db.session.add(Patrol(shop_id=shop.id, patrolled_at=datetime(2026, 2, 10, 1, 0, tzinfo=timezone.utc)))
    db.session.flush()
    assert [str(q) for q in grading.missing_quarters(now, street)] == ["2026Q1", "2026Q2", "2026Q3"]


def test_a_shop_without_ballots_records_the_quorum_it_needed(db, street, sups):
    """QA D6: no ballot in the graded quarter still stores the quarter's quorum, max(3, ⌈4/2⌉) = 3, not 0."""
    shop = factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=UTC))
    grading.recompute("2024Q2", NOW)
    qr = db.session.scalar(select(QuarterResult).where(QuarterResult.shop_id == shop.id))
    assert (qr.ballots, qr.quorum, qr.quorum_reached, qr.passed) == (0, 3, False, [])


def test_disabling_a_supervisor_later_leaves_past_quarters_counts_alone(db, street):
    """S2 counts the supervisors active at each quarter's end. Eight supervisors since 2020:
    - two disabled on 2024-05-10 (inside 2024Q2): at the end of 2024Q1 (2024-04-01 00:00 CST) 8 are
      active → quorum max(3, ⌈8/2⌉) = 4; at the end of 2024Q2 6 → max(3, 3) = 3;
    - one of them enabled again on 2024-08-01: at the end of 2024Q3, 7 → max(3, ⌈3.5⌉) = 4;
    - a ninth created on 2024-09-30 12:00 CST, before 2024Q3's end: 8 at that end → 4 still.
    Recomputed in October, 2024Q1 stores quorum 4 and 2024Q2 quorum 3 (counting the accounts enabled
    now, as before, would give 7 and 7 → 4 and 4)."""
    from creditstreet.services import accounts

    sups = [factories.make_user("supervisor", street=street, created_at=datetime(2020, 1, 1, tzinfo=UTC))
            for _ in range(8)]
    shop = factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=UTC))
    accounts.set_disabled(None, sups[0], True, now=datetime(2024, 5, 10, 9, tzinfo=CST))
    accounts.set_disabled(None, sups[1], True, now=datetime(2024, 5, 10, 9, tzinfo=CST))
    accounts.set_disabled(None, sups[1], False, now=datetime(2024, 8, 1, 9, tzinfo=CST))
    factories.make_user("supervisor", street=street, created_at=datetime(2024, 9, 30, 12, tzinfo=CST))
    qs = [grading.Quarter.parse(q) for q in ("2024Q1", "2024Q2", "2024Q3")]
    counts = grading.active_supervisors(street, qs, datetime(2024, 10, 2, tzinfo=CST))
    assert [counts[q] for q in qs] == [8, 6, 8]
    for q in ("2024Q1", "2024Q2"):
        grading.recompute(q, datetime(2024, 10, 2, 9, tzinfo=CST))
    stored = dict(db.session.execute(select(QuarterResult.quarter, QuarterResult.quorum)
                                     .where(QuarterResult.shop_id == shop.id)).all())
    assert stored == {"2024Q1": 4, "2024Q2": 3}


def test_only_shops_in_business_at_t_are_graded(db, street, sups):
    """SPEC G1 grades the shops active at T = 2024-07-01 00:00 CST (2024-06-30 16:00 UTC): opened on
    or before 2024-06-30, or — with no opening date — entered before T. A row a recompute wrote before
    for a shop that opened later goes; a closed shop's row stays (A2). Both paths agree."""
    last_day = shop_with_votes(db, street, sups, opened_on=date(2024, 6, 30))
    next_day = shop_with_votes(db, street, sups, opened_on=date(2024, 7, 1))
    entered_before = factories.make_shop(street, opened_on=None,
                                         created_at=datetime(2024, 6, 30, 15, 59, 59, tzinfo=UTC))
    entered_at_t = factories.make_shop(street, opened_on=None, created_at=datetime(2024, 6, 30, 16, tzinfo=UTC))
    closed = shop_with_votes(db, street, sups, status="closed")
    for shop in (next_day, closed):  # rows an earlier recompute wrote
        db.session.add(CreditGrade(shop_id=shop.id, quarter="2024Q2", as_of=T, grade="B"))
    db.session.flush()

    run = grading.recompute("2024Q2", NOW, street_id=street.id)
    graded = set(db.session.scalars(select(CreditGrade.shop_id).where(CreditGrade.quarter == "2024Q2")))
    assert run.shops == 2
    assert graded == {last_day.id, entered_before.id, closed.id}
    assert set(db.session.scalars(select(QuarterResult.shop_id).where(QuarterResult.quarter == "2024Q2"))) \
        == {last_day.id, entered_before.id}
    reference = grading.compute_grades(street, grading.Quarter.parse("2024Q2"), T, grading.rule_settings())
    assert {g.shop_id for g in reference} == {last_day.id, entered_before.id}
    # the live preview of a shop whose opening day is still to come: none, not an error
    assert grading.grade_preview(entered_at_t, datetime(2024, 6, 30, 23, 59, tzinfo=CST)) is None
    assert grading.grade_preview(next_day, datetime(2024, 7, 1, 0, 1, tzinfo=CST)) is not None
