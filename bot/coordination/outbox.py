"""A broadcast copy's life in ``broadcast_recipients``: what the sender may do with it, and when.

The sender (bot/delivery) claims a copy only for the one request it is about to make, after
the rate limiter has granted the slot, and records the outcome:

* ``queued`` -> ``sending`` (:func:`claim`: ``claimed_at`` set, ``attempts`` + 1);
* ``sending`` -> ``sent`` (Telegram answered with the message), ``failed`` (it refused:
  blocked, bad request …), ``unknown`` (the request may have arrived: timed out after it was
  sent; never resent on its own), or back to ``queued``:
  - at once (:func:`release`): Telegram answered that it did not deliver (flood control, a
    server error) and the sender tries again in the same run;
  - later (:func:`defer`): the request never reached Telegram (connection refused, DNS,
    proxy, connect timeout). ``next_attempt_at`` follows :data:`RETRY_DELAYS`, persisted, so a
    restart goes on where it was, until the copy's deadline (:func:`deadline`, 24 hours after
    the notice went out); then it is ``failed`` with a reason coordinators read.
* A copy still ``sending`` :data:`STALE_CLAIM` after it was claimed belongs to a sender that
  stopped (SIGKILL, power cut) with the request in flight: :func:`sweep_stale` makes it
  ``unknown``. At most the requests in flight at that moment are unknown.
* ``unknown`` copies are resent only when a coordinator asks, after a warning that some
  recipients may get the notice twice (:func:`resend_unknown`).

No telegram here: only the database and the clock the caller passes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import or_, update
from sqlmodel import Session, select

from bot.common import texts
from bot.common.states import RecipientState
from bot.storage.models import Broadcast, BroadcastRecipient

# How long a copy that cannot reach Telegram keeps being retried. Notices carry no due date of
# their own, so a day after the notice went out: late enough to outlast an outage, early enough
# that a notice is not delivered days after it was meant.
RETRY_WINDOW = dt.timedelta(hours=24)
# Waits between attempts while Telegram is unreachable (the dispatcher runs every 30 s).
RETRY_DELAYS = tuple(dt.timedelta(seconds=s) for s in (30, 60, 120, 300, 600, 1200, 1800))
# A request in flight is answered or times out within seconds (python-telegram-bot's timeouts
# are 5-20 s); a claim this old was left by a sender that stopped.
STALE_CLAIM = dt.timedelta(minutes=5)
# A retry the dispatcher missed by more than this, after the deadline, is not made any more.
LATE_ATTEMPT = dt.timedelta(minutes=10)

# Stored ``error`` prefixes; coordinators read them through :func:`failure_reason`.
UNREACHABLE = "unreachable"  # failed: Telegram could not be reached until the deadline
EXPIRED = "expired"  # failed: not sent before the deadline (the sender was stopped too long)
INTERRUPTED = "interrupted"  # unknown: the sender stopped while the request was in flight
UNCONFIRMED = "unconfirmed"  # unknown: the request timed out after it was sent
BLOCKED = "blocked by the user"


def _row(broadcast_id: int, user_id: int):
    return (BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.user_id == user_id)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def deadline(b: Broadcast, row: BroadcastRecipient) -> dt.datetime:
    """Until when a copy that cannot reach Telegram is retried: a resent copy's own, else a
    day after its notice was sent."""
    return _utc(row.retry_until) if row.retry_until else _utc(b.send_at) + RETRY_WINDOW


def claim(s: Session, broadcast_id: int, user_id: int, now: dt.datetime) -> bool:
    """Take a queued copy that is due for the request about to be made; False when it is not
    queued (another sender has it, or it was settled) or not yet due."""
    done = s.exec(  # type: ignore[call-overload]
        update(BroadcastRecipient)
        .where(
            *_row(broadcast_id, user_id),
            BroadcastRecipient.state == RecipientState.queued,
            or_(BroadcastRecipient.next_attempt_at.is_(None), BroadcastRecipient.next_attempt_at <= now),  # type: ignore[union-attr]
        )
        .values(state=RecipientState.sending, claimed_at=now, attempts=BroadcastRecipient.attempts + 1)
    )
    return done.rowcount == 1


def release(s: Session, broadcast_id: int, user_id: int) -> None:
    """Telegram answered that it did not deliver the copy: queued again for the next try."""
    s.exec(  # type: ignore[call-overload]
        update(BroadcastRecipient)
        .where(*_row(broadcast_id, user_id), BroadcastRecipient.state == RecipientState.sending)
        .values(state=RecipientState.queued, claimed_at=None)
    )


def _settle(s: Session, broadcast_id: int, user_id: int, **values) -> None:
    """Record a copy's outcome; an acknowledgement already recorded stays."""
    s.exec(  # type: ignore[call-overload]
        update(BroadcastRecipient)
        .where(*_row(broadcast_id, user_id), BroadcastRecipient.state != RecipientState.acknowledged)
        .values(claimed_at=None, next_attempt_at=None, **values)
    )


def record_sent(s: Session, broadcast_id: int, user_id: int, message_id: int, now: dt.datetime) -> None:
    _settle(s, broadcast_id, user_id, state=RecipientState.sent, message_id=message_id, sent_at=now, error=None)


def record_failed(s: Session, broadcast_id: int, user_id: int, error: str) -> None:
    _settle(s, broadcast_id, user_id, state=RecipientState.failed, error=error[:500])


def record_unknown(s: Session, broadcast_id: int, user_id: int, error: str) -> None:
    """The request may have arrived: never resent on its own."""
    _settle(s, broadcast_id, user_id, state=RecipientState.unknown, error=error[:500])


