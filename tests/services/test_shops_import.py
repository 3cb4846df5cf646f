"""Ledger import into the database (services.shops.import_ledger) and the admin's shop services.

The shipped ledger, counted by hand (see tests/services/test_ledger_io.py for the cell-by-cell
work): 153 numbered data rows (serials 1-153); serials 10, 11, 31, 80 have bad codes and 66 has
none → 5 rejected; serial 14 (row 17) repeats serial 7's code (row 10) → 1 merged;
153 − 5 − 1 = 147 shops.
"""
import csv
import io
from datetime import date, datetime, timezone

import openpyxl
import pytest
from sqlalchemy import func, select

from creditstreet.demo import LEDGER_PATH
from creditstreet.domain.errors import ValidationError
from creditstreet.models import AuditEntry, Shop
from creditstreet.services import shops
from creditstreet.services.ledger_io import read_rows
from tests import factories


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_shipped_ledger_first_import(db, street):
    report = shops.import_ledger(None, street, LEDGER_PATH)
    db.session.commit()
    assert (report.rows_read, report.created, report.updated, report.unchanged) == (153, 147, 0, 0)
    assert [r.sheet_row for r in report.rejected] == [13, 14, 34, 70, 84]  # serials 10, 11, 31, 66, 80
    assert report.rejected[3].reason_zh == "第70行：统一社会信用代码为空"
    assert report.duplicate_messages == ["第17行与第10行为同一统一社会信用代码，已合并"]
    assert count(db, Shop, Shop.street_id == street.id) == 147
    assert count(db, AuditEntry, AuditEntry.action == "shop.import_create") == 147
    # serial 92 "隆盛烧烤店"; search_key is the name without spaces, simplified, casefolded
    shop = db.session.scalar(select(Shop).where(Shop.name == "隆盛烧烤店"))
    assert shop.search_key == "隆盛烧烤店" and shop.status == "active"
    # serial 7 (row 10) survives with its code in upper case
    assert count(db, Shop, Shop.uscc == "92420381K6RXY9PHR2") == 1
    lines = report.lines()
    assert lines[0] == ("导入完成：读取数据行 153 行，新增商户 147 户，更新 0 户，无变化 0 户，"
                        "拒绝 5 行，合并重复 1 行，需核对 26 行。")
    assert "拒绝 第13行：统一社会信用代码校验失败（924203811KHT6GN254）" in lines


def test_second_import_changes_nothing(db, street):
    shops.import_ledger(None, street, LEDGER_PATH)
    db.session.commit()
    audits = count(db, AuditEntry)
    report = shops.import_ledger(None, street, LEDGER_PATH)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 147)
    assert count(db, AuditEntry) == audits and count(db, Shop) == 147


def test_changed_row_is_an_update_with_before_and_after(db, street):
    shops.import_ledger(None, street, LEDGER_PATH)
    db.session.commit()
    rows = list(read_rows(LEDGER_PATH))
    # serial 1 is on sheet row 4 (n+3 for n ≤ 37); column G (index 6) is 负责人 "范磊"
    assert rows[3][0] == 4 and rows[3][1][6] == "范磊"
    rows[3][1][6] = "范小磊"
    report = shops.import_ledger(None, street, rows)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 1, 146)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shop.import_update"))
    assert entry.before == {"principal": "范磊"} and entry.after == {"principal": "范小磊"}


def test_dry_run_writes_nothing(db, street):
    report = shops.import_ledger(None, street, LEDGER_PATH, dry_run=True)
    db.session.commit()
    assert (report.rows_read, report.created, report.dry_run) == (153, 147, True)
    assert report.lines()[0].startswith("试导入（未写入数据库）")
    assert count(db, Shop) == 0 and count(db, AuditEntry) == 0


def _as_csv_rows(path):
    """The shipped sheet as the office would save it to CSV: dates as text, merged title once."""
    sheet = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    out = []
    for values in sheet.iter_rows(values_only=True):
        out.append(["" if v is None else v.strftime("%Y/%m/%d") if isinstance(v, datetime) else v
                    for v in values])
    return out


def test_gbk_csv_gives_the_same_shops(db, street, tmp_path):
    shops.import_ledger(None, street, LEDGER_PATH)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(_as_csv_rows(LEDGER_PATH))
    path = tmp_path / "台账.csv"
    path.write_bytes(buffer.getvalue().encode("gbk"))
    other = factories.make_street("另一条街")
    report = shops.import_ledger(None, other, path)
    db.session.commit()
    assert (report.rows_read, report.created, len(report.rejected), len(report.duplicates)) == (153, 147, 5, 1)

    def fields(street_id):
        return set(db.session.execute(select(
            Shop.uscc, Shop.name, Shop.ownership, Shop.industry, Shop.house_number, Shop.principal,
            Shop.phone, Shop.opened_on, Shop.licence_expires_on, Shop.licence_no_expiry, Shop.note,
        ).where(Shop.street_id == street_id)).all())

    assert fields(other.id) == fields(street.id) and len(fields(other.id)) == 147


