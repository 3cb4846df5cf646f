"""Patrols, violations, seizures, special actions and industry groups (SPEC §8)."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain import records as rec
from ..extensions import db
from .types import UTCDateTime, utcnow

# The P1 checklist, in order; each item is "pass", "fail" or "na" (not checked).
CHECKLIST = ("licence", "ledger", "advertising", "counterfeit", "prices", "cards")
SEVERITIES = ("general", "serious")
VIOLATION_KINDS = ("counterfeit", "false_advertising", "price_fraud", "no_licence", "no_ledger", "other")
TRADES = ("clothing", "cosmetics", "appliances", "shoes")


def domain_violation_kind(kind: str) -> str:
    """This model's violation kind in ``domain.records.VIOLATION_KINDS`` ("no_licence" is "unlicensed";
    an unknown kind is "other")."""
    kind = {"no_licence": "unlicensed"}.get(kind, kind)
    return kind if kind in rec.VIOLATION_KINDS else "other"


def domain_bad_record_kind(kind: str) -> str | None:
    """This model's bad-record kind in ``domain.records.BAD_RECORD_KINDS`` ("complaint_fault" is
    "complaint_at_fault"); None for a kind the rules do not count."""
    kind = {"complaint_fault": "complaint_at_fault"}.get(kind, kind)
    return kind if kind in rec.BAD_RECORD_KINDS else None


def violation_tail(severity: str, kind: str, description: str | None) -> str:
    """The stored ``Violation.reason_tail``: ``domain.records.violation_tail`` of this row (SPEC G3)."""
    return rec.violation_tail(severity, domain_violation_kind(kind), rec.summary_of(description))


def bad_record_tail(kind: str, description: str | None) -> str:
    """The stored ``BadRecord.reason_tail`` ('' for a kind the rules do not count)."""
    kind = domain_bad_record_kind(kind)
    return rec.bad_record_tail(kind, rec.summary_of(description)) if kind else ""


def _violation_tail_default(context) -> str:
    row = context.get_current_parameters()
    return violation_tail(row["severity"], row["kind"], row.get("description"))


def _bad_record_tail_default(context) -> str:
    row = context.get_current_parameters()
    return bad_record_tail(row["kind"], row.get("description"))


class SpecialAction(db.Model):
    """A special enforcement action grouping many patrols under one theme and date (SPEC P3)."""

    __tablename__ = "special_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    theme: Mapped[str] = mapped_column(String(200))
    action_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class Patrol(db.Model):
    __tablename__ = "patrols"
    __table_args__ = (Index("ix_patrols_shop_at", "shop_id", "patrolled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inspector_groups.id"))
    inspector_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    special_action_id: Mapped[Optional[int]] = mapped_column(ForeignKey("special_actions.id"), index=True)
    patrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    licence: Mapped[str] = mapped_column(String(4), default="na")
    ledger: Mapped[str] = mapped_column(String(4), default="na")
    advertising: Mapped[str] = mapped_column(String(4), default="na")
    counterfeit: Mapped[str] = mapped_column(String(4), default="na")
    prices: Mapped[str] = mapped_column(String(4), default="na")
    cards: Mapped[str] = mapped_column(String(4), default="na")
    note: Mapped[str] = mapped_column(Text, default="")
    submission_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)

    violations: Mapped[list["Violation"]] = relationship(back_populates="patrol")


class Rectification(db.Model):
    """A failed checklist item's order to rectify by ``due_on`` (working days, issue 17), closed by
    a later patrol of the shop that passes the item (a re-inspection)."""

    __tablename__ = "rectifications"
    __table_args__ = (UniqueConstraint("patrol_id", "checklist_item"),
                      Index("ix_rectifications_open", "shop_id", "closed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrols.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    checklist_item: Mapped[str] = mapped_column(String(12))  # one of CHECKLIST
    workdays: Mapped[int] = mapped_column()
    due_on: Mapped[date] = mapped_column(Date)  # the street's local date
    ordered_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_by_patrol_id: Mapped[Optional[int]] = mapped_column(ForeignKey("patrols.id"))


class Violation(db.Model):
    """A violation, general or serious (SPEC P2); counts toward grades (G1) and stars (S3)."""

    __tablename__ = "violations"
    __table_args__ = (Index("ix_violations_shop_at", "shop_id", "recorded_at"),
                      # a patrol's and a special action's violations (not a scan of the city's, Y3)
                      Index("ix_violations_patrol", "patrol_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    patrol_id: Mapped[Optional[int]] = mapped_column(ForeignKey("patrols.id"))
    severity: Mapped[str] = mapped_column(String(8))  # one of SEVERITIES
    kind: Mapped[str] = mapped_column(String(20))  # one of VIOLATION_KINDS
    checklist_item: Mapped[Optional[str]] = mapped_column(String(12))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    penalty: Mapped[str] = mapped_column(Text, default="")
    fine_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # fen, 64-bit
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    submission_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)  # one-time form token
    #: Its reason's text after the date (SPEC G3), kept by the domain rule on every insert and update
    #: through SQLAlchemy, so the quarterly grading copies it (services/grade_batch.py). The server
    #: default '' is only for rows older than migration 0003, which fills them.
    reason_tail: Mapped[str] = mapped_column(String(120), default=_violation_tail_default, server_default="")
    #: Void by an upheld objection (SPEC M4): kept, never counted again. Repaired (M5): not counted
    #: at any grading instant T >= repaired_at. Both None for an ordinary record.
    void_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    repaired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    patrol: Mapped[Optional[Patrol]] = relationship(back_populates="violations")
    seizures: Mapped[list["Seizure"]] = relationship(cascade="all, delete-orphan")


class Seizure(db.Model):
    """Goods seized under a violation, with count and unit (e.g. 504 支 toothpaste)."""

    __tablename__ = "seizures"

    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), index=True)
    goods: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(12))


class IndustryGroup(db.Model):
    """Merchants of one trade inspecting each other (SPEC P4)."""

    __tablename__ = "industry_groups"
    __table_args__ = (UniqueConstraint("street_id", "trade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    trade: Mapped[str] = mapped_column(String(20))  # one of TRADES
    name: Mapped[str] = mapped_column(String(60))


class IndustryGroupMember(db.Model):
    __tablename__ = "industry_group_members"
    __table_args__ = (UniqueConstraint("group_id", "shop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("industry_groups.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))


class PeerFinding(db.Model):
    """An industry group's finding; becomes a Violation only when an inspector confirms it (P4)."""

    __tablename__ = "peer_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    industry_group_id: Mapped[int] = mapped_column(ForeignKey("industry_groups.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    description: Mapped[str] = mapped_column(Text)
    suggested_kind: Mapped[str] = mapped_column(String(20), default="other")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|confirmed|dismissed
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    violation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("violations.id"))


