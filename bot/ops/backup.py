"""`ducha backup` and `ducha restore`: a consistent copy of the whole database, online.

Everything the bot knows is in the database (bindings, answers, evidence references,
rectification items, notices and who acknowledged them, the calendar, the audit log), so a
backup is the database:

* SQLite: SQLite's online backup API, a consistent snapshot even while the bot writes; the
  file is itself a SQLite database.
* PostgreSQL: ``pg_dump --format=custom`` (one snapshot transaction), restored with
  ``pg_restore``; the password travels in PGPASSWORD, never on a command line.

A restore refuses a database that already holds data unless forced, refuses while a bot holds
the instance lease, migrates the restored data to this version's schema, and drops the
instance leases it brought along (they belonged to processes of the backup's time).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData, func, inspect, select, text
from sqlalchemy.engine import make_url

from bot.common import texts
from bot.storage.db import Database, upgrade

logger = logging.getLogger(__name__)
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Tables whose rows make a database "in use" (a fresh one has only the alembic version).
IGNORED = {"alembic_version", "instance_leases", "processed_updates"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    rows: dict[str, int]


def counts(db: Database) -> dict[str, int]:
    """Rows per table of the bot's schema (for the operator, and to tell an empty database)."""
    with db.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        meta = MetaData()
        meta.reflect(conn, only=names)
        return {name: conn.execute(select(func.count()).select_from(meta.tables[name])).scalar_one() for name in sorted(names)}


def in_use(db: Database) -> bool:
    return any(n for table, n in counts(db).items() if table not in IGNORED)


def default_name(db: Database, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    ext = "db" if db.engine.dialect.name == "sqlite" else "dump"
    return f"ducha-{now:%Y%m%d-%H%M%S}.{ext}"


def backup(db: Database, out: Path) -> BackupResult:
    """Write a consistent copy of ``db`` to ``out`` (a file, or a folder to put one in)."""
    if out.is_dir():
        out = out / default_name(db)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        if db.engine.dialect.name == "sqlite":
            _sqlite_backup(db, partial)
        else:
            _pg_dump(db, partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(out, out.stat().st_size, counts(db))


def _sqlite_path(db: Database) -> str:
    path = make_url(str(db.engine.url)).database
    if not path or path == ":memory:":
        raise BackupError(texts.OPS_BACKUP_MEMORY)
    return path


def _sqlite_backup(db: Database, out: Path) -> None:
    source = sqlite3.connect(_sqlite_path(db), timeout=30)
    target = sqlite3.connect(out)
    try:
        source.backup(target)  # one step: a consistent snapshot, writers wait or go on in the WAL
    finally:
        target.close()
        source.close()


def _pg_env(db: Database) -> tuple[dict[str, str], str]:
    """libpq's environment for ``db`` (password included) and the schema in use."""
    url = make_url(str(db.engine.url))
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[key] = str(value)
    with db.engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    return env, schema


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(texts.OPS_PG_TOOL_MISSING.format(tool=name))
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in (done.stderr or "").splitlines() if line.strip()]
        raise BackupError(texts.OPS_PG_TOOL_FAILED.format(tool=Path(args[0]).name, error=(lines[-1] if lines else done.returncode)))


def _pg_dump(db: Database, out: Path) -> None:
    env, schema = _pg_env(db)
    args = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={out}"]
    if schema != "public":
        args.append(f"--schema={schema}")
    _run(args, env)


def kind_of(path: Path) -> str:
    """"sqlite" or "postgresql" by the file's first bytes; BackupError otherwise."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise BackupError(texts.OPS_BACKUP_UNREADABLE.format(path=path, error=type(exc).__name__)) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(texts.OPS_BACKUP_UNKNOWN.format(path=path))


def restore(db: Database, source: Path, force: bool = False, now: dt.datetime | None = None) -> dict[str, int]:
    """Replace ``db``'s content with the backup in ``source``; the restored row counts."""
    kind = kind_of(source)
    dialect = "sqlite" if db.engine.dialect.name == "sqlite" else "postgresql"
    if kind != dialect:
        raise BackupError(texts.OPS_BACKUP_WRONG_KIND.format(kind=kind, dialect=dialect))
    _refuse_while_running(db, now)
    if not force and in_use(db):
        raise BackupError(texts.OPS_RESTORE_NOT_EMPTY)
    db.dispose()  # no connection may hold the old database
    if kind == "sqlite":
        _sqlite_restore(db, source)
    else:
        _pg_restore(db, source)
    db.dispose()
    upgrade(db.engine)  # a backup from an older version gets this version's schema
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM instance_leases"))
    return counts(db)


def _refuse_while_running(db: Database, now: dt.datetime | None) -> None:
    now = now or dt.datetime.now(dt.timezone.utc)
    with db.engine.connect() as conn:
        if "instance_leases" not in inspect(conn).get_table_names():
            return
        rows = conn.execute(text("SELECT host, pid, expires_at FROM instance_leases")).all()
    for host, pid, expires in rows:
        if isinstance(expires, str):
            expires = dt.datetime.fromisoformat(expires)
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.timezone.utc)
        if expires > now:
            raise BackupError(texts.OPS_RESTORE_BOT_RUNNING.format(host=host, pid=pid))


def _sqlite_restore(db: Database, source: Path) -> None:
    check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(texts.OPS_BACKUP_CORRUPT.format(path=source))
        target = sqlite3.connect(_sqlite_path(db), timeout=30)
        try:
            check.backup(target)
        finally:
            target.close()
    finally:
        check.close()


def _pg_restore(db: Database, source: Path) -> None:
    """One transaction: drop the bot's tables in the schema in use, then the dump's SQL;
    a dump that fails half-way leaves the database as it was."""
    env, schema = _pg_env(db)
    with db.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    script = source.with_name(source.name + ".restore.sql")
    try:
        with script.open("w", encoding="utf-8") as fh:
            fh.write("SET client_min_messages = warning;\n")
            for name in tables:
                fh.write(f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE;\n')
            fh.flush()
            done = subprocess.run(
                [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-", str(source)],
                env=env, stdout=fh, stderr=subprocess.PIPE, text=True,
            )
        if done.returncode != 0:
            lines = [line for line in (done.stderr or "").splitlines() if line.strip()]
            raise BackupError(texts.OPS_PG_TOOL_FAILED.format(tool="pg_restore", error=lines[-1] if lines else done.returncode))
        _run([_tool("psql"), "--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1", f"--file={script}"], env)
    finally:
        script.unlink(missing_ok=True)
