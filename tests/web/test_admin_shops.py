"""Admin shop pages: authorization per role, ledger upload (with dry run), edit, close."""
import io
import re

import pytest
from sqlalchemy import func, select

from creditstreet.demo import LEDGER_PATH
from creditstreet.models import AuditEntry, Shop
from tests import factories
from tests.conftest import csrf_token

ROUTES = ["/admin/shops", "/admin/shops/new", "/admin/shops/import", "/admin/shops/{id}", "/admin/shops/{id}/close"]


def shop_count(db):
    return db.session.scalar(select(func.count()).select_from(Shop))


@pytest.mark.parametrize("path", ROUTES)
def test_anonymous_is_sent_to_login(client, street, db, path):
    shop = factories.make_shop(street)
    db.session.commit()
    resp = client.get(path.format(id=shop.id))
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


@pytest.mark.parametrize("role", ["inspector", "supervisor"])
@pytest.mark.parametrize("path", ROUTES)
def test_other_roles_are_refused(client, street, db, login_as, role, path):
    shop = factories.make_shop(street)
    login_as(role)
    assert client.get(path.format(id=shop.id)).status_code == 403
    if path != "/admin/shops":  # a real token (from the public page), so the guard, not CSRF, answers
        resp = client.post(path.format(id=shop.id), data={"csrf_token": csrf_token(client, "/"), "name": "x"})
        assert resp.status_code == 403


@pytest.mark.parametrize("path", ROUTES)
def test_admin_sees_every_page(client, street, db, login_as, path):
    shop = factories.make_shop(street, "张记面馆")
    login_as("admin")
    resp = client.get(path.format(id=shop.id))
    assert resp.status_code == 200 and "<h1>" in resp.get_data(as_text=True)


def upload(client, filename, content, dry_run=False, street_name="城关××街"):
    data = {"csrf_token": csrf_token(client, "/admin/shops/import"), "street_name": street_name,
            "ledger": (io.BytesIO(content), filename)}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/admin/shops/import", data=data, content_type="multipart/form-data")


def test_upload_dry_run_then_real(client, street, db, login_as):
    login_as("admin")
    content = LEDGER_PATH.read_bytes()
    resp = upload(client, "台账.xlsx", content, dry_run=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "试导入报告（未写入）" in html
    assert "<dt>新增商户</dt><dd>147</dd>" in html and "<dt>拒绝</dt><dd>5</dd>" in html
    assert "第70行：统一社会信用代码为空" in html
    assert "第17行与第10行为同一统一社会信用代码，已合并" in html
    assert shop_count(db) == 0
    html = upload(client, "台账.xlsx", content).get_data(as_text=True)
    assert "<dt>新增商户</dt><dd>147</dd>" in html and shop_count(db) == 147
    html = upload(client, "台账.xlsx", content).get_data(as_text=True)
    assert "<dt>无变化</dt><dd>147</dd>" in html and shop_count(db) == 147


def test_upload_wrong_type_gives_chinese_message(client, street, db, login_as):
    login_as("admin")
    html = upload(client, "台账.xls", b"xx").get_data(as_text=True)
    assert "台账文件只支持 .xlsx 和 .csv 格式" in html
    html = upload(client, "台账.xlsx", b"not a zip").get_data(as_text=True)
    assert "无法读取该 Excel 文件" in html and shop_count(db) == 0


def test_edit_shop_and_bad_phone_keeps_input(client, street, db, login_as):
    shop = factories.make_shop(street, "张记面馆", uscc="92420381K6RXY9PHR2")
    db.session.commit()
    login_as("admin")
    path = f"/admin/shops/{shop.id}"
    data = {"csrf_token": csrf_token(client, path), "uscc": "ignored", "name": "張記麵館 新店",
            "ownership": "individual", "phone": "138", "house_number": "9号", "note": "第一行\n第二行"}
    html = client.post(path, data=data).get_data(as_text=True)
    assert "手机号码格式不正确" in html and 'value="張記麵館 新店"' in html and "第一行\n第二行" in html
    data["phone"] = "０７１９－８１１７８３６"
    resp = client.post(path, data=data)
    assert resp.status_code == 302
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    assert (shop.name, shop.search_key, shop.phone, shop.uscc) == (
        "張記麵館 新店", "张记面馆新店", "0719-8117836", "92420381K6RXY9PHR2")


def test_close_shop_keeps_it(client, street, db, login_as):
    shop = factories.make_shop(street, "张记面馆")
    db.session.commit()
    login_as("admin")
    path = f"/admin/shops/{shop.id}/close"
    resp = client.post(path, data={"csrf_token": csrf_token(client, path), "closed_on": "2026-11-30",
                                   "reason": "歇业"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).status == "closed"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shop.close"))
    assert entry.after == {"status": "closed", "closed_on": "2026-11-30", "reason": "歇业"}
    listed = client.get("/admin/shops?status=closed").get_data(as_text=True)
    assert "张记面馆" in listed
    assert "张记面馆" not in client.get("/admin/shops").get_data(as_text=True)


def test_new_shop_duplicate_code_is_refused_with_input_kept(client, street, db, login_as):
    factories.make_shop(street, "张记面馆", uscc="92420381K6RXY9PHR2")
    db.session.commit()
    login_as("admin")
    path = "/admin/shops/new"
    html = client.post(path, data={"csrf_token": csrf_token(client, path), "uscc": "92420381k6rxy9phr2",
                                   "name": "李记面馆", "ownership": "private"}).get_data(as_text=True)
    assert "已登记在本街" in html and 'value="李记面馆"' in html
    assert shop_count(db) == 1


def test_search_finds_traditional_spelling(client, street, db, login_as):
    factories.make_shop(street, "张记面馆")
    factories.make_shop(street, "源新副食行")
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/shops?q=張記麵館").get_data(as_text=True)
    assert "张记面馆" in html and "源新副食行" not in html
    assert re.search(r"共 1 户", html)


def test_close_form_proposes_today_on_the_street_clock(client, street, db, login_as):
    """QA D6: between 00:00 and 08:00 in Shanghai the UTC date is still yesterday (SPEC §3)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shop = factories.make_shop(street)
    db.session.commit()
    login_as("admin")
    html = client.get(f"/admin/shops/{shop.id}/close").get_data(as_text=True)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert re.search(r'name="closed_on"[^>]*value="' + today + '"', html) or \
        re.search(r'value="' + today + r'"[^>]*name="closed_on"', html), html[:2000]
