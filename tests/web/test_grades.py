"""Grade pages: admin list + 立即重算 (POST, CSRF), inspector's shop grade with reasons (SPEC G3)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from creditstreet.models import AuditEntry, CreditGrade, GradeRun, Violation
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
    resp = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": "2024Q2", "street_id": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    run = db.session.scalar(select(GradeRun))
    assert resp.headers["Location"].endswith(f"/admin/grades/runs/{run.id}")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1/1" in page and "已完成" in page
    # no ballots → not yet rated → clean shop stays B (G2)
    assert db.session.scalar(select(CreditGrade.grade).where(CreditGrade.shop_id == shop.id)) == "B"
    assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "grades.recompute")) == admin.id
    listing = client.get("/admin/grades").get_data(as_text=True)
    assert "张记面馆" in listing and "badge-B" in listing
    bad = client.post("/admin/grades/recompute", data={"csrf_token": token, "quarter": "2099Q1", "street_id": ""})
    assert bad.status_code == 400 and "尚未开始" in bad.get_data(as_text=True)
    no_token = client.post("/admin/grades/recompute", data={"quarter": "2024Q2", "street_id": ""})
    assert no_token.status_code == 400 and "页面已超时" in no_token.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(GradeRun)) == 1  # CSRF: nothing more ran


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
