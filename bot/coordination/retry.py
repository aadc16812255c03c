"""One copy, one request at a time, retried while Telegram cannot be reached: the policy that
broadcast copies (bot/coordination/outbox.py) and reminder copies
(bot/coordination/reminder_copies.py) share.

Both tables keep a copy's life in the same columns (``state``, ``claimed_at``, ``attempts``,
``next_attempt_at``, ``retry_until``, ``deferrals``, ``error``), and these functions move it:

* :func:`claim`: queued -> sending, for the one request about to be made, once it is due;
* :func:`release`: sending -> queued, Telegram answered that it did not deliver (flood
  control, a server error): the sender tries again in the same run;
* :func:`defer`: the request never reached Telegram (connection refused, DNS, proxy,
  connect/pool/write timeout; the sender tells which: ``never_sent`` in bot/delivery/sender.py):
  queued again with ``next_attempt_at`` after :data:`RETRY_DELAYS`, persisted so a restart goes
  on where it was, until the copy's deadline; then it is failed with the reason;
* :func:`sweep_stale`: a copy still ``sending`` :data:`STALE_CLAIM` after it was claimed
  belongs to a sender that stopped with the request in flight: unknown, never resent on its
  own (a request that may have arrived is not sent again: ``maybe_delivered`` in the sender);
* :func:`overdue_reason`: a queued copy whose deadline passed before it could be tried.

Each table chooses its copies' deadline (a day after a notice; the end of a reminder's day)
and how late after it a last scheduled attempt may still be made (:class:`RetryPolicy`).
No telegram here: only the database and the clock the caller passes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import or_, update
from sqlmodel import Session

from bot.common import texts
from bot.common.states import RecipientState

# Waits between attempts while Telegram is unreachable (the dispatcher runs every 30 s).
RETRY_DELAYS = tuple(dt.timedelta(seconds=s) for s in (30, 60, 120, 300, 600, 1200, 1800))
# A request in flight is answered or times out within seconds (python-telegram-bot's timeouts
# are 5-20 s); a claim this old was left by a sender that stopped.
STALE_CLAIM = dt.timedelta(minutes=5)

# Stored ``error`` prefixes; coordinators read them through :func:`failure_reason`.
UNREACHABLE = "unreachable"  # failed: Telegram could not be reached until the deadline
EXPIRED = "expired"  # failed: not sent before the deadline (the sender was stopped too long)
INTERRUPTED = "interrupted"  # unknown: the sender stopped while the request was in flight
UNCONFIRMED = "unconfirmed"  # unknown: the request timed out after it was sent
BLOCKED = "blocked by the user"

QUEUED, SENDING, UNKNOWN, FAILED = RecipientState.queued, RecipientState.sending, RecipientState.unknown, RecipientState.failed
DROPPED = "dropped"  # reminders only (ReminderState.dropped)


class Copy(Protocol):
    """A row of either table (the columns this module moves)."""

    state: str
    claimed_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    retry_until: dt.datetime | None
    deferrals: int
    error: str | None


def utc(value: dt.datetime) -> dt.datetime:
    """A stored time as an aware one (SQLite gives them back naive, in UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class RetryPolicy:
    """When a copy that could not reach Telegram is tried again, and until when.

    ``late``: how long after its time an attempt scheduled for the deadline (the last one is
    put there) may still be made when the dispatcher comes to it late; past that, and for a
    copy never tried at all, the copy is failed instead of sent late. With ``late`` zero
    nothing goes out at or after the deadline."""

    delays: tuple[dt.timedelta, ...] = RETRY_DELAYS
    late: dt.timedelta = dt.timedelta(minutes=10)

    def next_attempt(self, now: dt.datetime, deferrals: int, until: dt.datetime) -> dt.datetime | None:
        """When to try again after ``deferrals`` earlier deferrals; None at or past ``until``."""
        if now >= until:
            return None
        return min(now + self.delays[min(deferrals, len(self.delays) - 1)], until)

    def overdue_reason(self, row: Copy, until: dt.datetime, now: dt.datetime) -> str | None:
        """Why a queued copy is failed rather than tried now (its deadline passed, and any
        attempt scheduled for it was missed by more than ``late``); None to try it when due."""
        retry = utc(row.next_attempt_at) if row.next_attempt_at else None
        if now < until or (retry is not None and now < retry + self.late):
            return None
        # deferred copies carry the last "unreachable: …" error; others were never tried
        return row.error if row.deferrals and row.error else f"{EXPIRED}: not sent before the deadline"

    def defer(self, row: Copy, error: str, now: dt.datetime, until: dt.datetime) -> dt.datetime | None:
        """The request for ``row`` (claimed, ``sending``) never reached Telegram: queue it again
        for its next attempt and return when; at or past ``until`` it is failed instead (None).
        Changes ``row``; the caller adds it to the session."""
        reason = f"{UNREACHABLE}: {error}"[:500]
        when = self.next_attempt(now, row.deferrals, until)
        row.claimed_at, row.error, row.retry_until = None, reason, until
        if when is None:
            row.state, row.next_attempt_at = FAILED.value, None
            return None
        row.state, row.next_attempt_at = QUEUED.value, when
        row.deferrals += 1
        return when


def claim(s: Session, model: Any, where: Iterable[Any], now: dt.datetime) -> bool:
    """Take a queued copy that is due, for the request about to be made (``attempts`` + 1);
    False when it is not queued (another sender has it, or it was settled) or not yet due."""
    done = s.exec(  # type: ignore[call-overload]
        update(model)
        .where(*where, model.state == QUEUED, or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now))
        .values(state=SENDING, claimed_at=now, attempts=model.attempts + 1)
    )
    return done.rowcount == 1


