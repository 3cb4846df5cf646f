"""Patrols, violations, special actions and industry groups (SPEC P1–P4).

Every function takes the acting user explicitly, flushes, never commits, and writes the audit
log (SPEC A1). Rejections are ``ValidationError`` / ``InvalidTransition`` with Chinese messages.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from ..domain.errors import InvalidTransition, ValidationError
from ..domain.text import clean_prose, check_length, clean_text
from ..extensions import db
from ..models import (
    CHECKLIST,
    SEVERITIES,
    TRADES,
    VIOLATION_KINDS,
    IndustryGroup,
    IndustryGroupMember,
    InspectorGroup,
    Patrol,
    PeerFinding,
    Seizure,
    Shop,
    SpecialAction,
    User,
    Violation,
    utcnow,
)
from . import audit, once
from . import photos as photo_service

#: The P1 checklist with Chinese labels, in form order.
CHECKLIST_LABELS = {
    "licence": "主体资格有效、亮证经营",
    "ledger": "进销货台帐、进货索票",
    "advertising": "无虚假宣传",
    "counterfeit": "无假冒伪劣商品",
    "prices": "明码标价",
    "cards": "信誉卡随货同行",
}
RESULT_LABELS = {"pass": "合格", "fail": "不合格", "na": "未检查"}  # nosec B105  # checklist result labels
KIND_LABELS = {
    "counterfeit": "假冒伪劣商品",
    "false_advertising": "虚假宣传",
    "price_fraud": "价格欺诈",
    "no_licence": "无照或未亮证经营",
    "no_ledger": "未建台帐或未索票",
    "other": "其他",
}
SEVERITY_LABELS = {"general": "一般", "serious": "严重"}
TRADE_LABELS = {"clothing": "服装", "cosmetics": "化妆品", "appliances": "家电", "shoes": "鞋类"}
#: The violation kind a failed checklist item suggests (SPEC P2).
KIND_FOR_ITEM = {
    "counterfeit": "counterfeit",
    "advertising": "false_advertising",
    "prices": "price_fraud",
    "licence": "no_licence",
    "ledger": "no_ledger",
    "cards": "other",
}
MAX_NOTE = 2000


def _require_staff(actor: User | None) -> None:
    if actor is None or actor.role not in ("inspector", "admin"):
        raise ValidationError("只有巡查员或管理员可以进行此操作", code="not_inspector")


def _require_active_shop(shop: Shop | None) -> Shop:
    if shop is None:
        raise ValidationError("请选择商户", code="no_shop")
    if shop.status != "active":
        raise ValidationError(f"商户“{shop.name}”已歇业，不能登记", code="shop_closed")
    return shop


# ---------------------------------------------------------------- patrols (P1)

def record_patrol(actor: User, shop: Shop, group: InspectorGroup | None, checklist: dict[str, str],
                  note: str = "", photos=(), special_action: SpecialAction | None = None,
                  submission_token: str | None = None, at: datetime | None = None) -> Patrol:
    """Record one patrol of ``shop`` with the P1 checklist (SPEC P1).

    ``checklist``: item → "pass" | "fail" | "na" for every item of CHECKLIST (missing → "na").
    ``photos``: uploaded files (werkzeug FileStorage or file-like), re-encoded without metadata.
    ``submission_token``: one-time form token; re-submitting it returns the first patrol.
    Raises ValidationError (Chinese) on an unknown item/result, a group or action of another
    street, a closed shop, a too-long note or a bad photo.
    """
    _require_staff(actor)
    if submission_token:
        existing = once.by_token(Patrol, submission_token)
        if existing is not None:
            return existing
    _require_active_shop(shop)
    unknown = set(checklist) - set(CHECKLIST)
    if unknown:
        raise ValidationError(f"未知的检查项目：{'、'.join(sorted(unknown))}", code="bad_item")
    results = {item: (checklist.get(item) or "na") for item in CHECKLIST}
    for item, value in results.items():
        if value not in RESULT_LABELS:
            raise ValidationError(f"“{CHECKLIST_LABELS[item]}”的检查结果“{value}”无效", code="bad_result")
    if group is not None and group.street_id != shop.street_id:
        raise ValidationError("巡查组不属于该商户所在的商业街", code="bad_group")
    if special_action is not None and special_action.street_id != shop.street_id:
        raise ValidationError("专项检查不属于该商户所在的商业街", code="bad_action")
    note = check_length(clean_prose(note), MAX_NOTE, label="巡查记录")
    # Same upload rules as complaints: at most 5 photos of photos.max_photo_mb() each (Chinese refusal).
    prepared = photo_service.prepare([_read(p) for p in (photos or ()) if p is not None])

    patrol = Patrol(shop_id=shop.id, group_id=group.id if group else None, inspector_id=actor.id,
                    special_action_id=special_action.id if special_action else None,
                    patrolled_at=at or utcnow(), note=note, submission_token=submission_token or None,
                    **results)
    patrol, created = once.add_once(patrol)
    if not created:  # a concurrent submission of the same token won the race
        return patrol
    photo_service.attach(prepared, patrol_id=patrol.id)
    audit.record(actor, "patrol.record", "patrol", patrol.id, None,
                 audit.snapshot(patrol, ("shop_id", "group_id", "special_action_id", "patrolled_at",
                                         *CHECKLIST, "note")))
    db.session.flush()
    return patrol


def _read(upload) -> bytes:
    """The bytes of an upload (FileStorage, file-like or bytes); an empty file part gives b""."""
    if isinstance(upload, bytes):
        return upload
    return upload.read()


def failed_items(patrol: Patrol) -> list[str]:
    """The checklist items the patrol marked "fail", in checklist order."""
    return [item for item in CHECKLIST if getattr(patrol, item) == "fail"]


# ---------------------------------------------------------------- violations (P2)

def parse_yuan(text: object, label: str = "罚款金额") -> int:
    """Parse a yuan amount ("200", "200.5", "1,000.00") into integer fen; "" → 0."""
    raw = clean_text(text).replace(",", "").replace("，", "").removesuffix("元")
    if not raw:
        return 0
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(f"{label}“{text}”不是有效的金额", code="bad_amount") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"{label}应为不小于0、最多两位小数的金额", code="bad_amount")
    if value > Decimal("100000000"):
        raise ValidationError(f"{label}过大", code="bad_amount")
    return int(value * 100)


MAX_SEIZED_QUANTITY = 10_000_000  # counts per row; anything larger is a typo (and fits a 32-bit column)


def _parse_seizures(rows) -> list[tuple[str, int, str]]:
    out = []
    for n, row in enumerate(rows or (), start=1):
        goods, qty, unit = (clean_text(x) for x in (list(row) + ["", "", ""])[:3])
        if not goods and not qty and not unit:
            continue  # an empty row of the form
        if not goods:
            raise ValidationError(f"第{n}行扣押物品缺少品名", code="seizure_goods")
        check_length(goods, 200, label="扣押物品品名")
        if not qty.isascii() or not qty.isdigit() or not 0 < int(qty) <= MAX_SEIZED_QUANTITY:
            raise ValidationError(f"第{n}行扣押物品“{goods}”的数量应为 1 到 {MAX_SEIZED_QUANTITY} 之间的整数",
                                  code="seizure_qty")
        if not unit:
            raise ValidationError(f"第{n}行扣押物品“{goods}”缺少单位（如支、件、盒）", code="seizure_unit")
        check_length(unit, 12, label="单位")
        out.append((goods, int(qty), unit))
    return out


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
    ``violation_for_item``). Raises ValidationError (Chinese) on any invalid field.
    """
    _require_staff(actor)
    if submission_token:
        existing = once.by_token(Violation, submission_token)
        if existing is not None:
            return existing
    _require_active_shop(shop)
    if severity not in SEVERITIES:
        raise ValidationError("请选择违法行为的严重程度（一般或严重）", code="bad_severity")
    if kind not in VIOLATION_KINDS:
        raise ValidationError("请选择违法行为类别", code="bad_kind")
    if checklist_item and checklist_item not in CHECKLIST:
        raise ValidationError(f"未知的检查项目“{checklist_item}”", code="bad_item")
    if patrol is not None and patrol.shop_id != shop.id:
        raise ValidationError("该巡查记录不属于此商户", code="patrol_shop")
    legal_basis = check_length(clean_prose(legal_basis), 500, label="法律依据")
    description = check_length(clean_prose(description), 2000, label="违法事实")
    penalty = check_length(clean_prose(penalty), 500, label="处理处罚")
    if not description:
        raise ValidationError("请填写违法事实", code="no_description")
    if not legal_basis:
        raise ValidationError("请填写法律依据", code="no_legal_basis")
    fine_fen = parse_yuan(fine_yuan)
    rows = _parse_seizures(seizures)
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
            raise ValidationError(f"该检查项已登记违法行为 #{earlier.id}", code="item_has_violation")

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


