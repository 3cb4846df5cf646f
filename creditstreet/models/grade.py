"""Quarter results, credit grades, annual stars and patrol plans (SPEC S2–S4, G1–G5)."""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class QuarterResult(db.Model):
    """A shop's ballots tallied for one quarter (SPEC S2): counts and which criteria passed."""

    __tablename__ = "quarter_results"
    __table_args__ = (UniqueConstraint("shop_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    quarter: Mapped[str] = mapped_column(String(6))
    ballots: Mapped[int] = mapped_column(default=0)
    quorum: Mapped[int] = mapped_column(default=0)
    yes_lawful: Mapped[int] = mapped_column(default=0)
    yes_service: Mapped[int] = mapped_column(default=0)
    yes_compliance: Mapped[int] = mapped_column(default=0)
    yes_honesty: Mapped[int] = mapped_column(default=0)
    quorum_reached: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[list] = mapped_column(JSON, default=list)  # criteria names that passed


class CreditGrade(db.Model):
    """A shop's internal grade as of a quarter end, with its reasons (SPEC G1–G4).

    ``stars`` is None when not yet rated (待评定). ``reasons`` is a list of
    ``{"kind", "id", "text"}``; ``improves_on`` is the local date the last blocking record leaves
    the one-year window; ``missing_criteria`` lists criteria still needed for A.
    """

    __tablename__ = "credit_grades"
    __table_args__ = (
        UniqueConstraint("shop_id", "quarter"),
        Index("ix_credit_grades_quarter_grade", "quarter", "grade"),
        # The board's stars per street (services.board): read from the index alone (Y3).
        Index("ix_credit_grades_shop_quarter_stars", "shop_id", "quarter", "stars"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    quarter: Mapped[str] = mapped_column(String(6))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    grade: Mapped[str] = mapped_column(String(1))
    stars: Mapped[Optional[int]]
    criteria: Mapped[list] = mapped_column(JSON, default=list)  # earned criteria
    settings_version: Mapped[int] = mapped_column(default=1)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    improves_on: Mapped[Optional[date]] = mapped_column(Date)
    missing_criteria: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GradeRun(db.Model):
    """One recompute of a quarter: who or what started it, progress, and when it finished."""

    __tablename__ = "grade_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    street_id: Mapped[Optional[int]] = mapped_column(ForeignKey("streets.id"))
    trigger: Mapped[str] = mapped_column(String(20))  # scheduler | cli | admin | catch_up
    shops: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class AnnualStar(db.Model):
    """The year's confirmed stars (SPEC S4): 4 → satisfied-shop title; 1–3 → licence mark."""

    __tablename__ = "annual_stars"
    __table_args__ = (UniqueConstraint("shop_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    year: Mapped[int]
    stars: Mapped[Optional[int]]
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="proposed")  # proposed|confirmed|revoked
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")


class PatrolPlan(db.Model):
    """A quarter's double-random patrol draw (SPEC G5); seed and inputs stored for re-running."""

    __tablename__ = "patrol_plans"
    __table_args__ = (UniqueConstraint("street_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    quarter: Mapped[str] = mapped_column(String(6))
    seed: Mapped[int] = mapped_column(BigInteger)  # 0 ≤ seed < 2**32 (secrets.randbits(32))
    inputs: Mapped[dict] = mapped_column(JSON)  # shops with grades, groups, rates
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class PatrolPlanItem(db.Model):
    __tablename__ = "patrol_plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "shop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("patrol_plans.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("inspector_groups.id"))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    grade: Mapped[Optional[str]] = mapped_column(String(1))