def defer(s: Session, broadcast_id: int, user_id: int, error: str, now: dt.datetime) -> dt.datetime | None:
    """The request never reached Telegram: queue the copy again for a later attempt, and return
    when; past its deadline it is failed instead (None)."""
    row = s.get(BroadcastRecipient, (broadcast_id, user_id))
    b = s.get(Broadcast, broadcast_id)
    if row is None or b is None or row.state != RecipientState.sending:
        return None
    until = deadline(b, row)
    reason = f"{UNREACHABLE}: {error}"[:500]
    if now >= until:
        record_failed(s, broadcast_id, user_id, reason)
        return None
    wait = RETRY_DELAYS[min(row.deferrals, len(RETRY_DELAYS) - 1)]
    row.state, row.claimed_at, row.error = RecipientState.queued.value, None, reason
    row.next_attempt_at = min(now + wait, until)
    row.retry_until = until
    row.deferrals += 1
    s.add(row)
    return row.next_attempt_at


def sweep_stale(s: Session, now: dt.datetime) -> int:
    """Copies claimed by a sender that stopped with the request in flight become unknown."""
    done = s.exec(  # type: ignore[call-overload]
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.state == RecipientState.sending,
            or_(BroadcastRecipient.claimed_at.is_(None), BroadcastRecipient.claimed_at < now - STALE_CLAIM),  # type: ignore[union-attr,operator]
        )
        .values(state=RecipientState.unknown, claimed_at=None, error=f"{INTERRUPTED}: the sender stopped with the request in flight")
    )
    return done.rowcount


def due_copies(s: Session, b: Broadcast, now: dt.datetime) -> list[BroadcastRecipient]:
    """The copies of ``b`` to try now. Those past their deadline are failed first (a retry the
    dispatcher missed by a wide margin, or a copy never tried because the sender was down)."""
    queued = s.exec(
        select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == b.id, BroadcastRecipient.state == RecipientState.queued)
    ).all()
    due = []
    for row in queued:
        retry = _utc(row.next_attempt_at) if row.next_attempt_at else None
        if now >= deadline(b, row) and (retry is None or retry < now - LATE_ATTEMPT):
            # deferred copies carry the last "unreachable: …" error; others were never tried
            reason = row.error if row.deferrals and row.error else f"{EXPIRED}: not sent before the deadline"
            record_failed(s, b.id or 0, row.user_id, reason)
        elif retry is None or retry <= now:
            due.append(row)
    return due


def unsettled(s: Session, broadcast_id: int) -> bool:
    """Whether any copy is still queued or in flight (the notice is not done)."""
    return (
        s.exec(
            select(BroadcastRecipient.user_id).where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.state.in_((RecipientState.queued, RecipientState.sending)),  # type: ignore[attr-defined]
            )
        ).first()
        is not None
    )


def resend_unknown(s: Session, broadcast_id: int, now: dt.datetime) -> int:
    """Queue every unknown copy again (a coordinator asked, knowing some may arrive twice); each
    gets a retry window of its own from now."""
    done = s.exec(  # type: ignore[call-overload]
        update(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state == RecipientState.unknown)
        .values(state=RecipientState.queued, next_attempt_at=None, retry_until=now + RETRY_WINDOW, deferrals=0, claimed_at=None, error=None)
    )
    if done.rowcount:
        s.exec(update(Broadcast).where(Broadcast.id == broadcast_id).values(status="sending"))  # type: ignore[call-overload]
    return done.rowcount


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


@dataclass
class CopyCounts:
    """Where a notice's copies stand, as its page shows them. A copy claimed longer ago than
    :data:`STALE_CLAIM` counts as unknown before the dispatcher records it so."""

    sent: int = 0  # delivered (acknowledged ones included)
    acknowledged: int = 0
    failed: int = 0
    unknown: int = 0
    queued: int = 0  # waiting or in flight (retrying ones included)
    retrying: int = 0  # Telegram was unreachable: waiting for their next attempt
    next_retry: dt.datetime | None = None
    retry_until: dt.datetime | None = None
    failures: Counter[str] = field(default_factory=Counter)  # reason (Chinese) -> copies

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.unknown + self.queued


def tally(s: Session, broadcast_id: int, now: dt.datetime) -> CopyCounts:
    rows = s.exec(
        select(
            BroadcastRecipient.state,
            BroadcastRecipient.claimed_at,
            BroadcastRecipient.deferrals,
            BroadcastRecipient.next_attempt_at,
            BroadcastRecipient.retry_until,
            BroadcastRecipient.error,
        ).where(BroadcastRecipient.broadcast_id == broadcast_id)
    ).all()
    c = CopyCounts()
    for state, claimed_at, deferrals, next_attempt, until, error in rows:
        if state == RecipientState.sending and (claimed_at is None or _utc(claimed_at) < now - STALE_CLAIM):
            state = RecipientState.unknown
        if state in (RecipientState.sent, RecipientState.acknowledged):
            c.sent += 1
            c.acknowledged += state == RecipientState.acknowledged
        elif state == RecipientState.failed:
            c.failed += 1
            c.failures[failure_reason(error)] += 1
        elif state == RecipientState.unknown:
            c.unknown += 1
        else:
            c.queued += 1
            if state == RecipientState.queued and deferrals:
                c.retrying += 1
                if next_attempt is not None and (c.next_retry is None or _utc(next_attempt) < c.next_retry):
                    c.next_retry = _utc(next_attempt)
                if until is not None and (c.retry_until is None or _utc(until) > c.retry_until):
                    c.retry_until = _utc(until)
    return c
