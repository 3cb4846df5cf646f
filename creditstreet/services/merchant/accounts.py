"""Merchant accounts (SPEC M1): created by an admin, or by the shop's staff with a one-time invitation."""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from ...domain.errors import ValidationError
from ...domain.time import as_utc
from ...extensions import db
from ...models import MerchantInvitation, Shop, User
from ...models.types import utcnow
from .. import accounts, audit

#: Days an invitation stays usable.
INVITATION_DAYS = 30
#: Unambiguous letters and digits (no 0/O, 1/I/L); 12 of them ≈ 2^59.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalize_code(code: object) -> str:
    """A typed code as stored: upper case, no spaces or dashes."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def create_invitation(actor: User, shop: Shop, now: datetime | None = None) -> tuple[MerchantInvitation, str]:
    """A one-time sign-up code for ``shop`` (SPEC M1), valid INVITATION_DAYS days.

    Returns (invitation, code); only the code's SHA-256 is stored, so it is shown once.
    """
    if shop.status != "active":
        raise ValidationError("该商户已关闭，不能发放邀请码", code="shop_closed")
    now = as_utc(now) if now else utcnow()
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    inv = MerchantInvitation(shop_id=shop.id, code_hash=_hash(code), created_by=actor.id, created_at=now,
                             expires_at=now + timedelta(days=INVITATION_DAYS))
    db.session.add(inv)
    db.session.flush()
    audit.record(actor, "merchant.invite", "merchant_invitation", inv.id, None,
                 {"shop_id": shop.id, "expires_at": inv.expires_at.isoformat()})
    return inv, code


def pretty_code(code: str) -> str:
    """The code in groups of four for printing: ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def create_merchant(actor: User | None, shop: Shop, username: str, password: str,
                    display_name: str = "", temporary: bool = True) -> User:
    """A merchant login bound to ``shop`` (SPEC M1); several per shop. ValidationError as create_user."""
    if shop.status != "active":
        raise ValidationError("该商户已关闭", code="shop_closed")
    user = accounts.create_user(actor, username, password, "merchant", display_name, street_id=shop.street_id,
                                temporary=temporary)
    user.shop_id = shop.id
    db.session.flush()
    audit.record(actor, "merchant.bind", "user", user.id, None, {"shop_id": shop.id})
    return user


def sign_up(code: object, username: str, password: str, password2: str, display_name: str = "",
            now: datetime | None = None) -> User:
    """Redeem an invitation code: a merchant login for its shop; the code is then used up (M1).

    ValidationError "bad_invitation" for an unknown, used or expired code (one message for all three),
    or the account errors of ``services.accounts.create_user``.
    """
    now = as_utc(now) if now else utcnow()
    if password != password2:
        raise ValidationError("两次输入的密码不一致", code="password_mismatch")
    key = normalize_code(code)
    inv = db.session.scalar(select(MerchantInvitation).where(MerchantInvitation.code_hash == _hash(key))
                            .with_for_update()) if key else None
    if inv is None or inv.used_at is not None or as_utc(inv.expires_at) <= now:
        raise ValidationError("邀请码无效、已使用或已过期，请向市场监管所索取新的邀请码", code="bad_invitation")
    shop = db.session.get(Shop, inv.shop_id)
    user = create_merchant(None, shop, username, password, display_name, temporary=False)  # chose it themselves
    inv.used_at, inv.used_by = now, user.id
    db.session.flush()
    audit.record(user, "merchant.sign_up", "merchant_invitation", inv.id, None, {"shop_id": shop.id, "user_id": user.id})
    return user


def merchants_of(shop_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "merchant", User.shop_id == shop_id)
                                   .order_by(User.id)))


def open_invitations(shop_id: int, now: datetime | None = None) -> list[MerchantInvitation]:
    now = as_utc(now) if now else utcnow()
    return list(db.session.scalars(select(MerchantInvitation).where(
        MerchantInvitation.shop_id == shop_id, MerchantInvitation.used_at.is_(None),
        MerchantInvitation.expires_at > now).order_by(MerchantInvitation.id)))
