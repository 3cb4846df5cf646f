"""The inspector's complaint queue cards and detail page say something in every row (QA at 360 px):
no empty "期限："/"商户：", one status per card, and no empty 办理 card on a closed complaint."""
import re
from datetime import date

from creditstreet.extensions import db
from creditstreet.models import Complaint

from .. import factories


def _cell(html: str, code: str, cls: str) -> str:
    """The text of cell ``cls`` in the queue row of tracking code ``code`` (tags removed)."""
    row = re.search(r'<tr class="complaint-item[^"]*">(?:(?!</tr>).)*?%s.*?</tr>' % code, html, re.S).group(0)
    cell = re.search(r'<td[^>]*class="%s"[^>]*>(.*?)</td>' % cls, row, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell.replace("<br>", " "))).strip()


def _complaint(street, code, **kw):
    c = Complaint(street_id=street.id, tracking_code=code, description="内容", consumer_phone="13800000000",
                  status=kw.pop("status", "received"), **kw)
    db.session.add(c)
    return c


def test_rows_without_a_deadline_or_shop_say_so_and_a_free_text_trader_is_named(client, login_as, street):
    shop = factories.make_shop(street, "好又多超市")
    _complaint(street, "TSINQUIRY1", kind="inquiry")  # no shop, no deadline
    _complaint(street, "TSTRADER01", kind="complaint", trader_name="夜市烤肠摊", trader_address="人民路28号门口",
               decide_by=date(2026, 12, 14))
    _complaint(street, "TSSHOP0001", kind="complaint", shop_id=shop.id, decide_by=date(2026, 12, 15))
    db.session.commit()
    login_as("inspector")
    html = client.get("/inspector/complaints").get_data(as_text=True)
    assert _cell(html, "TSINQUIRY1", "due") == "—" and _cell(html, "TSINQUIRY1", "shop") == "—"
    assert _cell(html, "TSTRADER01", "due").startswith("2026-12-14")
    assert _cell(html, "TSTRADER01", "shop") == "夜市烤肠摊 （未在台账，待核实）"
    assert _cell(html, "TSSHOP0001", "shop") == "好又多超市"


def test_each_card_shows_its_status_once(client, login_as, street):
    shop = factories.make_shop(street)
    _complaint(street, "TSBOTHRECV", kind="complaint", shop_id=shop.id, carries_report=True, report_status="received")
    _complaint(street, "TSREPORT01", kind="report", shop_id=shop.id, report_status="received")
    _complaint(street, "TSDIFFERS1", kind="complaint", shop_id=shop.id, status="accepted", carries_report=True,
               report_status="case_opened")
    db.session.commit()
    login_as("inspector")
    html = client.get("/inspector/complaints").get_data(as_text=True)
    assert _cell(html, "TSBOTHRECV", "status") == "已接收"       # complaint and report both 已接收: once
    assert _cell(html, "TSREPORT01", "status") == "已接收"       # a report: its own track only
    assert _cell(html, "TSDIFFERS1", "status") == "已受理 举报：已立案"  # two different states: both


def test_a_closed_complaint_says_nothing_is_left_to_do(client, login_as, street):
    shop = factories.make_shop(street)
    inspector = login_as("inspector")
    c = _complaint(street, "TSCLOSED01", kind="complaint", shop_id=shop.id, status="closed", outcome="withdrawn",
                   handler_id=inspector.id)
    db.session.commit()
    html = client.get(f"/inspector/complaints/{c.id}").get_data(as_text=True)
    card = re.search(r'<section class="card" id="handling">(.*?)</section>', html, re.S).group(1)
    assert "已办结，无需操作" in card and "<form" not in card
    open_c = _complaint(street, "TSOPEN0001", kind="complaint", shop_id=shop.id, status="accepted",
                        handler_id=inspector.id)
    db.session.commit()
    html = client.get(f"/inspector/complaints/{open_c.id}").get_data(as_text=True)
    card = re.search(r'<section class="card" id="handling">(.*?)</section>', html, re.S).group(1)
    assert "无需操作" not in card and "<form" in card
