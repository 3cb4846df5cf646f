"""flask demo load: the shipped ledger plus a deterministic year of activity (issue 2, Build 6)."""
import tempfile
from pathlib import Path

from sqlalchemy import distinct, func, select

from creditstreet import create_app
from creditstreet.extensions import db as _db
from creditstreet.models import (
    Ballot, CardBatch, CardRange, Complaint, CreditGrade, IndustryGroup, InspectorGroup, Patrol, QuarterResult,
    Seizure, Shop, Street, User, Violation,
)


def counts() -> dict:
    """Row counts of everything the demo creates (the determinism fingerprint)."""
    models = (Street, Shop, User, InspectorGroup, IndustryGroup, Ballot, Complaint, Patrol, Violation,
              Seizure, CardBatch, CardRange, CreditGrade)
    out = {m.__name__: _db.session.scalar(select(func.count()).select_from(m)) for m in models}
    out["complaint_outcomes"] = sorted(_db.session.execute(
        select(Complaint.status, Complaint.outcome, Complaint.shop_at_fault, func.count())
        .group_by(Complaint.status, Complaint.outcome, Complaint.shop_at_fault)).all(), key=str)
    out["grades"] = sorted(_db.session.execute(
        select(CreditGrade.quarter, CreditGrade.grade, func.count())
        .group_by(CreditGrade.quarter, CreditGrade.grade)).all())
    out["ballot_quarters"] = sorted(_db.session.execute(
        select(Ballot.quarter, func.count()).group_by(Ballot.quarter)).all())
    return out


def test_demo_load_twice_with_if_empty_and_determinism(runner, client, db):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin / admin-demo-2026" in result.output and "inspector1 … inspector12" in result.output
    # the generated year's SMS are not sent by the scheduler's first run (QA: ~100 printed at once)
    from creditstreet.models import OutboxMessage

    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == "pending")) == 0
    assert "条短信不再发送" in result.output

    street = db.session.scalar(select(Street).where(Street.is_default.is_(True)))
    assert (street.name, street.slug) == ("城关××街", "chengguan")
    assert [h["number"] for h in street.hotlines] == ["12315", "0719-8123456"]
    assert street.duty_hours == "07:30–18:00"
    # 147 shops: 153 data rows − 5 rejected − 1 duplicate (worked in tests/services/test_ledger_io.py)
    assert db.session.scalar(select(func.count()).select_from(Shop).where(Shop.street_id == street.id)) == 147
    by_role = dict(db.session.execute(select(User.role, func.count()).where(User.street_id == street.id)
                                      .group_by(User.role)).all())
    assert by_role == {"admin": 1, "inspector": 12, "supervisor": 10}
    # 12 inspectors in 4 groups of 3
    per_group = db.session.execute(select(User.group_id, func.count())
                                   .where(User.role == "inspector", User.street_id == street.id)
                                   .group_by(User.group_id)).all()
    assert len(per_group) == 4 and {n for _, n in per_group} == {3}
    batch = db.session.scalar(select(CardBatch).where(CardBatch.street_id == street.id))
    assert batch.last_serial - batch.first_serial + 1 == 40_000
    assert db.session.scalar(select(func.count()).select_from(CardRange).join(Shop)
                             .where(Shop.street_id == street.id)) == 147
    # the last four completed quarters, back to Q1 of the last completed Q4's year (S4's annual stars):
    # loaded in Q1 → 4 quarters (last year's Q1–Q4), Q2 → 5, Q3 → 6, Q4 → 7
    from creditstreet.domain.time import quarter_of
    from creditstreet.models import AnnualStar, utcnow
    current = quarter_of(utcnow(), street.timezone)
    assert db.session.scalar(select(func.count(distinct(Ballot.quarter)))) == {1: 4, 2: 5, 3: 6, 4: 7}[current.q]
    # that year's annual stars are confirmed (S4): the board's 称号 column is not blank
    title_year = current.year - 1
    assert set(db.session.scalars(select(AnnualStar.year).join(Shop).where(Shop.street_id == street.id))) == {title_year}
    titled = db.session.scalar(select(func.count()).select_from(AnnualStar).join(Shop).where(
        Shop.street_id == street.id, AnnualStar.status == "confirmed", AnnualStar.stars == 4))
    assert titled >= 1
    # the ten supervisors were on duty through the backfilled quarters: quorum = max(3, ⌈10/2⌉) = 5 (S2)
    assert set(db.session.scalars(select(QuarterResult.quorum).join(Shop, Shop.id == QuarterResult.shop_id)
                                  .where(QuarterResult.ballots > 0, Shop.street_id == street.id))) == {5}
    # The city (SPEC Y1): a second street of 24 shops, its own people, and a city admin of no street.
    second = db.session.scalar(select(Street).where(Street.slug == "binjiang"))
    assert second.name == "滨江路美食街" and not second.is_default
    assert db.session.scalar(select(func.count()).select_from(Shop).where(Shop.street_id == second.id)) == 24
    assert dict(db.session.execute(select(User.role, func.count()).where(User.street_id == second.id)
                                   .group_by(User.role)).all()) == {"admin": 1, "inspector": 4, "supervisor": 6}
    assert db.session.scalar(select(User.street_id).where(User.username == "city")) is None
    # six supervisors: quorum = max(3, ⌈6/2⌉) = 3 on the second street
    assert set(db.session.scalars(select(QuarterResult.quorum).join(Shop, Shop.id == QuarterResult.shop_id)
                                  .where(QuarterResult.ballots > 0, Shop.street_id == second.id))) == {3}
    # card serials continue city-wide: 40001–45000 after the first street's 1–40000
    assert db.session.scalar(select(CardBatch.first_serial).where(CardBatch.street_id == second.id)) == 40_001
    trades = set(db.session.scalars(select(IndustryGroup.trade)))
    assert trades == {"clothing", "cosmetics", "appliances", "shoes"}
    # the toothpaste action: 216 + 168 + 120 = 504 支 from 3 supermarkets
    assert db.session.scalar(select(func.sum(Seizure.quantity)).where(Seizure.goods == "假冒牙膏")) == 504
    assert db.session.scalar(select(func.count(distinct(Violation.shop_id))).join(Seizure)) == 3
    assert db.session.scalar(select(func.count(distinct(Complaint.channel)))) >= 4
    assert db.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.shop_at_fault)) >= 1
    first = counts()
    check_logins_and_board(client)

    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "未加载演示数据" in again.output
    assert "admin / admin-demo-2026" in again.output  # the logins are printed every time
    assert counts() == first

    # A second fresh database (a temp SQLite file) gets exactly the same data.
    path = Path(tempfile.mkdtemp(prefix="creditstreet-demo-")) / "demo.sqlite3"
    other = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with other.app_context():
        _db.create_all()
        assert other.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
        second = counts()
        _db.session.remove()
        _db.engine.dispose()
    assert second == first


