"""Shops take part, in a real browser at 360 px (issue 15, SPEC M1, M2, M4): an admin prints an
invitation; the shop owner signs up with its code and joins early settlement; a consumer's complaint
goes to the shop first, the owner proposes a refund and the consumer accepts it on the tracking page;
an inspector records a violation, the owner objects to it and an admin upholds the objection."""
import re

import pytest

pytestmark = pytest.mark.browser
SHOP = "诚信家电"


@pytest.mark.parametrize("site", ["phone"], indirect=True)
def test_owner_signs_up_settles_a_complaint_and_objects_to_a_violation(journey, site):
    admin = journey("m-admin")
    admin.login("admin")
    admin.goto("/admin/shops")
    href = admin.page.get_attribute(f"tr:has-text('{SHOP}') >> text=商户账号", "href")
    shop_id = int(re.search(r"/shops/(\d+)/merchants", href).group(1))
    admin.goto(href)
    admin.page.click("#make-invitation")
    code = admin.page.inner_text("#invitation-code").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert admin.page.get_attribute("#invitation img", "src").startswith("data:image/svg+xml")
    admin.shot("invitation")

    owner = journey("m-owner")
    p = owner.page
    owner.goto("/auth/signup")
    p.fill("#code", code.lower())
    p.fill("#username", "jiadian")
    p.fill("#display_name", "王老板")
    p.fill("#password", "jiadian-pass-1")
    p.fill("#password2", "jiadian-pass-1")
    owner.shot("signup")
    p.click("main button[type=submit]")
    p.wait_for_url(re.compile(r"/merchant/$"))
    assert SHOP in p.inner_text("main") and "信用等级" not in p.inner_text("main")
    owner.shot("home")
    p.click("#join-settlement")
    assert "已参加先行和解" in p.inner_text("main")

    consumer = journey("m-consumer")
    c = consumer.page
    consumer.goto(f"/complaints/new?shop={shop_id}")
    assert c.is_checked("input[name=shop_id]")
    c.fill("#description", "买的电饭煲第二天就不加热了。")
    c.fill("#consumer_phone", "13912345678")
    c.click("main form .actions-bottom button[type=submit]")
    c.wait_for_url(re.compile(r"/track/"))
    assert "先行和解" in c.inner_text("main")
    consumer.shot("filed")

    owner.goto("/merchant/complaints")
    p.click(".settlement-link")
    assert "139****5678" in p.inner_text("#consumer")  # no consent given: masked
    p.select_option("#remedy", "refund")
    p.fill("#amount", "199")
    p.fill("#text", "全额退款199元，请到店办理。")
    owner.shot("propose")
    p.click("#propose")
    assert "和解方案已发送给消费者" in p.inner_text("main")

    c.reload()
    assert "199.00" in c.inner_text("#proposal")
    consumer.shot("proposal")
    c.click("#settle-accept")
    assert "已办结" in c.inner_text("#status") and "商家先行和解" in c.inner_text("#outcome")
    consumer.shot("settled")

    inspector = journey("m-inspector")
    inspector.login("insp")
    inspector.goto(f"/inspector/shops/{shop_id}/violations/new")
    inspector.page.check("input[name=severity][value=general]")  # nothing is preselected
    inspector.page.select_option("#kind", "price_fraud")
    inspector.page.fill("#description", "未明码标价")
    inspector.page.fill("#legal_basis", "《明码标价和禁止价格欺诈规定》第五条")
    inspector.page.click("main form .actions-bottom button[type=submit]")
    inspector.page.wait_for_load_state()

    owner.goto("/merchant/register")
    p.click(".objection-link")
    p.fill("#reasons", "当日所有商品均有价签，附照片。")
    owner.shot("objection")
    p.click("#submit-objection")
    assert "异议已提交" in p.inner_text("main")

    admin.goto("/admin/merchant-requests")
    admin.shot("queue")
    admin.page.click(".queue-objection")
    admin.page.fill("#reason", "复核照片，价签齐全，撤销该记录。")
    admin.page.click("#decide-yes")
    assert "没有待处理的申请" in admin.page.inner_text("main")

    owner.goto("/merchant/requests")
    assert "异议成立" in p.inner_text("main")
    owner.goto("/merchant/register")
    assert "已撤销（异议成立）" in p.inner_text("main")
    owner.shot("voided")
    for j in (admin, owner, consumer):
        j.finish()
