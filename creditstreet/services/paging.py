"""Pages of a list (SPEC Y3): every list a person sees is cut into pages of ``PER_PAGE`` rows.

``paginate`` runs two statements whatever the table's size: a count, and one page with LIMIT/OFFSET.
The caller's ORDER BY must end in a unique column (usually ``id``) so pages never overlap.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    """One page: ``items`` (rows or ORM objects), ``total`` rows in the list, ``page`` (1-based),
    ``pages`` (≥ 1 even for an empty list) and ``per_page``."""

    items: list[Any]
    total: int
    page: int
    pages: int
    per_page: int = PER_PAGE

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the page's first row in the whole list (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0


def clamp(page: int | None, total: int, per_page: int = PER_PAGE) -> tuple[int, int]:
    """(page, pages): ``page`` moved into [1, pages]; a missing or bad number is page 1."""
    pages = max(1, -(-total // per_page))
    return min(max(1, page or 1), pages), pages


def paginate(stmt: Select, page: int | None, per_page: int = PER_PAGE, scalars: bool = True,
             total: int | None = None, key=None) -> Page:
    """One page of ``stmt`` (ordered by the caller): ORM objects when ``scalars``, else rows.

    ``total``: the list's length when the caller knows it cheaper than a count of ``stmt``.
    ``key``: the primary key column of the one entity ``stmt`` selects (``scalars`` only). The page's
    keys are found first by the same WHERE and ORDER BY, then its rows by key: when an index holds
    every column of the filter and the order, skipping to a far page reads that index only (both
    databases), not every skipped row (PostgreSQL sorted a street's shops for it).
    """
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page, pages = clamp(page, total, per_page)
    if key is not None and scalars:
        keys = list(db.session.scalars(stmt.with_only_columns(key).limit(per_page).offset((page - 1) * per_page)))
        found = {getattr(o, key.key): o for o in db.session.scalars(stmt.order_by(None).where(key.in_(keys)))} \
            if keys else {}
        return Page([found[k] for k in keys if k in found], total, page, pages, per_page)
    cut = stmt.limit(per_page).offset((page - 1) * per_page)
    items = list(db.session.scalars(cut) if scalars else db.session.execute(cut))
    return Page(items, total, page, pages, per_page)
