"""Shops of a street: import from the office ledger, create, edit, close (SPEC glossary, A1, A2).

Every function takes the acting user explicitly, flushes and never commits; the caller commits
(or rolls back). Every created or changed shop gets an audit entry with before/after (SPEC A1).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from ..domain.i18n import Msg, N_
from ..domain.errors import ValidationError
from ..domain.ledger import LedgerRow, Rejected, doubtful, parse
from ..domain.text import clean_text, normalize_phone, normalize_uscc, search_key
from ..domain.time import local_date
from ..extensions import db
from ..models import OWNERSHIPS, Shop, Street, User
from ..models.types import utcnow
from . import audit
from .ledger_io import read_rows

__all__ = ["ImportReport", "import_ledger", "create_shop", "update_shop", "close_shop", "reopen_shop",
           "find_shops", "get_or_create_street", "LEDGER_FIELDS", "OWNERSHIP_LABELS"]

# Fields the ledger owns: compared on re-import; a difference in any of them is an update.
LEDGER_FIELDS = ("name", "search_key", "ownership", "industry", "house_number", "principal", "phone",
                 "opened_on", "licence_expires_on", "licence_no_expiry", "note")
OWNERSHIP_LABELS = {"state": N_("国有"), "collective": N_("集体"), "private": N_("私营企业"), "individual": N_("个体工商户")}
# Column widths of the shops table, checked here so PostgreSQL never truncates or fails a row.
MAX_CHARS = {"name": ("商户名称", 120), "industry": ("行业", 40), "house_number": ("门牌号", 40),
             "principal": ("负责人", 60)}

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    # Imported, but to be checked (not yet open, licence expired): Chinese, naming the row.
    warnings: list[str] = field(default_factory=list)
    # (sheet_row, first_sheet_row, uscc): merged into the shop of the first row
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def duplicate_messages(self) -> list[str]:
        return [f"第{row}行与第{first}行为同一统一社会信用代码，已合并" for row, first, _ in self.duplicates]

    def lines(self) -> list[str]:
        """The report in Chinese, one line each, as the CLI prints it and the upload page shows it."""
        head = "试导入（未写入数据库）" if self.dry_run else "导入完成"
        out = [
            f"{head}：读取数据行 {self.rows_read} 行，新增商户 {self.created} 户，更新 {self.updated} 户，"
            f"无变化 {self.unchanged} 户，拒绝 {len(self.rejected)} 行，合并重复 {len(self.duplicates)} 行，"
            f"需核对 {len(self.warnings)} 行。"
        ]
        out += [f"拒绝 {r.reason_zh}" for r in self.rejected]
        out += [f"提示 {w}" for w in self.warnings]
        out += self.duplicate_messages
        return out


def _ledger_values(row: LedgerRow, existing: Shop | None) -> dict:
    ownership = row.ownership
    if ownership is None:
        # A blank 经济性质: keep what we have; a new shop is read from its code (92… = 个体工商户).
        ownership = existing.ownership if existing else ("individual" if row.uscc.startswith("92") else "private")
    return {
        "name": row.name, "search_key": search_key(row.name), "ownership": ownership,
        "industry": row.industry, "house_number": row.house_number, "principal": row.principal,
        "phone": row.phone or "", "opened_on": row.opened_on, "licence_expires_on": row.licence_expires_on,
        "licence_no_expiry": row.licence_no_expiry, "note": row.note,
    }


def _too_long(row: LedgerRow) -> str | None:
    problems = [f"{label}超过{limit}字" for name, (label, limit) in MAX_CHARS.items()
                if len(getattr(row, name)) > limit]
    return f"第{row.sheet_row}行：" + "；".join(problems) if problems else None


def import_ledger(actor: User | None, street: Street, rows_or_path, dry_run: bool = False,
                  progress: Progress | None = None) -> ImportReport:
    """Upsert the ledger's shops into ``street`` by (street, uscc) (SPEC glossary: Shop, uscc).

    ``rows_or_path``: a path to an .xlsx/.csv, or rows ``(sheet_row, cells)`` as
    ``ledger_io.read_rows`` yields them. Valid rows all go into the session (one transaction,
    the caller commits); rejected rows are reported with their sheet row and a Chinese reason; a
    repeated code is merged into its first row. Importing the same file again changes nothing.
    ``dry_run``: compute the same report and write nothing. ``progress(n_rows_read)`` is called
    every 500 rows while reading a file. Raises ValidationError on an unreadable
    file or a sheet without a header row.
    """
    if isinstance(rows_or_path, (str, os.PathLike)):
        rows: Iterable[tuple[int, Sequence[object]]] = read_rows(rows_or_path, progress=progress)
    else:
        rows = rows_or_path
    parsed = parse(rows)
    report = ImportReport(rejected=list(parsed.rejected), duplicates=list(parsed.duplicates), dry_run=dry_run)
    report.rows_read = len(parsed.rows) + len(parsed.rejected) + len(parsed.duplicates)

    existing = {s.uscc: s for s in db.session.scalars(select(Shop).where(Shop.street_id == street.id))}
    today = local_date(utcnow(), street.timezone)
    for row in parsed.rows:
        reason, warnings = doubtful(row, today)
        reason = reason or _too_long(row)
        if reason:
            report.rejected.append(Rejected(row.sheet_row, reason))
            continue
        report.warnings += warnings
        shop = existing.get(row.uscc)
        values = _ledger_values(row, shop)
        if shop is None:
            report.created += 1
            if not dry_run:
                shop = Shop(street_id=street.id, uscc=row.uscc, status="active", **values)
                db.session.add(shop)
                db.session.flush()
                audit.record(actor, "shop.import_create", "shop", shop.id, None, audit.snapshot(shop))
            continue
        changed = {k: v for k, v in values.items() if getattr(shop, k) != v}
        if not changed:
            report.unchanged += 1
            continue
        report.updated += 1
        if not dry_run:
            before = audit.snapshot(shop, tuple(changed))
            for key, value in changed.items():
                setattr(shop, key, value)
            db.session.flush()
            audit.record(actor, "shop.import_update", "shop", shop.id, before, audit.snapshot(shop, tuple(changed)))
    report.rejected.sort(key=lambda r: r.sheet_row)
    if not dry_run:
        db.session.flush()
    return report


def get_or_create_street(actor: User | None, name: str, **kw) -> tuple[Street, bool]:
    """The street called ``name``, created (and audited) when missing; returns (street, created)."""
    name = clean_text(name)
    if not name:
        raise ValidationError("商业街名称不能为空", code="street_name_required")
    street = db.session.scalar(select(Street).where(Street.name == name))
    if street is not None:
        return street, False
    street = Street(name=name, **kw)
    db.session.add(street)
    db.session.flush()
    audit.record(actor, "street.create", "street", street.id, None, audit.snapshot(street))
    return street, True


def _clean_fields(data: dict) -> dict:
    """Normalise and check admin-entered shop fields; raise ValidationError in Chinese."""
    out: dict = {}
    if "name" in data:
        name = clean_text(data["name"])
        if not name:
            raise ValidationError("商户名称不能为空", code="shop_name_required")
        out["name"], out["search_key"] = name, search_key(name)
    if "ownership" in data:
        if data["ownership"] not in OWNERSHIPS:
            raise ValidationError("经济性质应为国有、集体、私营企业或个体工商户", code="shop_ownership")
        out["ownership"] = data["ownership"]
    for key in ("industry", "house_number", "principal", "note"):
        if key in data:
            out[key] = clean_text(data[key]) if key != "note" else (data[key] or "").strip()
    for key, (label, limit) in MAX_CHARS.items():
        if len(out.get(key, "")) > limit:
            raise ValidationError(Msg(N_("%(label)s不能超过%(limit)s字"),
                                      label=Msg(label), limit=limit), code="shop_field_too_long")
    if "phone" in data:
        out["phone"] = normalize_phone(data["phone"]) if clean_text(data["phone"]) else ""
    for key in ("opened_on", "licence_expires_on"):
        if key in data:
            if data[key] is not None and not isinstance(data[key], date):
                raise ValidationError("日期格式不正确", code="shop_date")
            out[key] = data[key]
    if "licence_no_expiry" in data:
        out["licence_no_expiry"] = bool(data["licence_no_expiry"])
        if out["licence_no_expiry"]:
            out["licence_expires_on"] = None
    return out


def create_shop(actor: User | None, street: Street, uscc: str, name: str, ownership: str, **fields) -> Shop:
    """Add a shop to ``street``. Raises ValidationError on a bad or already used code (one per street)."""
    code = normalize_uscc(uscc)
    if db.session.scalar(select(Shop.id).where(Shop.street_id == street.id, Shop.uscc == code)):
        raise ValidationError(Msg(N_("统一社会信用代码 %(code)s 已登记在本街"), code=code), code="shop_uscc_taken")
    values = _clean_fields({"name": name, "ownership": ownership, **fields})
    shop = Shop(street_id=street.id, uscc=code, status="active", **values)
    db.session.add(shop)
    db.session.flush()
    audit.record(actor, "shop.create", "shop", shop.id, None, audit.snapshot(shop))
    return shop


def update_shop(actor: User | None, shop: Shop, **fields) -> Shop:
    """Change a shop's ledger fields (not its code or status); audits before/after of what changed."""
    values = _clean_fields(fields)
    changed = {k: v for k, v in values.items() if getattr(shop, k) != v}
    if changed:
        before = audit.snapshot(shop, tuple(changed))
        for key, value in changed.items():
            setattr(shop, key, value)
        db.session.flush()
        audit.record(actor, "shop.update", "shop", shop.id, before, audit.snapshot(shop, tuple(changed)))
    return shop


