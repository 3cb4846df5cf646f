"""Every merchant form re-shows what was typed after a refusal (QA: a 600-character reply was lost).

Refusals covered: a rule broken in the service (too long, too recent), an expired page (CSRF).
"""
import html as htmllib
from datetime import datetime, timezone

from creditstreet.extensions import db
from creditstreet.models import Complaint, MerchantReply, Objection, Violation

from .. import factories
from ..conftest import csrf_token, login


def _merchant(client, street, shop):
    factories.make_user("merchant", username="owner", street=street, shop_id=shop.id)
    db.session.commit()
    assert login(client, "owner", factories.PASSWORD).status_code == 302


def _closed_complaint(street, shop):
    c = Complaint(street_id=street.id, shop_id=shop.id, kind="complaint", tracking_code="TSQAFIX001",
                  title="鞋开胶", description="穿了两天就开胶", consumer_phone="13800000000", status="closed")
    db.session.add(c)
    db.session.commit()
    return c


def _violation(shop):
    v = Violation(shop_id=shop.id, severity="general", kind="other", description="未明码标价",
                  recorded_at=datetime.now(timezone.utc))
    db.session.add(v)
    db.session.commit()
    return v


def _textarea(page: str, tid: str) -> str:
    start = page.index(f'id="{tid}"')
    body = page[page.index(">", start) + 1:]
    text = htmllib.unescape(body[:body.index("</textarea>")])
    return text.removeprefix("\r\n").removeprefix("\n")  # a browser drops one leading newline


def test_a_too_long_reply_is_refused_and_the_600_characters_come_back(app, client, street):
    shop = factories.make_shop(street)
    c = _closed_complaint(street, shop)
    _merchant(client, street, shop)
    typed = "谢" * 600  # the limit is 500 characters (M3): refused with the count 600
    token = csrf_token(client, f"/merchant/complaints/{c.id}")
    resp = client.post(f"/merchant/complaints/{c.id}", data={"csrf_token": token, "what": "reply", "text": typed})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "回复不能超过500个字，现有600个字" in page
    assert _textarea(page, "reply-text") == typed
    assert db.session.query(MerchantReply).count() == 0


def test_an_expired_reply_page_keeps_the_text_and_writes_nothing(app, client, street):
    shop = factories.make_shop(street)
    c = _closed_complaint(street, shop)
    _merchant(client, street, shop)
    resp = client.post(f"/merchant/complaints/{c.id}", data={"csrf_token": "expired", "what": "reply",
                                                            "text": "已为顾客换新"})
    page = resp.get_data(as_text=True)
    assert "页面已超时，请再次提交" in page and _textarea(page, "reply-text") == "已为顾客换新"
    assert db.session.query(MerchantReply).count() == 0


def test_a_too_long_objection_comes_back_with_a_note_to_choose_the_photos_again(app, client, street):
    shop = factories.make_shop(street)
    v = _violation(shop)
    _merchant(client, street, shop)
    path = f"/merchant/records/violation/{v.id}/objection"
    typed = "理" * 1001  # limit 1000
    resp = client.post(path, data={"csrf_token": csrf_token(client, path), "reasons": typed})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "异议理由不能超过1000个字，现有1001个字" in page
    assert _textarea(page, "reasons") == typed and 'id="files-again"' in page
    assert db.session.query(Objection).count() == 0
    assert 'id="files-again"' not in client.get(path).get_data(as_text=True)


def test_an_objection_page_that_expired_keeps_the_reasons(app, client, street):
    shop = factories.make_shop(street)
    v = _violation(shop)
    _merchant(client, street, shop)
    path = f"/merchant/records/violation/{v.id}/objection"
    page = client.post(path, data={"csrf_token": "expired", "reasons": "当天已标价"}).get_data(as_text=True)
    assert "页面已超时" in page and _textarea(page, "reasons") == "当天已标价"
    assert db.session.query(Objection).count() == 0


def test_a_repair_applied_for_too_early_keeps_the_correction_text(app, client, street):
    shop = factories.make_shop(street)
    v = _violation(shop)  # recorded today: repair is not yet possible (too_recent)
    _merchant(client, street, shop)
    path = f"/merchant/records/violation/{v.id}/repair"
    resp = client.post(path, data={"csrf_token": csrf_token(client, path), "correction": "已全部明码标价"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "可以申请信用修复" in page
    assert _textarea(page, "correction") == "已全部明码标价" and 'id="files-again"' in page


def test_an_expired_commitment_form_keeps_every_field(app, client, street):
    shop = factories.make_shop(street)
    _merchant(client, street, shop)
    resp = client.post("/merchant/commitments", data={"csrf_token": "expired", "kind": "no_reason_returns",
                                                      "return_days": "15", "categories": "服装、鞋帽",
                                                      "conditions": "吊牌完好"})
    page = resp.get_data(as_text=True)
    assert "页面已超时" in page
    assert 'value="15"' in page and _textarea(page, "categories") == "服装、鞋帽"
    assert _textarea(page, "conditions") == "吊牌完好"