# ---------------------------------------------------------------- special actions (P3)

def create_special_action(actor: User, street_id: int, theme: str, action_on: date, note: str = "") -> SpecialAction:
    """Create a special enforcement action (专项检查) with a theme and a date (SPEC P3)."""
    _require_staff(actor)
    theme = check_length(clean_prose(theme), 200, label="专项检查主题")
    if not theme:
        raise ValidationError("请填写专项检查主题", code="no_theme")
    if not isinstance(action_on, date):
        raise ValidationError("请填写专项检查日期", code="no_date")
    action = SpecialAction(street_id=street_id, theme=theme, action_on=action_on,
                           note=check_length(clean_prose(note), MAX_NOTE, label="说明"))
    db.session.add(action)
    db.session.flush()
    audit.record(actor, "special_action.create", "special_action", action.id, None,
                 audit.snapshot(action))
    return action


def attach_patrol(actor: User, action: SpecialAction, patrol: Patrol) -> Patrol:
    """Put an existing patrol under a special action of the same street (SPEC P3)."""
    _require_staff(actor)
    shop = db.session.get(Shop, patrol.shop_id)
    if shop.street_id != action.street_id:
        raise ValidationError("该巡查记录不属于此专项检查所在的商业街", code="bad_action")
    before = patrol.special_action_id
    patrol.special_action_id = action.id
    db.session.flush()
    audit.record(actor, "patrol.attach_action", "patrol", patrol.id,
                 {"special_action_id": before}, {"special_action_id": action.id})
    return patrol


