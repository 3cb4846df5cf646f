"""The audit log reads as people do (issue 17, Admins): labels, yuan, local times, operator names,
and a search box. The stored entries stay raw (SPEC A1)."""
import html as html_lib
import re
from datetime import datetime, timezone

from creditstreet.domain.complaints import Outcome
from creditstreet.extensions import db
from creditstreet.models import AuditEntry
from creditstreet.services import audit
from creditstreet.services import complaints as svc

from .. import factories

# 2026-09-01 02:00 UTC = 10:00 in Shanghai
T0 = datetime(2026, 9, 1, 2, 0, tzinfo=timezone.utc)


def _rows(html):
    body = html.split('id="audit-table"', 1)[1].split("</tbody>", 1)[0]
    return [html_lib.unescape(r) for r in body.split("<tr>")[1:]]


def test_a_closed_complaint_reads_in_labels_yuan_and_local_time(client, login_as, street):
    admin = login_as("admin", display_name="刘专班")
    inspector = factories.make_user("inspector", street=street, display_name="赵巡查")
    shop = factories.make_shop(street, "张记面馆")
    data = {"kind": "complaint", "shop_id": shop.id, "description": "面里有头发，要求退款28元",
            "consumer_phone": "13800138000", "consumer_name": "王小明", "amount": "28"}
    c, _ = svc.file_complaint(None, street, data, None, now=T0)
    svc.accept_complaint(inspector, c, now=T0)
    svc.add_mediation_note(inspector, c, "已联系商家", now=T0)
    svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 2800), shop_at_fault=True, now=T0)
    audit.record(admin, "shop.update", "shop", shop.id, {"closed_on": None, "note": ""},
                 {"closed_on": "2026-09-01", "note": "x", "decided_at": "2026-09-01T02:00:00+00:00"})
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    rows = _rows(page)
    close = next(r for r in rows if "complaint.close" in r)
    assert "赵巡查（" in close  # the operator by name
    assert "挽回经济损失（元）：28.00" in close and "money_recovered_fen" not in close
    assert "状态：已办结" in close and "处理结果：达成调解协议" in close and "调解方式：退货退款" in close
    assert "商户有责：是" in close and "同时举报：否" in close and "承办人：赵巡查" in close
    assert "carries_report" not in close and "decide_by" not in close and "None" not in close
    intake = next(r for r in rows if "complaint.intake" in r)
    assert "消费者" in intake.split("</td>")[1]  # the operator of a public filing
    shop_row = next(r for r in rows if "shop.update" in r)
    assert "2026-09-01 10:00" in shop_row and "T02:00:00" not in shop_row  # local time, not UTC ISO
    assert "关闭日期：—" in shop_row and "刘专班" in shop_row


def test_the_log_is_searchable_by_name_label_and_content(client, login_as, street):
    admin = login_as("admin", display_name="刘专班")
    other = factories.make_user("inspector", street=street, display_name="赵巡查")
    audit.record(admin, "shop.create", "shop", 7, None, {"name": "张记面馆", "house_number": "10号"})
    audit.record(other, "violation.create", "violation", 3, None, {"description": "售假牙膏"})
    audit.record(None, "complaint.reopen", "complaint", 9, None, {"status": "reopened"}, actor_label="consumer")
    db.session.commit()

    def found(q):
        rows = _rows(client.get("/admin/audit", query_string={"q": q}).get_data(as_text=True))
        return sorted(m for r in rows for m in re.findall(r'<small class="muted">(\w+\.\w+)</small>', r)
                      if not m.startswith("user."))  # logging in may write account entries

    assert found("张记面馆") == ["shop.create"]  # Chinese inside the stored JSON
    assert found("赵巡查") == ["violation.create"]  # the operator's name
    assert found("违法行为") == ["violation.create"]  # an object's label
    assert found("消费者") == ["complaint.reopen"]
    assert found("不存在的内容") == []
    assert db.session.query(AuditEntry).count() >= 3
