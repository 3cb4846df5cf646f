"""Register pages (list, filter, Excel export) and the patrol plan page (SPEC G5)."""
import io
from datetime import date, datetime, timezone

from openpyxl import load_workbook

from creditstreet.domain.time import quarter_of
from creditstreet.extensions import db
from creditstreet.models import Complaint, CreditGrade, PatrolPlan, PatrolPlanItem, utcnow
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
    cards.record_card_check(inspector, shop, None, True, at=datetime(2026, 2, 1, 3, tzinfo=timezone.utc))
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
    now = quarter_of(utcnow(), "Asia/Shanghai")
    # A past quarter cannot be drawn: no button, the allowed quarters named; a forged POST is refused.
    html = client.get("/inspector/plan?quarter=2024Q1").get_data(as_text=True)
    assert "随机抽取本季度巡查计划" not in html
    assert f"只能抽取本季度（{now.label_zh}）或下一季度（{now.next().label_zh}）的巡查计划" in html
    token = csrf_token(client, "/inspector/plan?quarter=2024Q1")
    page = client.post("/inspector/plan", data={"csrf_token": token, "quarter": "2024Q1"}, follow_redirects=True)
    assert "不能抽取2024年第1季度的" in page.get_data(as_text=True) and PatrolPlan.query.count() == 0
    quarter = str(now)
    html = client.get(f"/inspector/plan?quarter={quarter}").get_data(as_text=True)
    assert "本季度尚未抽取巡查计划" in html
    token = csrf_token(client, f"/inspector/plan?quarter={quarter}")
    resp = client.post("/inspector/plan", data={"csrf_token": token, "quarter": quarter})
    assert resp.status_code == 302
    plan = PatrolPlan.query.one()
    assert plan.quarter == quarter and plan.street_id == street.id
    assert PatrolPlanItem.query.filter_by(shop_id=c_shop.id, priority=True, group_id=group.id).count() == 1
    html = client.get(f"/inspector/plan?quarter={quarter}").get_data(as_text=True)
    assert "重点巡查对象" in html and "data-print" in html and str(plan.seed) in html
    priority_section = html.split('id="priority"')[1].split("<h2")[0]
    assert "重点店" in priority_section
    # A second create for the same quarter is refused, not duplicated.
    token = csrf_token(client, f"/inspector/plan?quarter={quarter}")
    client.post("/inspector/plan", data={"csrf_token": token, "quarter": quarter})
    assert PatrolPlan.query.count() == 1


def test_register_shortens_long_complaint_texts_and_uses_the_queue_labels(client, login_as, street):
    """QA: the timeline printed whole 2000-character complaint texts and said 已登记 where the queue says 已接收."""
    shop = factories.make_shop(street, "好又多超市")
    text = "甲" * 119 + "乙" + "丙" * 1880  # 2000 characters; the 120th is 乙
    c = Complaint(street_id=street.id, shop_id=shop.id, kind="complaint", status="received", title="买到假货",
                  tracking_code="T20260301001",
                  description=text, consumer_name="王伟", consumer_phone="13800138000",
                  received_at=datetime(2026, 3, 1, 2, tzinfo=timezone.utc))
    db.session.add(c)
    db.session.commit()
    login_as("inspector")
    html = client.get(f"/inspector/shops/{shop.id}?kind=complaint").get_data(as_text=True)
    # The first 120 characters (119 × 甲 + 乙), then "…" and a link to the complaint's page.
    assert "甲" * 119 + "乙…" in html and "丙" not in html
    assert f'href="/inspector/complaints/{c.id}">查看全文</a>' in html
    assert "（已接收）" in html and "已登记" not in html
    detail = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    assert text in detail  # the full text stays on the detail page
    sheet = load_workbook(io.BytesIO(client.get(f"/inspector/shops/{shop.id}?format=xlsx").data)).active
    assert text in sheet.cell(2, 4).value  # and in the Excel export
