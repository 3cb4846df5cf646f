"""Annual stars, the satisfied-shop award list, plaques and licence marks (SPEC S4).

Flow after Q4 of ``year`` is graded: ``propose_annual_stars`` copies the stars of each shop in
business in Q4 (graded at its end, SPEC G1; a shop opening later is not listed) from
its CreditGrade of ``{year}Q4`` (None = 待评定 when the shop has no grade or was not rated) with the
reasons; an admin reviews and ``confirm_annual_stars``; ``award_list`` gives the 4-star shops
(satisfied-shop title) split into enterprises (state/collective/private) and individual businesses;
``revoke_title`` withdraws a title, and the shop's public page (where the plaque's QR leads) then
shows it as revoked (已撤销).
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..domain.errors import ValidationError
from ..domain.i18n import Msg, N_
from ..domain.stars import CRITERIA, CRITERIA_LABELS
from ..domain.text import check_length
from ..domain.time import Quarter, as_utc
from ..extensions import db
from ..models import AnnualStar, CreditGrade, Shop, Street, User
from . import audit, grade_batch, grading

STAR_WORDS = {1: "一星级", 2: "二星级", 3: "三星级", 4: "四星级"}
TITLE = "消费者满意企业（门店）"


def public_shop_url(base_url: str, shop_id: int) -> str:
    """The live public page a plaque's QR code encodes: PUBLIC_BASE_URL + /shops/<id>."""
    return f"{base_url.rstrip('/')}/shops/{shop_id}"


def licence_mark(stars: int) -> str:
    """The printed licence mark for 1–3 stars, e.g. 3 → "★★★ 三星级"."""
    if stars not in (1, 2, 3):
        raise ValidationError("星级标志只印 1–3 星", code="bad_mark")
    return f"{'★' * stars} {STAR_WORDS[stars]}"


def _reasons(grade: CreditGrade | None) -> list[dict]:
    if grade is None:
        return [{"kind": "not_graded", "text": "第4季度没有评定结果，待评定"}]
    if grade.stars is None:
        return [{"kind": "not_rated", "text": "待评定（有效投票季度不足或开业不满3个月）"}]
    earned = [CRITERIA_LABELS[c] for c in CRITERIA if c in (grade.criteria or [])]
    missing = [CRITERIA_LABELS[c] for c in CRITERIA if c not in (grade.criteria or [])]
    out = [{"kind": "earned", "text": "已获：" + ("、".join(earned) or "无")}]
    if missing:
        out.append({"kind": "missing", "text": "未获：" + "、".join(missing)})
    out += [{"kind": r.get("kind", ""), "text": r.get("text", "")} for r in (grade.reasons or [])]
    return out


def _q4_officially_graded(street_id: int, year: int, tz: str) -> bool:
    """Q4 of ``year`` holds official grades (as_of == the quarter end), not a provisional recompute."""
    check = getattr(grading, "is_officially_graded", None)
    if check is not None:
        return bool(check(Quarter(year, 4), street_id))
    q4, end = Quarter(year, 4), Quarter(year, 4).end_utc(tz)
    as_ofs = {as_utc(t) for t in db.session.scalars(
        select(CreditGrade.as_of).join(Shop, Shop.id == CreditGrade.shop_id)
        .where(Shop.street_id == street_id, CreditGrade.quarter == str(q4)).distinct())}
    return as_ofs == {end}


def require_year_over(street_id: int, year: int, now: datetime) -> None:
    """Annual stars need Q4 of ``year`` to be over (in the street's zone) and officially graded (S4).

    A provisional recompute during Q4 (T = now) must never become a confirmed annual title.
    """
    street = db.session.get(Street, street_id)
    tz = street.timezone if street is not None else None
    if as_utc(now) < Quarter(year, 4).end_utc(tz) or not _q4_officially_graded(street_id, year, tz):
        raise ValidationError(Msg(N_("%(year)s年第四季度尚未结束（或尚未正式评定），不能确认年度星级"), year=year),
                              code="year_not_over")


