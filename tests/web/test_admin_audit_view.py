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
    # a city admin: the entries name objects that do not exist, so they belong to no street
    from ..conftest import login

    admin = factories.make_user("admin", display_name="刘专班")
    db.session.commit()
    assert login(client, admin.username, factories.PASSWORD).status_code == 302
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


def test_dates_given_the_wrong_way_round_are_swapped_and_said(client, login_as, street):
    """Issue 17: since 2026-09-30, until 2026-09-01 means September: an entry of 2026-09-15 10:00
    Shanghai (02:00 UTC) is found, one of 2026-10-01 00:30 Shanghai (2026-09-30 16:30 UTC) is not."""
    admin = login_as("admin", display_name="刘专班")
    first, second = factories.make_shop(street), factories.make_shop(street)
    for entity_id, at in ((first.id, datetime(2026, 9, 15, 2, 0)), (second.id, datetime(2026, 9, 30, 16, 30))):
        entry = audit.record(admin, "shop.update", "shop", entity_id, None, {"note": "x"})
        entry.at = at
    db.session.commit()
    page = client.get("/admin/audit", query_string={"since": "2026-09-30", "until": "2026-09-01"}
                      ).get_data(as_text=True)
    assert "起始日期晚于截止日期，已对调为 2026-09-01 至 2026-09-30" in page
    assert 'name="since" value="2026-09-01"' in page and 'name="until" value="2026-09-30"' in page
    rows = [r for r in _rows(page) if "shop.update" in r]
    assert len(rows) == 1 and f"#{first.id}" in rows[0]
    plain = client.get("/admin/audit", query_string={"since": "2026-09-01", "until": "2026-09-30"}
                       ).get_data(as_text=True)
    assert "已对调" not in plain and len([r for r in _rows(plain) if "shop.update" in r]) == 1


def test_merchant_invitation_and_settlement_entries_read_in_chinese(client, login_as, street):
    """Issue 17: the three raw codes the office saw (merchant_invitation, settlement.join, merchant.sign_up)."""
    from creditstreet.services.merchant import accounts as merchant_accounts
    from creditstreet.services.merchant import settlement
    admin = login_as("admin", display_name="刘专班")
    shop = factories.make_shop(street, "张记面馆")
    _inv, code = merchant_accounts.create_invitation(admin, shop, now=T0)
    owner = merchant_accounts.sign_up(code, "zhangji", "Mianguan#Liu48", "Mianguan#Liu48", "张老板", now=T0)
    settlement.join(owner, now=T0)
    db.session.commit()
    rows = _rows(client.get("/admin/audit").get_data(as_text=True))
    invite = next(r for r in rows if "merchant.invite" in r)
    assert "发放商户邀请码" in invite and "商户邀请码 #" in invite and "有效期至：" in invite
    sign_up = next(r for r in rows if "merchant.sign_up" in r)
    assert "商户凭邀请码注册" in sign_up and "用户：张老板（zhangji）" in sign_up
    join = next(r for r in rows if "settlement.join" in r)
    assert "加入先行和解" in join and "参加先行和解：否" in join and "参加先行和解：是" in join


def test_a_street_admin_reads_its_streets_entries_only(client, app, street):
    # Street A (the fixture) and street B, each with a shop, a complaint and a rectification (its
    # street only through its shop); a seizure on B (through its violation's shop); a city-wide rule
    # change. A's admin sees A's three entries, B's admin B's four, the city admin all eight.
    from flask import g

    from creditstreet.models import Patrol, Rectification
    from ..conftest import login

    other = factories.make_street("滨江路")
    city = factories.make_user("admin", username="cityboss")
    made = {}
    for st, tag in ((street, "甲"), (other, "乙")):
        shop = factories.make_shop(st, f"{tag}店")
        c, _ = svc.file_complaint(None, st, {"kind": "complaint", "shop_id": shop.id, "description": f"{tag}投诉内容",
                                             "consumer_phone": "13800138000"}, None, now=T0)
        patrol = Patrol(shop_id=shop.id, inspector_id=city.id, patrolled_at=T0)
        db.session.add(patrol)
        db.session.flush()
        rect = Rectification(patrol_id=patrol.id, shop_id=shop.id, checklist_item="price_tag", workdays=5,
                             due_on=T0.date(), ordered_by=city.id)
        db.session.add(rect)
        db.session.flush()
        audit.record(city, "shop.update", "shop", shop.id, {"note": ""}, {"note": tag})
        audit.record(city, "rectification.order", "rectification", rect.id, None, {"workdays": 5})
        made[st.id] = (shop, c, rect)
    # two hops: a seizure names only its violation, the violation its shop (the other street's)
    from creditstreet.models import Seizure, Violation

    violation = Violation(shop_id=made[other.id][0].id, severity="general", kind="other", recorded_at=T0)
    db.session.add(violation)
    db.session.flush()
    seizure = Seizure(violation_id=violation.id, goods="假牙膏", quantity=3, unit="支")
    db.session.add(seizure)
    db.session.flush()
    audit.record(city, "seizure.record", "seizure", seizure.id, None, {"quantity": 3})
    audit.record(city, "setting.update", "setting", "quorum_min", {"value": "3"}, {"value": "4"})
    for a in ("admin_a", "admin_b"):
        factories.make_user("admin", username=a, street=street if a == "admin_a" else other)
    db.session.commit()

    entries = {(e.entity, e.entity_id): e.street_id for e in AuditEntry.query.all()}
    for st in (street, other):
        shop, c, rect = made[st.id]
        assert entries[("shop", str(shop.id))] == st.id
        assert entries[("complaint", str(c.id))] == st.id
        assert entries[("rectification", str(rect.id))] == st.id  # via its shop, read by the INSERT
    assert entries[("setting", "quorum_min")] is None
    assert entries[("seizure", str(seizure.id))] == other.id

    def seen(username):
        for key in list(g):
            g.pop(key)
        browser = app.test_client()
        assert login(browser, username, factories.PASSWORD).status_code == 302
        page = browser.get("/admin/audit").get_data(as_text=True)
        return re.search(r"共 (\d+) 条", page).group(1), page

    n_a, page_a = seen("admin_a")
    assert n_a == "3" and "甲" in page_a and "乙" not in page_a
    n_b, page_b = seen("admin_b")
    assert n_b == "4" and "乙" in page_b and "甲" not in page_b  # and the seizure
    assert seen("cityboss")[0] == "8"