def release(s: Session, model: Any, where: Iterable[Any]) -> None:
    """Telegram answered that it did not deliver the copy: queued again for the next try."""
    s.exec(update(model).where(*where, model.state == SENDING).values(state=QUEUED, claimed_at=None))  # type: ignore[call-overload]


def settle(s: Session, model: Any, where: Iterable[Any], **values: Any) -> None:
    """Record a copy's outcome (sent, failed, unknown …): no claim and no retry left."""
    s.exec(update(model).where(*where).values(claimed_at=None, next_attempt_at=None, **values))  # type: ignore[call-overload]


def sweep_stale(s: Session, model: Any, now: dt.datetime, where: Iterable[Any] = ()) -> int:
    """Copies claimed by a sender that stopped with the request in flight become unknown."""
    done = s.exec(  # type: ignore[call-overload]
        update(model)
        .where(*where, model.state == SENDING, or_(model.claimed_at.is_(None), model.claimed_at < now - STALE_CLAIM))
        .values(state=UNKNOWN, claimed_at=None, error=f"{INTERRUPTED}: the sender stopped with the request in flight")
    )
    return done.rowcount


def stale(state: str, claimed_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a copy counts as unknown already: in flight longer than :data:`STALE_CLAIM`."""
    return state == SENDING and (claimed_at is None or utc(claimed_at) < now - STALE_CLAIM)


@dataclass
class CopyCounts:
    """Where the copies of a notice or of a reminder stand, as coordinators see them. A copy
    claimed longer ago than :data:`STALE_CLAIM` counts as unknown before the dispatcher
    records it so."""

    sent: int = 0  # delivered (acknowledged ones included)
    acknowledged: int = 0  # (notices)
    failed: int = 0
    unknown: int = 0
    queued: int = 0  # waiting or in flight (retrying ones included)
    dropped: int = 0  # (reminders) not sent: owed nothing any more by its next attempt
    retrying: int = 0  # Telegram was unreachable: waiting for their next attempt
    next_retry: dt.datetime | None = None
    retry_until: dt.datetime | None = None
    failures: Counter[str] = field(default_factory=Counter)  # reason (Chinese) -> copies

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.unknown + self.queued


# What :func:`count` reads of a copy: state, claimed_at, deferrals, next_attempt_at, retry_until, error.
CopyRow = tuple[str, "dt.datetime | None", int, "dt.datetime | None", "dt.datetime | None", "str | None"]


def count(rows: Iterable[CopyRow], now: dt.datetime) -> CopyCounts:
    """Where these copies stand."""
    c = CopyCounts()
    for state, claimed_at, deferrals, next_attempt, until, error in rows:
        if stale(state, claimed_at, now):
            state = RecipientState.unknown
        if state in (RecipientState.sent, RecipientState.acknowledged):
            c.sent += 1
            c.acknowledged += state == RecipientState.acknowledged
        elif state == RecipientState.failed:
            c.failed += 1
            c.failures[failure_reason(error)] += 1
        elif state == RecipientState.unknown:
            c.unknown += 1
        elif state == DROPPED:
            c.dropped += 1
        else:
            c.queued += 1
            if state == RecipientState.queued and deferrals:
                c.retrying += 1
                if next_attempt is not None and (c.next_retry is None or utc(next_attempt) < c.next_retry):
                    c.next_retry = utc(next_attempt)
                if until is not None and (c.retry_until is None or utc(until) > c.retry_until):
                    c.retry_until = utc(until)
    return c


def failure_reason(error: str | None) -> str:
    """Why a copy failed, as coordinators read it."""
    error = error or ""
    if error.startswith(UNREACHABLE):
        return texts.BC_FAIL_UNREACHABLE
    if error.startswith(EXPIRED):
        return texts.BC_FAIL_EXPIRED
    if error == BLOCKED:
        return texts.BC_FAIL_BLOCKED
    if "chat not found" in error.lower() or "user is deactivated" in error.lower():
        return texts.BC_FAIL_NO_CHAT
    if error.startswith("BadRequest"):
        return texts.BC_FAIL_REJECTED
    if error.startswith("file "):
        return texts.BC_FAIL_FILE
    return texts.BC_FAIL_OTHER
