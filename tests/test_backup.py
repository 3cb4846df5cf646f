"""Backups (issue 7): `flask backup create` then `flask backup restore` into a fresh database finds every row."""
import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from creditstreet import create_app
from creditstreet.domain.errors import ValidationError
from creditstreet.extensions import db as _db
from creditstreet.models import (
    AuditEntry,
    Ballot,
    CalendarDay,
    Complaint,
    ComplaintEvent,
    Photo,
    Setting,
    Shop,
)
from creditstreet.services import accounts, backup, settings

from . import factories

PHOTO = bytes(range(256)) * 4  # 1 KiB of every byte value: binary data must survive the round trip


def _fill(street):
    admin = factories.make_user("admin", street=street)
    sup1 = factories.make_user("supervisor", street=street)
    sup2 = factories.make_user("supervisor", street=street)
    group = factories.make_group(street)
    factories.make_user("inspector", street=street, group_id=group.id)
    shops = [factories.make_shop(street, name=n) for n in ("老王服装店", "张记化妆品", "诚信家电")]
    for sup in (sup1, sup2):
        _db.session.add(Ballot(supervisor_id=sup.id, shop_id=shops[0].id, quarter="2026Q3",
                               lawful=True, service=sup is sup1, compliance=True, honesty=False))
    c = Complaint(street_id=street.id, shop_id=shops[1].id, tracking_code="TK-BACKUP-0001",
                  title="面霜过敏", description="用后脸红\n要求退货", consumer_name="李四",
                  consumer_phone="13812345678", amount_fen=12_850, money_recovered_fen=12_850,
                  received_at=datetime(2026, 9, 1, 2, 30, tzinfo=timezone.utc))
    _db.session.add(c)
    _db.session.flush()
    _db.session.add(ComplaintEvent(complaint_id=c.id, kind="received", note="网上投诉"))
    _db.session.add(Photo(complaint_id=c.id, data=PHOTO, width=32, height=32))
    accounts.create_user(admin, "newinspector", "password-123", "inspector", street_id=admin.street_id)  # Y2
    settings.update_settings(admin, {"exam_pass_mark": "70"})
    settings.set_calendar_day(admin, date(2031, 10, 8), "workday", "调休")
    _db.session.commit()


def _fresh_database(tmp_path):
    """A URL of an empty database of the same kind as the test database, and its cleanup."""
    url = make_url(_db.engine.url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    name = f"creditstreet_restore_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def test_backup_restores_every_row_into_a_fresh_database(app, runner, street, tmp_path):
    _fill(street)
    source_counts = backup.table_counts(_db.engine)
    # Worked out by hand from _fill: 3 shops, 2 ballots, 5 users (admin, 2 supervisors, inspector,
    # newinspector), 1 setting, 1 calendar day, 3 audit entries (user.create, setting, calendar).
    assert source_counts["shops"] == 3 and source_counts["ballots"] == 2 and source_counts["users"] == 5
    assert source_counts["audit_log"] == 3
    assert sum(1 for n in source_counts.values() if n) >= 10  # rows in many tables

    path = tmp_path / "nightly.backup"
    result = runner.invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and path.stat().st_size > 0

    url, drop = _fresh_database(tmp_path)
    try:
        fresh = create_app("test", SQLALCHEMY_DATABASE_URI=url)
        # Commands run in the current app's context, so enter the fresh app's first.
        with fresh.app_context():
            result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(path)])
            assert result.exit_code == 0, result.output
            assert backup.table_counts(_db.engine) == source_counts
            shop = _db.session.scalar(select(Shop).where(Shop.name == "张记化妆品"))
            c = _db.session.scalar(select(Complaint).where(Complaint.tracking_code == "TK-BACKUP-0001"))
            assert c.shop_id == shop.id and c.description == "用后脸红\n要求退货"
            assert c.money_recovered_fen == 12_850
            assert c.received_at == datetime(2026, 9, 1, 2, 30, tzinfo=timezone.utc)
            assert _db.session.scalar(select(Photo.data)) == PHOTO
            assert sorted(_db.session.scalars(select(Ballot.service))) == [False, True]
            assert _db.session.get(Setting, "exam_pass_mark").value == "70"
            assert _db.session.get(CalendarDay, date(2031, 10, 8)).kind == "workday"
            entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "setting.update"))
            assert entry.before == {"value": "60"} and entry.after == {"value": "70"}

            # The restored database now holds rows: a second restore needs --yes (said in Chinese).
            result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(path)])
            assert result.exit_code != 0 and "--yes" in result.output and "覆盖" in result.output
            _db.session.add(ComplaintEvent(complaint_id=c.id, kind="note", note="恢复后新增"))
            _db.session.commit()
            result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(path), "--yes"])
            assert result.exit_code == 0, result.output
            _db.session.remove()
            assert backup.table_counts(_db.engine) == source_counts  # the added event is gone again
            _db.session.remove()
            _db.engine.dispose()
    finally:
        drop()


def test_backup_refuses_to_overwrite_an_existing_file(app, runner, tmp_path):
    path = tmp_path / "taken.backup"
    path.write_bytes(b"x")
    result = runner.invoke(args=["backup", "create", str(path)])
    assert result.exit_code != 0 and "已存在" in result.output
    assert path.read_bytes() == b"x"


def test_restore_rejects_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    target = tmp_path / "target.sqlite3"
    with pytest.raises(ValidationError) as err:
        backup.restore_backup(f"sqlite:///{target}", bogus)
    assert err.value.code == "backup_wrong_kind" and "不是 SQLite 备份文件" in err.value.message


def test_default_backup_name_uses_the_street_local_time():
    """QA: the name used UTC. 2026-11-29 17:30 UTC is 2026-11-30 01:30 in Asia/Shanghai (UTC+8)."""
    from datetime import datetime, timezone

    from creditstreet.services import backup

    at = datetime(2026, 11, 29, 17, 30, 5, tzinfo=timezone.utc)
    path = backup.default_path("/backups", "sqlite:///x.sqlite3", now=at)
    assert path.name == "creditstreet-20261130-013005.sqlite3"
    assert backup.default_path("/b", "postgresql+psycopg://u@h/db", now=at, tz="UTC").name == \
        "creditstreet-20261129-173005.dump"
