"""Every wait for the database is bounded (bot/storage/db.py): a change waits at most its bound
for a lock another process holds and then says it was not saved; reads run beside the writer;
a read that turns out to write is run again as a change; a caller that stopped waiting gets
nothing saved behind its back; a database that is down answers at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import sqlite3
import threading

import pytest
from sqlmodel import select

from bot.storage.db import Database, DatabaseUnavailable, make_engine, upgrade
from bot.storage.models import AuditEntry, Person

pytestmark = pytest.mark.asyncio
NOW = dt.datetime(2020, 8, 3, 1, 0, tzinfo=dt.timezone.utc)


def sqlite_db(tmp_path, write_wait: float = 0.3) -> tuple[Database, str]:
    path = str(tmp_path / "bounds.db")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Database(engine, write_wait=write_wait), path


def person(user_id: int) -> Person:
    return Person(user_id=user_id, name=f"用户{user_id}", unit="华龙区", role="party", bound_at=NOW)


def count_people(s) -> int:
    return len(s.exec(select(Person)).all())


class Holder:
    """Another process's connection holding SQLite's write lock until released."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


async def test_a_change_waits_its_bound_for_a_lock_then_is_not_saved(tmp_path):
    db, path = sqlite_db(tmp_path, write_wait=0.3)
    holder = Holder(path)
    try:
        with pytest.raises(DatabaseUnavailable) as refused:
            await asyncio.wait_for(db.run(lambda s: s.add(person(1))), 5)
        assert refused.value.writing
        # meanwhile reads answer: WAL readers do not wait for a writer
        assert await asyncio.wait_for(db.read(count_people), 1) == 0
    finally:
        holder.release()
    await db.run(lambda s: s.add(person(2)))
    assert db.call(lambda s: [p.user_id for p in s.exec(select(Person)).all()]) == [2]


async def test_a_caller_that_stopped_waiting_gets_nothing_saved_later(tmp_path):
    """Two ways a change outlives its caller's patience: queued behind slow work, or slow
    itself. Neither is committed afterwards (the user was told it was not saved)."""
    db, _ = sqlite_db(tmp_path, write_wait=5)
    gate, started = threading.Event(), threading.Event()

    def slow(user_id: int):
        def work(s):
            s.add(person(user_id))
            s.flush()
            started.set()
            gate.wait(5)

        return work

    first = asyncio.ensure_future(db.run(slow(6)))  # the writing thread is busy with this
    assert await asyncio.to_thread(started.wait, 5)
    with pytest.raises(DatabaseUnavailable):
        await db.run(lambda s: s.add(person(7)), wait=0.2)  # queued behind it
    gate.set()
    await first
    gate.clear()
    with pytest.raises(DatabaseUnavailable):
        await db.run(slow(8), wait=0.2)  # running when its caller gave up
    gate.set()
    await db.run(lambda s: s.add(person(9)))  # after both on the same thread
    assert db.call(lambda s: sorted(p.user_id for p in s.exec(select(Person)).all())) == [6, 9]


async def test_a_read_that_writes_is_run_again_as_a_change(tmp_path):
    db, _ = sqlite_db(tmp_path)
    runs: list[str] = []

    def orm_add(s):
        runs.append("orm")
        s.add(person(5))  # never flushed on the reading connection
        return "added"

    def statement(s):
        runs.append("statement")
        s.exec(select(Person)).all()
        s.add(AuditEntry(at=NOW, actor_id=None, actor="测试", action="test", detail="读后写"))
        s.flush()  # a statement the reading connection refuses
        return "flushed"

    assert await db.read(orm_add) == "added"
    assert await db.read(statement) == "flushed"
    assert runs == ["orm", "orm", "statement", "statement"]
    assert db.call(count_people) == 1
    assert db.call(lambda s: len(s.exec(select(AuditEntry)).all())) == 1


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


async def test_a_database_that_is_down_answers_at_once():
    db = Database(make_engine(f"postgresql://postgres@127.0.0.1:{closed_port()}/ducha"))
    for call in (db.run, db.read):
        with pytest.raises(DatabaseUnavailable):
            await asyncio.wait_for(call(count_people), 5)
    db.dispose()


async def busy_writer(db: Database, writes: bool = True) -> tuple[asyncio.Future, threading.Event]:
    """The writing thread held by a change until the returned gate opens, so that what is
    submitted meanwhile queues up (and is committed together)."""
    gate, started = threading.Event(), threading.Event()

    def hold(s):
        if writes:
            s.add(person(100))
            s.flush()
        started.set()
        gate.wait(5)

    first = asyncio.ensure_future(db.run(hold))
    assert await asyncio.to_thread(started.wait, 5)
    return first, gate


def people(db: Database) -> list[int]:
    return db.call(lambda s: sorted(p.user_id for p in s.exec(select(Person)).all()))


async def test_changes_that_queue_up_are_committed_together(tmp_path):
    db, _ = sqlite_db(tmp_path, write_wait=5)
    first, gate = await busy_writer(db)
    queued = [asyncio.ensure_future(db.run(lambda s, i=i: (s.add(person(i)), i)[1])) for i in range(1, 6)]
    gate.set()
    await first
    assert await asyncio.gather(*queued) == [1, 2, 3, 4, 5]
    assert db.writer is not None and db.writer.groups == 1  # one commit for the five
    assert people(db) == [1, 2, 3, 4, 5, 100]


async def test_a_failing_change_takes_nothing_of_the_others_with_it(tmp_path):
    """Raising, or rolling its own session back, in the middle of a group: the others are
    committed, nothing of the failed one is, and its caller hears why."""
    db, _ = sqlite_db(tmp_path, write_wait=5)

    def refuses(s):
        s.add(person(12))
        s.flush()
        raise LookupError("refused")

    def rolls_back(s):
        s.add(person(14))
        s.flush()
        s.rollback()
        return "rolled back"

    first, gate = await busy_writer(db)
    queued = [
        asyncio.ensure_future(db.run(lambda s: s.add(person(11)))),
        asyncio.ensure_future(db.run(refuses)),
        asyncio.ensure_future(db.run(lambda s: s.add(person(13)))),
        asyncio.ensure_future(db.run(rolls_back)),
        asyncio.ensure_future(db.run(lambda s: s.add(person(15)))),
    ]
    gate.set()
    await first
    results = await asyncio.gather(*queued, return_exceptions=True)
    assert isinstance(results[1], LookupError) and results[3] == "rolled back"
    assert people(db) == [11, 13, 15, 100]


async def test_a_group_waits_its_bound_for_a_lock_then_none_of_it_is_saved(tmp_path):
    db, path = sqlite_db(tmp_path, write_wait=0.5)
    first, gate = await busy_writer(db, writes=False)
    holder = Holder(path)  # another process takes the write lock while the group queues up
    try:
        queued = [asyncio.ensure_future(db.run(lambda s, i=i: s.add(person(i)))) for i in (21, 22, 23)]
        gate.set()
        await first
        results = await asyncio.wait_for(asyncio.gather(*queued, return_exceptions=True), 5)
    finally:
        holder.release()
    assert all(isinstance(r, DatabaseUnavailable) and r.writing for r in results)
    assert people(db) == []
    await db.run(lambda s: s.add(person(24)))  # the lock gone, the writing thread goes on
    assert people(db) == [24]
