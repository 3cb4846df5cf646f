"""The public notice board (公示栏, SPEC G6, W2): stars, titles, statistics — never grades, never personal data.

Pages are cheap at any street size: a board page is a count, one page of shops, and one query each
for those shops' grades' stars and annual titles (no query per shop). Street statistics are
aggregates. The views keep rendered sections per process for ``BOARD_CACHE_TTL`` seconds (``cached``).
Complaint figures follow ``services.disclosure`` (SPEC §13 P4): one definition of each figure for
the board's headline, its monthly table (which adds up to the headline) and every shop's page; rates
only from ``disclosure_min_closed`` closed complaints, so one or two disputes do not brand a shop.
"""
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select

from ..domain.ledger import house_search_token
from ..domain.text import search_key
from ..domain.time import Quarter, add_months, as_utc, local_date, year_window
from ..extensions import db
from ..models import AnnualStar, Commitment, Complaint, CreditGrade, Shop, Street

PER_PAGE = 50


@dataclass(frozen=True)
class BoardShop:
    """The public columns of a shop on the board (no principal, no phone)."""

    id: int
    name: str
    house_number: str
    industry: str


@dataclass(frozen=True)
class BoardRow:
    shop: BoardShop
    stars: int | None  # None = 待评定
    title: str | None  # "titled" | "revoked" | None
    title_year: int | None


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    total: int
    page: int
    pages: int
    q: str
    commit: str = ""
    #: Whether any shop of the street holds (or held) an annual title: without one, the board does
    #: not show a 称号 column that would be blank on every row (issue 17).
    has_titles: bool = True


def _title(status: str | None, stars: int | None) -> str | None:
    if status == "revoked":
        return "revoked"
    return "titled" if status == "confirmed" and stars == 4 else None


