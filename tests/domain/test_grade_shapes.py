"""Table tests for the small pure helpers behind set-based grading (SPEC §3, S3, G2, G3).

Every expected value below was worked out by hand from the rule quoted with it, not
copied from running the code.

restores_on (G3 "what would restore A"): a record stamped on local date d leaves the
    one-year window on the same month/day a year later, except 29 Feb → 1 Mar (the next
    year has no 29 Feb) and 28 Feb before a leap year → 29 Feb (T = next 29 Feb looks back,
    clamped, to this 28 Feb, SPEC §3). So 2023-02-28 → 2024-02-29, but 2022-02-28 →
    2023-02-28 (2023 is not leap) and 2024-02-29 → 2025-03-01.

utc_offsets: [(start, offset)] plus one pair per transition inside [start, end).
    New York 2023/24: DST ends Sun 2023-11-05 02:00 EDT (−4) = 06:00Z → −300; starts
    Sun 2024-03-10 02:00 EST (−5) = 07:00Z → −240.
    Lord Howe: standard +10:30 (630), DST +11 (660). DST starts on the first Sunday of
    October at 02:00 local standard time: 2023-10-01 (a Sunday) 02:00+10:30 =
    2023-09-30 15:30Z. It ends on the first Sunday of April at 02:00 local DST time:
    2024-04-07 (a Sunday) 02:00+11:00 = 2024-04-06 15:00Z.
    The window [2023-06-30 16:00Z, 2024-06-30 16:00Z) is 2023-07-01..2024-07-01 in Shanghai.

summary_of: CR LF, CR, LF, TAB → " "; strip only " " at both ends; if longer than `limit`
    characters keep the first limit − 1 and append "…" (so the result is `limit` long).
    "  售假 \\n牙膏\\t " → "  售假  牙膏  " → "售假  牙膏".

count_cap = max(2, service_fault_complaints); exam_stand_in: None → None, score < pass
    mark → pass mark − 1, else pass mark. Property: clipping every record count to the
    cap and replacing the latest exam by its stand-in changes neither decide_stars nor
    grade_for_counts (G2: C if serious ≥ 1 or general + bad ≥ 2; B if general + bad = 1;
    A at 4 stars; else B), where bad = at_fault + refused + yellow (each clipped first).

opened_by(T): T − 3 calendar months on the local clock, clamped, as a local date; a shop
    opened on d (local midnight) is open long enough iff midnight(d) ≤ T − 3 months.
    2024-04-01 00:00 → 2024-01-01 00:00 → 2024-01-01.
    2024-05-31 10:00 → 2024-02-31 clamped to 2024-02-29 10:00 → 2024-02-29.
    2024-07-01 00:00 → 2024-04-01 00:00 → 2024-04-01.

decide_stars (S3): a criterion is earned when it passed in ≥ 3/4 of the quorum quarters and
    ≥ 2 quarters reached quorum (3 of 4 passes, 2 of 4 fails: 2/4 < 3/4; 2 of 3 fails:
    2/3 < 3/4; 1 of 2 fails). Lost: lawful — any violation or latest exam < 60; service —
    any refused mediation or ≥ 2 complaints at fault; compliance — any yellow card;
    honesty — any honesty-kind violation. < 2 quorum quarters or open < 3 months → None.
"""

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from creditstreet.domain.grades import grade_for_counts
from creditstreet.domain.errors import ValidationError
from creditstreet.domain.records import bad_record_tail, summary_of, violation_tail
from creditstreet.domain.settings import RuleSettings
from creditstreet.domain.stars import (
    CRITERIA, StarShape, count_cap, decide_stars, exam_stand_in, is_open_long_enough, opened_by,
)
from creditstreet.domain.time import leaves_window_at, local_date, restores_on, utc_offsets

UTC = timezone.utc
CST = timezone(timedelta(hours=8))
DEFAULT = RuleSettings()
STRICT = RuleSettings(service_fault_complaints=4, exam_pass_mark=70)
ALL = frozenset(CRITERIA)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------- 1. restores_on

