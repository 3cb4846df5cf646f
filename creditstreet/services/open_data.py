"""Open data (SPEC §13 P5): shops, stars, titles, commitments and P4 figures as tables.

Each dataset is a header and rows of plain values, per street or city-wide; the web layer writes
them as CSV (UTF-8 with BOM, formula-safe: ``exports.csv_bytes``) or JSON. Nothing personal (no
principal, no phone, no consumer) and no internal grade letter ever enters a row: the columns are
listed here, once, and a test scans every file.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from ..domain.i18n import N_
from ..domain import promises as rules
from ..domain.time import local_date, year_window
from ..extensions import db
from ..models import AnnualStar, Commitment, Complaint, CreditGrade, Shop, Street
from ..models.types import utcnow
from . import commitments as commitment_service
from .disclosure import aggregates, counted
from .settings import rule_settings

LICENCE = N_("本数据依据《政府信息公开条例》公开，可自由复制、使用和再发布，请注明来源及数据日期。")
OWNERSHIP = {"state": N_("国有企业"), "collective": N_("集体企业"), "private": N_("私营企业"), "individual": N_("个体工商户")}


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple]


DATASETS = {"shops": N_("商户、星级与称号"), "commitments": N_("商户承诺"), "complaint_figures": N_("投诉信息公示（近12个月）")}


def _streets(street: Street | None) -> list[Street]:
    if street is not None:
        return [street]
    return list(db.session.scalars(select(Street).order_by(Street.id)))


def _shops(streets: list[Street], now: datetime) -> list[Shop]:
    ids = [s.id for s in streets]
    shops = db.session.scalars(select(Shop).where(Shop.street_id.in_(ids), Shop.status == "active")
                               .order_by(Shop.street_id, Shop.house_sort, Shop.id))
    today = {s.id: local_date(now, s.timezone) for s in streets}
    # A shop that has not opened yet is not published (issue 17: never publish a not-yet-open shop).
    return [s for s in shops if s.opened_on is None or s.opened_on <= today[s.street_id]]


def shops(street: Street | None = None, now: datetime | None = None) -> Dataset:
    """Shops with their latest quarter's stars and latest annual title (never the grade letter)."""
    now = now or utcnow()
    streets = _streets(street)
    names = {s.id: s.name for s in streets}
    rows_shops = _shops(streets, now)
    # the streets' active shops as a subquery, never as a list of ids: a city is 100,000 shops and
    # PostgreSQL takes at most 65,535 parameters in one statement
    ids = select(Shop.id).where(Shop.street_id.in_([s.id for s in streets]), Shop.status == "active")
    latest_q = (select(CreditGrade.shop_id, func.max(CreditGrade.quarter).label("q"))
                .where(CreditGrade.shop_id.in_(ids)).group_by(CreditGrade.shop_id).subquery())
    stars = {sid: (q, st) for sid, q, st in db.session.execute(
        select(CreditGrade.shop_id, CreditGrade.quarter, CreditGrade.stars)
        .join(latest_q, and_(latest_q.c.shop_id == CreditGrade.shop_id, latest_q.c.q == CreditGrade.quarter)))}
    titles: dict[int, tuple[int, str]] = {}
    for sid, year, st, status in db.session.execute(
            select(AnnualStar.shop_id, AnnualStar.year, AnnualStar.stars, AnnualStar.status)
            .where(AnnualStar.shop_id.in_(ids), AnnualStar.status.in_(("confirmed", "revoked")))
            .order_by(AnnualStar.year)):
        label = "已撤销" if status == "revoked" else ("消费者满意企业（门店）" if st == 4 else f"{st}星" if st else "")
        titles[sid] = (year, label)
    headers = ("街区", "商户编号", "商户名称", "门牌号", "行业", "经济类型", "开业日期", "最近季度", "当前星级",
               "年度", "年度称号")
    out = []
    for s in rows_shops:
        q, st = stars.get(s.id, ("", None))
        year, title = titles.get(s.id, ("", ""))
        out.append((names[s.street_id], s.id, s.name, s.house_number, s.industry, OWNERSHIP.get(s.ownership, ""),
                    s.opened_on, q, "待评定" if st is None else st, year, title))
    return Dataset("shops", DATASETS["shops"], headers, out)


def commitments(street: Street | None = None, now: datetime | None = None) -> Dataset:
    """Commitments in force (P1) with their public terms."""
    now = now or utcnow()
    streets = _streets(street)
    names = {s.id: s.name for s in streets}
    shops_by_id = {s.id: s for s in _shops(streets, now)}
    headers = ("街区", "商户编号", "商户名称", "承诺类型", "无理由退货天数", "适用商品", "不适用情形", "退货条件",
               "终止日期")
    out = []
    for st in streets:
        today = local_date(now, st.timezone)
        for c in db.session.scalars(select(Commitment).join(Shop, Shop.id == Commitment.shop_id)
                                    .where(Shop.street_id == st.id, commitment_service.in_force_condition(today))
                                    .order_by(Shop.house_sort, Commitment.kind)):
            shop = shops_by_id.get(c.shop_id)
            if shop is None or not rules.commitment_in_force(c.status, c.ends_on, today):
                continue
            out.append((names[st.id], shop.id, shop.name, rules.COMMITMENT_LABELS[c.kind], c.return_days,
                        c.categories, c.exclusions, c.conditions, c.ends_on))
    return Dataset("commitments", DATASETS["commitments"], headers, out)


def complaint_figures(street: Street | None = None, now: datetime | None = None) -> Dataset:
    """P4 figures per shop over the 12 months before ``now``; rates only from the floor."""
    now = now or utcnow()
    streets = _streets(street)
    names = {s.id: s.name for s in streets}
    floor = rule_settings().disclosure_min_closed
    headers = ("街区", "商户编号", "商户名称", "统计起", "统计止", "收到投诉", "已办结", "调解成功率(%)",
               "先行和解率(%)", "挽回经济损失(元)")
    out = []
    for st in streets:
        start, end = year_window(now, st.timezone)
        shops_of = {s.id: s for s in _shops([st], now)}
        rows = db.session.execute(
            select(Complaint.shop_id, *aggregates())
            .where(Complaint.street_id == st.id, Complaint.shop_id.is_not(None), counted(),
                   Complaint.received_at >= start, Complaint.received_at < end)
            .group_by(Complaint.shop_id))
        found = {r[0]: rules.ComplaintFigures(*(int(x) for x in r[1:])) for r in rows}
        first, last = local_date(start, st.timezone), local_date(end, st.timezone)
        for sid, shop in shops_of.items():
            f = found.get(sid, rules.ComplaintFigures(0, 0, 0, 0, 0, 0))
            out.append((names[st.id], sid, shop.name, first, last, f.received, f.closed,
                        rules.mediation_success_rate(f, floor), rules.early_settlement_rate(f, floor),
                        rules.yuan(f.recovered_fen).replace(",", "")))
    return Dataset("complaint_figures", DATASETS["complaint_figures"], headers, out)


BUILDERS = {"shops": shops, "commitments": commitments, "complaint_figures": complaint_figures}


def build(name: str, street: Street | None = None, now: datetime | None = None) -> Dataset:
    """The dataset ``name`` (a key of ``DATASETS``); KeyError for an unknown name."""
    return BUILDERS[name](street, now)
