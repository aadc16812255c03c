"""SQLite's one writing thread: every change in the order it came, on a connection the thread
keeps, and the changes that queued up while one transaction ran committed together.

SQLite admits one writer at a time; ours never contend, because every change goes through
this thread. A commit costs more than most transactions' statements (the WAL frames of every
page touched, a checkpoint now and then), so when changes arrive while the thread is busy
(many users at once) they are run one after the other in one transaction and committed once
(group commit). Each is still its own unit: it runs in a session of its own, and if any of
them raises (a refusal, a redelivered update, a constraint), rolls back, or was given up by
its caller, the shared transaction is rolled back and each is run again alone, in order, so
nothing of a failed one is ever committed with the others. Every caller hears back only after
the commit that holds its change. If the database is locked past the bound, or away, every
change of the group is told so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from queue import Empty, SimpleQueue
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from bot.storage.bounds import WRITE_WAIT, DatabaseUnavailable, Job, busy_ms, commit_within, reason, restore_busy, set_busy, unavailable
from bot.storage.prepared import KEPT

logger = logging.getLogger(__name__)

GROUP_LIMIT = 64  # changes committed together at most


class _Change(NamedTuple):
    fn: Callable[[Session], Any]
    job: Job
    future: Future
    alone: bool  # never grouped (its caller waits less than the usual bound)


class _Regroup(Exception):
    """A change of the group cannot be committed with the others: run each alone."""


class SQLiteWriter:
    """Runs changes on ``executor`` (one thread) against ``engine`` (SQLite)."""

    def __init__(self, engine: Engine, executor: ThreadPoolExecutor, write_wait: float = WRITE_WAIT) -> None:
        self.engine = engine
        self.executor = executor
        self.write_wait = write_wait
        self.groups = 0  # transactions that committed more than one change
        self._pending: SimpleQueue[_Change] = SimpleQueue()
        self._lock = threading.Lock()
        self._scheduled = False  # a drain is queued on the executor or running
        self._connection: Connection | None = None  # used by the executor's thread only

    def submit(self, fn: Callable[[Session], Any], job: Job, alone: bool = False) -> Future:
        """Queue a change; the future holds ``fn``'s result once it is committed."""
        future: Future = Future()
        self._pending.put(_Change(fn, job, future, alone))
        with self._lock:
            if self._scheduled:
                return future
            self._scheduled = True
        self.executor.submit(self._drain)
        return future

    def dispose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # already broken
                logger.debug("could not close the writing connection", exc_info=True)

    # --- the writing thread -------------------------------------------------------------

    def _drain(self) -> None:
        """What is queued now, in order (runs of changes grouped, the rest one by one); then
        again, after whatever else waits for the thread, while more keeps coming."""
        try:
            self._run_pending()
        finally:
            with self._lock:
                more = not self._pending.empty()
                self._scheduled = more
            if more:
                self.executor.submit(self._drain)

    def _run_pending(self) -> None:
        changes: list[_Change] = []
        while len(changes) < GROUP_LIMIT:
            try:
                change = self._pending.get_nowait()
            except Empty:
                break
            if change.future.set_running_or_notify_cancel():  # its caller may be gone
                changes.append(change)
        i = 0
        while i < len(changes):
            j = i
            while j < len(changes) and not changes[j].alone:
                j += 1
            if j - i >= 2:
                self._together(changes[i:j])
                i = j
            else:
                self._settle(changes[i])
                i += 1

    def _settle(self, change: _Change) -> None:
        try:
            change.future.set_result(self._alone(change.fn, change.job))
        except BaseException as error:  # the caller raises it
            change.future.set_exception(error)

    def _alone(self, fn: Callable[[Session], Any], job: Job) -> Any:
        connection = self._kept()
        with Session(bind=connection, expire_on_commit=False) as session:

            def bound() -> Any:
                left = job.deadline - time.monotonic()
                if left <= 0 or job.state == Job.ABANDONED:
                    raise DatabaseUnavailable("waited in the queue for the whole bound", True)
                shortened = self._bounded(connection, left)
                session.info[KEPT] = (connection.dialect, session.connection().connection.dbapi_connection)
                return shortened

            return commit_within(session, job, bound, fn, lost=self.dispose)

    def _together(self, changes: list[_Change]) -> None:
        live = []
        for change in changes:
            if change.job.state == Job.ABANDONED or change.job.deadline <= time.monotonic():
                change.future.set_exception(DatabaseUnavailable("waited in the queue for the whole bound", True))
            else:
                live.append(change)
        if len(live) < 2:
            for change in live:
                self._settle(change)
            return
        connection = self._kept()
        shortened = None
        results = []
        transaction = connection.begin()
        try:
            left = min(c.job.deadline for c in live) - time.monotonic()
            if left <= 0:
                raise _Regroup
            shortened = self._bounded(connection, left)
            kept = (connection.dialect, connection.connection.dbapi_connection)
            for change in live:
                with Session(bind=connection, join_transaction_mode="rollback_only", expire_on_commit=False) as session:
                    session.info[KEPT] = kept
                    result = change.fn(session)
                    session.commit()  # its writes flushed; the shared transaction stays open
                if not transaction.is_active or not change.job.commit():
                    raise _Regroup
                results.append(result)
            restore_busy(shortened)
            shortened = None
            transaction.commit()
        except BaseException as error:
            restore_busy(shortened)
            if transaction.is_active:
                transaction.rollback()
            if not isinstance(error, _Regroup) and unavailable(error):
                self.dispose()
                for change in live:
                    change.future.set_exception(DatabaseUnavailable(reason(error), True))
                return
            for change in live:  # nothing was committed: each again, alone, in order
                self._settle(change)
            return
        self.groups += 1
        for change, result in zip(live, results):
            change.future.set_result(result)

    def _kept(self) -> Connection:
        connection = self._connection
        if connection is None or connection.closed or connection.invalidated:
            connection = self._connection = self.engine.connect()
        return connection

    def _bounded(self, connection: Connection, left: float) -> Any:
        """Let SQLite wait for a lock only as long as the rest of the bound (``left`` seconds).
        Returns the connection whose busy timeout was shortened (to be restored), if any."""
        wanted = busy_ms(self.write_wait if left > self.write_wait / 2 else left)
        if wanted == busy_ms(WRITE_WAIT):
            return None
        pooled = connection.connection
        set_busy(pooled, wanted)
        return pooled