def check_logins_and_board(client):
    from tests.conftest import login

    for user, password, home in [("admin", "admin-demo-2026", "/admin/"),
                                 ("inspector12", "inspector-demo-2026", "/inspector/"),
                                 ("supervisor10", "supervisor-demo-2026", "/supervisor/")]:
        resp = login(client, user, password)
        assert resp.status_code == 302 and resp.headers["Location"].endswith(home)
        client.post("/auth/logout", data={"csrf_token": _token(client)})
    board = client.get("/").get_data(as_text=True)
    assert "城关××街" in board and "共 147 户经营户" in board
    assert "年度消费者满意企业（门店）</td>" in board  # the 称号 column (issue 17)
    board = client.get("/s/binjiang/").get_data(as_text=True)
    assert "滨江路美食街" in board and "共 24 户经营户" in board
    city = client.get("/streets").get_data(as_text=True)
    assert "城关××街" in city and "滨江路美食街" in city


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/")


def test_demo_leaves_a_hotspot_warning_draft_that_the_admin_can_publish(runner, client, db):
    """QA: after demo load /admin/warnings was empty. The demo files 5 家用电器 complaints 2–20 days
    before the load date (≥ 3 in the 30-day window) and runs the scan: one draft awaits approval."""
    from datetime import date, timedelta

    from creditstreet.models import ConsumerWarning
    from tests.conftest import csrf_token, login

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    drafts = db.session.scalars(select(ConsumerWarning).where(ConsumerWarning.status == "draft")).all()
    assert [w.goods_category for w in drafts] == ["家用电器"]
    assert drafts[0].figures["recent"] >= 5 and drafts[0].figures["recent_days"] == 30
    assert login(client, "admin", "admin-demo-2026").status_code == 302
    token = csrf_token(client, "/admin/warnings")
    expiry = (date.today() + timedelta(days=30)).isoformat()
    resp = client.post(f"/admin/warnings/{drafts[0].id}", data={
        "csrf_token": token, "title": "家用电器消费警示", "body": "购买家用电器请索要发票和信誉卡", "expires_on": expiry})
    assert resp.status_code == 302
    board = client.get("/").get_data(as_text=True)
    assert "家用电器消费警示" in board and "购买家用电器请索要发票和信誉卡" in board


def test_demo_loaded_at_an_earlier_date_votes_only_on_shops_already_open(db):
    """Loaded as of 2024-07-02 (the pages bench's date), the ledger's later shops (范磊超市 opened
    2025-09-24, 何记护肤品行 2024-06-14) are not on the earlier quarters' ballot lists (SPEC S1/G1)."""
    from datetime import datetime, timezone

    from creditstreet.services import demo

    demo.load_demo(datetime(2024, 7, 2, 1, tzinfo=timezone.utc))
    quarters = {name: sorted(_db.session.scalars(
        select(Ballot.quarter).distinct().join(Shop, Shop.id == Ballot.shop_id).where(Shop.name == name)))
        for name in ("范磊超市", "何记护肤品行")}
    assert quarters == {"范磊超市": [], "何记护肤品行": ["2024Q2"]}
    _db.session.rollback()


def test_the_demo_votes_back_to_the_year_of_the_last_fourth_quarter():
    """Issue 17: the quarters the demo votes in and grades, worked by hand."""
    from creditstreet.domain.time import Quarter
    from creditstreet.services.demo import ballot_quarters, last_title_year

    def labels(current):
        return [str(q) for q in ballot_quarters(Quarter.parse(current))]

    assert labels("2026Q4") == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert labels("2027Q1") == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert labels("2026Q3") == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert labels("2026Q2") == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert [last_title_year(Quarter.parse(q)) for q in ("2026Q4", "2027Q1", "2026Q1")] == [2025, 2026, 2025]
