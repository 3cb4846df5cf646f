"""Industry supervision groups and their peer findings, confirmed or dismissed by an inspector (SPEC P4)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...domain.errors import InvalidTransition, ValidationError
from ...domain.i18n import Msg, N_
from ...domain.text import check_length, clean_prose, clean_text
from ...extensions import db
from ...models import TRADES, VIOLATION_KINDS, IndustryGroup, IndustryGroupMember, PeerFinding, Shop, User, Violation, utcnow
from .. import audit
from .common import MAX_NOTE, TRADE_LABELS, _require_staff
from .violations import raise_violation


def create_industry_group(actor: User, street_id: int, trade: str, name: str = "") -> IndustryGroup:
    """Create the street's industry supervision group for one trade (SPEC P4)."""
    _require_staff(actor)
    if trade not in TRADES:
        raise ValidationError("请选择行业", code="bad_trade")
    exists = db.session.scalar(select(IndustryGroup).where(IndustryGroup.street_id == street_id,
                                                           IndustryGroup.trade == trade))
    if exists is not None:
        raise ValidationError(Msg(N_("本街已有%(trade)s行业监督小组"), trade=Msg(TRADE_LABELS[trade])), code="group_exists")
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
        raise ValidationError(Msg(N_("“%(shop)s”不是%(group)s的成员"), shop=shop.name, group=group.name), code="not_member")
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
