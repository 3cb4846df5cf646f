"""Ballot participation per quarter and the shops flagged for review (SPEC S1–S2), paged (Y3).

A shop is flagged when, on some criterion, its yes-share is at least ``OUTLIER_GAP`` from the
street's mean yes-share for that criterion (the mean over the shops with ballots in the quarter).
The mean is exact: the street's ballots are tallied per shop in SQL and grouped into their few
distinct shapes (ballots, yes per criterion), which Python averages as fractions; the flagged shops
are then found in SQL with integers only (``|y/n − P/Q| ≥ a/b`` ⟺ ``b·|y·Q − P·n| ≥ a·n·Q``), so
a page costs a few statements whatever the street's size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction

from sqlalchemy import Integer, and_, cast, false, func, or_, select

from ..domain.stars import CRITERIA, quorum
from ..domain.time import Quarter
from ..extensions import db
from ..models import Ballot, QuarterResult, Shop, Street
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


def _tallies(street_id: int, quarter: Quarter, shop_ids=None):
    """Per-shop ballots and yes counts of the street's quarter: a subquery (shop_id, n, criteria…)."""
    cond = [Ballot.quarter == str(quarter), Shop.street_id == street_id]
    if shop_ids is not None:
        cond.append(Ballot.shop_id.in_(shop_ids))
    return (select(Ballot.shop_id, func.count().label("n"),
                   *[func.sum(cast(getattr(Ballot, c), Integer)).label(c) for c in CRITERIA])
            .join(Shop, Shop.id == Ballot.shop_id).where(*cond).group_by(Ballot.shop_id).subquery())


def _far_condition(t, means: dict[str, Fraction]):
    """SQL: the tally row ``t`` is flagged on some criterion (integers only, exact)."""
    a, b = OUTLIER_GAP.numerator, OUTLIER_GAP.denominator
    parts = [b * func.abs(t.c[c] * m.denominator - m.numerator * t.c.n) >= a * m.denominator * t.c.n
             for c, m in means.items()]
    return or_(*parts) if parts else false()


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
    voted = db.session.scalar(
        select(func.count(func.distinct(Ballot.supervisor_id))).join(Shop, Shop.id == Ballot.shop_id)
        .where(Ballot.quarter == str(quarter), Shop.street_id == street_id)) or 0
    t = _tallies(street_id, quarter)
    shapes = [(row[0], tuple(int(v or 0) for v in row[1:-1]), row[-1]) for row in db.session.execute(
        select(t.c.n, *[t.c[c] for c in CRITERIA], func.count()).group_by(t.c.n, *[t.c[c] for c in CRITERIA]))]
    means = mean_shares([s for s in shapes if s[0]])

    def tally(shop: Shop, row) -> ShopTally:
        n = row.n if row else 0
        yes = tuple(int(row._mapping[c] or 0) if row else 0 for c in CRITERIA)
        return ShopTally(shop, n, dict(zip(CRITERIA, yes)), far_criteria(n, yes, means))

    # the ballot list: shops in business in the quarter (SPEC G1, as graded at its end)
    in_quarter = grade_batch.graded_shops(street_id, quarter.end_utc(street.timezone), street.timezone)
    shops = paging.paginate(select(Shop).where(in_quarter).order_by(Shop.house_sort, Shop.id), page, key=Shop.id)
    ids = [s.id for s in shops.items]
    page_t = _tallies(street_id, quarter, ids)
    rows = {r.shop_id: r for r in db.session.execute(select(page_t))} if ids else {}
    tallies = [tally(s, rows.get(s.id)) for s in shops.items]

    far = and_(Shop.street_id == street_id, Shop.status == "active", _far_condition(t, means))
    flagged_total = db.session.scalar(select(func.count()).select_from(t).join(Shop, Shop.id == t.c.shop_id)
                                      .where(far)) or 0
    flagged = tuple(tally(shop, row) for shop, row in (
        (r[0], r) for r in db.session.execute(
            select(Shop, *t.c).join(t, t.c.shop_id == Shop.id).where(far)
            .order_by(Shop.house_sort, Shop.id).limit(paging.PER_PAGE))))
    return Participation(quarter, active, voted, need, tallies, graded=stored is not None, ended=ended,
                         page=shops, flagged=flagged, flagged_total=flagged_total)
