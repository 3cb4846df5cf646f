"""The city page (SPEC Y1): every street with its public figures, one page of streets at a time.

The figures are the disclosure's (P4, ``services.disclosure``): complaints received in the 12
months before ``now`` (not refused as outside remit), closed, mediated with agreement, money
recovered, the mediation success rate from the floor of closed complaints, plus active shops.
A few grouped statements per page on the day counts, whatever the number of streets (Y3).
"""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from ..domain import promises as rules
from ..domain.time import year_window
from ..extensions import db
from ..models import Shop, Street
from . import complaint_counts
from .disclosure import from_counts
from .settings import rule_settings

PER_PAGE = 50


@dataclass(frozen=True)
class StreetRow:
    street: Street
    shops: int
    figures: rules.ComplaintFigures
    success_rate: Decimal | None


@dataclass(frozen=True)
class CityPage:
    rows: list[StreetRow]
    page: int
    pages: int
    streets: int
    totals: rules.ComplaintFigures
    shops: int


def city_page(now: datetime, page: int = 1, per_page: int = PER_PAGE) -> CityPage:
    """One page of streets by name with their figures, and the city's totals (all streets)."""
    total = db.session.scalar(select(func.count(Street.id))) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    streets = db.session.scalars(select(Street).order_by(Street.name, Street.id)
                                 .offset((page - 1) * per_page).limit(per_page)).all()
    ids = [s.id for s in streets]
    floor = rule_settings().disclosure_min_closed
    figures = _figures_by_street(ids, now)
    shops = dict(db.session.execute(select(Shop.street_id, func.count(Shop.id))
                                    .where(Shop.street_id.in_(ids), Shop.status == "active")
                                    .group_by(Shop.street_id)).all())
    empty = rules.ComplaintFigures(0, 0, 0, 0, 0, 0, categories=())
    rows = [StreetRow(s, int(shops.get(s.id, 0)), figures.get(s.id, empty),
                      rules.mediation_success_rate(figures.get(s.id, empty), floor)) for s in streets]
    totals = _figures_by_street(None, now).get(None, empty)
    all_shops = db.session.scalar(select(func.count(Shop.id)).where(Shop.status == "active")) or 0
    return CityPage(rows, page, pages, total, totals, all_shops)


def _figures_by_street(ids: list[int] | None, now: datetime) -> dict:
    """{street_id: figures} for ``ids`` (None: one city-wide row under key None); no categories.

    Summed from the day counts (``services.complaint_counts``, Y3), each street over the 12 months
    before ``now`` in the city's zone (as before: one period for the whole page)."""
    start, end = year_window(now, "Asia/Shanghai")
    streets = db.session.scalars(select(Street).where(Street.id.in_(ids)) if ids is not None
                                 else select(Street)).all()
    sums = complaint_counts.sums(streets, start, end, by=None if ids is None else "street")
    return {k: from_counts(v) for k, v in sums.items()}
