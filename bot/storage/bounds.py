"""How long database work may wait, and what counts as the database being away.

Every transaction run for a user carries a ``Job``: it starts before its deadline or not at
all, SQLite waits for another process's lock only as long as the rest of that bound, and a
caller who stopped waiting (``abandon``) gets it rolled back unless it was already
committing. A database that is locked, busy or down ends the work with
``DatabaseUnavailable``: nothing of that transaction was saved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import exc

logger = logging.getLogger(__name__)

# How long a change may wait for the database before the user is told it was not saved:
# SQLite's busy timeout (another process holds the write lock), PostgreSQL's lock and pool waits.
WRITE_WAIT = 10.0
# What SQLite says when it is locked, busy, or its file cannot be used: the database is away,
# not the code wrong (a missing table is also an OperationalError there, and stays an error).
_SQLITE_AWAY = ("locked", "busy", "unable to open", "disk i/o", "disk is full", "not a database", "readonly database")


class DatabaseUnavailable(Exception):
    """The database did not answer in time (locked, busy) or cannot be reached; nothing of
    this transaction was saved. ``writing``: the work was a change (a read only was refused)."""

    def __init__(self, reason: str, writing: bool = True) -> None:
        super().__init__(reason)
        self.reason, self.writing = reason, writing


def unavailable(error: BaseException) -> bool:
    """The database is away (down, locked, too slow), as opposed to a mistake in a statement."""
    if isinstance(error, DatabaseUnavailable):
        return True
    if isinstance(error, (exc.TimeoutError, exc.DisconnectionError)):  # the pool waited too long
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.OperationalError):
        if error.orig is not None and type(error.orig).__module__.startswith("sqlite3"):
            message = str(error.orig).lower()
            return any(part in message for part in _SQLITE_AWAY)
        return True  # PostgreSQL: connection refused or lost, lock or statement timeout
    return False


def reason(error: BaseException) -> str:
    """One line saying what the driver said (for the log)."""
    orig = getattr(error, "orig", None) or error
    first = (str(orig).splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first[:160]}"


class Job:
    """One transaction's bound (see the module's docstring)."""

    __slots__ = ("deadline", "state")
    QUEUED, COMMITTING, ABANDONED = 0, 1, 2
    _lock = threading.Lock()

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.state = Job.QUEUED

    def abandon(self) -> bool:
        """The caller stops waiting: True unless the work is already committing."""
        with Job._lock:
            if self.state == Job.QUEUED:
                self.state = Job.ABANDONED
            return self.state == Job.ABANDONED

    def commit(self) -> bool:
        """The work is about to commit: True unless its caller stopped waiting."""
        with Job._lock:
            if self.state == Job.QUEUED:
                self.state = Job.COMMITTING
            return self.state == Job.COMMITTING


def busy_ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def set_busy(connection: Any, ms: int) -> None:
    """SQLite's busy timeout of one connection (how long it waits for a lock)."""
    connection.driver_connection.execute(f"PRAGMA busy_timeout={ms}")


def restore_busy(connection: Any) -> None:
    """The usual busy timeout again on a connection a transaction shortened it on."""
    if connection is not None and connection.driver_connection is not None:
        try:
            set_busy(connection, busy_ms(WRITE_WAIT))
        except Exception:  # a broken connection: the pool replaces it
            logger.debug("could not restore the busy timeout", exc_info=True)


T = TypeVar("T")


def commit_within(session: Any, job: Job, bound: Callable[[], Any], fn: Callable[[Any], T], lost: Callable[[], None] | None = None) -> T:
    """Run a change and commit it within its bound, for every way a change is made (a pooled
    session, SQLite's writing thread). ``bound`` shortens the database's own wait and returns
    what ``restore_busy`` puts back (or None); the writes are flushed while it holds. A caller
    that stopped waiting gets nothing committed; a database gone becomes DatabaseUnavailable
    (after ``lost``, which drops a kept connection)."""
    shortened = None
    try:
        shortened = bound()
        result = fn(session)
        if shortened is not None:
            session.flush()  # the writes, and the lock they wait for, within the bound
            restore_busy(shortened)
            shortened = None
        if not job.commit():
            raise DatabaseUnavailable("the caller stopped waiting", True)
        session.commit()
        return result
    except BaseException as error:
        restore_busy(shortened)
        session.rollback()
        if not isinstance(error, DatabaseUnavailable) and unavailable(error):
            if lost is not None:
                lost()
            raise DatabaseUnavailable(reason(error), True) from error
        raise