def propose_annual_stars(actor: User | None, street_id: int, year: int, now: datetime) -> list[AnnualStar]:
    """Create or refresh the proposed rows of ``year`` from the Q4 grades; confirmed rows are kept.

    Raises ValidationError when Q4 of the year has not been graded for this street, or when the
    year is not over / Q4 is only provisionally graded (``require_year_over``).
    """
    q4 = str(Quarter(year, 4))
    grades = {g.shop_id: g for g in db.session.scalars(
        select(CreditGrade).join(Shop, Shop.id == CreditGrade.shop_id)
        .where(Shop.street_id == street_id, CreditGrade.quarter == q4))}
    if not grades:
        raise ValidationError(Msg(N_("%(year)s年第4季度尚未评定，请先完成季度评定"), year=year), code="q4_not_graded")
    require_year_over(street_id, year, now)
    existing = {a.shop_id: a for a in db.session.scalars(
        select(AnnualStar).join(Shop, Shop.id == AnnualStar.shop_id)
        .where(Shop.street_id == street_id, AnnualStar.year == year))}
    # Only shops in business in the year's last quarter (SPEC G1, the rule grading uses at its end).
    street = db.session.get(Street, street_id)
    T = Quarter(year, 4).end_utc(street.timezone)
    shops = db.session.scalars(select(Shop).where(grade_batch.graded_shops(street_id, T, street.timezone))
                               .order_by(Shop.house_sort, Shop.id)).all()
    listed = {shop.id for shop in shops}
    for shop_id, row in existing.items():  # a proposal made before the opening date was known
        if shop_id not in listed and row.status == "proposed":
            db.session.delete(row)
    out = []
    for shop in shops:
        g = grades.get(shop.id)
        row = existing.get(shop.id)
        if row is not None and row.status != "proposed":
            out.append(row)
            continue
        stars = g.stars if g is not None else None
        if row is None:
            row = AnnualStar(shop_id=shop.id, year=year, status="proposed")
            db.session.add(row)
        row.stars, row.reasons = stars, _reasons(g)
        out.append(row)
    db.session.flush()
    audit.record(actor, "annual_star.propose", "annual_stars", f"{street_id}:{year}", None,
                 {"year": year, "shops": len(out)})
    return out


def annual_rows(street_id: int, year: int) -> list[tuple[AnnualStar, Shop]]:
    return list(db.session.execute(
        select(AnnualStar, Shop).join(Shop, Shop.id == AnnualStar.shop_id)
        .where(Shop.street_id == street_id, AnnualStar.year == year).order_by(Shop.house_sort, Shop.id)))


def confirm_annual_stars(actor: User, street_id: int, year: int, now: datetime) -> int:
    """Confirm every proposed row of the year (SPEC S4); returns how many. Each change is audited."""
    require_year_over(street_id, year, now)
    rows = [a for a, _ in annual_rows(street_id, year) if a.status == "proposed"]
    if not rows:
        raise ValidationError(Msg(N_("%(year)s年没有待确认的年度星级，请先生成建议名单"), year=year), code="nothing_to_confirm")
    for a in rows:
        before = audit.snapshot(a, ("status", "stars"))
        a.status, a.confirmed_at, a.confirmed_by = "confirmed", as_utc(now), actor.id
        audit.record(actor, "annual_star.confirm", "annual_star", a.id, before,
                     audit.snapshot(a, ("status", "stars", "shop_id", "year")))
    db.session.flush()
    return len(rows)


@dataclass(frozen=True)
class AwardList:
    year: int
    enterprises: list[Shop]
    individuals: list[Shop]
    marks: list[tuple[Shop, int]]  # confirmed 1–3 stars: licence marks


def award_list(street_id: int, year: int) -> AwardList:
    """Titled shops (confirmed, 4 stars, not revoked) by kind, and the 1–3-star licence marks."""
    ent, ind, marks = [], [], []
    for a, shop in annual_rows(street_id, year):
        if a.status != "confirmed" or not a.stars:
            continue
        if a.stars == 4:
            (ent if shop.is_enterprise else ind).append(shop)
        else:
            marks.append((shop, a.stars))
    return AwardList(year, ent, ind, marks)


def revoke_title(actor: User, annual: AnnualStar, reason: str, now: datetime) -> AnnualStar:
    """Revoke a confirmed title; the public page then shows 已撤销 with the reason."""
    reason = check_length((reason or "").strip(), 500, label="撤销原因")
    if annual.status != "confirmed":
        raise ValidationError("只能撤销已确认的年度星级", code="not_confirmed")
    if not reason:
        raise ValidationError("请填写撤销原因", code="reason_required")
    before = audit.snapshot(annual, ("status", "revoke_reason"))
    annual.status, annual.revoked_at, annual.revoke_reason = "revoked", as_utc(now), reason
    db.session.flush()
    audit.record(actor, "annual_star.revoke", "annual_star", annual.id, before,
                 audit.snapshot(annual, ("status", "revoke_reason")))
    return annual


def qr_svg_data_uri(url: str) -> str:
    """A QR code for ``url`` as an SVG data URI (segno), for the printed plaque."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_pdf(html: str, base_url: str | None = None):
    """Render print HTML with WeasyPrint; returns the rendered document (``.pages``, ``.write_pdf()``)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).render()
