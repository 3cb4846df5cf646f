"""Config (issue 2, Build 2): secret key handling and the embedded SQLite settings."""
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

import config
from creditstreet import create_app
from creditstreet.extensions import db


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(RuntimeError) as caught:
        create_app("prod", SECRET_KEY=None)
    assert "SECRET_KEY" in str(caught.value) and "生产环境" in str(caught.value)


def test_production_with_secret_key_starts_and_writes_no_key_file(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    app = create_app("prod", SECRET_KEY="a-real-secret-from-the-environment")
    assert app.config["SECRET_KEY"] == "a-real-secret-from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_dev_generates_secret_key_once_and_reuses_it(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = create_app("dev", SECRET_KEY=None)
    key_file = tmp_path / "secret_key"
    assert key_file.is_file() and (key_file.stat().st_mode & 0o777) == 0o600
    key = key_file.read_text().strip()
    assert first.config["SECRET_KEY"] == key and len(key) == 64  # 32 random bytes as hex
    second = create_app("dev", SECRET_KEY=None)
    assert second.config["SECRET_KEY"] == key and key_file.read_text().strip() == key


def test_database_url_spellings_map_to_psycopg3():
    assert config.normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_file_pragmas():
    path = Path(tempfile.mkdtemp(prefix="creditstreet-cfg-")) / "pragmas.sqlite3"
    app = create_app("dev", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SECRET_KEY="x")
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 15000
                # the grading's scratch tables on 16 KiB pages (docs/benchmarks.md)
                conn.execute(text("CREATE TEMPORARY TABLE scratch (x INTEGER)"))
                assert conn.execute(text("PRAGMA temp.page_size")).scalar() == 16384
        finally:
            db.session.remove()
            db.engine.dispose()