def board_page(street: Street, q: str = "", page: int = 1, per_page: int = PER_PAGE,
               commit: str | None = None, today=None) -> BoardPage:
    """One page of the street's active shops, searched by name (traditional/full-width tolerant, K-11).

    ``commit`` (a ``domain.promises.COMMITMENT_KINDS`` key) keeps only shops with that commitment in
    force on the local day ``today`` (SPEC §13 P1: the board's filter "支持7天无理由退货").

    Three statements whatever the street's size: the count, the page with each shop's latest
    stars and latest confirmed/revoked annual row as correlated subqueries (indexed, 50 rows), and
    whether the street has any title at all (``has_titles``).
    """
    cond = [Shop.street_id == street.id, Shop.status == "active"]
    key = search_key(q)
    house = house_search_token(q)
    if key and house:  # "103" or "103号": that house number (or a name containing it)
        cond.append(or_(Shop.house_sort.contains(house, autoescape=True),
                        Shop.search_key.contains(key, autoescape=True)))
    elif key:
        cond.append(Shop.search_key.contains(key, autoescape=True))
    if commit:
        from .commitments import in_force_condition

        cond.append(select(Commitment.id).where(Commitment.shop_id == Shop.id, Commitment.kind == commit,
                                                in_force_condition(today)).exists())
    # Shops that have not opened yet are not on the public board (issue 17).
    if today is not None:
        cond.append(or_(Shop.opened_on.is_(None), Shop.opened_on <= today))
    total = db.session.scalar(select(func.count(Shop.id)).where(*cond)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    page_q = (select(Shop.id, Shop.name, Shop.house_number, Shop.house_sort, Shop.industry).where(*cond)
              .order_by(Shop.house_sort, Shop.id).limit(per_page).offset((page - 1) * per_page).subquery())
    latest = (select(CreditGrade.stars).where(CreditGrade.shop_id == page_q.c.id)
              .order_by(CreditGrade.quarter.desc()).limit(1).correlate(page_q).scalar_subquery())
    annual = (select(AnnualStar.id).where(AnnualStar.shop_id == page_q.c.id,
                                          AnnualStar.status.in_(("confirmed", "revoked")))
              .order_by(AnnualStar.year.desc()).limit(1).correlate(page_q).scalar_subquery())
    with_annual = select(page_q, latest.label("stars"), annual.label("annual_id")).subquery()
    stmt = (select(with_annual, AnnualStar.year, AnnualStar.status, AnnualStar.stars.label("annual_stars"))
            .outerjoin(AnnualStar, AnnualStar.id == with_annual.c.annual_id)
            .order_by(with_annual.c.house_sort, with_annual.c.id))
    rows = [BoardRow(BoardShop(r.id, r.name, r.house_number, r.industry), r.stars,
                     _title(r.status, r.annual_stars), r.year if _title(r.status, r.annual_stars) else None)
            for r in db.session.execute(stmt)]
    has_titles = db.session.scalar(select(
        select(AnnualStar.id).join(Shop, Shop.id == AnnualStar.shop_id)
        .where(Shop.street_id == street.id, AnnualStar.status.in_(("confirmed", "revoked"))).exists()))
    return BoardPage(rows, total, page, pages, q, commit or "", bool(has_titles))


@dataclass
class Stats:
    """The board's statistics of the 12 months [first_day, last_day) (SPEC W2, §13 P4 definitions)."""

    months: list[tuple[str, int, int, int]] = field(default_factory=list)  # (YYYY-MM, received, agreed, fen)
    categories: list[tuple[str, int]] = field(default_factory=list)
    received: int = 0
    closed: int = 0
    mediated: int = 0
    agreed: int = 0
    recovered_fen: int = 0
    inquiries: int = 0
    star_counts: list[tuple[int | None, int]] = field(default_factory=list)  # stars → shops
    titled: int = 0
    success_rate: object = None  # Decimal percentage with one decimal, or None below the floor
    min_closed: int = 0
    first_day: object = None
    last_day: object = None


_cache: dict[tuple, tuple[float, object]] = {}
CACHE_MAX = 2000


def cached(key: tuple, make):
    """``make()``, kept per process for ``BOARD_CACHE_TTL`` seconds (default 30; 0 = off, the default when
    testing). The public board changes slowly (stars quarterly, titles yearly); a revoked title or a new
    warning shows within that time."""
    ttl = current_app.config.get("BOARD_CACHE_TTL", 0 if current_app.testing else 30)
    hit = _cache.get(key)
    if ttl and hit and hit[0] > time.monotonic():
        return hit[1]
    value = make()
    if ttl:
        if len(_cache) >= CACHE_MAX:  # searches make unbounded keys: start over rather than grow
            _cache.clear()
        _cache[key] = (time.monotonic() + ttl, value)
    return value


def street_stats(street: Street, now: datetime) -> Stats:
    """Complaint and star statistics of the last 12 months (SPEC W2)."""
    return _compute_stats(street, now)


def _compute_stats(street: Street, now: datetime) -> Stats:
    tz = street.timezone
    start, end = year_window(now, tz)
    st = Stats()
    # Every month the period touches, the first and last partly (13 rows when it starts mid-month),
    # so the monthly table adds up to the headline.
    month_keys = []
    m = local_date(start, tz).replace(day=1)
    last = local_date(now, tz).replace(day=1)
    while m <= last:
        month_keys.append(m.strftime("%Y-%m"))
        m = add_months(m, 1)
    per_month = {k: [0, 0, 0] for k in month_keys}
    from ..domain.promises import ComplaintFigures, mediation_success_rate
    from . import complaint_counts
    from .settings import rule_settings

    # The disclosure definitions (domain.complaint_counts, P4), summed from the day and month counts
    # (Y3) by month and category in one call.
    cats: Counter = Counter()
    for (month, cat), c in complaint_counts.sums([street], start, end, by=("month", "category")).items():
        f = complaint_counts.as_dict(c)
        st.received += f["counted"]
        st.closed += f["closed"]
        st.mediated += f["p_mediated"]
        st.agreed += f["agreed"]
        st.recovered_fen += f["p_recovered_fen"]
        st.inquiries += f["inquiries"]
        key = month.strftime("%Y-%m")
        if key in per_month:
            per_month[key][0] += f["counted"]
            per_month[key][1] += f["agreed"]
            per_month[key][2] += f["p_recovered_fen"]
        if f["counted"]:
            cats[cat or "其他"] += f["counted"]
    st.months = [(k, *v) for k, v in per_month.items()]
    st.categories = sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))
    st.min_closed = rule_settings().disclosure_min_closed
    st.success_rate = mediation_success_rate(
        ComplaintFigures(st.received, st.closed, st.mediated, st.agreed, 0, st.recovered_fen), st.min_closed)
    st.first_day, st.last_day = local_date(start, tz), local_date(end, tz)

    active = db.session.scalar(select(func.count(Shop.id)).where(
        Shop.street_id == street.id, Shop.status == "active")) or 0
    last_q = _latest_quarter(street.id)
    counts: dict[int | None, int] = {}
    if last_q:  # on ix_shops_street_status and the covering ix_credit_grades_shop_quarter_stars
        for stars, n in db.session.execute(
                select(CreditGrade.stars, func.count()).select_from(CreditGrade).join(Shop, Shop.id == CreditGrade.shop_id)
                .where(Shop.street_id == street.id, Shop.status == "active", CreditGrade.quarter == last_q)
                .group_by(CreditGrade.stars)):
            counts[stars] = counts.get(stars, 0) + n
    counts[None] = counts.get(None, 0) + active - sum(counts.values())
    st.star_counts = [(s, counts.get(s, 0)) for s in (4, 3, 2, 1, 0, None)]
    last_year = db.session.scalar(select(func.max(AnnualStar.year)).join(Shop, Shop.id == AnnualStar.shop_id)
                                  .where(Shop.street_id == street.id, AnnualStar.status == "confirmed"))
    if last_year:
        st.titled = db.session.scalar(select(func.count(AnnualStar.id)).join(Shop, Shop.id == AnnualStar.shop_id)
                                      .where(Shop.street_id == street.id, AnnualStar.year == last_year,
                                             AnnualStar.status == "confirmed", AnnualStar.stars == 4)) or 0
    return st