class BadRecord(db.Model):
    """A credit-file entry that is not a violation: yellow card, fault in a complaint, refused mediation."""

    __tablename__ = "bad_records"
    __table_args__ = (Index("ix_bad_records_shop_at", "shop_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(20))  # yellow_card | complaint_at_fault | refused_mediation (domain.records.BAD_RECORD_KINDS)
    complaint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaints.id"), unique=True)
    card_check_id: Mapped[Optional[int]] = mapped_column(ForeignKey("card_checks.id"), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Its reason's text after the date (SPEC G3), kept on every insert and update (see Violation).
    reason_tail: Mapped[str] = mapped_column(String(120), default=_bad_record_tail_default, server_default="")
    void_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # SPEC M4, see Violation
    repaired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # SPEC M5, see Violation
    #: Withdrawn when the consumer reopened its complaint (SPEC K5: the final closing decides): no
    #: longer counted; the next closing at fault or refusing mediation reinstates the row, dated then.
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


@event.listens_for(Violation, "before_update")
def _violation_changed(_mapper, _connection, target: Violation) -> None:
    target.reason_tail = violation_tail(target.severity, target.kind, target.description)


@event.listens_for(BadRecord, "before_update")
def _bad_record_changed(_mapper, _connection, target: BadRecord) -> None:
    target.reason_tail = bad_record_tail(target.kind, target.description)
