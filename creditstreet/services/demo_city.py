"""The demo city (SPEC Y1–Y2): a second, smaller street beside the shipped ledger's, and a city admin.

滨江路美食街 (slug ``binjiang``): 24 shops of our own making (valid USCCs, computed check digits),
its own street admin, 4 inspectors in 2 groups, 6 supervisors, a card batch that continues the
first street's serials (serials are unique city-wide), four quarters of ballots, complaints and
grades — through the same services as the first street, deterministic (its own seeded RNG).
Flushes, never commits (the CLI commits).
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from stdnum.cn import uscc as uscc_rules

from ..domain.complaints import Outcome
from ..domain.time import as_utc, local_date, local_midnight, quarter_of
from ..extensions import db
from ..models import InspectorGroup, Shop, Street
from . import accounts, audit, shops, streets

SEED = 20261207
NAME, SLUG = "滨江路美食街", "binjiang"
FIRST_SLUG = "chengguan"
CITY_ADMIN = ("city", "city-demo-2026")  # nosec B105  # published demo login, printed by `flask demo load`
STREET_ADMIN = ("binjiang-admin", "binjiang-demo-2026")  # nosec B105  # published demo login
PASSWORD = "binjiang-demo-2026"  # nosec B105  # published demo login, printed by `flask demo load`
N_INSPECTORS, N_SUPERVISORS = 4, 6
CARD_BATCH = (40_001, 45_000)
CARDS_PER_SHOP = 200
HOTLINES = [{"label": "消费者投诉举报热线", "number": "12315"},
            {"label": "美食街值班电话", "number": "0719-8654321"}]
# (name, ownership, industry): restaurants and food shops along the river.
SHOPS = [
    ("江畔鱼庄", "private", "餐饮"), ("老码头火锅", "private", "餐饮"), ("滨江烧烤城", "individual", "餐饮"),
    ("王记热干面", "individual", "餐饮"), ("刘家豆皮", "individual", "餐饮"), ("汉味小龙虾", "private", "餐饮"),
    ("江南糕点铺", "individual", "食品"), ("陈记卤味", "individual", "食品"), ("鲜果时光", "individual", "食品"),
    ("粮油副食店", "collective", "食品"), ("渔家乐酒楼", "private", "餐饮"), ("张氏米粉", "individual", "餐饮"),
    ("东坡肉馆", "private", "餐饮"), ("茶香阁", "individual", "餐饮"), ("滨江超市", "state", "百货"),
    ("李记包子", "individual", "餐饮"), ("湘味小厨", "individual", "餐饮"), ("甜蜜烘焙", "individual", "食品"),
    ("夜市炒饭", "individual", "餐饮"), ("酱香饼店", "individual", "食品"), ("清真牛肉面", "individual", "餐饮"),
    ("江鲜大排档", "private", "餐饮"), ("百味干货行", "individual", "食品"), ("河畔咖啡", "private", "餐饮"),
]
CATEGORY = {"餐饮": "餐饮服务", "食品": "食品", "百货": "日用百货"}


def login_lines() -> list[str]:
    """The second street's and the city's demo logins (printed with the first street's)."""
    return [
        f"  市级管理员（全市各街） {CITY_ADMIN[0]} / {CITY_ADMIN[1]}",
        f"  {NAME}管理员 {STREET_ADMIN[0]} / {STREET_ADMIN[1]}",
        f"  {NAME}巡查员 binjiang-inspector1 … binjiang-inspector{N_INSPECTORS} / {PASSWORD}",
        f"  {NAME}监督员 binjiang-supervisor1 … binjiang-supervisor{N_SUPERVISORS} / {PASSWORD}",
        f"  {NAME}公示页 http://127.0.0.1:5000/s/{SLUG}/    全市各街 http://127.0.0.1:5000/streets",
    ]


def demo_uscc(n: int) -> str:
    """A valid 18-character USCC for demo shop ``n`` (an individual business in region 420381)."""
    body = f"92420381CT{n:07d}"  # region 420381, then a 9-character organisation code
    return body + uscc_rules.calc_check_digit(body)


def load_second_street(first: Street, now: datetime) -> list[str]:
    """Name the first street ``chengguan`` and add the second street with a year of activity."""
    streets.set_slug(None, first, FIRST_SLUG)
    streets.set_default(None, first)
    rng = random.Random(SEED)  # nosec B311  # deterministic demo data, not a secret
    street, _ = shops.get_or_create_street(None, NAME, hotlines=HOTLINES, duty_hours="09:00–22:00")
    streets.set_slug(None, street, SLUG)
    city_admin = accounts.create_user(None, *CITY_ADMIN, "admin", "市局管理员", temporary=False)
    admin = accounts.create_user(city_admin, *STREET_ADMIN, "admin", f"{NAME}专班", street_id=street.id,
                                 temporary=False)
    groups = []
    for g in (1, 2):
        group = InspectorGroup(street_id=street.id, name=f"美食街第{g}巡查组")
        db.session.add(group)
        db.session.flush()
        audit.record(admin, "inspector_group.create", "inspector_group", group.id, None, audit.snapshot(group))
        groups.append(group)
    inspectors = [accounts.create_user(admin, f"binjiang-inspector{i}", PASSWORD, "inspector", f"美食街巡查员{i}",
                                       street_id=street.id, group_id=groups[(i - 1) % 2].id, temporary=False)
                  for i in range(1, N_INSPECTORS + 1)]
    supervisors = [accounts.create_user(admin, f"binjiang-supervisor{i}", PASSWORD, "supervisor",
                                        f"美食街监督员{i}", street_id=street.id, temporary=False)
                   for i in range(1, N_SUPERVISORS + 1)]
    on_duty_since = as_utc(quarter_of(now, street.timezone).prev().prev().prev().prev().prev().start(street.timezone))
    for user in (city_admin, admin, *inspectors, *supervisors):
        user.created_at = on_duty_since
    made = [shops.create_shop(admin, street, demo_uscc(i), name, ownership, industry=industry,
                              house_number=f"滨江路{2 * i + 1}号", principal=name[:1] + "经理")
            for i, (name, ownership, industry) in enumerate(SHOPS, start=1)]
    for shop in made:
        shop.opened_on = local_date(on_duty_since, street.timezone) - timedelta(days=400)
    db.session.flush()
    _cards(admin, street, made, now)
    quarters = _ballots(rng, street, made, supervisors, now)
    _complaints(rng, street, made, inspectors, now)
    from . import grading

    for quarter in quarters:
        grading.recompute(quarter, now, street_id=street.id, trigger="demo", actor=admin)
    return [f"演示数据已加载：{NAME}（/s/{SLUG}/），商户 {len(made)} 户。"]


def _cards(admin, street: Street, made: list[Shop], now: datetime) -> None:
    from . import cards

    printed = local_date(now, street.timezone) - timedelta(days=300)
    batch = cards.register_batch(admin, street, "美食街信誉卡第一批", *CARD_BATCH, printed_on=printed)
    for i, shop in enumerate(made):
        first = CARD_BATCH[0] + i * CARDS_PER_SHOP
        cards.issue_range(admin, batch, shop, first, first + CARDS_PER_SHOP - 1, printed + timedelta(days=3))


def _ballots(rng, street: Street, made: list[Shop], supervisors, now: datetime) -> list:
    from . import ballots

    current = quarter_of(now, street.timezone)
    quarters = [current.prev().prev().prev().prev()]
    while len(quarters) < 4:
        quarters.append(quarters[-1].next())
    for quarter in quarters:
        cast_at = as_utc(quarter.end(street.timezone) - timedelta(days=4, hours=14))
        for shop in made:
            good = rng.random() < 0.85
            for sup in rng.sample(supervisors, rng.randint(4, 6)):
                marks = {c: rng.random() < (0.95 if good else 0.6) for c in ("lawful", "service", "compliance", "honesty")}
                ballots.cast_ballot(sup, shop, quarter, marks, cast_at)
    return quarters


def _at(street: Street, now: datetime, days_ago: int, hour: float) -> datetime:
    day = local_date(now, street.timezone) - timedelta(days=days_ago)
    return as_utc(local_midnight(day, street.timezone) + timedelta(minutes=int(hour * 60)))


def _complaints(rng, street: Street, made: list[Shop], inspectors, now: datetime) -> None:
    from . import complaints as svc

    for n in range(18):
        days_ago = rng.randint(5, 340)
        shop, inspector = rng.choice(made), rng.choice(inspectors)
        received = _at(street, now, days_ago, rng.uniform(9.0, 21.0))
        amount = rng.choice([48, 88, 126, 258, 368])
        data = {"kind": "complaint", "shop_id": shop.id, "title": "菜品分量不足、价格与菜单不符",
                "goods": "餐饮服务", "goods_category": CATEGORY.get(shop.industry, "其他"), "amount": str(amount),
                "description": f"在{shop.name}消费，结账金额与菜单标价不一致，与店家协商未果。",
                "demand": "退还多收费用", "consumer_name": "", "consumer_phone": f"139{rng.randrange(10**8):08d}"}
        c, _ = svc.file_complaint(None, street, data, None, channel="online", now=received)
        svc.accept_complaint(inspector, c, now=received + timedelta(days=1))
        if days_ago < 15:
            continue
        svc.add_mediation_note(inspector, c, "已约谈店家，组织双方调解。", now=received + timedelta(days=2))
        agreed = rng.random() < 0.75
        outcome = Outcome("agreement", {"refund"}, amount * 100) if agreed else Outcome("no_agreement")
        svc.close_complaint(inspector, c, outcome, shop_at_fault=agreed and rng.random() < 0.3,
                            refused_mediation=False, now=received + timedelta(days=6))


def is_loaded() -> bool:
    """Whether the second demo street exists already."""
    return db.session.scalar(db.select(Street.id).where(Street.slug == SLUG)) is not None
