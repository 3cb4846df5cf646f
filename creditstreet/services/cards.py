"""Quality credit cards: batches, issued ranges, verification, sheets and spot checks (SPEC C1–C4).

Serials are positive integers shown zero-padded to 8 digits (``00120001``). Batches and ranges
are inclusive [first, last]. Functions flush, never commit, and write the audit log (SPEC A1).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..domain.i18n import Msg, N_
from ..domain import cards as card_rules
from ..domain.errors import ValidationError
from ..domain.text import clean_prose, check_length, clean_text
from ..domain.time import as_utc, year_window
from ..extensions import db
from ..models import BadRecord, CardBatch, CardCheck, CardRange, Shop, Street, User, utcnow
from . import audit, once
from .settings import rule_settings

SERIAL_DIGITS = 8
MAX_SERIAL = 10 ** SERIAL_DIGITS - 1
# Prints of more cards than this run as a job with progress (services/print_jobs.py); any length works.
MAX_SHEET_CARDS = 100
CONSEQUENCE_LABELS = {"none": N_("无"), **card_rules.WARNING_LABELS}


def fmt_serial(n: int) -> str:
    """A serial as printed on the card: 8 digits, zero-padded."""
    return f"{n:0{SERIAL_DIGITS}d}"


def fmt_range(first: int, last: int) -> str:
    return f"{fmt_serial(first)}–{fmt_serial(last)}"


def parse_serial(text: object, label: str = "卡号") -> int:
    """Parse a serial typed by a person ("00120001", "１２０００１", " 120001 "); ValidationError."""
    raw = "".join(clean_text(text).split())
    if not raw:
        raise ValidationError(Msg(N_("请填写%(label)s"), label=Msg(label)), code="no_serial")
    if not raw.isascii() or not raw.isdigit() or len(raw) > SERIAL_DIGITS:
        raise ValidationError(Msg(N_("%(label)s“%(text)s”无效，应为不超过%(serial_digits)s位的数字"),
                                  label=Msg(label), text=clean_text(text), serial_digits=SERIAL_DIGITS),
                              code="bad_serial")
    n = int(raw)
    if n < 1:
        raise ValidationError(Msg(N_("%(label)s应大于0"), label=Msg(label)), code="bad_serial")
    return n


def _check_span(first: int, last: int) -> None:
    if not (1 <= first <= last <= MAX_SERIAL):
        raise ValidationError("起始编号应不大于结束编号，且都在1到99999999之间", code="bad_range")


def register_batch(actor: User, street: Street, name: str, first: int, last: int,
                   printed_on: date | None = None) -> CardBatch:
    """Register a printed batch of serials [first, last] (SPEC C1).

    Raises ValidationError if the span is invalid or overlaps any registered batch (serials
    are unique across the deployment, so a verification by serial is unambiguous).
    """
    _check_span(first, last)
    name = check_length(clean_text(name), 120, label=N_("批次名称")) or f"{fmt_range(first, last)}批次"
    clash = db.session.scalar(select(CardBatch).where(CardBatch.first_serial <= last,
                                                      CardBatch.last_serial >= first)
                              .order_by(CardBatch.first_serial).limit(1))
    if clash is not None:
        raise ValidationError(
            Msg(N_("与已登记的印制批次 %(range)s（%(clash)s）重叠"),
                range=fmt_range(clash.first_serial, clash.last_serial), clash=clash.name),
            code="batch_overlap")
    batch = CardBatch(street_id=street.id, name=name, first_serial=first, last_serial=last,
                      printed_on=printed_on)
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "card_batch.register", "card_batch", batch.id, None, audit.snapshot(batch))
    return batch


def issue_range(actor: User, batch: CardBatch, shop: Shop, first: int, last: int,
                issued_on: date) -> CardRange:
    """Issue serials [first, last] of ``batch`` to ``shop``, free of charge (SPEC C1).

    Refused (ValidationError naming the conflicting range) when the range leaves the batch or
    overlaps any range already issued, to this or any other shop.
    """
    _check_span(first, last)
    if shop.street_id != batch.street_id:
        raise ValidationError("该商户不在此批次所属的商业街", code="bad_street")
    if shop.status != "active":
        raise ValidationError(Msg(N_("商户“%(shop)s”已歇业，不能发卡"), shop=shop.name), code="shop_closed")
    if first < batch.first_serial or last > batch.last_serial:
        raise ValidationError(
            Msg(N_("编号 %(range)s 超出印制批次 %(range2)s（%(batch)s）"),
                range=fmt_range(first, last), range2=fmt_range(batch.first_serial, batch.last_serial),
                batch=batch.name), code="out_of_batch")
    clash = db.session.execute(
        select(CardRange, Shop.name).join(Shop, Shop.id == CardRange.shop_id)
        .where(CardRange.first_serial <= last, CardRange.last_serial >= first)
        .order_by(CardRange.first_serial).limit(1)).first()
    if clash is not None:
        rng, shop_name = clash
        raise ValidationError(Msg(N_("与已发放的 %(range)s（%(shop_name)s）重叠"),
                                  range=fmt_range(rng.first_serial, rng.last_serial), shop_name=shop_name),
                              code="range_overlap")
    card_range = CardRange(batch_id=batch.id, shop_id=shop.id, first_serial=first, last_serial=last,
                           issued_on=issued_on, issued_by=actor.id if actor else None)
    db.session.add(card_range)
    db.session.flush()
    audit.record(actor, "card_range.issue", "card_range", card_range.id, None, audit.snapshot(card_range))
    return card_range


@dataclass(frozen=True)
class Verification:
    """The result of verifying a serial (SPEC C3).

    ``state``: "issued" (genuine and issued to ``shop``), "not_issued" (genuine, in ``batch``,
    not yet issued) or "forged" (in no registered batch).
    """

    serial: int
    state: str
    batch: CardBatch | None
    shop: Shop | None
    card_range: CardRange | None

    @property
    def genuine(self) -> bool:
        return self.state != "forged"

    @property
    def text(self) -> str:
        if self.state == "issued":
            return f"真卡，已发放给 {self.shop.name}"
        if self.state == "not_issued":
            return "真卡但尚未发放"
        return "该编号不在已登记的印制批次中，可能是伪造卡"


def verify(serial: int) -> Verification:
    """Look a serial up: in which batch, issued to which shop (SPEC C3)."""
    if not 1 <= serial <= MAX_SERIAL:  # never printed; also never a query beyond the column's range
        return Verification(serial, "forged", None, None, None)
    batch = db.session.scalar(select(CardBatch).where(CardBatch.first_serial <= serial,
                                                      CardBatch.last_serial >= serial).limit(1))
    if batch is None:
        return Verification(serial, "forged", None, None, None)
    card_range = db.session.scalar(select(CardRange).where(CardRange.first_serial <= serial,
                                                           CardRange.last_serial >= serial).limit(1))
    if card_range is None:
        return Verification(serial, "not_issued", batch, None, None)
    return Verification(serial, "issued", batch, db.session.get(Shop, card_range.shop_id), card_range)


def batches(street_id: int) -> list[CardBatch]:
    return list(db.session.scalars(select(CardBatch).where(CardBatch.street_id == street_id)
                                   .order_by(CardBatch.first_serial)))


def ranges(street_id: int) -> list[tuple[CardRange, Shop]]:
    return list(db.session.execute(
        select(CardRange, Shop).join(Shop, Shop.id == CardRange.shop_id)
        .where(Shop.street_id == street_id).order_by(CardRange.first_serial)).tuples())


# ---------------------------------------------------------------- printable sheets (C2)

def check_sheet_range(card_range: CardRange, first: int | None, last: int | None) -> tuple[int, int]:
    """(first, last) of a print: the whole range by default; ValidationError when outside it."""
    first = card_range.first_serial if first is None else first
    last = card_range.last_serial if last is None else last
    if not (card_range.first_serial <= first <= last <= card_range.last_serial):
        raise ValidationError(Msg(N_("打印编号应在 %(range)s 之内"),
                                  range=fmt_range(card_range.first_serial, card_range.last_serial)),
                              code="bad_range")
    return first, last


def card_faces_pdf(card_range: CardRange) -> bytes:
    """One A4 page of ten card faces of the range's shop (WeasyPrint): everything but serials and QR codes."""
    from flask import render_template
    from weasyprint import HTML

    from .card_sheets import GEOMETRY

    shop = db.session.get(Shop, card_range.shop_id)
    street = db.session.get(Street, shop.street_id)
    html = render_template("pdf/card_faces.html", positions=GEOMETRY.positions(), g=GEOMETRY, shop=shop,
                           street=street, hotlines=street.hotlines or [])
    return HTML(string=html).write_pdf()


