"""A broadcast copy's life in ``broadcast_recipients``: what the sender may do with it, and when
(the claim, retry and stale rules are shared with reminder copies: bot/coordination/retry.py).

The sender (bot/delivery) claims a copy only for the one request it is about to make, after
the rate limiter has granted the slot, and records the outcome:

* ``queued`` -> ``sending`` (:func:`claim`: ``claimed_at`` set, ``attempts`` + 1);
* ``sending`` -> ``sent`` (Telegram answered with the message), ``failed`` (it refused:
  blocked, bad request …), ``unknown`` (the request may have arrived: timed out after it was
  sent; never resent on its own), or back to ``queued``:
  - at once (:func:`release`): Telegram answered that it did not deliver (flood control, a
    server error) and the sender tries again in the same run;
  - later (:func:`defer`): the request never reached Telegram (connection refused, DNS,
    proxy, connect timeout). ``next_attempt_at`` follows ``retry.RETRY_DELAYS``, persisted, so a
    restart goes on where it was, until the copy's deadline (:func:`deadline`, 24 hours after
    the notice went out); then it is ``failed`` with a reason coordinators read.
* A copy still ``sending`` ``retry.STALE_CLAIM`` after it was claimed belongs to a sender that
  stopped (SIGKILL, power cut) with the request in flight: :func:`sweep_stale` makes it
  ``unknown``. At most the requests in flight at that moment are unknown.
* ``unknown`` copies are resent only when a coordinator asks, after a warning that some
  recipients may get the notice twice (:func:`resend_unknown`).

No telegram here: only the database and the clock the caller passes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, select

from bot.common.states import RecipientState
from bot.coordination import retry
from bot.coordination.retry import BLOCKED, EXPIRED, INTERRUPTED, UNCONFIRMED, UNREACHABLE, CopyCounts, failure_reason
from bot.storage.models import Broadcast, BroadcastRecipient

__all__ = [
    "BLOCKED", "EXPIRED", "INTERRUPTED", "POLICY", "RETRY_WINDOW", "UNCONFIRMED", "UNREACHABLE", "CopyCounts",
    "claim", "deadline", "defer", "due_copies", "failure_reason", "record_failed", "record_sent", "record_unknown",
    "release", "resend_unknown", "sweep_stale", "tally", "unsettled",
]

# How long a copy that cannot reach Telegram keeps being retried. Notices carry no due date of
# their own, so a day after the notice went out: late enough to outlast an outage, early enough
# that a notice is not delivered days after it was meant.
RETRY_WINDOW = dt.timedelta(hours=24)
# The shared retry policy (bot/coordination/retry.py); a last attempt put at the deadline may
# still be made 10 minutes late (a notice has no hour it must not arrive after).
POLICY = retry.RetryPolicy()


def _row(broadcast_id: int, user_id: int):
    return (BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.user_id == user_id)


def deadline(b: Broadcast, row: BroadcastRecipient) -> dt.datetime:
    """Until when a copy that cannot reach Telegram is retried: a resent copy's own, else a
    day after its notice was sent."""
    return retry.utc(row.retry_until) if row.retry_until else retry.utc(b.send_at) + RETRY_WINDOW


def claim(s: Session, broadcast_id: int, user_id: int, now: dt.datetime) -> bool:
    """Take a queued copy that is due for the request about to be made; False when it is not
    queued (another sender has it, or it was settled) or not yet due."""
    return retry.claim(s, BroadcastRecipient, _row(broadcast_id, user_id), now)


def release(s: Session, broadcast_id: int, user_id: int) -> None:
    """Telegram answered that it did not deliver the copy: queued again for the next try."""
    retry.release(s, BroadcastRecipient, _row(broadcast_id, user_id))


def _settle(s: Session, broadcast_id: int, user_id: int, **values) -> None:
    """Record a copy's outcome; an acknowledgement already recorded stays."""
    where = (*_row(broadcast_id, user_id), BroadcastRecipient.state != RecipientState.acknowledged)
    retry.settle(s, BroadcastRecipient, where, **values)


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
    when = POLICY.defer(row, error, now, deadline(b, row))
    s.add(row)
    return when


def sweep_stale(s: Session, now: dt.datetime) -> int:
    """Copies claimed by a sender that stopped with the request in flight become unknown."""
    return retry.sweep_stale(s, BroadcastRecipient, now)


def due_copies(s: Session, b: Broadcast, now: dt.datetime) -> list[BroadcastRecipient]:
    """The copies of ``b`` to try now. Those past their deadline are failed first (a retry the
    dispatcher missed by a wide margin, or a copy never tried because the sender was down)."""
    queued = s.exec(
        select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == b.id, BroadcastRecipient.state == RecipientState.queued)
    ).all()
    due = []
    for row in queued:
        reason = POLICY.overdue_reason(row, deadline(b, row), now)
        if reason is not None:
            record_failed(s, b.id or 0, row.user_id, reason)
        elif row.next_attempt_at is None or retry.utc(row.next_attempt_at) <= now:
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


def tally(s: Session, broadcast_id: int, now: dt.datetime) -> CopyCounts:
    """Where a notice's copies stand (bot.coordination.retry.count)."""
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
    return retry.count(rows, now)