@dataclass(frozen=True)
class SeizedTotal:
    goods: str
    unit: str
    quantity: int
    shops: int


@dataclass(frozen=True)
class ActionTotals:
    """A special action's totals (SPEC P3): patrols, distinct shops, violations, goods seized."""

    patrols: int
    shops_checked: int
    violations: int
    serious: int
    seized: tuple[SeizedTotal, ...]


def special_action_totals(action: SpecialAction) -> ActionTotals:
    """Totals of a special action; seized goods summed per (goods, unit), e.g. 504 支 toothpaste."""
    patrols = db.session.scalars(select(Patrol).where(Patrol.special_action_id == action.id)).all()
    patrol_ids = [p.id for p in patrols]
    violations = []
    if patrol_ids:
        violations = db.session.scalars(select(Violation).where(Violation.patrol_id.in_(patrol_ids))).all()
    qty: dict[tuple[str, str], int] = defaultdict(int)
    shops: dict[tuple[str, str], set[int]] = defaultdict(set)
    for v in violations:
        for s in v.seizures:
            qty[(s.goods, s.unit)] += s.quantity
            shops[(s.goods, s.unit)].add(v.shop_id)
    seized = tuple(SeizedTotal(g, u, q, len(shops[(g, u)])) for (g, u), q in sorted(qty.items()))
    return ActionTotals(len(patrols), len({p.shop_id for p in patrols}), len(violations),
                        sum(1 for v in violations if v.severity == "serious"), seized)


# ---------------------------------------------------------------- industry groups (P4)

def create_industry_group(actor: User, street_id: int, trade: str, name: str = "") -> IndustryGroup:
    """Create the street's industry supervision group for one trade (SPEC P4)."""
    _require_staff(actor)
    if trade not in TRADES:
        raise ValidationError("请选择行业", code="bad_trade")
    exists = db.session.scalar(select(IndustryGroup).where(IndustryGroup.street_id == street_id,
                                                           IndustryGroup.trade == trade))
    if exists is not None:
        raise ValidationError(f"本街已有{TRADE_LABELS[trade]}行业监督小组", code="group_exists")
    group = IndustryGroup(street_id=street_id, trade=trade,
                          name=clean_text(name) or f"{TRADE_LABELS[trade]}行业监督小组")
    db.session.add(group)
    db.session.flush()
    audit.record(actor, "industry_group.create", "industry_group", group.id, None, audit.snapshot(group))
    return group


def add_member(actor: User, group: IndustryGroup, shop: Shop) -> IndustryGroupMember:
    """Add a shop of the group's street to an industry group (idempotent)."""
    _require_staff(actor)
    if shop.street_id != group.street_id:
        raise ValidationError("该商户不在本商业街", code="bad_street")
    member = db.session.scalar(select(IndustryGroupMember).where(IndustryGroupMember.group_id == group.id,
                                                                 IndustryGroupMember.shop_id == shop.id))
    if member is None:
        member = IndustryGroupMember(group_id=group.id, shop_id=shop.id)
        db.session.add(member)
        db.session.flush()
        audit.record(actor, "industry_group.add_member", "industry_group", group.id, None, {"shop_id": shop.id})
    return member


