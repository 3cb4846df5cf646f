"""No drift: `upgrade head` on an empty database gives exactly the models (issue 2, Build 4).

Runs on a temp SQLite file, and on PostgreSQL when DATABASE_URL / TEST_DATABASE_URL points there
(a throwaway database is created through the server's ``postgres`` database and dropped after).
"""
import contextlib
import os
import tempfile
import uuid
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from config import normalize_database_url
from creditstreet import create_app
from creditstreet.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


def _pg_server_url():
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    url = normalize_database_url(url)
    return make_url(url) if url.startswith("postgresql") else None


def _databases():
    yield "sqlite"
    if _pg_server_url() is not None:
        yield "postgresql"


@contextlib.contextmanager
def _throwaway_database(kind):
    """The URL of a new, empty database of `kind` ('sqlite' or 'postgresql'), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='creditstreet-mig-')) / 'empty.sqlite3'}"
        return
    server = _pg_server_url()
    name = f"creditstreet_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=list(_databases()))
def empty_database_url(request):
    with _throwaway_database(request.param) as url:
        yield url


@pytest.fixture
def upgraded(empty_database_url):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_head_equals_the_models(upgraded):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], "migrations drift from the models; regenerate 0001_initial_schema.py:\n" + "\n".join(
        map(str, diff))


def test_constraint_names_follow_the_convention(upgraded):
    inspector = inspect(db.engine)
    uniques = {u["name"] for u in inspector.get_unique_constraints("ballots")}
    assert "uq_ballots_supervisor_id_shop_id_quarter" in uniques  # SPEC S1: one ballot per quarter
    assert "uq_shops_street_id_uscc" in {u["name"] for u in inspector.get_unique_constraints("shops")}
    assert inspector.get_pk_constraint("shops")["name"] in ("pk_shops", None)  # SQLite does not report it
    fks = {fk["name"] for fk in inspector.get_foreign_keys("ballots")}
    assert "fk_ballots_shop_id_shops" in fks and "fk_ballots_supervisor_id_users" in fks


def test_metadata_names_follow_the_convention():
    names = {c.name for c in db.metadata.tables["ballots"].constraints}
    assert {"pk_ballots", "uq_ballots_supervisor_id_shop_id_quarter", "fk_ballots_shop_id_shops"} <= names


def test_0003_fills_the_reason_tails_of_existing_records(empty_database_url):
    """Records written before 0003 (one with a seizure under it) get the text the models now write
    (SPEC G3), by the domain rule:
    severity and kind labels, the description on one line in brackets; a model kind spelt otherwise
    ("no_licence", "complaint_fault") reads as the domain's."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0002")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO streets (id, name, timezone, hotlines, duty_hours, created_at) "
                              "VALUES (1, '街', 'Asia/Shanghai', '[]', '', '2024-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO shops (id, street_id, uscc, name, search_key, ownership, industry, house_number, house_sort, "
                "principal, phone, licence_no_expiry, note, status, public_reply, created_at, updated_at) "
                "VALUES (1, 1, 'X', '店', '店', 'individual', '', '', '', '', '', false, '', 'active', '', "
                "'2024-01-01 00:00:00', '2024-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO violations (id, shop_id, severity, kind, legal_basis, description, penalty, fine_fen, "
                "recorded_at) VALUES (1, 1, 'serious', 'no_licence', '', :d, '', 0, '2024-03-01 00:00:00')"),
                {"d": "无照\r\n经营 "})
            conn.execute(text(
                "INSERT INTO bad_records (id, shop_id, kind, description, recorded_at) "
                "VALUES (1, 1, 'complaint_fault', '', '2024-03-01 00:00:00')"))
            # a row referencing the violation: SQLite may not copy-and-drop the table under it
            conn.execute(text("INSERT INTO seizures (id, violation_id, goods, quantity, unit) "
                              "VALUES (1, 1, '牙膏', 504, '支')"))
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            v = conn.execute(text("SELECT reason_tail FROM violations")).scalar_one()
            b = conn.execute(text("SELECT reason_tail FROM bad_records")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert v == " 严重违法违章：主体资格不合格或未亮证经营（无照 经营）"
    assert b == " 不良记录：投诉中经查商家有责"


def test_0004_rebuilds_disabled_periods_from_the_audit_log(empty_database_url):
    """Supervisor 1 was disabled 2024-05-10 and enabled 2024-08-01 (audit log); supervisor 2 was
    disabled 2024-06-01 and still is; supervisor 3 is disabled with no audit entry: taken as
    disabled since it was created (2020-01-01), what the count before 0004 assumed."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0003")
        with db.engine.begin() as conn:
            for uid, disabled in ((1, False), (2, True), (3, True)):
                conn.execute(text(
                    "INSERT INTO users (id, username, password_hash, display_name, role, disabled, session_epoch, "
                    "created_at) VALUES (:id, :name, 'x', :name, 'supervisor', :disabled, 0, '2020-01-01 00:00:00')"),
                    {"id": uid, "name": f"s{uid}", "disabled": disabled})
            for i, (action, uid, at) in enumerate((
                    ("user.disable", 1, "2024-05-10 01:00:00"), ("user.disable", 2, "2024-06-01 01:00:00"),
                    ("user.enable", 1, "2024-08-01 01:00:00"))):
                conn.execute(text(
                    "INSERT INTO audit_log (id, at, actor_label, action, entity, entity_id) "
                    "VALUES (:id, :at, '', :action, 'user', :uid)"), {"id": i + 1, "at": at, "action": action,
                                                                       "uid": str(uid)})
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT user_id, CAST(started_at AS VARCHAR(26)), CAST(ended_at AS VARCHAR(26)) "
                                     "FROM disabled_periods ORDER BY user_id")).all()
        db.session.remove()
        db.engine.dispose()
    assert [(u, s[:19], e and e[:19]) for u, s, e in rows] == [
        (1, "2024-05-10 01:00:00", "2024-08-01 01:00:00"),
        (2, "2024-06-01 01:00:00", None),
        (3, "2020-01-01 00:00:00", None),
    ]


# --- Schema changes lose nothing (issue 13, Build 9) ---------------------------------------------

def _row_counts():
    """{table: rows} for every table of the current schema (alembic_version aside)."""
    names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    with db.engine.connect() as conn:
        return {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


def _current_revision():
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _chain():
    """Every revision of the chain, head first: [(revision, down_revision), ...]."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(flask_migrate.Migrate(directory=MIGRATIONS).get_config(MIGRATIONS))
    heads = script.get_heads()
    assert len(heads) == 1, f"the chain must stay linear, heads: {heads}"
    return [(r.revision, r.down_revision) for r in script.walk_revisions()]


@pytest.fixture(scope="module", params=list(_databases()))
def demo_app(request):
    """The demo street loaded into a database upgraded to head (SQLite with foreign keys on).

    Shared by the tests below, in file order: the failing run changes nothing, the walk goes last."""
    from creditstreet.services import demo

    with _throwaway_database(request.param) as url:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS)
            demo.load_demo()
            db.session.commit()
            db.session.remove()
            yield app
            db.session.remove()
            db.engine.dispose()


