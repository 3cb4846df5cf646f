"""Streets of the city (SPEC Y1): a street's slug and which street is the default one.

Flushes, never commits; every change audited. The slug rule is ``domain.streets.check_slug``.
"""
import re

from sqlalchemy import select, update

from ..domain.errors import FieldErrors, ValidationError
from ..domain.i18n import Msg, N_
from ..domain.streets import check_slug
from ..domain.text import clean_text
from ..extensions import db
from ..models import Street, User
from . import audit

#: A hotline as printed: digits with dashes or spaces inside (12315, 0719-12315, 400 123 4567).
PHONE_RE = re.compile(r"^\d(?:[\d -]{1,18}\d)$")
#: A typed hotline line: a label, then the number at the end (its digits may be spaced).
LINE_RE = re.compile(r"^(?P<label>.*?)(?:^|\s+)(?P<number>\d[\d -]*\d)$")


def set_slug(actor: User | None, street: Street, slug: str) -> Street:
    """Give ``street`` the slug ``slug`` (ValidationError when malformed or another street's).

    Old ``/s/<old>/`` links stop working, so printed QR codes of a non-default street keep their
    old slug's address: change a slug before printing, not after.
    """
    slug = check_slug(slug)
    if slug == street.slug:
        return street
    if db.session.scalar(select(Street.id).where(Street.slug == slug, Street.id != street.id)):
        raise ValidationError(Msg(N_("街道简称“%(slug)s”已被其他商业街使用"), slug=slug), code="street_slug_taken")
    before = {"slug": street.slug}
    street.slug = slug
    db.session.flush()
    audit.record(actor, "street.slug", "street", street.id, before, {"slug": slug})
    return street


def set_default(actor: User | None, street: Street) -> Street:
    """Make ``street`` the default street (the one the one-street URLs show); exactly one is."""
    previous = db.session.scalar(select(Street).where(Street.is_default.is_(True)))
    if previous is not None and previous.id == street.id:
        return street
    db.session.execute(update(Street).where(Street.id != street.id).values(is_default=False))
    street.is_default = True
    db.session.flush()
    audit.record(actor, "street.default", "street", street.id,
                 {"default_street_id": previous.id if previous else None}, {"default_street_id": street.id})
    return street


def all_streets() -> list[Street]:
    """Every street, by name."""
    return list(db.session.scalars(select(Street).order_by(Street.name, Street.id)))


#: Longest hotline list a street shows (its board, cards and signs have room for a few).
MAX_HOTLINES = 5


def parse_hotlines(text: str) -> list[dict]:
    """Hotlines typed one a line, ``名称 号码`` (``投诉热线 0719-12315``; a bare number is labelled
    投诉热线) → [{"label", "number"}]. FieldErrors-style ValidationError naming the bad line."""
    out = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = clean_text(raw)
        if not line:
            continue
        m = LINE_RE.match(line)
        if m is None or not PHONE_RE.match(m["number"]):
            raise ValidationError(Msg(N_("第 %(n)s 行“%(line)s”应为“名称 号码”，号码如 0719-12315 或 12315"), n=n, line=line),
                                  code="street_hotline")
        out.append({"label": m["label"].strip() or "投诉热线", "number": m["number"]})
    if len(out) > MAX_HOTLINES:
        raise ValidationError(Msg(N_("热线最多 %(max_hotlines)s 条"),
                                  max_hotlines=MAX_HOTLINES), code="street_hotlines_many")
    return out


def save_street(actor: User, street: Street | None, *, name: str, slug: str, duty_hours: str,
                hotlines: list[dict]) -> Street:
    """Create a street (``street`` None) or change one's name, slug, duty hours and hotlines (Y1).

    Checks every field before writing and raises ``FieldErrors`` (Chinese, per field) naming all
    the mistakes at once: an empty or taken name, a malformed, reserved or taken slug, duty hours
    over 60 characters. Audited as ``street.create`` / ``street.update`` with the changed fields.
    """
    errors: dict[str, str] = {}
    name = clean_text(name)
    if not name:
        errors["name"] = "请填写商业街名称"
    elif len(name) > 120:
        errors["name"] = "商业街名称最多 120 个字"
    elif db.session.scalar(select(Street.id).where(Street.name == name,
                                                  Street.id != (street.id if street else -1))):
        errors["name"] = f"已有名为“{name}”的商业街"
    try:
        slug = check_slug(slug)
        if db.session.scalar(select(Street.id).where(Street.slug == slug,
                                                      Street.id != (street.id if street else -1))):
            errors["slug"] = f"街道简称“{slug}”已被其他商业街使用"
    except ValidationError as e:
        errors["slug"] = e.message
    duty_hours = clean_text(duty_hours)
    if len(duty_hours) > 60:
        errors["duty_hours"] = "值班时间最多 60 个字"
    if errors:
        raise FieldErrors(errors)
    values = {"name": name, "slug": slug, "duty_hours": duty_hours, "hotlines": hotlines}
    if street is None:
        street = Street(**values)
        db.session.add(street)
        db.session.flush()
        audit.record(actor, "street.create", "street", street.id, None, values)
        return street
    before = {k: getattr(street, k) for k in values if getattr(street, k) != values[k]}
    if not before:
        return street
    for k in before:
        setattr(street, k, values[k])
    db.session.flush()
    audit.record(actor, "street.update", "street", street.id, before, {k: values[k] for k in before})
    return street


def page_of_streets(page: int | None, q: str = ""):
    """One page (``services.paging.Page``) of streets by name, each item (Street, active shops)."""
    from sqlalchemy import func

    from ..models import Shop
    from .paging import paginate

    shops = (select(func.count(Shop.id)).where(Shop.street_id == Street.id, Shop.status == "active")
             .correlate(Street).scalar_subquery())
    where = []
    q = clean_text(q)
    if q:
        where.append(Street.name.contains(q, autoescape=True) | (Street.slug == q.lower()))
    total = db.session.scalar(select(func.count(Street.id)).where(*where)) or 0
    stmt = select(Street, shops.label("shops")).where(*where).order_by(Street.name, Street.id)
    return paginate(stmt, page, scalars=False, total=total)
