"""The demo street: the shipped ledger plus one year of activity, through the screens' own services.

Deterministic: every choice comes from ``random.Random(SEED)``, and every instant is placed a
drawn number of days before "now" (1–364, so inside the last four completed quarters plus the
current one), so two loads give the same counts. Flushes, never commits (the CLI commits).

Ballots and grades reach further back when needed (``ballot_quarters``): to the first quarter of
the year of the last completed fourth quarter, so that year's annual stars can be proposed and
confirmed (SPEC S4) and the public board's 称号 column shows titled shops (issue 17).
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from ..demo import LEDGER_PATH
from ..domain.complaints import Outcome
from ..domain.time import Quarter, as_utc, local_date, local_midnight, quarter_of
from ..extensions import db
from ..models import InspectorGroup, OutboxMessage, Shop, Street, User
from ..models.types import utcnow
from . import accounts, audit, demo_city, patrol_plan, shops

SEED = 20261129
STREET_NAME = "城关××街"
HOTLINES = [{"label": "消费者投诉举报热线", "number": "12315"},
            {"label": "满意街值班电话", "number": "0719-8123456"}]
DUTY_HOURS = "07:30–18:00"
ADMIN = ("admin", "admin-demo-2026")
INSPECTOR_PASSWORD = "inspector-demo-2026"  # nosec B105  # published demo login, printed by `flask demo load`
SUPERVISOR_PASSWORD = "supervisor-demo-2026"  # nosec B105  # published demo login, printed by `flask demo load`
N_INSPECTORS, N_GROUPS, N_SUPERVISORS = 12, 4, 10
CARD_BATCH = (1, 40_000)
CARDS_PER_SHOP = 200
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
CATEGORY_OF_INDUSTRY = {"服装": "服装鞋帽", "鞋类": "服装鞋帽", "化妆品": "化妆品", "家电": "家用电器",
                        "食品": "食品", "餐饮": "餐饮服务", "日杂": "日用百货", "百货": "日用百货",
                        "烟草": "烟酒", "药品": "药品保健品"}
HOTSPOT_CATEGORY = "家用电器"
TRADES = {"clothing": "服装", "cosmetics": "化妆品", "appliances": "家电", "shoes": "鞋类"}
TOOTHPASTE = [("范磊超市", 216, "serious"), ("熊记超市行", 168, "general"), ("武记超市坊", 120, "general")]

Progress = Callable[[str], None]


def login_lines() -> list[str]:
    """The demo logins, printed by every ``flask demo load`` (also with --if-empty)."""
    return [
        "演示账号（仅供演示，正式使用前请删除或改密码）：",
        f"  管理员   {ADMIN[0]} / {ADMIN[1]}",
        f"  巡查员   inspector1 … inspector{N_INSPECTORS} / {INSPECTOR_PASSWORD}",
        f"  监督员   supervisor1 … supervisor{N_SUPERVISORS} / {SUPERVISOR_PASSWORD}",
        "  网址     http://127.0.0.1:5000/",
        *demo_city.login_lines(),
    ]


def ballot_quarters(current: Quarter) -> list[Quarter]:
    """The quarters the demo votes in and grades, oldest first: the four completed before
    ``current``, extended back to Q1 of the last completed Q4's year (SPEC S3 looks at four quarters,
    S4 confirms the Q4 grades). 2026Q4 → 2025Q1 … 2026Q3 (7); 2027Q1 → 2026Q1 … 2026Q4 (4);
    2026Q3 → 2025Q1 … 2026Q2 (6)."""
    last = current.prev()
    last_q4 = last if last.q == 4 else Quarter(last.year - 1, 4)
    first = min(last.prev().prev().prev(), Quarter(last_q4.year, 1))
    out = [first]
    while out[-1] != last:
        out.append(out[-1].next())
    return out


def last_title_year(current: Quarter) -> int:
    """The year whose annual stars the demo confirms: that of the last completed Q4 (SPEC S4)."""
    last = current.prev()
    return last.year if last.q == 4 else last.year - 1


class _Demo:
    def __init__(self, now: datetime, progress: Progress | None):
        self.rng = random.Random(SEED)  # nosec B311  # deterministic demo data, not a secret
        self.now = as_utc(now)
        self.say = progress or (lambda text: None)

    # ---- time helpers: a day `days_ago` days before today, at a local working hour
    def at(self, days_ago: int, hour: float | None = None) -> datetime:
        tz = self.street.timezone
        day = local_date(self.now, tz) - timedelta(days=days_ago)
        hour = self.rng.uniform(8.0, 17.5) if hour is None else hour
        return as_utc(local_midnight(day, tz) + timedelta(minutes=int(hour * 60)))

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2)))

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def run(self) -> list[str]:
        self.street, _ = shops.get_or_create_street(None, STREET_NAME, hotlines=HOTLINES, duty_hours=DUTY_HOURS)
        report = shops.import_ledger(None, self.street, LEDGER_PATH)
        self.say(report.lines()[0])
        self.shops = list(db.session.scalars(db.select(Shop).where(Shop.street_id == self.street.id)
                                              .order_by(Shop.id)))
        self.people()
        self.industry_groups()
        self.cards()
        self.exams_trainings_agreements()
        self.ballots()
        self.complaints()
        self.flag_overdue()
        self.hotspot()
        self.patrols()
        self.card_checks()
        self.grades()
        self.annual_titles()
        patrol_plan.create_plan(self.admin, self.street, quarter_of(self.now, self.street.timezone), self.rng.randrange(2 ** 32), self.now)
        self.warnings()
        return [f"演示数据已加载：{self.street.name}，商户 {len(self.shops)} 户。"]

    def people(self) -> None:
        sid = self.street.id
        self.admin = accounts.create_user(None, ADMIN[0], ADMIN[1], "admin", "专班管理员", street_id=sid,
                                          temporary=False)  # published demo logins
        self.groups = []
        for g in range(1, N_GROUPS + 1):
            group = InspectorGroup(street_id=sid, name=f"第{g}巡查组")
            db.session.add(group)
            db.session.flush()
            audit.record(self.admin, "inspector_group.create", "inspector_group", group.id, None, audit.snapshot(group))
            self.groups.append(group)
        self.inspectors = [
            accounts.create_user(self.admin, f"inspector{i}", INSPECTOR_PASSWORD, "inspector",
                                 f"巡查员{self.name()}", street_id=sid, group_id=self.groups[(i - 1) % N_GROUPS].id,
                                 temporary=False)
            for i in range(1, N_INSPECTORS + 1)]
        self.supervisors = [
            accounts.create_user(self.admin, f"supervisor{i}", SUPERVISOR_PASSWORD, "supervisor",
                                 f"监督员{self.name()}", street_id=sid, temporary=False)
            for i in range(1, N_SUPERVISORS + 1)]
        # The demo backfills its quarters of history: its people were on duty all along, so S2's
        # "active supervisors at the quarter's end" counts all ten (quorum 5), not none (quorum 3).
        on_duty_since = as_utc(ballot_quarters(quarter_of(self.now, self.street.timezone))[0].prev()
                               .start(self.street.timezone))
        for user in (self.admin, *self.inspectors, *self.supervisors):
            user.created_at = on_duty_since
        db.session.flush()
        self.say(f"账号：管理员 1，巡查员 {N_INSPECTORS}（{N_GROUPS} 组），监督员 {N_SUPERVISORS}")

    def industry_groups(self) -> None:
        from . import patrols

        for trade, industry in TRADES.items():
            group = patrols.create_industry_group(self.admin, self.street.id, trade)
            for shop in self.shops:
                if shop.industry == industry:
                    patrols.add_member(self.admin, group, shop)

    def cards(self) -> None:
        from . import cards

        printed = local_date(self.at(360), self.street.timezone)
        batch = cards.register_batch(self.admin, self.street, "商品质量信誉卡第一批", *CARD_BATCH, printed_on=printed)
        self.card_range = {}
        for i, shop in enumerate(self.shops):
            first = CARD_BATCH[0] + i * CARDS_PER_SHOP
            cards.issue_range(self.admin, batch, shop, first, first + CARDS_PER_SHOP - 1, printed + timedelta(days=3))
            self.card_range[shop.id] = first
        self.say(f"信誉卡：印制 {CARD_BATCH[1] - CARD_BATCH[0] + 1} 张，发放 {len(self.shops) * CARDS_PER_SHOP} 张")

    def exams_trainings_agreements(self) -> None:
        from . import exams

        sign_day = local_date(self.at(330), self.street.timezone)
        for shop in self.shops:
            exams.record_agreement(self.admin, shop, sign_day, shop.principal or shop.name, "消费者满意街创建责任状")
        topics = ["《消费者权益保护法》解读", "《产品质量法》与进货查验", "明码标价与价格欺诈", "商品质量信誉卡使用"]
        for n, topic in enumerate(topics):
            held_on = local_date(self.at(320 - n * 90), self.street.timezone)
            exams.record_training(self.admin, self.street.id, held_on, topic,
                                  [s.id for s in self.rng.sample(self.shops, 40)])
        taken = self.at(200, 9.0)
        for shop in self.shops:
            score = self.rng.randint(40, 58) if self.rng.random() < 0.03 else self.rng.randint(62, 99)
            exams.record_exam(self.admin, shop, taken, score, 60, "法规知识考试")

    def ballots(self) -> None:
        from . import ballots

        quarters = ballot_quarters(quarter_of(self.now, self.street.timezone))
        conflicts = {(self.supervisors[0].id, self.shops[0].id), (self.supervisors[3].id, self.shops[10].id)}
        for sup_id, shop_id in sorted(conflicts):
            ballots.declare_conflict(self.admin, db.session.get(User, sup_id), db.session.get(Shop, shop_id),
                                     "亲属经营")
        quality = {s.id: self.rng.choices([0.97, 0.8, 0.5], weights=[80, 15, 5])[0] for s in self.shops}
        count = 0
        # The older quarters draw from their own generator, so the last four's ballots and all that
        # follows (complaints, patrols, …) are the same whatever the load date's quarter.
        older = random.Random(SEED + 1)  # nosec B311  # deterministic demo data, not a secret
        for quarter in quarters:
            rng = self.rng if quarter in quarters[-4:] else older
            cast_at = as_utc(quarter.end(self.street.timezone) - timedelta(days=5, hours=14))
            for shop in self.shops:
                on_list = ballots.on_ballot_list(shop, quarter)  # a shop opened later is not voted on
                voters = rng.sample(self.supervisors, rng.randint(2, 3) if rng.random() < 0.04
                                    else rng.randint(6, 9))
                for sup in voters:
                    marks = {c: rng.random() < quality[shop.id]
                             for c in ("lawful", "service", "compliance", "honesty")}
                    if (sup.id, shop.id) in conflicts or not on_list:
                        continue
                    ballots.cast_ballot(sup, shop, quarter, marks, cast_at)
                    count += 1
            self.say(f"投票：{quarter.label_zh}")
        self.quarters: list[Quarter] = quarters
        self.say(f"投票：{len(quarters)} 个季度共 {count} 张选票")

    def flag_overdue(self) -> None:
        """Flag items whose deadline passed, as the daily job would have (notifications use the flag)."""
        from . import complaints as svc

        svc.flag_overdue(self.now, street_id=self.street.id)  # a street loaded into a city reads only itself

    def complaints(self) -> None:
        from . import complaints as svc

        channels = ["online", "hotline", "hotline", "box", "walk_in", "transfer_12315"]
        for n in range(72):
            days_ago = self.rng.randint(1, 364)
            shop = self.rng.choice(self.shops)
            kind = self.rng.choices(["complaint", "report", "inquiry"], weights=[80, 8, 12])[0]
            channel = self.rng.choice(channels)
            inspector = self.rng.choice(self.inspectors)
            amount = self.rng.choice([38, 59, 128, 199, 268, 399, 880, 1299])
            category = CATEGORY_OF_INDUSTRY.get(shop.industry, "其他")
            received = self.at(days_ago, self.rng.uniform(7.5, 17.9) if channel == "hotline" else None)
            data = {"kind": kind, "shop_id": shop.id if kind != "inquiry" else None,
                    "title": {"complaint": "商品质量问题要求退货", "report": "举报销售假冒商品",
                              "inquiry": "咨询退换货规定"}[kind],
                    "goods": f"{shop.industry}商品", "goods_category": category, "amount": str(amount),
                    "description": f"在{shop.name}购买的商品出现问题，与商家协商未果。",
                    "demand": "退货退款" if kind == "complaint" else "",
                    "consumer_name": self.name(), "consumer_phone": self.phone()}
            actor = None if channel == "online" else inspector
            c, _ = svc.file_complaint(actor, self.street, data, None, channel=channel, now=received)
            roll = self.rng.random()
            fault = self.rng.random() < 0.2
            if kind != "complaint" or days_ago < 4:
                continue
            if roll < 0.08:
                svc.refuse_complaint(inspector, c, "not_consumption", now=received + timedelta(days=1))
                continue
            svc.accept_complaint(inspector, c, now=received + timedelta(days=1))
            if days_ago < 12:
                continue
            svc.add_mediation_note(inspector, c, "已联系商家，组织双方调解。", now=received + timedelta(days=3))
            if roll < 0.72:
                remedy = self.rng.choice(["refund", "exchange", "repair", "compensation"])
                outcome = Outcome("agreement", {remedy}, amount * 100 if remedy in ("refund", "compensation") else 0)
            else:
                outcome = Outcome(self.rng.choice(["no_agreement", "withdrawn", "referred"]))
            refused = outcome.kind == "no_agreement" and self.rng.random() < 0.3
            closed = received + timedelta(days=8)
            svc.close_complaint(inspector, c, outcome, shop_at_fault=fault and outcome.kind == "agreement",
                                refused_mediation=refused, now=closed)
            if days_ago > 12 and self.rng.random() < 0.5:
                svc.confirm_outcome(c, now=closed + timedelta(days=2))
        self.say("投诉举报咨询：72 件")

    def hotspot(self) -> None:
        """A consumer-warning hotspot relative to the load date (SPEC W1): 5 appliance complaints in
        the last 30 days (3 or more needed), so the daily scan drafts a warning for the admin.
        Its own RNG keeps the rest of the demo's draws unchanged."""
        from . import complaints as svc

        rng = random.Random(SEED + 1)  # nosec B311  # deterministic demo data, not a secret
        appliance = [s for s in self.shops if CATEGORY_OF_INDUSTRY.get(s.industry) == HOTSPOT_CATEGORY] or self.shops
        for days_ago in (2, 5, 9, 14, 20):
            shop, inspector = rng.choice(appliance), rng.choice(self.inspectors)
            received = self.at(days_ago, rng.uniform(8.0, 17.0))
            data = {"kind": "complaint", "shop_id": shop.id, "title": "新买的电器不能正常使用",
                    "goods": f"{shop.industry}商品", "goods_category": HOTSPOT_CATEGORY,
                    "amount": str(rng.choice([299, 699, 1599])), "description": f"在{shop.name}购买的电器使用几天即出现故障。",
                    "demand": "退货退款", "consumer_name": self.name(), "consumer_phone": self.phone()}
            c, _ = svc.file_complaint(inspector, self.street, data, None, channel="hotline", now=received)
            if days_ago >= 4:
                svc.accept_complaint(inspector, c, now=received + timedelta(days=1))

    def warnings(self) -> None:
        from .warnings import draft_hotspot_warnings

        drafts = draft_hotspot_warnings(self.now, street_id=self.street.id)
        self.say(f"消费警示：近30天投诉热点，生成待审核草稿 {len(drafts)} 条")

    def patrols(self) -> None:
        from . import patrols as svc
        from ..models import CHECKLIST

        kinds = {"counterfeit": "counterfeit", "advertising": "false_advertising", "prices": "price_fraud",
                 "licence": "no_licence", "ledger": "no_ledger"}
        basis = {"counterfeit": "《产品质量法》第三十二条", "false_advertising": "《广告法》第二十八条",
                 "price_fraud": "《价格法》第十四条", "no_licence": "《市场主体登记管理条例》第三十六条",
                 "no_ledger": "《食品安全法》第五十三条"}
        for n in range(180):
            days_ago = self.rng.randint(1, 364)
            group = self.rng.choice(self.groups)
            inspector = self.rng.choice([i for i in self.inspectors if i.group_id == group.id])
            shop = self.rng.choice(self.shops)
            failed = self.rng.choice(list(kinds)) if self.rng.random() < 0.1 else None
            checklist = {item: ("fail" if item == failed else "pass") for item in CHECKLIST}
            at = self.at(days_ago)
            patrol = svc.record_patrol(inspector, shop, group, checklist, note="例行巡查", at=at)
            if failed:
                severity = "serious" if self.rng.random() < 0.2 else "general"
                kind = kinds[failed]
                svc.raise_violation(inspector, shop, patrol, severity, kind, basis[kind],
                                    f"巡查发现{shop.name}{svc.CHECKLIST_LABELS[failed]}不合格",
                                    penalty="责令改正，警告" if severity == "general" else "立案查处",
                                    fine_yuan="" if severity == "general" else "2000",
                                    checklist_item=failed, at=at + timedelta(minutes=20))
        # The toothpaste special action (SPEC P2): 504 支 seized from 3 supermarkets (216 + 168 + 120).
        inspector = self.inspectors[0]
        day = self.at(100, 9.0)
        action = svc.create_special_action(inspector, self.street.id, "牙膏质量专项检查",
                                           local_date(day, self.street.timezone), "查处假冒牙膏")
        by_name = {s.name: s for s in self.shops}
        for i, (name, quantity, severity) in enumerate(TOOTHPASTE):
            shop = by_name[name]
            at = day + timedelta(minutes=40 * i)
            checklist = {item: ("fail" if item == "counterfeit" else "pass") for item in CHECKLIST}
            patrol = svc.record_patrol(inspector, shop, self.groups[0], checklist, note="牙膏专项检查",
                                       special_action=action, at=at)
            svc.raise_violation(inspector, shop, patrol, severity, "counterfeit", basis["counterfeit"],
                                f"销售假冒注册商标牙膏{quantity}支", penalty="没收假冒牙膏，罚款",
                                fine_yuan="5000" if severity == "serious" else "1000",
                                seizures=[("假冒牙膏", str(quantity), "支")], checklist_item="counterfeit",
                                at=at + timedelta(minutes=15))
        self.say("巡查：183 次（含牙膏专项检查 3 家超市）")

    def card_checks(self) -> None:
        from . import cards

        plan = []
        for n in range(60):
            shop = self.rng.choice(self.shops)
            plan.append((self.rng.randint(1, 300), shop, self.rng.random() >= 0.08))
        repeat = self.shops[20]  # one shop missed twice: a verbal warning, then a yellow card (C4)
        plan += [(250, repeat, False), (120, repeat, False)]
        for days_ago, shop, given in sorted(plan, key=lambda p: (-p[0], p[1].id)):
            serial = self.card_range[shop.id] + self.rng.randrange(CARDS_PER_SHOP) if given else None
            cards.record_card_check(self.rng.choice(self.inspectors), shop, serial, given,
                                    note="" if given else "消费者反映未随货提供信誉卡", at=self.at(days_ago))
        self.say(f"信誉卡查验：{len(plan)} 次")

    def grades(self) -> None:
        try:
            from . import grading
        except ImportError:  # pragma: no cover - the grading service ships with the app
            return
        for quarter in self.quarters:
            grading.recompute(quarter, self.now, street_id=self.street.id, trigger="demo", actor=self.admin)
        self.say(f"信用等级：已计算 {self.quarters[0].label_zh} 至 {self.quarters[-1].label_zh}")

    def annual_titles(self) -> None:
        """The admin proposes and confirms the last completed year's annual stars (SPEC S4): its
        4-star shops are titled 消费者满意企业（门店） on the board."""
        from . import awards

        year = last_title_year(quarter_of(self.now, self.street.timezone))
        awards.propose_annual_stars(self.admin, self.street.id, year, self.now)
        n = awards.confirm_annual_stars(self.admin, self.street.id, year, self.now)
        self.say(f"年度星级：{year}年已确认 {n} 户")


def load_demo(now: datetime | None = None, progress: Progress | None = None) -> list[str]:
    """Load the demo street into an empty database; returns the summary lines (Chinese).

    Raises ValidationError if the demo street already exists (the CLI's --if-empty checks first).
    """
    from ..domain.errors import ValidationError

    if db.session.scalar(db.select(Street.id).where(Street.name == STREET_NAME)):
        raise ValidationError(f"演示商业街“{STREET_NAME}”已存在", code="demo_exists")
    now = now or utcnow()
    demo = _Demo(now, progress)
    lines = demo.run()
    if not demo_city.is_loaded():  # the city: a second street beside the ledger's (SPEC Y1)
        lines += demo_city.load_second_street(demo.street, now)
    # The year of generated history queued the SMS its events would have sent; sending them now
    # (the scheduler's first run: ~100 messages printed by the console sender, QA) would tell
    # nobody anything. What the newcomer does from here is queued and sent as usual.
    dropped = db.session.execute(db.delete(OutboxMessage).where(OutboxMessage.status == "pending")).rowcount
    if dropped:
        lines.append(f"演示历史中的 {dropped} 条短信不再发送（之后的新操作照常发送）")
    return lines