def _latest_quarter(street_id: int) -> str | None:
    """The latest quarter graded for any shop of the street: the city's latest quarters first (a
    max() on ix_credit_grades_quarter_grade), each checked for one row of the street, instead of a
    max() over every grade of the street's shops."""
    newest = select(func.max(CreditGrade.quarter)).scalar_subquery()  # one statement when the street has it
    q = db.session.scalar(select(CreditGrade.quarter).join(Shop, Shop.id == CreditGrade.shop_id)
                          .where(Shop.street_id == street_id, CreditGrade.quarter == newest).limit(1))
    if q:
        return q
    q = db.session.scalar(select(func.max(CreditGrade.quarter)))
    while q:
        if db.session.scalar(select(CreditGrade.id).join(Shop, Shop.id == CreditGrade.shop_id)
                             .where(Shop.street_id == street_id, CreditGrade.quarter == q).limit(1)) is not None:
            return q
        q = db.session.scalar(select(func.max(CreditGrade.quarter)).where(CreditGrade.quarter < q))
    return None


@dataclass(frozen=True)
class ShopPublic:
    shop: Shop
    stars: int | None
    history: list[tuple[str, int | None, bool]]  # (quarter, stars, provisional), newest first
    annual: list[AnnualStar]  # confirmed / revoked rows, newest year first
    figures: object  # services.disclosure.PublicFigures (SPEC §13 P4)
    commitments: list  # Commitment rows in force (P1)
    key_disclosure: object | None  # KeyDisclosure in force, or None


def shop_public(shop: Shop, now: datetime) -> ShopPublic:
    """What a shop's public page shows (SPEC G6): stars history, titles, fair complaint statistics."""
    # A quarter recomputed mid-quarter on demand (G1, T = now) is marked provisional: the official
    # result comes at the quarter's end.
    tz = shop.street.timezone
    history = [(q, s, as_utc(as_of) != Quarter.parse(q).end_utc(tz)) for q, s, as_of in db.session.execute(
        select(CreditGrade.quarter, CreditGrade.stars, CreditGrade.as_of).where(CreditGrade.shop_id == shop.id)
        .order_by(CreditGrade.quarter.desc()))]
    annual = list(db.session.scalars(select(AnnualStar).where(
        AnnualStar.shop_id == shop.id, AnnualStar.status.in_(("confirmed", "revoked")))
        .order_by(AnnualStar.year.desc())))
    from . import commitments, disclosure

    return ShopPublic(shop, history[0][1] if history else None, history, annual,
                      disclosure.shop_figures(shop, now), commitments.in_force(shop, now),
                      disclosure.key_disclosure(shop, now))
