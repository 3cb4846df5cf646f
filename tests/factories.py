"""Test factories (CTFd's gen_* / indico's create_* style): each adds and flushes, never commits."""
import itertools
from datetime import date

from creditstreet.extensions import db
from creditstreet.models import DisabledPeriod, InspectorGroup, Shop, Street, User

PASSWORD = "correct-horse-9"
_seq = itertools.count(1)

# A valid USCC pool (checked with stdnum.cn.uscc), taken from the shipped ledger.
VALID_USCC = [
    "924203814DRG14WKEC", "92420381AXL5T17H86", "92420381MFY2N3RBM4", "92420381CW6CHQ48H8",
    "924203818XK45CNKDA", "92420381CPKNWUWMC9", "92420381K6RXY9PHR2", "9242038108FM6BDTDU",
    "92420381ERK158R3BU", "92420381X5CATBPTBD", "9242038119DTY5YCL0", "92420381R8J1AQHLN0",
]


def make_street(name: str = "城关××街", **kw) -> Street:
    street = Street(name=name, timezone="Asia/Shanghai",
                    hotlines=kw.pop("hotlines", [{"label": "投诉热线", "number": "0719-12315"},
                                                 {"label": "值班电话", "number": "0719-8123456"}]), **kw)
    db.session.add(street)
    db.session.flush()
    return street


def make_shop(street: Street, name: str | None = None, uscc: str | None = None, **kw) -> Shop:
    from creditstreet.domain.text import search_key

    n = next(_seq)
    name = name or f"测试商店{n}"
    shop = Shop(
        street_id=street.id,
        uscc=uscc or f"TEST{n:014d}",
        name=name,
        search_key=search_key(name),
        ownership=kw.pop("ownership", "individual"),
        industry=kw.pop("industry", "服装"),
        house_number=kw.pop("house_number", f"{n}号"),
        opened_on=kw.pop("opened_on", date(2010, 1, 1)),
        **kw,
    )
    db.session.add(shop)
    db.session.flush()
    return shop


def make_group(street: Street, name: str | None = None) -> InspectorGroup:
    group = InspectorGroup(street_id=street.id, name=name or f"第{next(_seq)}巡查组")
    db.session.add(group)
    db.session.flush()
    return group


def make_user(role: str = "inspector", username: str | None = None, street: Street | None = None,
              password: str = PASSWORD, **kw) -> User:
    user = User(username=username or f"{role}{next(_seq)}", role=role,
                display_name=kw.pop("display_name", f"{role}-用户"),
                street_id=street.id if street else None, **kw)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if user.disabled:  # as accounts.set_disabled keeps it: disabled since created
        db.session.add(DisabledPeriod(user_id=user.id, started_at=user.created_at))
        db.session.flush()
    return user