@pytest.mark.parametrize("day, expected", [
    (date(2023, 5, 10), date(2024, 5, 10)),    # ordinary day: same month/day next year
    (date(2023, 2, 28), date(2024, 2, 29)),    # 28 Feb before a leap year → 29 Feb
    (date(2022, 2, 28), date(2023, 2, 28)),    # 28 Feb, next year not leap → 28 Feb
    (date(2024, 2, 28), date(2025, 2, 28)),    # 28 Feb in a leap year, next year not leap
    (date(2027, 2, 28), date(2028, 2, 29)),    # another 28 Feb before a leap year
    (date(2024, 2, 29), date(2025, 3, 1)),     # 29 Feb → 1 Mar next year
    (date(2023, 12, 31), date(2024, 12, 31)),  # year end
    (date(2024, 3, 1), date(2025, 3, 1)),      # day after 29 Feb
    (date(2023, 3, 1), date(2024, 3, 1)),      # 1 Mar before a leap year stays 1 Mar
    (date(2024, 1, 31), date(2025, 1, 31)),
])
def test_restores_on(day, expected):
    assert restores_on(day) == expected


@pytest.mark.parametrize("at, local, restores", [
    (datetime(2023, 2, 28, 10, 0, tzinfo=CST), date(2023, 2, 28), date(2024, 2, 29)),
    (datetime(2024, 2, 29, 23, 30, tzinfo=CST), date(2024, 2, 29), date(2025, 3, 1)),
    (datetime(2023, 5, 10, 0, 0, tzinfo=CST), date(2023, 5, 10), date(2024, 5, 10)),
    (utc(2023, 2, 28, 16, 30), date(2023, 3, 1), date(2024, 3, 1)),   # 00:30 local on 1 Mar
    (utc(2023, 2, 28, 15, 59, 59), date(2023, 2, 28), date(2024, 2, 29)),  # 23:59:59 local
    (utc(2024, 2, 28, 16, 0), date(2024, 2, 29), date(2025, 3, 1)),   # 00:00 local on 29 Feb
    (datetime(2022, 2, 28, 12, 0, tzinfo=CST), date(2022, 2, 28), date(2023, 2, 28)),
    (datetime(2023, 12, 31, 23, 59, 59, tzinfo=CST), date(2023, 12, 31), date(2024, 12, 31)),
])
def test_restores_on_matches_leaves_window_at(at, local, restores):
    tz = "Asia/Shanghai"
    assert local_date(at, tz) == local
    assert restores_on(local) == restores
    assert local_date(leaves_window_at(at, tz), tz) == restores
    assert restores_on(local_date(at, tz)) == local_date(leaves_window_at(at, tz), tz)


# ---------------------------------------------------------------- 2. utc_offsets

WIN_START, WIN_END = utc(2023, 6, 30, 16), utc(2024, 6, 30, 16)   # 2023-07-01..2024-07-01 in Shanghai


@pytest.mark.parametrize("tz, start, end, expected", [
    ("Asia/Shanghai", datetime(2023, 7, 1, tzinfo=CST), datetime(2024, 7, 1, tzinfo=CST),
     [(WIN_START, 480)]),
    ("America/New_York", WIN_START, WIN_END,
     [(WIN_START, -240), (utc(2023, 11, 5, 6), -300), (utc(2024, 3, 10, 7), -240)]),
    ("Australia/Lord_Howe", WIN_START, WIN_END,
     [(WIN_START, 630), (utc(2023, 9, 30, 15, 30), 660), (utc(2024, 4, 6, 15), 630)]),
    # a window ending exactly at a transition does not include it ...
    ("America/New_York", WIN_START, utc(2023, 11, 5, 6), [(WIN_START, -240)]),
    ("Australia/Lord_Howe", WIN_START, utc(2023, 9, 30, 15, 30), [(WIN_START, 630)]),
    # ... one ending a second later does
    ("America/New_York", WIN_START, utc(2023, 11, 5, 6, 0, 1),
     [(WIN_START, -240), (utc(2023, 11, 5, 6), -300)]),
    # a window starting at a transition reports the new offset at its start only
    ("America/New_York", utc(2023, 11, 5, 6), utc(2024, 3, 10, 7), [(utc(2023, 11, 5, 6), -300)]),
    ("Australia/Lord_Howe", utc(2024, 4, 6, 15), WIN_END, [(utc(2024, 4, 6, 15), 630)]),
    # one second before a transition: start offset, then the transition
    ("Australia/Lord_Howe", utc(2024, 4, 6, 14, 59, 59), WIN_END,
     [(utc(2024, 4, 6, 14, 59, 59), 660), (utc(2024, 4, 6, 15), 630)]),
])
def test_utc_offsets(tz, start, end, expected):
    got = utc_offsets(start, end, tz)
    assert got == expected
    for at, minutes in got:
        assert at.tzinfo is not None and at.utcoffset() == timedelta(0)
        assert isinstance(minutes, int)


