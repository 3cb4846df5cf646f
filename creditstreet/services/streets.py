"""Streets of the city (SPEC Y1): a street's slug and which street is the default one.

Flushes, never commits; every change audited. The slug rule is ``domain.streets.check_slug``.
"""
from sqlalchemy import select, update

from ..domain.errors import ValidationError
from ..domain.streets import check_slug
from ..extensions import db
from ..models import Street, User
from . import audit


def set_slug(actor: User | None, street: Street, slug: str) -> Street:
    """Give ``street`` the slug ``slug`` (ValidationError when malformed or another street's).

    Old ``/s/<old>/`` links stop working, so printed QR codes of a non-default street keep their
    old slug's address: change a slug before printing, not after.
    """
    slug = check_slug(slug)
    if slug == street.slug:
        return street
    if db.session.scalar(select(Street.id).where(Street.slug == slug, Street.id != street.id)):
        raise ValidationError(f"街道简称“{slug}”已被其他商业街使用", code="street_slug_taken")
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