def test_a_failing_downgrade_leaves_the_database_where_it_was(demo_app, capfd):
    """A run is one transaction: when a step fails (here the closing foreign-key check on SQLite,
    on PostgreSQL the last step, blocked by a view), the database stays at the revision it started from,
    every table and row in place."""
    head = _chain()[0][0]
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            # A dangling ballot planted with enforcement off: the run must not commit over it.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            conn.execute(text("INSERT INTO ballots (supervisor_id, shop_id, quarter, lawful, service, compliance, "
                              "honesty, cast_at, updated_at) SELECT supervisor_id, 999999, '1999Q1', lawful, service, "
                              "compliance, honesty, cast_at, updated_at FROM ballots LIMIT 1"))
            conn.commit()
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
        else:
            # A view on the first table: only the last step (0001 dropping shops) fails.
            conn.execute(text("CREATE VIEW shop_names AS SELECT name FROM shops"))
            conn.commit()
    before = _row_counts()
    # SQLite: down to 0001, which keeps ballots and shops, so the closing check sees the dangling row.
    target = "0001" if db.engine.dialect.name == "sqlite" else "base"
    with pytest.raises((SystemExit, Exception)) as failed:  # Flask-Migrate exits 1 on a RuntimeError
        flask_migrate.downgrade(directory=MIGRATIONS, revision=target)
    assert "foreign key check failed" in capfd.readouterr().err or "depend" in str(failed.value)
    db.engine.dispose()
    assert _current_revision() == head
    assert _row_counts() == before
    with db.engine.begin() as conn:  # leave the demo street clean for the walk below
        if db.engine.dialect.name == "sqlite":
            conn.execute(text("DELETE FROM ballots WHERE shop_id = 999999"))
        else:
            conn.execute(text("DROP VIEW shop_names"))