def card_sheet_pdf(card_range: CardRange, base_url: str, first: int | None = None, last: int | None = None,
                   progress=None) -> bytes:
    """A4 PDF of cards at real size (90 × 54 mm, 10 a page) for serials ``first``–``last`` of an
    issued range (C2), any number of them (``services.card_sheets``: one laid-out page of faces,
    each card's serial and QR code drawn over a copy per page).

    Each card carries its serial, the shop, blanks for goods/time/amount/phone, the 包退包换
    promise, the street's hotlines and a QR code to ``base_url``/cards/verify?serial=NNN.
    ``progress(done, total)`` is called after each page. ValidationError outside the range.
    """
    from .card_sheets import render

    first, last = check_sheet_range(card_range, first, last)
    base = base_url.rstrip("/")
    cards = [{"serial": fmt_serial(n), "url": f"{base}/cards/verify?serial={fmt_serial(n)}"}
             for n in range(first, last + 1)]
    return render(card_faces_pdf(card_range), cards, progress)


# ---------------------------------------------------------------- spot checks (C4)

def serial_problem(shop: Shop, serial: int | None) -> str | None:
    """Why a serial seen in a spot check is not this shop's card, or None (SPEC C3/C4).

    Another shop's card → "此卡属于 X，不是本店发放的卡"; a genuine card issued to nobody →
    "该编号尚未发放给任何商户"; a serial in no registered batch → "该编号不在登记批次中（疑似伪造卡）".
    """
    if serial is None:
        return None
    found = verify(serial)
    if found.state == "forged":
        return Msg(N_("该编号不在登记批次中（疑似伪造卡）"))
    if found.state == "not_issued":
        return Msg(N_("该编号尚未发放给任何商户"))
    if found.shop.id != shop.id:
        return Msg(N_("此卡属于 %(shop)s，不是本店发放的卡"), shop=found.shop.name)
    return None


