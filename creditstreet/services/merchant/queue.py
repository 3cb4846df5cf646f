"""The admin's queue of merchants' requests (SPEC M4, M5): pending objections and repair applications."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import literal, select, union_all

from ...extensions import db
from ...models import CreditRepair, MerchantAttachment, Objection, Shop
from ...models.types import utcnow
from .common import local_day, record_of_shop, record_title


@dataclass
class Item:
    kind: str  # "objection" | "repair"
    row: Objection | CreditRepair
    shop: Shop
    title: str
    decide_by: date
    overdue: bool = False  # the street's today is past decide_by


def _pending_keys(street_id: int | None):
    """(kind, id, decide_by) of every pending objection and repair application (of one street, or
    all): one UNION ALL, in queue order — nearest deadline first, then kind, then id."""
    parts = []
    for kind, model in (("objection", Objection), ("repair", CreditRepair)):
        q = (select(literal(kind).label("kind"), model.id.label("id"), model.decide_by.label("decide_by"))
             .join(Shop, Shop.id == model.shop_id).where(model.status == "pending"))
        parts.append(q if street_id is None else q.where(Shop.street_id == street_id))
    keys = union_all(*parts).subquery()
    return select(keys.c.kind, keys.c.id, keys.c.decide_by).order_by(keys.c.decide_by, keys.c.kind, keys.c.id)


def _items(keys, now: datetime) -> list[Item]:
    """The queue items of ``keys`` ((kind, id) rows), in that order."""
    out = []
    for kind, model in (("objection", Objection), ("repair", CreditRepair)):
        ids = [k.id for k in keys if k.kind == kind]
        if not ids:
            continue
        for row, shop in db.session.execute(select(model, Shop).join(Shop, Shop.id == model.shop_id)
                                            .where(model.id.in_(ids))).all():
            record = record_of_shop(row.shop_id, row.record_type, row.record_id)
            out.append(Item(kind, row, shop, record_title(row.record_type, record) if record else "", row.decide_by,
                            local_day(now, shop.id) > row.decide_by))
    out.sort(key=lambda i: (i.decide_by, i.kind, i.row.id))
    return out


def pending(street_id: int | None, now: datetime | None = None) -> list[Item]:
    """Every pending objection and repair application (of one street, or all), nearest deadline first."""
    return _items(db.session.execute(_pending_keys(street_id)).all(), now or utcnow())


def pending_page(street_id: int | None, page: int | None, now: datetime | None = None, per_page: int = 50):
    """One page (``services.paging.Page`` of ``Item``, ``per_page`` of them) of ``pending``'s queue (SPEC Y3)."""
    from dataclasses import replace

    from ..paging import paginate

    keys = paginate(_pending_keys(street_id), page, per_page=per_page, scalars=False)
    return replace(keys, items=_items(keys.items, now or utcnow()))


def attachments(objection_id: int | None = None, repair_id: int | None = None) -> list[MerchantAttachment]:
    q = select(MerchantAttachment.id, MerchantAttachment.kind, MerchantAttachment.content_type)
    q = q.where(MerchantAttachment.objection_id == objection_id) if objection_id else \
        q.where(MerchantAttachment.repair_id == repair_id)
    return db.session.execute(q.order_by(MerchantAttachment.id)).all()
