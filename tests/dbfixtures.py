"""Databases for tests: SQLite always, PostgreSQL when DATABASE_URL points at one.

Each PostgreSQL test gets a schema of its own (search_path), so runs never see each
other's rows and the shared `test` database is left as found.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from bot.storage.db import Database, database_url, make_engine, upgrade

BACKENDS = ["sqlite", "postgres"]


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return database_url({"DATABASE_URL": url}) if url.startswith(("postgres://", "postgresql")) else None


def open_database(backend: str, tmp_path, revision: str = "head") -> Iterator[Database]:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'ducha.db'}")
        upgrade(engine, revision)
        yield Database(engine)
        engine.dispose()
        return
    url = postgres_url()
    if url is None:
        pytest.skip("DATABASE_URL does not point at PostgreSQL (set by .ci/run)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema)
    try:
        upgrade(engine, revision)
        yield Database(engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class FakeClock:
    """An injected clock: tests move time, nothing sleeps."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += dt.timedelta(**kwargs)


def act(db: Database, user, fn, clock=None):
    """Run a core call as every shell does (bot/actions.py): a refusal comes back as its reply,
    logged and, unless it says otherwise, audited in a transaction of its own."""
    from bot.actions import Runner
    from bot.common.reply import utc_now

    return Runner(db, clock or utc_now).call(user, fn)


def refusal_of(db: Database, user, fn, clock=None):
    """Run a core call as a shell does; it must be refused. Returns the Refusal (its ``text`` is
    what the user read; the runner has written its audit row unless ``audit`` is False)."""
    from bot.common.errors import Refusal

    caught: list[Refusal] = []

    def watched(s):
        try:
            return fn(s)
        except Refusal as no:
            caught.append(no)
            raise

    act(db, user, watched, clock)
    assert caught, "the call was not refused"
    return caught[0]


def refusals(db: Database) -> list:
    """The audit log's refusals, oldest first: (actor_id, detail)."""
    from sqlmodel import select

    from bot.storage.models import AuditEntry

    return db.call(
        lambda s: [(e.actor_id, e.detail) for e in s.exec(select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.id)).all()]
    )
