"""Ballot participation per quarter and the shops flagged for review (SPEC S1–S2), paged (Y3).

A shop is flagged when, on some criterion, its yes-share is at least ``OUTLIER_GAP`` from the
street's mean yes-share for that criterion (the mean over the shops with ballots in the quarter).
The mean is exact: the street's ballots are tallied per shop in SQL, in one pass (each pass over
a 50,000-shop street's quarter reads 250,000 ballots: it was four passes); Python groups the
per-shop rows into their few distinct shapes (ballots, yes per criterion), averages them as
fractions and decides each shape once, so the flagged shops, their count and the page's tallies
come from that one pass.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction

from sqlalchemy import Integer, cast, func, select

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


def _street_tallies(street_id: int, quarter: Quarter) -> dict[int, tuple[str, str, int, tuple[int, ...]]]:
    """Shop id → (house_sort, status, ballots n, yes per criterion) for the street's shops with
    ballots in ``quarter``: one grouped pass over the quarter's ballots of the street."""
    rows = db.session.execute(
        select(Shop.id, Shop.house_sort, Shop.status, func.count(),
               *[func.sum(cast(getattr(Ballot, c), Integer)) for c in CRITERIA])
        .join(Ballot, Ballot.shop_id == Shop.id)
        .where(Ballot.quarter == str(quarter), Shop.street_id == street_id).group_by(Shop.id))
    return {r[0]: (r[1] or "", r[2], int(r[3]), tuple(int(v or 0) for v in r[4:])) for r in rows}


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
    per_shop = _street_tallies(street_id, quarter)
    shapes = Counter((n, yes) for _, _, n, yes in per_shop.values() if n)
    means = mean_shares([(n, yes, k) for (n, yes), k in shapes.items()])
    far = {shape: far_criteria(*shape, means) for shape in shapes}

    def tally(shop: Shop) -> ShopTally:
        _, _, n, yes = per_shop.get(shop.id, ("", "", 0, (0,) * len(CRITERIA)))
        return ShopTally(shop, n, dict(zip(CRITERIA, yes)), far.get((n, yes), ()))

    # the ballot list: shops in business in the quarter (SPEC G1, as graded at its end)
    in_quarter = grade_batch.graded_shops(street_id, quarter.end_utc(street.timezone), street.timezone)
    shops = paging.paginate(select(Shop).where(in_quarter).order_by(Shop.house_sort, Shop.id), page, key=Shop.id)
    tallies = [tally(s) for s in shops.items]

    flagged_ids = [sid for _, sid in sorted(
        (house, sid) for sid, (house, status, n, yes) in per_shop.items()
        if status == "active" and far.get((n, yes)))]
    first = flagged_ids[:paging.PER_PAGE]
    by_id = {s.id: s for s in db.session.scalars(select(Shop).where(Shop.id.in_(first)))} if first else {}
    flagged = tuple(tally(by_id[sid]) for sid in first)
    flagged_total = len(flagged_ids)
    return Participation(quarter, active, voted, need, tallies, graded=stored is not None, ended=ended,
                         page=shops, flagged=flagged, flagged_total=flagged_total)
