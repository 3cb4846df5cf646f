"""Accounts and roles (SPEC §2): inspectors in groups, supervisors with declared conflicts, admins."""
from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .types import UTCDateTime, utcnow

ROLES = ("inspector", "supervisor", "admin", "merchant")


class InspectorGroup(db.Model):
    __tablename__ = "inspector_groups"
    __table_args__ = (UniqueConstraint("street_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    name: Mapped[str] = mapped_column(String(60))


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(60))
    # Mobile for the overdue digests (SMS outbox); "" = none.
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    role: Mapped[str] = mapped_column(String(16))  # one of ROLES
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    street_id: Mapped[Optional[int]] = mapped_column(ForeignKey("streets.id"))
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inspector_groups.id"))
    shop_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shops.id"), index=True)  # merchant's shop (M1)
    # Changes when the password changes or the account is disabled: invalidates remembered logins.
    session_epoch: Mapped[int] = mapped_column(default=0)
    #: A password someone else set (a new account, an admin's reset): the next login must change it.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Optional[InspectorGroup]] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login reads this on every request (CASES K-08)
        return not self.disabled

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class SupervisorConflict(db.Model):
    """A supervisor's declared conflict of interest with a shop: blocks voting on it (SPEC S1)."""

    __tablename__ = "supervisor_conflicts"
    __table_args__ = (UniqueConstraint("supervisor_id", "shop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DisabledPeriod(db.Model):
    """A span an account was disabled: [started_at, ended_at), ended_at None while it still is.

    Kept by ``services.accounts.set_disabled``, so the number of active supervisors at a past
    quarter's end (SPEC S2 quorum) does not change when an account is disabled later.
    """

    __tablename__ = "disabled_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
