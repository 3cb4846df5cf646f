"""Street and Shop (SPEC §1): the supervised street and the businesses on it."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, event, exists, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.ledger import house_sort_key
from ..domain.streets import fallback_slug
from ..extensions import db
from .types import UTCDateTime, utcnow

OWNERSHIPS = ("state", "collective", "private", "individual")


class Street(db.Model):
    """A street of the deployment (SPEC Y1): its public pages live under ``/s/<slug>/``.

    The default street (exactly one, ``is_default``) also answers the one-street URLs (``/``,
    ``/shops/<id>``, ``/complaints/new`` …) that were printed before the city existed.
    """

    __tablename__ = "streets"
    # A unique index, not a constraint: SQLite adds it without rebuilding the table (0010_city).
    __table_args__ = (Index("ix_streets_slug", "slug", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Lower-case ASCII letters, digits and hyphens, 1–40 characters (domain.streets.check_slug).
    # Set to ``s<id>`` after insert when not given (models.street._fill_slug), so never empty once flushed.
    slug: Mapped[Optional[str]] = mapped_column(String(40))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # [{"label": "投诉热线", "number": "0719-12315"}, ...]; duty hours as text, e.g. "07:30–18:00".
    hotlines: Mapped[list] = mapped_column(JSON, default=list)
    duty_hours: Mapped[str] = mapped_column(String(60), default="07:30–18:00")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shops: Mapped[list["Shop"]] = relationship(back_populates="street")


@event.listens_for(Street, "after_insert")
def _fill_slug(mapper, connection, street: Street) -> None:
    """A street inserted without a slug gets ``s<id>``; the deployment's first street is its default."""
    values = {}
    if not street.slug:
        values["slug"] = fallback_slug(street.id)
    table = Street.__table__
    if not street.is_default and not connection.scalar(select(exists().where(table.c.is_default.is_(True)))):
        values["is_default"] = True
    if values:
        connection.execute(update(table).where(table.c.id == street.id).values(**values))
        for key, value in values.items():
            set_committed_value(street, key, value)


def _house_sort_default(context) -> str:
    return house_sort_key(context.get_current_parameters().get("house_number") or "")


class Shop(db.Model):
    """A business on the street; closed, never deleted (SPEC A2)."""

    __tablename__ = "shops"
    __table_args__ = (
        UniqueConstraint("street_id", "uscc"),
        Index("ix_shops_street_status", "street_id", "status"),
        # The public board pages through a street's shops in house-number order (issue 6 bench).
        Index("ix_shops_street_status_house", "street_id", "status", "house_sort", "id"),
        # The city's grade list (all streets' active shops by street, then house) walks this one:
        # with status second, both planners sorted each street's shops (issue 18 bench).
        Index("ix_shops_status_street_house", "status", "street_id", "house_sort", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    uscc: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(120))
    # Simplified, whitespace-free, casefolded name for search (domain.text.search_key).
    search_key: Mapped[str] = mapped_column(String(120), index=True)
    ownership: Mapped[str] = mapped_column(String(16))  # one of OWNERSHIPS
    industry: Mapped[str] = mapped_column(String(40), default="")
    house_number: Mapped[str] = mapped_column(String(40), default="")
    # house_number with its numbers zero-padded (domain.ledger.house_sort_key): 1号 < 19号 < 200号.
    house_sort: Mapped[str] = mapped_column(String(160), default=_house_sort_default)
    principal: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    opened_on: Mapped[Optional[date]] = mapped_column(Date)
    licence_expires_on: Mapped[Optional[date]] = mapped_column(Date)
    licence_no_expiry: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | closed
    closed_on: Mapped[Optional[date]] = mapped_column(Date)
    public_reply: Mapped[str] = mapped_column(Text, default="")  # the shop's reply on its public page
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    street: Mapped[Street] = relationship(back_populates="shops")

    @property
    def is_enterprise(self) -> bool:
        """Enterprises (state, collective, private) vs individual businesses (SPEC S4 award list)."""
        return self.ownership != "individual"


@event.listens_for(Shop, "before_update")
def _keep_house_sort(mapper, connection, shop: Shop) -> None:
    """An edited house number re-sorts (inserts use the column default)."""
    shop.house_sort = house_sort_key(shop.house_number or "")