def test_every_revision_downgrades_and_upgrades_on_the_demo_street_losing_nothing(demo_app):
    """Walk the chain from head to base on the populated demo street. At each revision R:
    downgrade R (every table R did not create keeps every row), upgrade R again (the same tables
    still hold the same rows and R's tables are back), then downgrade R once more to go on down.
    On SQLite each run ends with PRAGMA foreign_key_check (migrations/env.py), which must pass."""
    counts = _row_counts()
    assert counts["shops"] >= 100 and counts["complaints"] > 0 and counts["ballots"] > 0  # populated
    chain = _chain()
    assert _current_revision() == chain[0][0]
    for revision, down in chain:
        before = _row_counts()
        flask_migrate.downgrade(directory=MIGRATIONS, revision=down or "base")
        assert _current_revision() == down
        kept = _row_counts()
        assert set(kept) <= set(before)
        assert kept == {t: before[t] for t in kept}, f"downgrading {revision} lost rows"

        flask_migrate.upgrade(directory=MIGRATIONS, revision=revision)
        assert _current_revision() == revision
        again = _row_counts()
        assert set(again) == set(before), f"upgrading {revision} again does not restore its tables"
        assert {t: again[t] for t in kept} == kept, f"upgrading {revision} again lost rows"

        flask_migrate.downgrade(directory=MIGRATIONS, revision=down or "base")
    assert _row_counts() == {}
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:  # the pooled connection got its enforcement back
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_0013_withdraws_the_bad_records_of_reopened_complaints(empty_database_url):
    """K5, for rows written before the rule: (1) closed at fault 2024-03-04, reopened 2024-03-06,
    closed not at fault → withdrawn at the reopening; (2) the same, closed at fault again on
    2024-03-12 → counting, dated at that final closing; (3) closed at fault once → untouched.
    Written through the services at head, taken back to 0012 (the column goes), then upgraded."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from creditstreet.domain.complaints import Outcome
    from creditstreet.services import complaints as svc
    from tests import factories

    cst = ZoneInfo("Asia/Shanghai")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        street = factories.make_street()
        shop = factories.make_shop(street)
        inspector = factories.make_user("inspector", street=street)
        ids = []
        for n, final in enumerate(("not_at_fault", "at_fault", None)):
            data = {"kind": "complaint", "shop_id": shop.id, "description": f"第{n}件：电饭煲不加热",
                    "consumer_phone": f"1380013800{n}", "consumer_name": "王小明", "amount": "299"}
            c, _ = svc.file_complaint(None, street, data, None, now=datetime(2024, 3, 1, 10, tzinfo=cst))
            svc.accept_complaint(inspector, c, now=datetime(2024, 3, 1, 10, tzinfo=cst))
            svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 29900), shop_at_fault=True,
                                now=datetime(2024, 3, 4, 10, tzinfo=cst))
            if final is not None:
                svc.reopen_complaint(c, "退款没到账", now=datetime(2024, 3, 6, 10, tzinfo=cst))
                svc.add_mediation_note(inspector, c, "再次调解", now=datetime(2024, 3, 7, 10, tzinfo=cst))
                svc.close_complaint(inspector, c, Outcome("agreement", {"refund"}, 29900),
                                    shop_at_fault=final == "at_fault", now=datetime(2024, 3, 12, 10, tzinfo=cst))
            ids.append(c.id)
        db.session.commit()
        db.session.remove()
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0012_print_jobs")
        with db.engine.begin() as conn:  # as before the rule: the first closing's date everywhere
            conn.execute(text("UPDATE bad_records SET recorded_at = :at"), {"at": "2024-03-04 02:00:00"})
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            rows = {cid: (str(rec)[:19], withdrawn and str(withdrawn)[:19]) for cid, rec, withdrawn in conn.execute(text(
                "SELECT complaint_id, recorded_at, withdrawn_at FROM bad_records"))}
        db.session.remove()
        db.engine.dispose()
    assert rows == {ids[0]: ("2024-03-04 02:00:00", "2024-03-06 02:00:00"),
                    ids[1]: ("2024-03-12 02:00:00", None),
                    ids[2]: ("2024-03-04 02:00:00", None)}
