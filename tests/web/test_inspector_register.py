"""Register pages (list, filter, Excel export) and the patrol plan page (SPEC G5)."""
import io
from datetime import date, datetime, timezone

from openpyxl import load_workbook

from creditstreet.extensions import db
from creditstreet.models import CreditGrade, PatrolPlan, PatrolPlanItem
from creditstreet.services import cards, patrols
from tests import factories
from tests.conftest import csrf_token


def test_shop_list_flags_and_grade_badges(client, login_as, street):
    expired = factories.make_shop(street, "过期店", licence_expires_on=date(2021, 6, 30))
    factories.make_shop(street, "长期店", licence_expires_on=date(2021, 6, 30), licence_no_expiry=True)
    db.session.add(CreditGrade(shop_id=expired.id, quarter="2026Q1", grade="C", stars=None,
                               as_of=datetime(2026, 3, 31, 16, tzinfo=timezone.utc)))
    db.session.commit()
    login_as("inspector")
    html = client.get("/inspector/shops").get_data(as_text=True)
    assert html.count("营业执照已于2021-06-30过期") == 1
    assert '<span class="badge badge-C">C</span>' in html
    html = client.get("/inspector/shops?q=長期").get_data(as_text=True)  # traditional 長 finds 长期店
    assert "长期店" in html and "过期店" not in html


def test_register_filter_and_excel_export(client, login_as, street):
    shop = factories.make_shop(street, "好又多超市")
    inspector = factories.make_user("inspector", street=street)
    patrols.raise_violation(inspector, shop, None, "general", "price_fraud", "《价格法》", "=虚构原价", "", "",
                            at=datetime(2026, 1, 5, 3, tzinfo=timezone.utc))
    cards.record_card_check(inspector, shop, 5, True, at=datetime(2026, 2, 1, 3, tzinfo=timezone.utc))
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/shops/{shop.id}?kind=card_check").get_data(as_text=True)
    assert "信誉卡查验：随货同行" in html and "价格欺诈" not in html
    html = client.get(f"/inspector/shops/{shop.id}?start=2026-01-01&end=2026-01-31").get_data(as_text=True)
    assert "价格欺诈" in html and "信誉卡查验：" not in html

    resp = client.get(f"/inspector/shops/{shop.id}?format=xlsx")
    assert resp.status_code == 200 and "spreadsheetml" in resp.mimetype
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("时间", "类别", "事项", "详情")
    # Newest first; 2026-02-01 03:00 UTC = 11:00 Shanghai.
    assert rows[1][:3] == (datetime(2026, 2, 1, 11, 0), "信誉卡查验", "信誉卡查验：随货同行")
    assert rows[2][2] == "一般违法违章：价格欺诈" and rows[2][3].startswith("=虚构原价")
    assert sheet.cell(3, 4).data_type == "s"  # text starting with = stays text, never a formula


def test_register_hidden_from_supervisors(client, login_as, street):
    shop = factories.make_shop(street)
    db.session.commit()
    login_as("supervisor")
    assert client.get(f"/inspector/shops/{shop.id}").status_code == 403


def test_plan_page_create_priority_first_and_print(client, login_as, street):
    group = factories.make_group(street, "第一组")
    c_shop = factories.make_shop(street, "重点店", house_number="200号")
    factories.make_shop(street, "普通店", house_number="1号")
    db.session.add(CreditGrade(shop_id=c_shop.id, quarter="2026Q1", grade="C", stars=None,
                               as_of=datetime(2026, 3, 31, 16, tzinfo=timezone.utc)))
    db.session.commit()
    login_as("inspector")
    html = client.get("/inspector/plan?quarter=2026Q2").get_data(as_text=True)
    assert "本季度尚未抽取巡查计划" in html
    token = csrf_token(client, "/inspector/plan?quarter=2026Q2")
    resp = client.post("/inspector/plan", data={"csrf_token": token, "quarter": "2026Q2"})
    assert resp.status_code == 302
    plan = PatrolPlan.query.one()
    assert plan.quarter == "2026Q2" and plan.street_id == street.id
    assert PatrolPlanItem.query.filter_by(shop_id=c_shop.id, priority=True, group_id=group.id).count() == 1
    html = client.get("/inspector/plan?quarter=2026Q2").get_data(as_text=True)
    assert "重点巡查对象" in html and "data-print" in html and str(plan.seed) in html
    priority_section = html.split('id="priority"')[1].split("<h2")[0]
    assert "重点店" in priority_section
    # A second create for the same quarter is refused, not duplicated.
    token = csrf_token(client, "/inspector/plan?quarter=2026Q2")
    client.post("/inspector/plan", data={"csrf_token": token, "quarter": "2026Q2"})
    assert PatrolPlan.query.count() == 1
