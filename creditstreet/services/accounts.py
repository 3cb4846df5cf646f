"""Accounts: create, disable, authenticate, end sessions (SPEC §2, CASES K-08, issue 13 §5–6)."""
import secrets
from datetime import datetime
from functools import cache

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.errors import ValidationError
from ..domain.i18n import Msg, N_
from ..domain.passwords import check_password
from ..domain.time import as_utc
from ..domain.usernames import check_username
from ..extensions import db
from ..models import ROLES, DisabledPeriod, User, utcnow
from . import audit


def create_user(actor: User | None, username: str, password: str, role: str, display_name: str = "",
                street_id: int | None = None, group_id: int | None = None, temporary: bool = True) -> User:
    """Create an account. Raises ValidationError (Chinese message) on a bad role, a name outside
    ``domain.usernames`` (3–30 of letters, digits, _ - .), a weak password (``domain.passwords``)
    or a taken name (case does not count: "Admin" is taken by "admin"). ``temporary``: the password
    was chosen for the user, who must change it at the first login (the demo's published accounts
    pass False)."""
    if role not in ROLES:
        raise ValidationError(Msg(N_("角色必须是 %(roles)s 之一"), roles=", ".join(ROLES)), code="bad_role")
    username = check_username(username)
    check_password(password, username)
    taken = db.session.scalar(select(User.username).where(func.lower(User.username) == username.lower()).limit(1))
    if taken == username:
        raise ValidationError(Msg(N_("用户名 %(username)s 已存在"), username=username), code="username_taken")
    if taken is not None:  # "Admin" beside "admin": one person types either at the login
        raise ValidationError(Msg(N_("用户名 %(username)s 与已有的 %(taken)s 只差大小写，请换一个"),
                                  username=username, taken=taken), code="username_taken")
    check_scope(actor, role, street_id, group_id)
    user = User(username=username, role=role, display_name=display_name or username,
                street_id=street_id, group_id=group_id, must_change_password=temporary)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, None, audit.snapshot(user))
    return user


def check_scope(actor: User | None, role: str, street_id: int | None, group_id: int | None) -> None:
    """SPEC Y2: a street admin acts on its own street only; a group belongs to the account's street.

    A city admin (no street) may create accounts on any street or city-wide (city admins, city-wide
    supervisors); an inspector in a group is on that group's street. ValidationError otherwise.
    """
    from ..models import InspectorGroup

    if actor is not None and actor.street_id is not None and street_id != actor.street_id:
        raise ValidationError("街道管理员只能为本街建立账号", code="street_scope")
    if role == "inspector" and group_id is not None:
        group = db.session.get(InspectorGroup, group_id)
        if group is None or group.street_id != street_id:
            raise ValidationError("所选巡查组不属于该商业街", code="group_street")


def set_disabled(actor: User | None, user: User, disabled: bool, now: datetime | None = None) -> User:
    """Disable or re-enable an account; a disabled one loses access on its next request.

    A change of state opens or closes the account's DisabledPeriod at ``now`` (UTC instant,
    default the current time), which past quarters' supervisor counts read (SPEC S2).
    """
    now = as_utc(now) if now is not None else utcnow()
    before = audit.snapshot(user, ("disabled", "session_epoch"))
    if disabled and not user.disabled:
        db.session.add(DisabledPeriod(user_id=user.id, started_at=now))
    elif not disabled and user.disabled:
        for period in db.session.scalars(select(DisabledPeriod).where(DisabledPeriod.user_id == user.id,
                                                                      DisabledPeriod.ended_at.is_(None))):
            period.ended_at = now
    user.disabled = disabled
    user.session_epoch += 1  # remembered logins stop matching
    db.session.flush()
    audit.record(actor, "user.disable" if disabled else "user.enable", "user", user.id, before,
                 audit.snapshot(user, ("disabled", "session_epoch")))
    return user


