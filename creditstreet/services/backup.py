"""Backups of the whole database (issue 7, SPEC A2): SQLite online backup, PostgreSQL pg_dump.

``create_backup(url, path)`` writes a consistent copy while the app keeps running:
SQLite through the sqlite3 online backup API (the copy is itself an SQLite file), PostgreSQL
through ``pg_dump --format=custom``. ``restore_backup(url, path, overwrite=...)`` loads such a
file into the database at ``url`` (SQLite: online backup in the other direction; PostgreSQL:
``pg_restore --clean --if-exists --no-owner``) and refuses to overwrite a database holding rows
unless ``overwrite`` is true. Errors are ``ValidationError`` with a Chinese message.
No request, no session: these work on whole databases, so they neither flush nor commit.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404  # fixed argument lists to pg_dump/pg_restore, never a shell
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.engine import URL, Engine, make_url

from ..domain.errors import ValidationError
from ..domain.time import to_local

PG_TIMEOUT_S = 3600  # a county database dumps in seconds; an hour means something hangs


def default_path(directory: str | os.PathLike, url: str | URL, now: datetime | None = None,
                 tz: str | None = None) -> Path:
    """``<directory>/creditstreet-YYYYmmdd-HHMMSS.<sqlite3|dump>`` on the street's wall clock
    (``tz``, default Asia/Shanghai), so the name matches the time the staff see."""
    stamp = to_local(now or datetime.now(timezone.utc), tz).strftime("%Y%m%d-%H%M%S")
    ext = "sqlite3" if _is_sqlite(make_url(url)) else "dump"
    return Path(directory) / f"creditstreet-{stamp}.{ext}"


def create_backup(url: str | URL, path: str | os.PathLike, engine: Engine | None = None) -> Path:
    """Write a consistent copy of the database at ``url`` to ``path``; returns the path.

    ``engine``: the app's engine for ``url`` (SQLite copies through one of its connections).
    Raises ValidationError when ``path`` exists or the tool is missing or fails.
    """
    url = make_url(url)
    path = Path(path)
    if path.exists():
        raise ValidationError(f"备份文件 {path} 已存在，请换一个文件名", code="backup_exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    if _is_sqlite(url):
        _sqlite_copy(url, engine, to_file=path)
    elif url.get_backend_name() == "postgresql":
        _run_pg("pg_dump", ["--format=custom", f"--file={path}", *_pg_args(url)], url)
    else:
        raise ValidationError(f"不支持备份 {url.get_backend_name()} 数据库", code="backup_backend")
    return path


def restore_backup(url: str | URL, path: str | os.PathLike, *, overwrite: bool = False,
                   engine: Engine | None = None) -> dict[str, int]:
    """Load the backup at ``path`` into the database at ``url``; returns row counts per table.

    Refuses (ValidationError ``restore_would_overwrite``) when the target holds any row and
    ``overwrite`` is false. The file must be of the target's kind (SQLite file / pg_dump archive).
    """
    url = make_url(url)
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"找不到备份文件 {path}", code="backup_missing")
    own_engine = engine is None
    engine = engine or create_engine(url)
    try:
        if not overwrite and any(table_counts(engine).values()):
            raise ValidationError(
                "目标数据库中已有数据，恢复将覆盖全部现有数据；确认无误请加 --yes 再运行",
                code="restore_would_overwrite",
            )
        if _is_sqlite(url):
            _check_sqlite_file(path)
            _sqlite_copy(url, engine, from_file=path)
        elif url.get_backend_name() == "postgresql":
            _run_pg("pg_restore", ["--clean", "--if-exists", "--no-owner", *_pg_args(url), str(path)], url)
        else:
            raise ValidationError(f"不支持恢复 {url.get_backend_name()} 数据库", code="backup_backend")
        engine.dispose()  # pooled connections may hold the old schema
        return table_counts(engine)
    finally:
        if own_engine:
            engine.dispose()


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the database behind ``engine`` (every table it has, sorted by name)."""
    names = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {n: conn.scalar(select(func.count()).select_from(table(n))) for n in names}


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_copy(url: URL, engine: Engine | None, *, to_file: Path | None = None,
                 from_file: Path | None = None) -> None:
    """Online backup between the live database and a file (either direction)."""
    if not url.database or url.database == ":memory:":
        if engine is None:
            raise ValidationError("内存数据库无法备份或恢复", code="backup_memory")
    own = engine is None
    engine = engine or create_engine(url)
    raw = engine.raw_connection()
    try:
        live = raw.driver_connection
        other = sqlite3.connect(str(to_file or from_file))
        try:
            if to_file is not None:
                live.backup(other)
            else:
                other.backup(live)
        except sqlite3.Error as e:
            raise ValidationError(f"SQLite 备份/恢复失败：{e}", code="backup_failed") from e
        finally:
            other.close()
    finally:
        raw.close()
        if own:
            engine.dispose()


def _check_sqlite_file(path: Path) -> None:
    with open(path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise ValidationError(f"{path} 不是 SQLite 备份文件", code="backup_wrong_kind")


def _pg_args(url: URL) -> list[str]:
    args = []
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    args.append(f"--dbname={url.database}")
    return args


def _run_pg(tool: str, args: list[str], url: URL) -> None:
    exe = shutil.which(tool)
    if exe is None:
        raise ValidationError(f"找不到 {tool}，请安装 postgresql-client", code="backup_tool_missing")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    try:
        done = subprocess.run(  # nosec B603  # absolute tool path and a fixed list, no shell
            [exe, "--no-password", *args], env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as e:
        raise ValidationError(f"{tool} 超时未完成", code="backup_failed") from e
    if done.returncode != 0:
        raise ValidationError(f"{tool} 失败：{done.stderr.strip()[-500:]}", code="backup_failed")
