"""Ballot participation per quarter and the shops flagged for review (SPEC S1–S2), paged (Y3).

A shop is flagged when, on some criterion, its yes-share is at least ``OUTLIER_GAP`` from the
street's mean yes-share for that criterion (the mean over the shops with ballots in the quarter).
The mean is exact. The tallies are kept as ballots are cast (``models.ballot_tallies``): a
street's quarter is read as its few distinct shapes (ballots, yes per criterion; one grouped
scan of the tally index), averaged as fractions and each shape decided once; the flagged shops
are then found in SQL by those shapes (``far_condition``), the page's tallies by shop id. A
50,000-shop street's quarter (250,000 ballots) was tallied per request before: 0.65–0.94 s.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction

from sqlalchemy import and_, func, or_, select

from ..domain.stars import CRITERIA, quorum
from ..domain.time import Quarter
from ..extensions import db
from ..models import QuarterResult, Shop, Street
from ..models.ballot_tallies import BallotTally, BallotVoter
from . import grade_batch, grading, paging
from .settings import rule_settings

#: A shop is flagged for review when, on some criterion, its yes-share is this far from the
#: street's mean yes-share for that criterion (shops with ballots in the quarter only).
OUTLIER_GAP = Fraction(1, 2)


@dataclass(frozen=True)
class ShopTally:
    shop: Shop
    ballots: int
    yes: dict[str, int]
    flagged: tuple[str, ...]  # criteria whose yes-share is ≥ OUTLIER_GAP from the street mean


@dataclass(frozen=True)
class Participation:
    """``graded``: the quarter has been graded, so ``quorum`` is the one stored with its results
    (QuarterResult.quorum, from the supervisors in post at grading) and ``active`` is None — today's
    head count says nothing about a past quarter. Otherwise ``active``/``quorum`` are the ones grading
    would use: the street's and city-wide supervisors in post at the quarter's end, or now if it has
    not ended (``grading.active_supervisors``, SPEC S2).

    ``shops``: one page (``page``) of the street's active shops with their tallies, by house number;
    ``flagged``: the first ``paging.PER_PAGE`` flagged shops, of ``flagged_total``."""

    quarter: Quarter
    active: int | None
    voted: int
    quorum: int
    shops: list[ShopTally]
    graded: bool = False
    ended: bool = False  # the quarter is over, so ``active`` is the count at its end
    page: paging.Page | None = None
    flagged: tuple[ShopTally, ...] = ()
    flagged_total: int = 0


def mean_shares(shapes: list[tuple[int, tuple[int, ...], int]]) -> dict[str, Fraction]:
    """Criterion → mean yes-share over shops, from (ballots n > 0, yes per criterion, shops) shapes."""
    shops = sum(k for _, _, k in shapes)
    if not shops:
        return {}
    return {c: sum(Fraction(yes[i], n) * k for n, yes, k in shapes) / shops for i, c in enumerate(CRITERIA)}


def far_criteria(n: int, yes: tuple[int, ...], means: dict[str, Fraction]) -> tuple[str, ...]:
    """The criteria where ``yes/n`` is at least ``OUTLIER_GAP`` from the mean (none when n = 0)."""
    if not n or not means:
        return ()
    return tuple(c for i, c in enumerate(CRITERIA) if abs(Fraction(yes[i], n) - means[c]) >= OUTLIER_GAP)


def outlier_criteria(shares: dict[int, dict[str, Fraction]]) -> dict[int, tuple[str, ...]]:
    """Shop id → criteria where its yes-share differs from the mean over all shops by ≥ 1/2.

    ``shares``: shop id → criterion → yes-share (only shops with ballots). Pure; exact fractions.
    """
    if not shares:
        return {}
    means = {c: sum(s[c] for s in shares.values()) / len(shares) for c in CRITERIA}
    out = {}
    for sid, s in shares.items():
        far = tuple(c for c in CRITERIA if abs(s[c] - means[c]) >= OUTLIER_GAP)
        if far:
            out[sid] = far
    return out


def _shapes(street_id: int, quarter: Quarter) -> Counter:
    """(ballots n > 0, yes per criterion) → number of the street's shops with that tally in
    ``quarter``: one grouped range scan of the kept tallies (``models.ballot_tallies``)."""
    t = BallotTally
    rows = db.session.execute(
        select(t.ballots, *(getattr(t, c) for c in CRITERIA), func.count())
        .where(t.street_id == street_id, t.quarter == str(quarter), t.ballots > 0)
        .group_by(t.ballots, *(getattr(t, c) for c in CRITERIA)))
    return Counter({(int(r[0]), tuple(int(v) for v in r[1:-1])): int(r[-1]) for r in rows})


def far_condition(far: dict[tuple[int, tuple[int, ...]], tuple[str, ...]]):
    """SQL condition on ``BallotTally``: its (ballots, yes…) shape is one of those with a far
    criterion in ``far``, or None when none is. A criterion's distance depends only on (n, its yes
    count), so the test is, per ballot count n, "some criterion's yes count is one of the far ones"."""
    per_n: dict[int, dict[str, set[int]]] = {}
    for (n, yes), criteria in far.items():
        for c in criteria:
            per_n.setdefault(n, {}).setdefault(c, set()).add(yes[CRITERIA.index(c)])
    if not per_n:
        return None
    return or_(*(and_(BallotTally.ballots == n,
                      or_(*(getattr(BallotTally, c).in_(sorted(ys)) for c, ys in sorted(by_c.items()))))
                 for n, by_c in sorted(per_n.items())))


def participation(street_id: int, quarter: Quarter | str, page: int | None = 1) -> Participation:
    """Supervisors who voted / active, ballots and yes counts per shop vs quorum (SPEC S2), outliers:
    one page of shops, and the first page of the flagged ones."""
    quarter = Quarter.parse(quarter)
    stored = db.session.scalar(
        select(func.max(QuarterResult.quorum)).join(Shop, Shop.id == QuarterResult.shop_id)
        .where(QuarterResult.quarter == str(quarter), Shop.street_id == street_id))
    street = db.session.get(Street, street_id)
    now = datetime.now(timezone.utc)
    ended = quarter.end_utc(street.timezone) <= now
    if stored is not None:
        active, need = None, stored
    else:
        active = grading.active_supervisors(street, [quarter], now)[quarter]
        need = quorum(active, rule_settings())
    q = str(quarter)
    voted = db.session.scalar(select(func.count()).select_from(BallotVoter).where(
        BallotVoter.street_id == street_id, BallotVoter.quarter == q, BallotVoter.ballots > 0)) or 0
    shapes = _shapes(street_id, quarter)
    means = mean_shares([(n, yes, k) for (n, yes), k in shapes.items()])
    far = {shape: far_criteria(*shape, means) for shape in shapes}

    def tallies_of(shops: list[Shop]) -> list[ShopTally]:
        ids = [s.id for s in shops]
        kept = {r.shop_id: r for r in db.session.scalars(
            select(BallotTally).where(BallotTally.quarter == q, BallotTally.shop_id.in_(ids)))} if ids else {}
        out = []
        for shop in shops:
            r = kept.get(shop.id)
            n, yes = (r.ballots, tuple(getattr(r, c) for c in CRITERIA)) if r else (0, (0,) * len(CRITERIA))
            out.append(ShopTally(shop, n, dict(zip(CRITERIA, yes)), far.get((n, yes), ())))
        return out

    # the ballot list: shops in business in the quarter (SPEC G1, as graded at its end)
    in_quarter = grade_batch.graded_shops(street_id, quarter.end_utc(street.timezone), street.timezone)
    shops = paging.paginate(select(Shop).where(in_quarter).order_by(Shop.house_sort, Shop.id), page, key=Shop.id)
    tallies = tallies_of(list(shops.items))

    flagged, flagged_total = (), 0
    cond = far_condition(far)
    if cond is not None:  # the street's active shops with a far tally, by house number
        found = (select(Shop).join(BallotTally, and_(BallotTally.shop_id == Shop.id, BallotTally.quarter == q))
                 .where(BallotTally.street_id == street_id, Shop.status == "active", cond))
        flagged_total = db.session.scalar(select(func.count()).select_from(found.subquery())) or 0
        flagged = tuple(tallies_of(list(db.session.scalars(
            found.order_by(Shop.house_sort, Shop.id).limit(paging.PER_PAGE)))))
    return Participation(quarter, active, voted, need, tallies, graded=stored is not None, ended=ended,
                         page=shops, flagged=flagged, flagged_total=flagged_total)