def test_broken_row_reason_names_the_sheet_row(db, street):
    rows = [
        (1, ["台账"]),
        (2, ["序号", "商户名称", "统一社会信用代码", "联系电话"]),
        (3, [1, "张记面馆", "92420381K6RXY9PHR2", "13800138000"]),
        (4, [2, "李记", "92420381K6RXY9PHR3", "138"]),
    ]
    report = shops.import_ledger(None, street, rows)
    assert report.created == 1
    assert [r.reason_zh for r in report.rejected] == [
        "第4行：统一社会信用代码校验失败（92420381K6RXY9PHR3）；联系电话格式不正确（138）"]


def test_too_long_name_is_rejected_not_truncated(db, street):
    rows = [(1, ["商户名称", "统一社会信用代码"]), (2, ["长" * 121, "92420381K6RXY9PHR2"])]
    report = shops.import_ledger(None, street, rows)
    assert report.created == 0 and report.rejected[0].reason_zh == \
        "第2行：商户名称有121个字（超过50字），请核对是否把地址或经营范围写进了名称"


def test_no_header_raises_in_chinese(street):
    with pytest.raises(ValidationError) as caught:
        shops.import_ledger(None, street, [(1, ["甲", "乙"])])
    assert "未找到表头行" in caught.value.message


def test_progress_reported_for_large_files(db, street, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("商户名称,统一社会信用代码\n" + "甲,92420381K6RXY9PHR2\n" * 1100, encoding="utf-8")
    seen = []
    report = shops.import_ledger(None, street, path, dry_run=True, progress=seen.append)
    # 1101 rows read: reported at 500, 1000 and at the end; 1 shop, 1099 duplicates of row 2
    assert seen == [500, 1000, 1101]
    assert (report.rows_read, report.created, len(report.duplicates)) == (1100, 1, 1099)


def test_create_update_close_shop_with_audit(db, street):
    shop = shops.create_shop(None, street, " 92420381k6rxy9phr2 ", "張記麵館", "individual",
                             phone="+86 138 0013 8000", house_number="5号")
    assert (shop.uscc, shop.search_key, shop.phone) == ("92420381K6RXY9PHR2", "张记面馆", "13800138000")
    with pytest.raises(ValidationError) as caught:
        shops.create_shop(None, street, "92420381K6RXY9PHR2", "另一家", "private")
    assert caught.value.code == "shop_uscc_taken"
    shops.update_shop(None, shop, name="张记面馆", phone="0719 8117836")
    assert shop.phone == "0719-8117836"
    shops.close_shop(None, shop, date(2026, 11, 30))
    db.session.commit()
    assert db.session.get(Shop, shop.id).status == "closed"  # closed, not deleted (SPEC A2)
    with pytest.raises(ValidationError):
        shops.close_shop(None, shop, date(2026, 12, 1))
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["shop.create", "shop.update", "shop.close"]
    update = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shop.update"))
    assert update.before["phone"] == "13800138000" and update.after["phone"] == "0719-8117836"


def test_find_shops_matches_traditional_code_and_status(db, street):
    a = factories.make_shop(street, "张记面馆", uscc="92420381K6RXY9PHR2")
    b = factories.make_shop(street, "源新副食行", uscc="924203817ME1D4HGJU")
    shops.close_shop(None, b, date(2026, 1, 1))
    assert shops.find_shops(street, "張記麵館") == [a]
    assert shops.find_shops(street, "7me1d4") == [b]
    assert shops.find_shops(street, "", status="active") == [a]


def test_cli_import_creates_street_and_prints_report(runner, db):
    result = runner.invoke(args=["shops", "import", str(LEDGER_PATH), "--street", "城关××街"])
    assert result.exit_code == 0, result.output
    assert "新增商户 147 户" in result.output and "第17行与第10行为同一统一社会信用代码，已合并" in result.output
    assert count(db, Shop) == 147
    again = runner.invoke(args=["shops", "import", str(LEDGER_PATH), "--street", "城关××街"])
    assert "新增商户 0 户，更新 0 户，无变化 147 户" in again.output


def test_cli_dry_run_writes_nothing(runner, db):
    result = runner.invoke(args=["shops", "import", str(LEDGER_PATH), "--street", "新街", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "试导入" in result.output and "新增商户 147 户" in result.output
    from creditstreet.models import Street
    assert count(db, Shop) == 0 and count(db, Street) == 0


def test_cli_bad_file_is_a_chinese_error(runner, tmp_path):
    path = tmp_path / "x.xls"
    path.write_bytes(b"x")
    result = runner.invoke(args=["shops", "import", str(path)])
    assert result.exit_code != 0 and "只支持 .xlsx 和 .csv" in result.output


def _csv_file(tmp_path, text_or_bytes, name="台账.csv"):
    path = tmp_path / name
    if isinstance(text_or_bytes, str):
        path.write_text(text_or_bytes, encoding="utf-8")
    else:
        path.write_bytes(text_or_bytes)
    return path


def test_csv_dates_with_a_time_part_import_and_errors_keep_the_text(db, street, tmp_path):
    """QA: 2025-09-24 00:00:00 and 2025/9/24 0:00 were 开业日期无法识别; the error lost its space."""
    csv_text = ("商户名称,统一社会信用代码,开业日期,营业执照有效期至\n"
                "张记面馆,92420381K6RXY9PHR2,2025-09-24 00:00:00,2043-10-12 00:00:00\n"
                "李家鞋店,91420381U4KBUT38XD,2025/9/24 0:00,长期\n"
                "王记茶庄,924203817ME1D4HGJU,2025-09-24 25:00:00,2043-10-1x 00:00:00\n")
    report = shops.import_ledger(None, street, _csv_file(tmp_path, csv_text))
    got = {s.name: (s.opened_on, s.licence_expires_on) for s in db.session.scalars(select(Shop))}
    assert got == {"张记面馆": (date(2025, 9, 24), date(2043, 10, 12)), "李家鞋店": (date(2025, 9, 24), None)}
    # Third row: 25:00 is no time of day → rejected; the expiry's original text keeps its space.
    assert [r.reason_zh for r in report.rejected] == [
        "第4行：开业日期无法识别（2025-09-24 25:00:00）；营业执照有效期至无法识别（2043-10-1x 00:00:00），应为日期或“长期”"]


def test_empty_and_wrongly_encoded_csv_files_say_so(db, street, tmp_path):
    with pytest.raises(ValidationError) as caught:
        shops.import_ledger(None, street, _csv_file(tmp_path, b""))
    assert caught.value.message == "文件为空"
    with pytest.raises(ValidationError) as caught:
        shops.import_ledger(None, street, _csv_file(tmp_path, "\n , \n"))
    assert caught.value.message == "文件为空"
    big5 = "商戶名稱,統一社會信用代碼\n張記麵館,92420381K6RXY9PHR2\n".encode("big5")
    with pytest.raises(ValidationError) as caught:
        shops.import_ledger(None, street, _csv_file(tmp_path, big5))
    assert caught.value.message == ("未找到表头行：请确认文件为 UTF-8 或 GBK 编码，"
                                    "且包含“商户名称”“统一社会信用代码”等列")


def test_doubtful_rows_are_rejected_with_a_reason_or_imported_with_a_warning(db, street, monkeypatch):
    """Issue 17. Today is 2026-12-07 (Shanghai). An opening date in 2031 is a typo (rejected); a
    licence expiring before the opening is impossible (rejected); a 120-character name is not a
    name (rejected); a shop opening next month is imported, listed as a warning and kept off every
    public page until it opens; an expired licence is imported with a warning."""
    from creditstreet.services import shops as shop_service

    monkeypatch.setattr(shop_service, "utcnow", lambda: datetime(2026, 12, 7, 4, 0, tzinfo=timezone.utc))
    u = factories.VALID_USCC
    rows = [(1, ["商户名称", "统一社会信用代码", "开业日期", "营业执照有效期至"]),
            (2, ["未来开业店", u[0], "2031-05-01", "长期"]),
            (3, ["倒挂执照店", u[1], "2020-05-01", "2019-12-31"]),
            (4, ["名" * 120, u[2], "2015-01-01", "长期"]),
            (5, ["下月开业店", u[3], "2027-01-08", "2047-01-07"]),
            (6, ["执照过期店", u[4], "2010-03-01", "2025-06-30"]),
            (7, ["正常店", u[5], "2012-03-01", "长期"])]
    report = shops.import_ledger(None, street, rows)
    db.session.commit()
    assert [r.reason_zh for r in report.rejected] == [
        "第2行：开业日期2031-05-01在一年以后，请核对年份",
        "第3行：营业执照有效期至2019-12-31早于开业日期2020-05-01，请核对",
        "第4行：商户名称有120个字（超过50字），请核对是否把地址或经营范围写进了名称",
    ]
    assert report.warnings == ["第5行：下月开业店尚未开业（开业日期2027-01-08），开业前不在公示栏和商户页显示",
                               "第6行：执照过期店的营业执照已于2025-06-30过期，请提醒商户换照"]
    assert report.created == 3
    assert "提示 第5行：下月开业店尚未开业（开业日期2027-01-08），开业前不在公示栏和商户页显示" in report.lines()
    assert count(db, Shop, Shop.name == "未来开业店") == 0


def test_a_not_yet_open_shop_is_never_published(client, db, street):
    from creditstreet.models import utcnow
    from creditstreet.domain.time import local_date

    later = factories.make_shop(street, "下月开业店", opened_on=date.fromordinal(local_date(utcnow(), "Asia/Shanghai").toordinal() + 30))
    open_now = factories.make_shop(street, "正常店", opened_on=date(2012, 3, 1))
    db.session.commit()
    assert client.get(f"/shops/{later.id}").status_code == 404
    assert client.get(f"/shops/{open_now.id}").status_code == 200
    assert "下月开业店" not in client.get("/").get_data(as_text=True)