# ---------------------------------------------------------------- 3. summary_of

@pytest.mark.parametrize("text, limit, expected", [
    (None, 40, ""),
    ("", 40, ""),
    ("   ", 40, ""),
    ("  售假 \n牙膏\t ", 40, "售假  牙膏"),
    ("a\r\nb", 40, "a b"),                         # CR LF (a browser's line break) is one space
    ("a\r\r\nb", 40, "a  b"),                      # a lone CR, then CR LF: two breaks, two spaces
    ("a\n\rb", 40, "a  b"),                         # LF then CR is not CR LF: two spaces
    ("\t售假\n", 40, "售假"),                       # outer TAB/LF become spaces, then stripped
    ("\u3000售假\u3000", 40, "\u3000售假\u3000"),   # only " " is stripped, not the ideographic space
    ("a" * 40, 40, "a" * 40),                      # exactly the limit: unchanged
    ("a" * 41, 40, "a" * 39 + "…"),                # one over: 39 + "…"
    ("售" * 40, 40, "售" * 40),                     # CJK counted as one character each
    ("售" * 41, 40, "售" * 39 + "…"),
    ("   " + "a" * 40 + " \n", 40, "a" * 40),      # stripped before measuring
    ("a" * 38 + " " + "b" * 5, 40, "a" * 38 + " …"),  # cut text is not re-stripped
    ("abcdef", 5, "abcd…"),
    ("abcde", 5, "abcde"),
])
def test_summary_of(text, limit, expected):
    assert summary_of(text, limit) == expected
    assert len(summary_of(text, limit)) <= limit


def test_summary_of_default_limit_is_40():
    assert summary_of("x" * 41) == "x" * 39 + "…"
    assert summary_of("x" * 40) == "x" * 40


@pytest.mark.parametrize("severity, kind, summary, expected", [
    ("general", "false_advertising", "夸大功效", " 一般违法违章：虚假宣传（夸大功效）"),
    ("serious", "counterfeit", "", " 严重违法违章：假冒伪劣商品"),    # no summary, no brackets
    ("general", "unlicensed", "x", " 一般违法违章：主体资格不合格或未亮证经营（x）"),
])
def test_violation_tail(severity, kind, summary, expected):
    """The text after a violation reason's date (G3), as stored with the record."""
    assert violation_tail(severity, kind, summary) == expected


@pytest.mark.parametrize("kind, summary, expected", [
    ("yellow_card", "商品质量信誉卡未随货同行", " 不良记录：黄牌警告（商品质量信誉卡未随货同行）"),
    ("refused_mediation", "", " 不良记录：拒绝调解"),
])
def test_bad_record_tail(kind, summary, expected):
    assert bad_record_tail(kind, summary) == expected


@pytest.mark.parametrize("call", [lambda: violation_tail("minor", "other"), lambda: violation_tail("general", "x"),
                                  lambda: bad_record_tail("no_licence")])
def test_tails_refuse_unknown_kinds_in_chinese(call):
    with pytest.raises(ValidationError, match="无效"):
        call()


# ---------------------------------------------------------------- 4. count_cap / exam_stand_in

@pytest.mark.parametrize("settings, cap", [
    (DEFAULT, 2),
    (RuleSettings(service_fault_complaints=1), 2),
    (RuleSettings(service_fault_complaints=3), 3),
    (STRICT, 4),
])
def test_count_cap(settings, cap):
    assert count_cap(settings) == cap


