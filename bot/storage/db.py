"""The database: engine set-up (SQLite by default, PostgreSQL by DATABASE_URL) and migrations.

SQLite runs in WAL mode so readers never wait for the writer. Synchronous SQLAlchemy
sessions are used from worker threads (``Database.run`` and ``Database.read``), so no query
ever blocks the event loop that serves Telegram, and no wait is unbounded: a database that is
locked, busy or down raises ``DatabaseUnavailable`` after ``write_wait`` seconds at most
(sooner when the caller asks, e.g. a question that can be answered without the database).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from bot.storage import guards
from bot.storage.bounds import (  # noqa: F401  (DatabaseUnavailable and unavailable: part of this module's API)
    WRITE_WAIT,
    DatabaseUnavailable,
    Job,
    busy_ms,
    commit_within,
    reason,
    restore_busy,
    set_busy,
    unavailable,
)
from bot.storage.prepared import Prepared
from bot.storage.writer import SQLiteWriter

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_SQLITE = Path("data") / "ducha.db"
T = TypeVar("T")

# Reading threads beside SQLite's one writer (WAL readers never wait for a writer).
SQLITE_READERS = 3
POSTGRES_WORKERS = 8


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
    # copy the WAL back into the database every 10,000 pages (40 MB) instead of 1,000: a level
    # press dirties a handful of the same hot pages, so fewer, larger checkpoints copy far less
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms(WRITE_WAIT)}")
    cursor.close()


def _sqlite_reader_pragmas(dbapi_connection, _record) -> None:
    """A reading connection: it cannot write (a read that tries is run again as a change)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms(WRITE_WAIT)}")
    cursor.close()


def _sqlite_file(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return parsed.database


def make_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for ``url``; ``schema`` (PostgreSQL only) isolates test runs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": WRITE_WAIT})
        event.listen(engine, "connect", _sqlite_pragmas)
        guards.install(engine)
        return engine
    # bounded waits: connecting, a free pooled connection, a row lock (ms)
    options = f"-clock_timeout={busy_ms(WRITE_WAIT)}" + (f" -csearch_path={schema}" if schema else "")
    connect_args = {"options": options, "connect_timeout": max(1, int(WRITE_WAIT / 2))}
    engine = create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=WRITE_WAIT, connect_args=connect_args
    )
    guards.install(engine)
    return engine


def _reader_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": WRITE_WAIT})
    event.listen(engine, "connect", _sqlite_reader_pragmas)
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


class _WantsWrite(Exception):
    """A read tried to change something: run it again as a change."""