def members(group: IndustryGroup) -> list[Shop]:
    """The group's member shops, by house number."""
    return list(db.session.scalars(
        select(Shop).join(IndustryGroupMember, IndustryGroupMember.shop_id == Shop.id)
        .where(IndustryGroupMember.group_id == group.id).order_by(Shop.house_sort, Shop.id)))


def record_peer_finding(actor: User, group: IndustryGroup, shop: Shop, description: str,
                        suggested_kind: str = "other", at: datetime | None = None) -> PeerFinding:
    """Record an industry group's peer finding about a member shop; pending until confirmed (P4)."""
    _require_staff(actor)
    is_member = db.session.scalar(select(IndustryGroupMember.id).where(
        IndustryGroupMember.group_id == group.id, IndustryGroupMember.shop_id == shop.id))
    if is_member is None:
        raise ValidationError(f"“{shop.name}”不是{group.name}的成员", code="not_member")
    if suggested_kind not in VIOLATION_KINDS:
        raise ValidationError("请选择问题类别", code="bad_kind")
    description = check_length(clean_prose(description), MAX_NOTE, label="发现的问题")
    if not description:
        raise ValidationError("请填写发现的问题", code="no_description")
    finding = PeerFinding(industry_group_id=group.id, shop_id=shop.id, description=description,
                          suggested_kind=suggested_kind, found_at=at or utcnow())
    db.session.add(finding)
    db.session.flush()
    audit.record(actor, "peer_finding.record", "peer_finding", finding.id, None, audit.snapshot(finding))
    return finding


def confirm_peer_finding(inspector: User, finding: PeerFinding, severity: str, legal_basis: str,
                         kind: str | None = None, penalty: str = "", fine_yuan: object = "",
                         seizures=(), at: datetime | None = None) -> Violation:
    """An inspector confirms a pending peer finding: it becomes a Violation (SPEC P4)."""
    _require_staff(inspector)
    if finding.status != "pending":
        raise InvalidTransition("该发现已处理，不能再确认", code="finding_decided")
    shop = db.session.get(Shop, finding.shop_id)
    violation = raise_violation(inspector, shop, None, severity, kind or finding.suggested_kind,
                                legal_basis, finding.description, penalty, fine_yuan, seizures, at=at)
    finding.status, finding.decided_by, finding.violation_id = "confirmed", inspector.id, violation.id
    db.session.flush()
    audit.record(inspector, "peer_finding.confirm", "peer_finding", finding.id,
                 {"status": "pending"}, {"status": "confirmed", "violation_id": violation.id})
    return violation


def dismiss_peer_finding(inspector: User, finding: PeerFinding, reason: str = "") -> PeerFinding:
    """An inspector dismisses a pending peer finding; no violation is recorded (SPEC P4)."""
    _require_staff(inspector)
    if finding.status != "pending":
        raise InvalidTransition("该发现已处理，不能再驳回", code="finding_decided")
    finding.status, finding.decided_by = "dismissed", inspector.id
    db.session.flush()
    audit.record(inspector, "peer_finding.dismiss", "peer_finding", finding.id,
                 {"status": "pending"}, {"status": "dismissed", "reason": clean_prose(reason)})
    return finding


# ---------------------------------------------------------------- licence flags and shop picking

def licence_flags(shops, today: date) -> dict[int, str]:
    """Shops whose licence expired before ``today`` (street-local date), flagged before a visit.

    Returns shop id → Chinese message. A shop with ``licence_no_expiry`` or no expiry date is
    not flagged; a licence is still valid on its expiry day.
    """
    flags = {}
    for shop in shops:
        if shop.licence_no_expiry or shop.licence_expires_on is None:
            continue
        if shop.licence_expires_on < today:
            flags[shop.id] = f"营业执照已于{shop.licence_expires_on.isoformat()}过期"
    return flags


def house_number_value(text: str) -> int | None:
    """The first run of digits in a house number ("128号" → 128, "东18-2" → 18); None if none."""
    digits = ""
    for ch in clean_text(text):
        if ch.isascii() and ch.isdigit():
            digits += ch
        elif digits:
            break
    return int(digits) if digits else None


def nearest_shops(shops, house_number: str, limit: int = 10) -> list[Shop]:
    """Shops sorted by numeric distance of their house number to ``house_number`` (unnumbered last)."""
    target = house_number_value(house_number)
    if target is None:
        raise ValidationError("请输入门牌号中的数字，如 128", code="bad_house_number")

    def distance(shop):
        n = house_number_value(shop.house_number)
        return (n is None, abs(n - target) if n is not None else 0, shop.house_number, shop.id)

    return sorted(shops, key=distance)[:limit]