def reset_password(actor: User | None, user: User, password: str) -> User:
    """Set a new password; remembered logins of the account stop working, and the user must change
    it at the next login (someone else chose it). ValidationError on a weak one (domain.passwords)."""
    check_password(password, user.username)
    before = audit.snapshot(user, ("session_epoch", "must_change_password"))
    user.set_password(password)
    user.session_epoch += 1
    user.must_change_password = actor is None or actor.id != user.id
    db.session.flush()
    # The action says what changed; neither the password nor its hash is ever logged.
    audit.record(actor, "user.password_reset", "user", user.id, before,
                 audit.snapshot(user, ("session_epoch", "must_change_password")))
    return user


def change_own_password(user: User, current: str, new: str, repeat: str) -> User:
    """The user sets their own password (issue 17: forced at the first login after someone else set
    it). Checks the current one, the repeat and the strength rule; every other login of the account
    ends (session token rotated). ValidationError in Chinese."""
    if not user.check_password(current or ""):
        raise ValidationError("当前密码不正确", code="bad_current_password")
    if (new or "") != (repeat or ""):
        raise ValidationError("两次输入的新密码不一致", code="password_mismatch")
    if new == current:
        raise ValidationError("新密码不能与当前密码相同", code="password_unchanged")
    check_password(new, user.username)
    before = audit.snapshot(user, ("session_epoch", "must_change_password"))
    user.set_password(new)
    user.session_epoch += 1
    user.must_change_password = False
    db.session.flush()
    audit.record(user, "user.password_change", "user", user.id, before,
                 audit.snapshot(user, ("session_epoch", "must_change_password")))
    return user


def end_sessions(user: User) -> User:
    """Rotate the account's session token (``User.session_epoch``, carried in the session and the
    remember-me cookie as Flask-Login's alternative id): every existing login of it stops working.

    Called at logout; password changes and disabling rotate it too. Not audited (a logout is
    not a change to the account).
    """
    user.session_epoch += 1
    db.session.flush()
    return user


@cache
def _dummy_hash() -> str:
    # Same method and cost as stored passwords, so checking it takes as long as a real check.
    return generate_password_hash(secrets.token_hex(16))


def _by_name(username: str) -> User | None:
    """The account named ``username``: exactly, else the one account whose name differs only in
    case (users type "Admin" for "admin"; new names cannot collide so, ``create_user``). Accounts
    made before that rule may still share a name up to case: then only the exact name matches."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None or not username:
        return user
    found = db.session.scalars(select(User).where(func.lower(User.username) == username.lower()).limit(2)).all()
    return found[0] if len(found) == 1 else None


def authenticate(username: str, password: str) -> User:
    """The active user with these credentials.

    Raises ValidationError "bad_credentials" (same for a wrong name or password) or
    "account_disabled" (right password, disabled account). An unknown name costs one password
    hash check like a known one, so the answer's time does not tell which names exist.
    """
    user = _by_name((username or "").strip())
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        raise ValidationError("用户名或密码错误", code="bad_credentials")
    if not user.check_password(password or ""):
        raise ValidationError("用户名或密码错误", code="bad_credentials")
    if user.disabled:
        raise ValidationError("账号已停用，请联系管理员", code="account_disabled")
    return user


def page_of_users(street_id: int | None, page: int | None, q: object = "", role: str = ""):
    """One page (``services.paging.Page``, 50 rows) of accounts by role, then login name (SPEC Y3:
    a city has an account per shop for its merchants). ``street_id``: that street's accounts, or
    None for every account (a city admin). ``q``: part of the login name or the person's name
    (case ignored in the login name); ``role``: one of ``ROLES``, anything else is no filter."""
    from ..domain.text import clean_text
    from .paging import paginate

    where = [] if street_id is None else [User.street_id == street_id]
    q = clean_text(q)[:60]
    if q:
        where.append(or_(func.lower(User.username).contains(q.lower(), autoescape=True),
                         User.display_name.contains(q, autoescape=True)))
    if role in ROLES:
        where.append(User.role == role)
    stmt = (select(User).options(selectinload(User.group)).where(*where)
            .order_by(User.role, User.username, User.id))
    return paginate(stmt, page, key=User.id)

