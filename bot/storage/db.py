"""The database: engine set-up (SQLite by default, PostgreSQL by DATABASE_URL) and migrations.

SQLite runs in WAL mode so readers never wait for the writer. Synchronous SQLAlchemy
sessions are used from a worker thread (``Database.run``), so no query ever blocks the
event loop that serves Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from bot.storage import guards
from bot.storage.prepared import Prepared

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_SQLITE = Path("data") / "ducha.db"
T = TypeVar("T")


def database_url(env: dict[str, str] | None = None) -> str:
    """DATABASE_URL, normalised for SQLAlchemy; a SQLite file in the data folder
    (DUCHA_DATA_DIR, default data/) when unset."""
    env = dict(os.environ) if env is None else env
    url = (env.get("DATABASE_URL") or "").strip()
    if not url:
        folder = (env.get("DUCHA_DATA_DIR") or "").strip()
        return f"sqlite:///{Path(folder) / DEFAULT_SQLITE.name if folder else DEFAULT_SQLITE}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for ``url``; ``schema`` (PostgreSQL only) isolates test runs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        guards.install(engine)
        return engine
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args=connect_args)
    guards.install(engine)
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date with the Alembic migrations (run at every start)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        return
    # SQLite changes a column by copying its table; with foreign keys enforced, dropping a
    # referenced table fails. They are off during migrations (the pragma only works outside a
    # transaction) and checked afterwards.
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows without their referenced row: {broken[:5]}")
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


class Database:
    """The engine plus a way to run session work off the event loop.

    SQLite allows one writer at a time and makes others sleep-and-retry, so all SQLite
    work goes through one worker thread in order; PostgreSQL gets a small pool.
    """

    def __init__(self, engine: Engine, workers: int | None = None) -> None:
        self.engine = engine
        if workers is None:
            workers = 1 if engine.dialect.name == "sqlite" else 8
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, migrate: bool = True) -> Database:
        db = cls(make_engine(database_url(env)))
        if migrate:
            upgrade(db.engine)
        return db

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def call(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one transaction: committed if it returns, rolled back if it raises."""
        with self.session() as session:
            try:
                result = fn(session)
                session.commit()
                return result
            except BaseException:
                session.rollback()
                raise

    async def run(self, fn: Callable[[Session], T]) -> T:
        """``call`` on the database's worker thread(s), for async handlers."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.call, fn)


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two databases above are supported
        raise NotImplementedError(dialect)
    return insert


@lru_cache(maxsize=64)
def _insert_new_statement(dialect: str, table) -> Any:
    key = list(table.primary_key.columns)[0]
    # RETURNING, not rowcount: drivers disagree on rowcount once RETURNING is implied.
    return _insert(dialect)(table).on_conflict_do_nothing().returning(key)


@lru_cache(maxsize=64)
def _upsert_statement(dialect: str, table, key: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    statement = _insert(dialect)(table)
    return statement.on_conflict_do_update(index_elements=list(key), set_={c: statement.excluded[c] for c in columns})


def _preparable(table, keys: tuple[str, ...]) -> bool:
    """Every column with a Python-side default is given (else SQLAlchemy must fill it in)."""
    return all(c.key in keys for c in table.columns if c.default is not None or c.onupdate is not None)


@lru_cache(maxsize=128)
def _insert_new_prepared(dialect: str, table, keys: tuple[str, ...]) -> Prepared | None:
    return Prepared(_insert_new_statement(dialect, table), keys) if _preparable(table, keys) else None


@lru_cache(maxsize=128)
def _upsert_prepared(dialect: str, table, key: tuple[str, ...], columns: tuple[str, ...]) -> Prepared | None:
    keys = key + columns
    return Prepared(_upsert_statement(dialect, table, key, columns), keys) if _preparable(table, keys) else None


def insert_new(session: Session, model: type, **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True if the row was new.

    Cheaper than a savepoint around an ORM add, and race-free: of two transactions
    inserting the same key, exactly one gets True. Statements are built once per table
    (and, when every defaulted column is given, run prepared: bot/storage/prepared.py).
    """
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    prepared = _insert_new_prepared(dialect, table, tuple(values))
    if prepared is not None:
        return prepared.first(session, **values) is not None
    return session.connection().execute(_insert_new_statement(dialect, table), values).first() is not None


def upsert(session: Session, model: type, key: dict, **values) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE: one statement, no read before the write."""
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    prepared = _upsert_prepared(dialect, table, tuple(key), tuple(values))
    if prepared is not None:
        prepared.rowcount(session, **key, **values)
        return
    session.connection().execute(_upsert_statement(dialect, table, tuple(key), tuple(values)), {**key, **values})