def record_card_check(actor: User, shop: Shop, serial: int | None, card_given: bool, note: str = "",
                      at: datetime | None = None, submission_token: str | None = None) -> CardCheck:
    """Record a spot check among consumers; a miss escalates by C4.

    The serial, when seen, is verified (``serial_problem``): a card of another shop, a genuine
    card issued to nobody, or a serial in no batch (forged) means this shop's own card did not go
    with the goods, so the check is recorded as a miss (C4 "card not given with goods") with the
    reason at the start of the note.
    Misses of the shop in [at − 12 months, at) are counted: none → verbal warning (logged, not a
    bad record); one or more (default setting) → yellow card, which also writes a BadRecord.
    ``submission_token``: one-time form token; re-submitting it returns the first check (a double
    tap neither records twice nor escalates).
    Returns the check with ``consequence`` "none" | "verbal_warning" | "yellow_card".
    """
    if actor is None or actor.role not in ("inspector", "admin"):
        raise ValidationError("只有巡查员或管理员可以登记查验", code="not_inspector")
    if submission_token:
        existing = once.by_token(CardCheck, submission_token)
        if existing is not None:
            return existing
    if shop.status != "active":
        raise ValidationError(Msg(N_("商户“%(shop)s”已歇业，不能登记"), shop=shop.name), code="shop_closed")
    at = as_utc(at) if at else utcnow()
    note = check_length(clean_prose(note), 1000, label=N_("查验说明"))
    problem = serial_problem(shop, serial)
    if problem:
        card_given = False
        note = check_length(f"{problem}，按未随货同行处理。{note}", 1100, label=N_("查验说明"))
    consequence = "none"
    settings = rule_settings()
    if not card_given:
        start, _ = year_window(at, settings.timezone)
        earlier = db.session.scalars(select(CardCheck.checked_at).where(
            CardCheck.shop_id == shop.id, CardCheck.card_given.is_(False),
            CardCheck.checked_at >= start, CardCheck.checked_at < at)).all()
        consequence = card_rules.escalate(card_rules.misses_in_year_before(earlier, at, settings), settings)
    check = CardCheck(shop_id=shop.id, inspector_id=actor.id, serial=serial, card_given=bool(card_given),
                      consequence=consequence, note=note, checked_at=at, submission_token=submission_token or None)
    check, created = once.add_once(check)
    if not created:  # a concurrent submission of the same token won the race
        return check
    audit.record(actor, "card_check.record", "card_check", check.id, None, audit.snapshot(check))
    if consequence != "none" and card_rules.is_bad_record(consequence):
        record = BadRecord(shop_id=shop.id, kind="yellow_card", card_check_id=check.id, recorded_at=at,
                           description=f"信誉卡未随货同行（{at.astimezone(settings.zone):%Y-%m-%d}查验）")
        db.session.add(record)
        db.session.flush()
        audit.record(actor, "bad_record.create", "bad_record", record.id, None, audit.snapshot(record))
    return check