def close_shop(actor: User | None, shop: Shop, closed_on: date, reason: str = "") -> Shop:
    """Mark a shop closed on ``closed_on``; it is never deleted (SPEC A2). Raises if already closed."""
    if shop.status == "closed":
        raise ValidationError("该商户已注销（关闭）", code="shop_already_closed")
    before = audit.snapshot(shop, ("status", "closed_on"))
    shop.status, shop.closed_on = "closed", closed_on
    db.session.flush()
    after = audit.snapshot(shop, ("status", "closed_on")) | ({"reason": reason} if reason else {})
    audit.record(actor, "shop.close", "shop", shop.id, before, after)
    return shop


def reopen_shop(actor: User | None, shop: Shop) -> Shop:
    """Undo a closure made by mistake."""
    if shop.status != "closed":
        raise ValidationError("该商户正在经营，无需恢复", code="shop_not_closed")
    before = audit.snapshot(shop, ("status", "closed_on"))
    shop.status, shop.closed_on = "active", None
    db.session.flush()
    audit.record(actor, "shop.reopen", "shop", shop.id, before, audit.snapshot(shop, ("status", "closed_on")))
    return shop


def find_shops(street: Street, query: str = "", status: str | None = None, limit: int = 500) -> list[Shop]:
    """Shops of ``street`` whose name (traditional or simplified, CASES K-11), code or house number match."""
    return list(db.session.scalars(shops_query(street, query, status).limit(limit)))