class Database:
    """The engine plus a way to run session work off the event loop, each wait bounded.

    SQLite admits one writer at a time: every change (``run``) goes through one writing
    thread in order (bot/storage/writer.py: on a connection it keeps, changes that queue up
    committed together), so two of ours never contend, and another process's write lock is
    waited for at most ``write_wait`` seconds. Reads (``read``) run beside it on a few threads
    with connections that cannot write (WAL readers never wait for a writer); a read that
    turns out to change something is run again as a change. PostgreSQL gets one small pool.
    """

    def __init__(self, engine: Engine, workers: int | None = None, write_wait: float = WRITE_WAIT) -> None:
        self.engine = engine
        self.write_wait = write_wait
        sqlite = engine.dialect.name == "sqlite"
        if workers is None:
            workers = 1 if sqlite else POSTGRES_WORKERS
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")
        self.writer = SQLiteWriter(engine, self.executor, write_wait) if sqlite and workers == 1 else None
        # SQLite in a file: reads get connections of their own (made on first use)
        self._reader_url = engine.url.render_as_string(hide_password=False) if sqlite and _sqlite_file(str(engine.url)) else None
        self._readers: ThreadPoolExecutor | None = None
        self._reader: Engine | None = None
        self._reader_lock = threading.Lock()

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

    # --- off the event loop ------------------------------------------------------------

    async def run(self, fn: Callable[[Session], T], wait: float | None = None) -> T:
        """``call`` on the writing thread(s), for async handlers. Raises DatabaseUnavailable
        when the database is down, or still locked or busy after ``wait`` seconds (default
        ``write_wait``); then nothing was saved."""
        if self.writer is not None:
            writer = self.writer
            return await self._submit(lambda job: asyncio.wrap_future(writer.submit(fn, job, alone=wait is not None)), wait, True)
        loop = asyncio.get_running_loop()
        return await self._submit(lambda job: loop.run_in_executor(self.executor, self._write, fn, job), wait, True)

    async def read(self, fn: Callable[[Session], T], wait: float | None = None, write: Callable[[Session], T] | None = None) -> T:
        """``fn`` beside the writer, where the database allows it (SQLite in WAL mode); if it
        turns out to change something, ``write`` (default ``fn``) is run with ``run`` instead.
        Bounded like ``run``, the two together within ``wait``."""
        readers = self._reading()
        if readers is None:
            return await self.run(write or fn, wait)
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        try:
            return await self._submit(lambda job: loop.run_in_executor(readers, self._read, fn, job), wait, False)
        except _WantsWrite:
            left = None if wait is None else max(0.0, wait - (time.monotonic() - started))
            return await self.run(write or fn, left)

    async def _submit(self, start: Callable[[Job], asyncio.Future], wait: float | None, writing: bool) -> Any:
        limit = self.write_wait if wait is None else min(wait, self.write_wait)
        job = Job(time.monotonic() + limit)
        future = start(job)
        if wait is None:  # the worker keeps to the bound itself (busy timeout, pool and lock waits)
            return await future
        try:
            return await asyncio.wait_for(asyncio.shield(future), wait)
        except asyncio.TimeoutError:
            if job.abandon():  # it will be rolled back whenever it gets the database
                future.add_done_callback(_quiet)
                raise DatabaseUnavailable(f"no answer within {wait:g} s", writing) from None
            return await future  # already committing: it is saved, so say so

    def _bounded(self, session: Session, job: Job, writing: bool) -> Any:
        """Give up on a transaction that waited its whole bound in the queue, and let SQLite
        wait for a lock only as long as the rest of the bound. Returns the connection whose
        busy timeout was shortened (to be restored), if any."""
        left = job.deadline - time.monotonic()
        if left <= 0 or job.state == Job.ABANDONED:
            raise DatabaseUnavailable("waited in the queue for the whole bound", writing)
        if self.engine.dialect.name != "sqlite":
            return None
        wanted = busy_ms(self.write_wait if left > self.write_wait / 2 else left)
        if wanted == busy_ms(WRITE_WAIT):
            return None
        connection = session.connection().connection
        set_busy(connection, wanted)
        return connection

    def _write(self, fn: Callable[[Session], T], job: Job) -> T:
        """A change on a pooled connection (PostgreSQL; SQLite with more than one worker)."""
        with Session(self.engine, expire_on_commit=False) as session:
            return commit_within(session, job, lambda: self._bounded(session, job, True), fn)

    def _read(self, fn: Callable[[Session], T], job: Job) -> T:
        assert self._reader is not None
        with Session(self._reader, expire_on_commit=False) as session:
            shortened = None
            try:
                shortened = self._bounded(session, job, False)
                result = fn(session)
                if session.new or session.dirty or session.deleted:
                    raise _WantsWrite  # ORM changes not flushed yet: they belong to a change
                return result
            except exc.SQLAlchemyError as error:
                if isinstance(error, exc.OperationalError) and "readonly database" in str(error.orig).lower():
                    raise _WantsWrite from None
                if unavailable(error):
                    raise DatabaseUnavailable(reason(error), False) from error
                raise
            finally:
                restore_busy(shortened)
                session.rollback()

    def _reading(self) -> ThreadPoolExecutor | None:
        if self._reader_url is None:
            return None
        with self._reader_lock:
            if self._readers is None:
                self._reader = _reader_engine(self._reader_url)
                self._readers = ThreadPoolExecutor(max_workers=SQLITE_READERS, thread_name_prefix="db-read")
            return self._readers

    def dispose(self) -> None:
        """Close every connection (both engines, and the one the writing thread keeps)."""
        if self.writer is not None:
            self.writer.dispose()
        self.engine.dispose()
        if self._reader is not None:
            self._reader.dispose()


def _quiet(future: asyncio.Future) -> None:
    """The result of a transaction nobody waits for any more (it was rolled back)."""
    if not future.cancelled():
        future.exception()


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
