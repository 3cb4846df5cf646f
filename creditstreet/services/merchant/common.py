"""Shared parts of the merchant use cases: the acting shop, redaction, working-day deadlines."""
from datetime import date, datetime

from ...domain.i18n import Msg, N_
from ...domain.errors import ValidationError
from ...domain.text import char_count, mask_contacts_in_text
from ...domain.time import local_date
from ...extensions import db
from ...models import BadRecord, Shop, Street, User, Violation
from .. import audit
from ..settings import work_calendar

RECORD_MODELS = {"violation": Violation, "bad_record": BadRecord}
RECORD_LABELS = {"violation": N_("违法违章"), "bad_record": N_("不良记录")}


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """The K6 redacted copy of ``text`` (phones, ID numbers, e-mails, QQ/WeChat ids, ``names``).

    Uses ``domain.redact`` when present; until then the older contact masking of ``domain.text``.
    """
    try:
        from ...domain.redact import redact as _redact
    except ImportError:  # pragma: no cover - before the K6 redactor lands
        out = mask_contacts_in_text(text)
        for n in names:
            if n:
                out = out.replace(n, "*" * len(n))
        return out
    return _redact(text, names)


def own_shop_id(actor: User | None) -> int | None:
    """The shop a merchant acts for (SPEC M1); None for any other account."""
    if actor is None or getattr(actor, "role", None) != "merchant":
        return None
    return actor.shop_id


def require_shop(actor: User) -> Shop:
    """The merchant's shop; ValidationError when the account is bound to none or it is closed."""
    sid = own_shop_id(actor)
    shop = db.session.get(Shop, sid) if sid else None
    if shop is None:
        raise ValidationError("该账号未绑定商户", code="no_shop")
    return shop


def street_tz(shop_id: int) -> str:
    shop = db.session.get(Shop, shop_id)
    street = db.session.get(Street, shop.street_id) if shop else None
    return street.timezone if street else "Asia/Shanghai"


def add_workdays(start: date, n: int) -> date:
    """``start`` + n working days on the K4 calendar (the start day itself does not count)."""
    return work_calendar().add_workdays(start, n)


def local_day(at: datetime, shop_id: int) -> date:
    return local_date(at, street_tz(shop_id))


def clean_text(value: object, label: str, limit: int, required: bool = True) -> str:
    """Text as typed (CRLF → LF, trimmed); ValidationError when empty (if required) or too long."""
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationError(Msg(N_("请填写%(label)s"), label=Msg(label)), code="required")
    if char_count(text) > limit:
        raise ValidationError(Msg(N_("%(label)s不能超过%(limit)s个字，现有%(count)s个字"),
                                  label=Msg(label), limit=limit, count=char_count(text)), code="too_long")
    return text


def record_of_shop(shop_id: int, record_type: str, record_id: object):
    """The violation or bad record ``record_id`` of ``shop_id``; None when it is not this shop's."""
    model = RECORD_MODELS.get(record_type)
    try:
        rid = int(str(record_id))
    except ValueError:
        return None
    row = db.session.get(model, rid) if model else None
    return row if row is not None and row.shop_id == shop_id else None


def stamp_record(actor: User, record_type: str, record, field: str, action: str, link: dict) -> None:
    """Stamp ``record.<field>`` (``void_at`` for an upheld objection, M4; ``repaired_at`` for a granted
    repair, M5) with the decision's instant (UTC), audited as ``<record_type>.<action>`` with ``link``
    naming the request that decided it. The record is kept; it stops counting from that instant."""
    before = audit.snapshot(record, (field,))
    setattr(record, field, link.pop("at"))
    audit.record(actor, f"{record_type}.{action}", record_type, record.id, before,
                 {**audit.snapshot(record, (field,)), **link})


def record_title(record_type: str, row) -> str:
    """A one-line Chinese title of a violation or bad record (its stored reason text)."""
    return (RECORD_LABELS[record_type] + "：" + (row.reason_tail or "").strip()).rstrip("：")