@pytest.mark.parametrize("settings, score, stand_in", [
    (DEFAULT, None, None),
    (DEFAULT, 0, 59),
    (DEFAULT, 59, 59),
    (DEFAULT, 60, 60),
    (DEFAULT, 61, 60),
    (DEFAULT, 100, 60),
    (STRICT, None, None),
    (STRICT, 60, 69),
    (STRICT, 69, 69),
    (STRICT, 70, 70),
    (STRICT, 95, 70),
])
def test_exam_stand_in(settings, score, stand_in):
    assert exam_stand_in(score, settings) == stand_in


COUNTS = (0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 9)   # weighted towards the thresholds


def _random_case(rng: random.Random, settings: RuleSettings):
    quorum_quarters = rng.randint(0, 4)
    serious, general = rng.choice(COUNTS), rng.choice(COUNTS)
    violations = serious + general
    pm = settings.exam_pass_mark
    shape = StarShape(
        quorum_quarters=quorum_quarters,
        passes=tuple(rng.randint(0, quorum_quarters) for _ in CRITERIA),
        open_long_enough=rng.random() < 0.85,
        latest_exam=rng.choice([None, 0, pm - 1, pm, pm + 1, 100, rng.randint(0, 100)]),
        violations=violations,
        honesty_violations=rng.randint(0, violations),
        at_fault=rng.choice(COUNTS),
        refused=rng.choice(COUNTS),
        yellow=rng.choice(COUNTS),
    )
    return shape, serious, general


@pytest.mark.parametrize("settings", [DEFAULT, STRICT], ids=["default", "fault4_pass70"])
@pytest.mark.parametrize("seed", [1, 2024])
def test_clipping_counts_changes_no_decision(settings, seed):
    rng = random.Random(seed)
    cap = count_cap(settings)
    clip = lambda n: min(n, cap)  # noqa: E731
    clipped_something = 0
    for _ in range(2000):
        shape, serious, general = _random_case(rng, settings)
        small = StarShape(
            quorum_quarters=shape.quorum_quarters,
            passes=shape.passes,
            open_long_enough=shape.open_long_enough,
            latest_exam=exam_stand_in(shape.latest_exam, settings),
            violations=clip(shape.violations),
            honesty_violations=clip(shape.honesty_violations),
            at_fault=clip(shape.at_fault),
            refused=clip(shape.refused),
            yellow=clip(shape.yellow),
        )
        clipped_something += small != shape
        full = decide_stars(shape, settings)
        cut = decide_stars(small, settings)
        assert cut == full, (shape, small)
        bad = shape.at_fault + shape.refused + shape.yellow
        bad_cut = clip(shape.at_fault) + clip(shape.refused) + clip(shape.yellow)
        assert (grade_for_counts(clip(serious), clip(general), bad_cut, cut.stars)
                == grade_for_counts(serious, general, bad, full.stars)), (shape, serious, general)
    assert clipped_something > 1000  # the generator really exercises the clipping


# ---------------------------------------------------------------- 5. opened_by

@pytest.mark.parametrize("T, expected", [
    (datetime(2024, 4, 1, 0, 0, tzinfo=CST), date(2024, 1, 1)),
    (datetime(2024, 5, 31, 10, 0, tzinfo=CST), date(2024, 2, 29)),   # 2024-02-31 clamped
    (datetime(2024, 7, 1, 0, 0, tzinfo=CST), date(2024, 4, 1)),
    (utc(2024, 3, 31, 16, 0), date(2024, 1, 1)),                     # same instant as the first row
    (datetime(2023, 5, 31, 10, 0, tzinfo=CST), date(2023, 2, 28)),   # non-leap clamp
])
def test_opened_by(T, expected):
    assert opened_by(T, DEFAULT) == expected
    for k in range(-3, 4):
        d = expected + timedelta(days=k)
        assert is_open_long_enough(d, T, DEFAULT) is (d <= expected), d
        assert is_open_long_enough(d, T, DEFAULT) is (d <= opened_by(T, DEFAULT)), d


# ---------------------------------------------------------------- 6. decide_stars

def shape(**kw) -> StarShape:
    base = dict(quorum_quarters=4, passes=(4, 4, 4, 4), open_long_enough=True, latest_exam=80,
                violations=0, honesty_violations=0, at_fault=0, refused=0, yellow=0)
    base.update(kw)
    return StarShape(**base)