def shops_query(street: Street, query: str = "", status: str | None = None):
    """The statement behind ``find_shops``, unlimited, to be paged (``services.paging``): active
    before closed, then natural house-number order (indexed)."""
    stmt = select(Shop).where(Shop.street_id == street.id)
    if status in ("active", "closed"):
        stmt = stmt.where(Shop.status == status)
    key = search_key(query)
    if key:
        code = "".join(clean_text(query).split()).upper()
        stmt = stmt.where(or_(Shop.search_key.contains(key, autoescape=True),
                              Shop.uscc.contains(code, autoescape=True),
                              Shop.house_number == clean_text(query)))
    return stmt.order_by(Shop.status, Shop.house_sort, Shop.id)


#: A form suggests the street's shops as one types when there are at most this many; on a larger
#: street (a city's: 50,000) the typed name or house number is looked up on submit (``resolve_shop``).
SHOP_OPTIONS_MAX = 300


def shop_options(street_id: int, exclude: set[int] | frozenset = frozenset()) -> list[str]:
    """"10号 张记面馆" labels of the street's active shops (those in ``exclude`` left out) in house
    order, for a search list that ``resolve_shop`` reads back; [] when there are more than
    ``SHOP_OPTIONS_MAX`` (the list would be the street: SPEC Y3)."""
    rows = db.session.execute(
        select(Shop.id, Shop.house_number, Shop.name).where(Shop.street_id == street_id, Shop.status == "active")
        .order_by(Shop.house_sort, Shop.id).limit(SHOP_OPTIONS_MAX + len(exclude) + 1)).all()
    labels = [f"{house} {name}".strip() for sid, house, name in rows if sid not in exclude]
    return [] if len(labels) > SHOP_OPTIONS_MAX else labels


def resolve_shop(street: Street, text: object) -> Shop:
    """The one active shop of ``street`` that ``text`` names: "10号 张记面馆" as offered in the
    search list, a name or part of one (traditional or simplified, CASES K-11), or a house number
    ("10", "10号": exactly that number). ValidationError (Chinese) when none or several match."""
    from ..domain.errors import ValidationError
    from ..domain.ledger import house_search_token

    typed = " ".join(clean_text(text).split())
    if not typed:
        raise ValidationError("请输入商户名称或门牌号", code="shop_required")
    active = select(Shop).where(Shop.street_id == street.id, Shop.status == "active")
    exact = [s for s in db.session.scalars(active.where(Shop.name == typed.split(" ", 1)[-1]))
             if f"{s.house_number} {s.name}".strip() == typed or s.name == typed]
    if len(exact) == 1:
        return exact[0]
    key, house = search_key(typed), house_search_token(typed)
    conds = [Shop.search_key.contains(key, autoescape=True)]
    if house is not None:
        conds.append(Shop.house_sort.contains(house, autoescape=True))
    found = list(db.session.scalars(active.where(or_(*conds)).order_by(Shop.house_sort, Shop.id).limit(6)))
    if not found:
        raise ValidationError(Msg(N_("没有找到商户“%(typed)s”，请输入名称或门牌号"), typed=typed[:40]), code="shop_not_found")
    if len(found) > 1:
        names = [f"{s.house_number} {s.name}".strip() for s in found[:5]]  # Msg joins with "、"
        pattern = N_("“%(typed)s”对应多个商户：%(names)s等，请从列表中选择") if len(found) > 5 else \
            N_("“%(typed)s”对应多个商户：%(names)s，请从列表中选择")
        raise ValidationError(Msg(pattern, typed=typed[:40], names=names),
                              code="shop_ambiguous")
    return found[0]
