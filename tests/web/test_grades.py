"""Grade pages: admin list + 立即重算 (POST, CSRF), inspector's shop grade with reasons (SPEC G3)."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from creditstreet.domain.time import Quarter, last_completed_quarter, quarter_of
from creditstreet.models import AuditEntry, CreditGrade, GradeRun, QuarterResult, Violation
from creditstreet.services import grading
from tests import factories
from tests.conftest import csrf_token

CST = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("role, status", [("inspector", 403), ("supervisor", 403), ("admin", 200)])
def test_admin_grades_page_by_role(client, login_as, role, status):
    login_as(role)
    assert client.get("/admin/grades").status_code == status


def test_anonymous_is_sent_to_login(client, street):
    shop = factories.make_shop(street)
    assert client.get("/admin/grades").status_code == 302
    assert client.get(f"/inspector/shops/{shop.id}/grade").status_code == 302


@pytest.mark.parametrize("role, status", [("supervisor", 403), ("inspector", 200), ("admin", 200)])
def test_inspector_grade_page_by_role(client, db, street, login_as, role, status):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as(role)
    assert client.get(f"/inspector/shops/{shop.id}/grade").status_code == status


def test_recompute_now_button(client, db, street, login_as):
    shop = factories.make_shop(street, name="张记面馆", created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    db.session.commit()
    admin = login_as("admin")
    token = csrf_token(client, "/admin/grades")
    q = str(last_completed_quarter(datetime.now(timezone.utc), street.timezone))  # the page grades at real now
    resp = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": q, "street_id": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    run = db.session.scalar(select(GradeRun))
    assert resp.headers["Location"].endswith(f"/admin/grades/runs/{run.id}")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1/1" in page and "已完成" in page
    # no ballots → not yet rated → clean shop stays B (G2)
    assert db.session.scalar(select(CreditGrade.grade).where(CreditGrade.shop_id == shop.id)) == "B"
    assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "grades.recompute")) == admin.id
    listing = client.get("/admin/grades").get_data(as_text=True)
    assert "张记面馆" in listing and "badge-B" in listing and "正式" in listing  # a completed quarter
    bad = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": "2099Q1", "street_id": ""})
    assert bad.status_code == 400 and "尚未开始" in bad.get_data(as_text=True)
    for street_id in ("abc", "-1", "999"):  # not a street of the list: refused, not "all streets"
        other = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": q, "street_id": street_id})
        assert other.status_code == 400 and "请从列表中选择商业街" in other.get_data(as_text=True), street_id
    no_token = client.post("/admin/grades/recompute", data={"quarter": q, "street_id": ""})
    assert no_token.status_code == 400 and "页面已超时" in no_token.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(GradeRun)) == 1  # CSRF: nothing more ran


def test_recompute_refuses_quarters_too_old_or_before_any_shop_opened(client, db, street, login_as):
    """QA: 1999Q1 was accepted and wrote rows shown on every shop's public star history."""
    factories.make_shop(street, opened_on=date(2025, 5, 10), created_at=datetime(2025, 5, 10, tzinfo=timezone.utc))
    db.session.commit()
    login_as("admin")
    token = csrf_token(client, "/admin/grades")
    now = datetime.now(timezone.utc)
    last = last_completed_quarter(now, street.timezone)
    eighth_back = last
    for _ in range(7):
        eighth_back = eighth_back.prev()
    # 1999Q1: far too old; the 9th quarter back: past the bound; 2025Q1 ended (2025-04-01) before the
    # only shop opened (2025-05-10) — refused whichever of the two rules is the tighter.
    for quarter in ["1999Q1", str(eighth_back.prev()), "2025Q1"]:
        resp = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": quarter, "street_id": ""})
        assert resp.status_code == 400, quarter
        assert "只能重算最近 8 个季度内、且已有商户开业的季度" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CreditGrade)) == 0
    assert db.session.scalar(select(func.count()).select_from(GradeRun)) == 0
    # 2025Q2 contains the opening day: allowed (when still within 8 quarters of now)
    if Quarter(2025, 2) >= eighth_back:
        ok = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": "2025Q2", "street_id": ""})
        assert ok.status_code == 302