L, S, C, H = CRITERIA  # lawful, service, compliance, honesty


@pytest.mark.parametrize("settings, sh, stars, passed, lost, exam_failed, note_codes", [
    # all four passed, clean → 4
    (DEFAULT, shape(), 4, ALL, set(), False, set()),
    # any violation → lawful lost
    (DEFAULT, shape(violations=1), 3, ALL, {L}, False, set()),
    # exam 59 < 60 → lawful lost; 60 is a pass
    (DEFAULT, shape(latest_exam=59), 3, ALL, {L}, True, set()),
    (DEFAULT, shape(latest_exam=60), 4, ALL, set(), False, set()),
    # service: 1 at fault kept, 2 lost; any refusal lost
    (DEFAULT, shape(at_fault=1), 4, ALL, set(), False, set()),
    (DEFAULT, shape(at_fault=2), 3, ALL, {S}, False, set()),
    (DEFAULT, shape(refused=1), 3, ALL, {S}, False, set()),
    # compliance: any yellow card
    (DEFAULT, shape(yellow=1), 3, ALL, {C}, False, set()),
    # an honesty-kind violation is also a violation → lawful and honesty lost
    (DEFAULT, shape(violations=1, honesty_violations=1), 2, ALL, {L, H}, False, set()),
    # everything lost → 0 stars (rated, not None)
    (DEFAULT, shape(violations=1, honesty_violations=1, refused=1, yellow=1), 0, ALL, ALL, False, set()),
    # not yet rated
    (DEFAULT, shape(quorum_quarters=1, passes=(1, 1, 1, 1)), None, frozenset(), set(), False,
     {"not_rated_quorum"}),
    (DEFAULT, shape(quorum_quarters=0, passes=(0, 0, 0, 0)), None, frozenset(), set(), False,
     {"not_rated_quorum"}),
    (DEFAULT, shape(open_long_enough=False), None, ALL, set(), False, {"not_rated_new_shop"}),
    (DEFAULT, shape(quorum_quarters=1, passes=(1, 1, 1, 1), open_long_enough=False, latest_exam=None),
     None, frozenset(), set(), False, {"not_rated_quorum", "not_rated_new_shop", "exam_missing"}),
    # no exam in the year: criterion kept, register notes it
    (DEFAULT, shape(latest_exam=None), 4, ALL, set(), False, {"exam_missing"}),
    # share of quorum quarters: 2/4, 2/3, 1/2 < 3/4 fail; 3/4, 3/3, 2/2 pass
    (DEFAULT, shape(passes=(3, 3, 3, 2)), 3, {L, S, C}, set(), False, set()),
    (DEFAULT, shape(quorum_quarters=3, passes=(3, 3, 3, 2)), 3, {L, S, C}, set(), False, set()),
    (DEFAULT, shape(quorum_quarters=2, passes=(2, 2, 2, 1)), 3, {L, S, C}, set(), False, set()),
    (DEFAULT, shape(passes=(0, 1, 2, 3)), 1, {H}, set(), False, set()),
    # a loss only counts against a criterion that was passed
    (DEFAULT, shape(passes=(3, 3, 3, 2), violations=1, honesty_violations=1), 2, {L, S, C}, {L},
     False, set()),
    # settings: 4 complaints at fault needed, pass mark 70
    (STRICT, shape(at_fault=3), 4, ALL, set(), False, set()),
    (STRICT, shape(at_fault=4), 3, ALL, {S}, False, set()),
    (STRICT, shape(latest_exam=69), 3, ALL, {L}, True, set()),
    (STRICT, shape(latest_exam=70), 4, ALL, set(), False, set()),
])
def test_decide_stars(settings, sh, stars, passed, lost, exam_failed, note_codes):
    d = decide_stars(sh, settings)
    assert d.stars == stars
    assert d.passed == frozenset(passed)
    assert d.lost == frozenset(lost)
    assert d.exam_failed is exam_failed
    assert {n.code for n in d.notes} == note_codes
    if stars is None:
        assert d.earned == frozenset()
    else:
        assert d.earned == frozenset(passed) - frozenset(lost)
        assert len(d.earned) == stars
