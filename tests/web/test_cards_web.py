"""Credit cards end to end over HTTP: batches, issuing, printing, verification, spot checks (SPEC C1–C4)."""
import threading
from datetime import date

from creditstreet.extensions import db
from creditstreet.models import BadRecord, CardBatch, CardCheck, CardRange
from creditstreet.services import cards
from tests import factories
from tests.conftest import csrf_token


def _post_admin(client, data):
    token = csrf_token(client, "/admin/cards")
    return client.post("/admin/cards", data={"csrf_token": token, **data})


def test_batches_issue_print_verify_and_overlap_refused(client, login_as, street):
    shop = factories.make_shop(street, "某某店", phone="0719-8117836")
    other = factories.make_shop(street, "张记面馆")
    db.session.commit()
    login_as("admin")
    resp = _post_admin(client, {"batch-name": "2026年第一批", "batch-first": "00000001", "batch-last": "40000"})
    assert resp.status_code == 302
    batch = CardBatch.query.one()
    assert (batch.first_serial, batch.last_serial) == (1, 40000)

    resp = _post_admin(client, {"issue-batch_id": str(batch.id), "issue-shop_id": str(shop.id),
                                "issue-first": "120", "issue-last": "619"})
    assert resp.status_code == 302
    rng = CardRange.query.one()
    # 120–619 is 500 cards; 600–700 overlaps 600–619 → refused naming the issued range and shop.
    resp = _post_admin(client, {"issue-batch_id": str(batch.id), "issue-shop_id": str(other.id),
                                "issue-first": "600", "issue-last": "700"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "与已发放的 00000120–00000619（某某店）重叠" in body
    assert 'value="600"' in body  # the typed range is shown again
    resp = _post_admin(client, {"issue-batch_id": str(batch.id), "issue-shop_id": str(other.id),
                                "issue-first": "39990", "issue-last": "40010"})
    assert "超出印制批次 00000001–00040000" in resp.get_data(as_text=True)
    assert CardRange.query.count() == 1

    pdf = client.get(f"/admin/cards/ranges/{rng.id}/sheet.pdf?first=120&last=129")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")

    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    page = client.get("/cards/verify?serial=00000300").get_data(as_text=True)
    assert "真卡，已发放给 某某店" in page and "/complaints/new?card=00000300" in page
    assert "真卡但尚未发放" in client.get("/cards/verify?serial=1000").get_data(as_text=True)
    assert "可能是伪造卡" in client.get("/cards/verify?serial=40001").get_data(as_text=True)
    bad = client.get("/cards/verify?serial=abc")
    assert bad.status_code == 200 and "卡号“abc”无效" in bad.get_data(as_text=True)
    assert client.get("/cards/verify").status_code == 200


def test_admin_card_pages_authorization(client, login_as, street):
    assert client.get("/admin/cards").status_code == 302
    login_as("inspector")
    assert client.get("/admin/cards").status_code == 403
    assert client.get("/admin/cards/ranges/1/sheet.pdf").status_code == 403


def test_spot_checks_escalate_and_show_on_register(client, login_as, street):
    shop = factories.make_shop(street, "某某店")
    admin = factories.make_user("admin", street=street)
    batch = cards.register_batch(admin, street, "第一批", 1, 1000)
    cards.issue_range(admin, batch, shop, 1, 500, date(2026, 1, 5))  # 300 is this shop's own card
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/shops/{shop.id}/card-checks/new"

    def check(given, serial=""):
        token = csrf_token(client, url)
        return client.post(url, data={"csrf_token": token, "card_given": given, "serial": serial, "note": ""})

    assert check("yes", "00000300").status_code == 302
    check("no")  # 1st miss in the year → verbal warning, not a bad record
    register = client.get(f"/inspector/shops/{shop.id}").get_data(as_text=True)
    assert "信誉卡查验：未随货同行，给予口头警告" in register and "不良记录：" not in register
    assert BadRecord.query.count() == 0
    check("no")  # 2nd → yellow card + bad record, visible at once
    register = client.get(f"/inspector/shops/{shop.id}").get_data(as_text=True)
    assert "给予黄牌警告" in register and "不良记录：黄牌警告" in register
    check("no")  # 3rd → another yellow card
    assert [c.consequence for c in CardCheck.query.order_by(CardCheck.id)] == [
        "none", "verbal_warning", "yellow_card", "yellow_card"]
    assert BadRecord.query.count() == 2


def _form_token(html: str, name: str) -> str:
    import re

    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)


def test_double_submit_of_a_miss_records_one_check_and_one_verbal_warning(app, client, login_as, street):
    """QA: POSTing "否，未给卡" twice at once on one form gave a verbal warning and a yellow card."""
    shop = factories.make_shop(street, "某某店")
    shop_id = shop.id
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/shops/{shop_id}/card-checks/new"
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": _form_token(html, "csrf_token"), "submission_token": _form_token(html, "submission_token"),
            "card_given": "no", "serial": "", "note": "顾客未拿到卡"}
    cookie = client.get_cookie("session")
    barrier = threading.Barrier(2)
    statuses = []

    def post():
        c = app.test_client()  # its own connection, sharing the logged-in session cookie
        c.set_cookie("session", cookie.value, domain=cookie.domain or "localhost")
        barrier.wait(timeout=30)
        statuses.append(c.post(url, data=data).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [302, 302]
    db.session.expire_all()
    # One form → one check: the shop's 1st miss in the year → a verbal warning, no yellow card, no bad record.
    assert [c.consequence for c in CardCheck.query.all()] == ["verbal_warning"]
    assert BadRecord.query.count() == 0


def test_card_check_with_another_shops_serial_warns(client, login_as, street):
    shop = factories.make_shop(street, "熊记超市行")
    first = factories.make_shop(street, "范磊超市")
    admin = factories.make_user("admin", street=street)
    batch = cards.register_batch(admin, street, "第一批", 1, 40000)
    cards.issue_range(admin, batch, first, 1, 200, date(2026, 1, 5))
    db.session.commit()
    login_as("inspector")
    url = f"/inspector/shops/{shop.id}/card-checks/new"
    resp = client.post(url, data={"csrf_token": csrf_token(client, url), "card_given": "yes", "serial": "150"},
                       follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "此卡属于 范磊超市，不是本店发放的卡，已按未随货同行处理" in page and "给予口头警告" in page
    resp = client.post(url, data={"csrf_token": csrf_token(client, url), "card_given": "yes", "serial": "99999"},
                       follow_redirects=True)
    page = resp.get_data(as_text=True)
    # 2nd miss in the year → yellow card.
    assert "该编号不在登记批次中（疑似伪造卡）" in page and "给予黄牌警告" in page


def test_verification_masks_an_individual_owners_mobile_but_keeps_a_shop_landline(client, street):
    # QA round 2: the public verification page showed the owner's personal mobile in full.
    admin = factories.make_user("admin", street=street)
    owner = factories.make_shop(street, "高记五金坊", phone="18761915638")
    company = factories.make_shop(street, "城关日杂公司", phone="0719-8195970", ownership="collective")
    batch = cards.register_batch(admin, street, "测试批次", 1, 100)
    cards.issue_range(admin, batch, owner, 1, 10, date(2026, 1, 5))
    cards.issue_range(admin, batch, company, 11, 20, date(2026, 1, 5))
    db.session.commit()
    html = client.get("/cards/verify?serial=5").get_data(as_text=True)
    assert "187****5638" in html and "18761915638" not in html
    html = client.get("/cards/verify?serial=15").get_data(as_text=True)
    assert "0719-8195970" in html
