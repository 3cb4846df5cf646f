"""The admin's queue of merchants' requests (SPEC M4, M5): pending objections and repair applications."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

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


def pending(street_id: int | None, now: datetime | None = None) -> list[Item]:
    """Every pending objection and repair application (of one street, or all), nearest deadline first."""
    now = now or utcnow()
    out = []
    for kind, model in (("objection", Objection), ("repair", CreditRepair)):
        q = select(model, Shop).join(Shop, Shop.id == model.shop_id).where(model.status == "pending")
        if street_id is not None:
            q = q.where(Shop.street_id == street_id)
        for row, shop in db.session.execute(q).all():
            record = record_of_shop(row.shop_id, row.record_type, row.record_id)
            out.append(Item(kind, row, shop, record_title(row.record_type, record) if record else "", row.decide_by,
                            local_day(now, shop.id) > row.decide_by))
    out.sort(key=lambda i: (i.decide_by, i.kind, i.row.id))
    return out


def attachments(objection_id: int | None = None, repair_id: int | None = None) -> list[MerchantAttachment]:
    q = select(MerchantAttachment.id, MerchantAttachment.kind, MerchantAttachment.content_type)
    q = q.where(MerchantAttachment.objection_id == objection_id) if objection_id else \
        q.where(MerchantAttachment.repair_id == repair_id)
    return db.session.execute(q.order_by(MerchantAttachment.id)).all()
