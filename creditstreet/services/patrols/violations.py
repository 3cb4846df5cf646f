"""Violations raised from a failed checklist item or directly, with seized goods (SPEC P2)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from ...domain.errors import FieldErrors, ValidationError
from ...domain.i18n import Msg, N_
from ...domain.text import check_length, clean_prose, clean_text
from ...models import CHECKLIST, SEVERITIES, VIOLATION_KINDS, Patrol, Seizure, Shop, User, Violation, utcnow
from ...extensions import db
from .. import audit, once
from .common import _require_active_shop, _require_staff


def parse_yuan(text: object, label: str = N_("罚款金额")) -> int:
    """Parse a yuan amount ("200", "200.5", "1,000.00") into integer fen; "" → 0."""
    raw = clean_text(text).replace(",", "").replace("，", "").removesuffix("元")
    if not raw:
        return 0
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(Msg(N_("%(label)s“%(text)s”不是有效的金额"),
                                  label=Msg(label), text=text), code="bad_amount") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError(Msg(N_("%(label)s应为不小于0、最多两位小数的金额"), label=Msg(label)), code="bad_amount")
    if value > Decimal("100000000"):
        raise ValidationError(Msg(N_("%(label)s过大"), label=Msg(label)), code="bad_amount")
    return int(value * 100)


MAX_SEIZED_QUANTITY = 10_000_000  # counts per row; anything larger is a typo (and fits a 32-bit column)


def _check_seizures(rows) -> tuple[list[tuple[str, int, str]], dict[str, ValidationError]]:
    """The seized-goods rows (goods, quantity, unit) and every row's mistakes, keyed by the form's
    field name ``seizures-<row from 0>-goods|quantity|unit``; empty rows are skipped."""
    out, errors = [], {}
    for n, row in enumerate(rows or (), start=1):
        goods, qty, unit = (clean_text(x) for x in (list(row) + ["", "", ""])[:3])
        if not goods and not qty and not unit:
            continue  # an empty row of the form
        name = f"seizures-{n - 1}-"
        if not goods:
            errors[name + "goods"] = ValidationError(Msg(N_("第%(n)s行扣押物品缺少品名"), n=n), code="seizure_goods")
        else:
            try:
                check_length(goods, 200, label=N_("扣押物品品名"))
            except ValidationError as e:
                errors[name + "goods"] = e
        what = f"“{goods}”" if goods else ""
        if not qty.isascii() or not qty.isdigit() or not 0 < int(qty) <= MAX_SEIZED_QUANTITY:
            errors[name + "quantity"] = ValidationError(
                Msg(N_("第%(n)s行扣押物品%(what)s的数量应为 1 到 %(max_seized_quantity)s 之间的整数"),
                    n=n, what=what, max_seized_quantity=MAX_SEIZED_QUANTITY), code="seizure_qty")
        if not unit:
            errors[name + "unit"] = ValidationError(Msg(N_("第%(n)s行扣押物品%(what)s缺少单位（如支、件、盒）"), n=n, what=what),
                                                    code="seizure_unit")
        else:
            try:
                check_length(unit, 12, label="单位")
            except ValidationError as e:
                errors[name + "unit"] = e
        if not any(k.startswith(name) for k in errors):
            out.append((goods, int(qty), unit))
    return out, errors


def _parse_seizures(rows) -> list[tuple[str, int, str]]:
    """The seized-goods rows; ValidationError for the first wrong row."""
    out, errors = _check_seizures(rows)
    if errors:
        raise next(iter(errors.values()))
    return out


def _check_fields(severity: str, kind: str, legal_basis: object, description: object, penalty: object,
                  fine_yuan: object, seizures) -> dict:
    """Every field of a violation checked at once (issue 17, QA: one error per round was shown).

    Returns the cleaned values; raises FieldErrors {form field name: Chinese message} in form order
    (severity, kind, description, legal_basis, penalty, fine_yuan, seizures-N-…)."""
    errors: dict[str, ValidationError] = {}

    def check(field: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as e:
            errors[field] = e
            return None

    if severity not in SEVERITIES:
        errors["severity"] = ValidationError("请选择违法行为的严重程度（一般或严重）", code="bad_severity")
    if kind not in VIOLATION_KINDS:
        errors["kind"] = ValidationError("请选择违法行为类别", code="bad_kind")
    description = check("description", check_length, clean_prose(description), 2000, label="违法事实")
    if description == "":
        errors["description"] = ValidationError("请填写违法事实", code="no_description")
    legal_basis = check("legal_basis", check_length, clean_prose(legal_basis), 500, label="法律依据")
    if legal_basis == "":
        errors["legal_basis"] = ValidationError("请填写法律依据", code="no_legal_basis")
    penalty = check("penalty", check_length, clean_prose(penalty), 500, label="处理处罚")
    fine_fen = check("fine_yuan", parse_yuan, fine_yuan)
    rows, row_errors = _check_seizures(seizures)
    errors.update(row_errors)
    if errors:
        raise FieldErrors({k: e.message for k, e in errors.items()}, {k: e.code for k, e in errors.items()})
    return dict(legal_basis=legal_basis, description=description, penalty=penalty, fine_fen=fine_fen, rows=rows)


def raise_violation(actor: User, shop: Shop, patrol: Patrol | None, severity: str, kind: str,
                    legal_basis: str, description: str, penalty: str = "", fine_yuan: object = "",
                    seizures=(), checklist_item: str | None = None,
                    at: datetime | None = None, submission_token: str | None = None) -> Violation:
    """Record a violation of ``shop``, from a patrol's failed item or directly (SPEC P2).

    ``severity``: "general" | "serious"; ``kind``: one of VIOLATION_KINDS; ``fine_yuan``: text
    or number in yuan (stored as fen); ``seizures``: rows (goods, quantity, unit), empty rows
    skipped. ``submission_token``: one-time form token; re-submitting it returns the first
    violation (a double tap records one). One patrol item gives at most one violation: a second
    one for the same (patrol, checklist_item) is refused (code ``item_has_violation``, see
    ``violation_for_item``). Raises ``FieldErrors`` naming every invalid field at once (keys: the
    form's field names, see ``_check_fields``), ValidationError for a wrong shop/patrol/item.
    """
    _require_staff(actor)
    if submission_token:
        existing = once.by_token(Violation, submission_token)
        if existing is not None:
            return existing
    _require_active_shop(shop)
    if checklist_item and checklist_item not in CHECKLIST:
        raise ValidationError(Msg(N_("未知的检查项目“%(checklist_item)s”"), checklist_item=checklist_item), code="bad_item")
    if patrol is not None and patrol.shop_id != shop.id:
        raise ValidationError("该巡查记录不属于此商户", code="patrol_shop")
    checked = _check_fields(severity, kind, legal_basis, description, penalty, fine_yuan, seizures)
    legal_basis, description, penalty = checked["legal_basis"], checked["description"], checked["penalty"]
    fine_fen, rows = checked["fine_fen"], checked["rows"]
    if patrol is not None and checklist_item:
        # Lock the patrol row (PostgreSQL; SQLite writers are serialised at BEGIN) so two forms
        # opened for the same failed item cannot both pass this check.
        db.session.execute(select(Patrol.id).where(Patrol.id == patrol.id).with_for_update())
        # The same form sent twice waited on that lock: its twin is now committed, so answer with it.
        twin = once.by_token(Violation, submission_token)
        if twin is not None:
            return twin
        earlier = violation_for_item(patrol, checklist_item)
        if earlier is not None:
            raise ValidationError(Msg(N_("该检查项已登记违法行为 #%(id)s"), id=earlier.id), code="item_has_violation")

    violation = Violation(shop_id=shop.id, patrol_id=patrol.id if patrol else None, severity=severity,
                          kind=kind, checklist_item=checklist_item or None, legal_basis=legal_basis,
                          description=description, penalty=penalty, fine_fen=fine_fen,
                          recorded_at=at or utcnow(), recorded_by=actor.id,
                          submission_token=submission_token or None)
    violation.seizures = [Seizure(goods=g, quantity=q, unit=u) for g, q, u in rows]
    violation, created = once.add_once(violation)
    if not created:  # a concurrent submission of the same token won the race
        return violation
    audit.record(actor, "violation.raise", "violation", violation.id, None,
                 {**audit.snapshot(violation, ("shop_id", "patrol_id", "severity", "kind", "checklist_item",
                                               "legal_basis", "description", "penalty", "fine_fen",
                                               "recorded_at")),
                  "seizures": [list(r) for r in rows]})
    return violation


def violation_for_item(patrol: Patrol | None, checklist_item: str | None) -> Violation | None:
    """The violation already raised from ``patrol``'s failed ``checklist_item``, if any."""
    if patrol is None or not checklist_item:
        return None
    return db.session.scalar(select(Violation).where(Violation.patrol_id == patrol.id,
                                                     Violation.checklist_item == checklist_item)
                             .order_by(Violation.id).limit(1))
