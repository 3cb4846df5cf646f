"""Replies (SPEC M3): on a closed complaint a shop may leave one reply, ≤ 500 characters, redacted (K6).

The redacted copy is made when the reply is stored (the consumer's name too) and is the only text
shown outside the handler's screen: with the complaint in disclosure (P4) and on the merchant's page.
"""
from datetime import datetime

from sqlalchemy import select

from ...domain.errors import InvalidTransition, ValidationError
from ...domain.i18n import N_
from ...domain.time import as_utc
from ...extensions import db
from ...models import Complaint, MerchantReply, User
from ...models.types import utcnow
from .. import audit
from .common import clean_text, redact, require_shop

LIMIT = 500


def reply_of(c: Complaint) -> MerchantReply | None:
    return db.session.scalar(select(MerchantReply).where(MerchantReply.complaint_id == c.id))


def add_reply(actor: User, c: Complaint, text: object, now: datetime | None = None) -> MerchantReply:
    """The merchant replies once on a closed complaint against its shop (M3).

    Errors: ValidationError "not_found" (another shop's complaint), "required"/"too_long";
    InvalidTransition "not_closed" / "already_replied".
    """
    shop = require_shop(actor)
    if c.shop_id != shop.id or c.kind == "report":
        raise ValidationError("没有这件投诉", code="not_found")
    if c.status != "closed":
        raise InvalidTransition("投诉办结后才能回复", code="not_closed")
    if reply_of(c) is not None:
        raise InvalidTransition("每件投诉只能回复一次", code="already_replied")
    body = clean_text(text, N_("回复"), LIMIT)
    r = MerchantReply(complaint_id=c.id, shop_id=shop.id, text=body, text_redacted=redact(body, (c.consumer_name,)),
                      author_id=actor.id, created_at=as_utc(now) if now else utcnow())
    db.session.add(r)
    db.session.flush()
    audit.record(actor, "complaint.reply", "complaint", c.id, None, {"reply_id": r.id, "chars": len(body)})
    return r


def replies_of_shop(shop_id: int, limit: int = 20) -> list[tuple[Complaint, MerchantReply]]:
    """The shop's replies with their complaints, newest first (for the public page, P4)."""
    return [(c, r) for c, r in db.session.execute(
        select(Complaint, MerchantReply).join(MerchantReply, MerchantReply.complaint_id == Complaint.id)
        .where(MerchantReply.shop_id == shop_id).order_by(MerchantReply.created_at.desc()).limit(limit)).all()]