def test_current_quarter_recompute_is_a_preview_that_writes_nothing(client, db, street, login_as):
    """Issue 17: recomputing the unfinished quarter wrote a register entry dated at its end, in the
    future ("2027-01-01 00:00 · 季度投票结果 … 0票"). Now it shows the counts and writes nothing: a
    clean shop with no ballots is not yet rated → B (G2), so the preview says 1 B."""
    shop = factories.make_shop(street, name="李记茶庄", created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    db.session.commit()
    login_as("admin")
    token = csrf_token(client, "/admin/grades")
    current = quarter_of(datetime.now(timezone.utc), street.timezone)
    resp = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": str(current), "street_id": ""})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    box = html.split('id="grade-preview"', 1)[1].split("</div>", 1)[0]
    assert f"{current}尚未结束" in box and "未写入" in box
    assert [int(box.split(f"badge-{g}\">{g}</span>", 1)[1].split("家")[0].strip()) for g in "ABC"] == [0, 1, 0]
    for model in (CreditGrade, GradeRun, QuarterResult):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "grades.recompute")) == 0
    page = client.get(f"/inspector/shops/{shop.id}").get_data(as_text=True)
    assert "民主投票" not in page


def test_register_never_shows_an_entry_dated_in_the_future(db, street):
    """A QuarterResult of the unfinished quarter left by an earlier on-demand run is not shown."""
    from creditstreet.services import register

    shop = factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    current = quarter_of(datetime.now(timezone.utc), street.timezone)
    for q in (current, current.prev()):
        db.session.add(QuarterResult(shop_id=shop.id, quarter=str(q), ballots=0, quorum=3, quorum_reached=False,
                                     passed=[], yes_lawful=0, yes_service=0, yes_compliance=0, yes_honesty=0))
    db.session.flush()
    entries = register.timeline(shop, None, street.timezone, {"quarter_result"})
    assert [e.title.split("民主投票")[0] for e in entries] == [current.prev().label_zh]
    assert all(e.at <= datetime.now(timezone.utc) for e in entries)


def test_inspector_sees_reasons_and_restore_date(client, db, street, login_as):
    shop = factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    v = Violation(shop_id=shop.id, severity="serious", kind="counterfeit", description="售假牙膏",
                  recorded_at=datetime(2024, 3, 15, 10, tzinfo=CST))
    db.session.add(v)
    grading.recompute("2024Q2", datetime(2024, 7, 2, tzinfo=CST))
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/shops/{shop.id}/grade").get_data(as_text=True)
    assert "badge-C" in html and "严重违法违章" in html and "售假牙膏" in html
    assert "预计 2025-03-15 后可恢复 A 级" in html
    # not yet rated (no ballots): all four criteria are missing, named in Chinese
    assert "依法经营好" in html and "诚实信用好" in html


def test_live_grade_says_both_the_restore_date_and_the_missing_criteria(client, db, street, login_as):
    """QA D4: stars block A as well as a record; the live section must not promise A on the date alone."""
    shop = factories.make_shop(street, created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=40)
    if at.astimezone(CST).strftime("%m-%d") in ("02-28", "02-29"):  # keep to the plain "a year later" case
        at -= timedelta(days=5)
    db.session.add(Violation(shop_id=shop.id, severity="general", kind="other", description="", recorded_at=at))
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/shops/{shop.id}/grade").get_data(as_text=True)
    live = html.split('id="live-grade"', 1)[1].split("</section>", 1)[0]
    day = at.astimezone(CST).date()
    assert f"预计 {day.replace(year=day.year + 1).isoformat()} 后可恢复 A 级" in live  # one year on (SPEC §3)
    # no ballots: not yet rated, so all four criteria are missing (G3)
    assert "还需获得：依法经营好、售后服务质量好、服从管理好、诚实信用好" in live


def test_grade_page_of_a_shop_opening_later_has_no_live_grade(client, db, street, login_as):
    """A shop entered before its opening day is not graded yet (SPEC G1): no live grade, no error."""
    shop = factories.make_shop(street, opened_on=date.today() + timedelta(days=30))
    db.session.commit()
    login_as("inspector")
    resp = client.get(f"/inspector/shops/{shop.id}/grade")
    assert resp.status_code == 200 and 'id="live-grade"' not in resp.get_data(as_text=True)
