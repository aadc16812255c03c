"""Running a core action for a shell: the one place where a refusal is answered and audited.

Every shell (Telegram's handlers, `ducha chat`, the `ducha` command line) hands its core call
to a ``Runner``. The call runs in one transaction (with Telegram's update id recorded in it
when the action changes state, so an update redelivered after a crash changes nothing twice).
A core check that will not do what was asked raises ``Refusal``; the runner then rolls that
transaction back, logs the refusal, writes its audit row in a transaction of its own on the
injected clock (with the update id, so a redelivered refused update is not audited twice) and
answers with the refusal's text. Nothing else in the code turns refusals into replies.

Which refusals are audited is the raiser's choice (``Refusal(slip=True)``): refusals about
*who* the user is (not bound, removed, inactive, not a coordinator, another unit's data, a
wrong invite code, someone else's button) are audited; refusals about *what* was asked (a
button whose assessment or item no longer exists, a locked assessment, a date that does not
read, a private-only command in a group) are a user's ordinary mistake and only logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from enum import StrEnum

from sqlmodel import Session

from bot.common import texts
from bot.common.errors import Refusal
from bot.common.reply import Clock, Outcome, User, utc_now
from bot.storage.db import Database, DatabaseUnavailable, insert_new, unavailable
from bot.storage.models import AuditEntry, ProcessedUpdate

logger = logging.getLogger(__name__)

CLI_ACTOR = "命令行"  # the audit log's actor for the `ducha` command line


class Tx(StrEnum):
    """The database work a use needs, which the runner provides."""

    none = "none"  # no database at all (rubric navigation)
    read = "read"  # one transaction; redelivered updates may run it again
    once = "once"  # one transaction, at most once per Telegram update (it changes state)


class Duplicate(Exception):
    """This update was handled before a crash; Telegram delivered it again."""


Work = Callable[[Session | None], Outcome]


def answer(refusal: Refusal) -> Outcome:
    """What the user reads: the refusal's text, then what they were doing (a pending prompt)."""
    out = Outcome().say(refusal.text)
    out.replies.extend(refusal.follow)
    return out


def audit_row(user: User | None, refusal: Refusal, at: dt.datetime) -> AuditEntry:
    return AuditEntry(
        at=at, actor_id=user.id if user else None, actor=user.name if user else CLI_ACTOR,
        action="declined" if refusal.slip else "refused", detail=refusal.reason[:2000],
    )


class Runner:
    """Runs core work for one shell over one database (None: plain `ducha chat`)."""

    def __init__(self, db: Database | None, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    # --- the two ways to run: on this thread (terminal, CLI) and off the event loop (Telegram)

    def call(self, user: User | None, fn: Work, tx: Tx = Tx.once, update_id: int | None = None) -> Outcome | None:
        """``fn`` in its transaction; a refusal is rolled back, logged, audited and answered.
        None for an update already handled (Telegram's redelivery)."""
        try:
            if self.db is None or tx is Tx.none:
                return fn(None)
            return self.db.call(self._work(fn, tx, update_id))
        except Duplicate:
            return self._duplicate(update_id)
        except Refusal as no:
            record = self._settle(user, no, update_id)
            if record is not None and self.db is not None and not self.db.call(record):
                return self._duplicate(update_id)
            return answer(no)

    async def run(
        self, user: User | None, fn: Work, tx: Tx = Tx.once, update_id: int | None = None,
        wait: float | None = None, read_first: bool = False,
    ) -> Outcome | None:
        """``call`` with the database work off the event loop: reads (Tx.read) beside SQLite's
        writer, changes on it. ``wait``: give up after that long (DatabaseUnavailable).
        ``read_first``: try a change as a read first (typed text is mostly a question)."""
        try:
            if self.db is None or tx is Tx.none:
                return fn(None)
            if tx is Tx.read:
                return await self.db.read(fn, wait)
            if read_first:
                return await self.db.read(fn, wait, write=self._work(fn, tx, update_id))
            return await self.db.run(self._work(fn, tx, update_id), wait)
        except Duplicate:
            return self._duplicate(update_id)
        except Refusal as no:
            record = self._settle(user, no, update_id)
            if record is not None and self.db is not None and not await self.db.run(record):
                return self._duplicate(update_id)
            return answer(no)

    def check(self, user: User | None, fn: Callable[[Session], object]) -> object:
        """For the command line: ``fn`` in its transaction; a refusal is logged and audited
        like any other, then raised again for the shell to turn into its exit status."""
        assert self.db is not None
        try:
            return self.db.call(fn)
        except Refusal as no:
            record = self._settle(user, no, None)
            if record is not None:
                self.db.call(record)
            raise

    def refuse(self, user: User | None, refusal: Refusal, update_id: int | None = None) -> Outcome:
        """A refusal a shell decided itself before any core call (a button made for another
        user): logged, audited and answered like the core's."""
        record = self._settle(user, refusal, update_id)
        if record is not None and self.db is not None:
            self.db.call(record)
        return answer(refusal)

    async def refuse_async(self, user: User | None, refusal: Refusal, update_id: int | None = None) -> Outcome:
        record = self._settle(user, refusal, update_id)
        if record is not None and self.db is not None:
            await self.db.run(record)
        return answer(refusal)

    # --- the parts -------------------------------------------------------------------------

    def _work(self, fn: Work, tx: Tx, update_id: int | None) -> Callable[[Session], Outcome]:
        if tx is not Tx.once or update_id is None:
            return fn

        def guarded(s: Session) -> Outcome:
            if not _first_time(s, update_id):
                raise Duplicate
            return fn(s)

        return guarded

    def _settle(self, user: User | None, refusal: Refusal, update_id: int | None) -> Callable[[Session], bool]:
        """Log the refusal; the work of its own transaction (the audit row, and the update id so
        a redelivery is neither run nor audited again); it returns False when the update had
        been handled already."""
        logger.warning("refused %s: %s", user.id if user else CLI_ACTOR, refusal.reason)
        at = self.clock()

        def record(s: Session) -> bool:
            if update_id is not None and not _first_time(s, update_id):
                return False
            s.add(audit_row(user, refusal, at))
            return True

        return record

    @staticmethod
    def _duplicate(update_id: int | None) -> None:
        logger.info("update %s was already handled; ignoring the redelivery", update_id)
        return None


def database_trouble(error: BaseException | None) -> str | None:
    """What a shell tells the user when ``error`` means the database is locked, too slow or
    away (DatabaseUnavailable, or a driver error saying so): nothing was saved, try again
    later. None for any other error."""
    if error is None or not unavailable(error):
        return None
    writing = not isinstance(error, DatabaseUnavailable) or error.writing
    return texts.DB_NOT_SAVED if writing else texts.DB_NOT_READ


def _first_time(s: Session, update_id: int) -> bool:
    """Record ``update_id`` as handled; False if it was already."""
    return insert_new(s, ProcessedUpdate, update_id=update_id, at=dt.datetime.now(dt.timezone.utc))
