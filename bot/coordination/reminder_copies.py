"""A reminder copy's life in ``reminder_deliveries``: the same rules as a broadcast copy
(bot/coordination/retry.py), keyed by ``<occurrence key>:<user id>``.

* When a reminder falls due, one row per recipient is inserted ``queued`` (:func:`queue`,
  ``INSERT … ON CONFLICT DO NOTHING``: planned once, whatever the processes and restarts),
  with ``retry_until`` the end of its day (scheduler.plan.send_until).
* Each request claims its copy (:func:`claim`: queued -> sending) right before it goes out,
  so two processes never both send it and a sender killed while copies wait for a send slot
  leaves them queued, for the next run.
* Then: ``sent``; ``failed`` (Telegram refused it, or could not be reached until the end of
  the reminder's day: :func:`defer` retries it with backoff until then, from the database);
  ``unknown`` (the request may have arrived: timed out after it was sent, or the sender
  stopped with it in flight: never resent on its own); ``dropped`` (by its next attempt the
  unit owed nothing any more, or the calendar no longer has the reminder).

No telegram here: only the database and the clock the caller passes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_
from sqlmodel import Session, select

from bot.common.states import ReminderState
from bot.coordination import retry
from bot.storage.db import insert_new
from bot.storage.models import ReminderDelivery

# A reminder is never sent after its deadline (the end of its day: quiet hours begin then), so
# a last attempt put at the deadline is not made late either.
POLICY = retry.RetryPolicy(late=dt.timedelta(0))

# Stored ``error`` of a dropped copy.
NOT_OWED = "dropped: owes nothing any more"
NOT_PLANNED = "dropped: the calendar no longer has this reminder"


def copy_key(occurrence_key: str, user_id: int) -> str:
    return f"{occurrence_key}:{user_id}"[:160]


def occurrence_key(key: str) -> str:
    """The occurrence a copy's key belongs to."""
    return key.rsplit(":", 1)[0]


def _where(key: str):
    return (ReminderDelivery.key == key,)


def queue(
    s: Session, occurrence_key: str, rule: str, phase: str, due_at: dt.datetime, until: dt.datetime, user_id: int, unit: str
) -> bool:
    """Plan one copy (True), unless it was planned before (False)."""
    return insert_new(
        s, ReminderDelivery, key=copy_key(occurrence_key, user_id), rule=rule, phase=phase, user_id=user_id, unit=unit,
        due_at=due_at, state=ReminderState.queued.value, retry_until=until,
    )


def planned_users(s: Session, occurrence_key: str) -> set[int]:
    """Who has a copy of this occurrence already (in any state)."""
    rows = s.exec(select(ReminderDelivery.user_id).where(ReminderDelivery.key.startswith(f"{occurrence_key}:", autoescape=True)))  # type: ignore[attr-defined]
    return set(rows.all())


def waiting(s: Session, now: dt.datetime) -> list[ReminderDelivery]:
    """Every queued copy due to be tried at ``now`` (new ones, and those whose next attempt has come)."""
    return list(
        s.exec(
            select(ReminderDelivery)
            .where(
                ReminderDelivery.user_id != 0,
                ReminderDelivery.state == ReminderState.queued,
                or_(ReminderDelivery.next_attempt_at.is_(None), ReminderDelivery.next_attempt_at <= now),  # type: ignore[union-attr,operator]
            )
            .order_by(ReminderDelivery.due_at, ReminderDelivery.key)  # type: ignore[arg-type]
        ).all()
    )


def overdue_reason(row: ReminderDelivery, until: dt.datetime, now: dt.datetime) -> str | None:
    """Why a queued copy is failed rather than sent (its day is over); None to send it."""
    return POLICY.overdue_reason(row, retry.utc(row.retry_until) if row.retry_until else until, now)


def claim(s: Session, key: str, now: dt.datetime) -> bool:
    return retry.claim(s, ReminderDelivery, _where(key), now)


def release(s: Session, key: str) -> None:
    retry.release(s, ReminderDelivery, _where(key))


def record_sent(s: Session, key: str, message_id: int, now: dt.datetime) -> None:
    """Telegram accepted it (its message id is not kept: nothing answers a reminder)."""
    retry.settle(s, ReminderDelivery, _where(key), state=ReminderState.sent, sent_at=now, error=None)


def record_failed(s: Session, key: str, error: str) -> None:
    retry.settle(s, ReminderDelivery, _where(key), state=ReminderState.failed, error=error[:500])


def record_unknown(s: Session, key: str, error: str) -> None:
    """The request may have arrived: never resent on its own."""
    retry.settle(s, ReminderDelivery, _where(key), state=ReminderState.unknown, error=error[:500])


def drop(s: Session, key: str, reason: str) -> None:
    """Not sent, and not a failure: the reminder no longer applies to this recipient."""
    retry.settle(s, ReminderDelivery, _where(key), state=ReminderState.dropped, error=reason)


def defer(s: Session, key: str, error: str, now: dt.datetime) -> dt.datetime | None:
    """The request never reached Telegram: queue the copy for its next attempt and return when;
    at the end of the reminder's day it is failed instead (None)."""
    row = s.get(ReminderDelivery, key)
    if row is None or row.state != ReminderState.sending:
        return None
    when = POLICY.defer(row, error, now, retry.utc(row.retry_until) if row.retry_until else now)
    s.add(row)
    return when


def sweep_stale(s: Session, now: dt.datetime) -> int:
    """Copies claimed by a sender that stopped with the request in flight become unknown."""
    return retry.sweep_stale(s, ReminderDelivery, now, (ReminderDelivery.user_id != 0,))


@dataclass
class Standing:
    """Where the copies of one reminder occurrence stand."""

    occurrence_key: str
    rule: str
    due_at: dt.datetime
    until: dt.datetime | None  # sent no later than this
    counts: retry.CopyCounts
    units: dict[str, list[str]] = field(default_factory=dict)  # failed | unknown | retrying -> units, in order


def standing(s: Session, since: dt.datetime, now: dt.datetime) -> list[Standing]:
    """Every reminder occurrence due since ``since`` that has copies, with their counts and the
    units of those not delivered, in the order they were due."""
    query = select(ReminderDelivery).where(ReminderDelivery.user_id != 0, ReminderDelivery.due_at >= since)
    rows: dict[str, list[ReminderDelivery]] = {}
    for row in s.exec(query.order_by(ReminderDelivery.due_at, ReminderDelivery.key)).all():  # type: ignore[arg-type]
        rows.setdefault(occurrence_key(row.key), []).append(row)
    result = []
    for key, copies in rows.items():
        counts = retry.count(((r.state, r.claimed_at, r.deferrals, r.next_attempt_at, r.retry_until, r.error) for r in copies), now)
        units: dict[str, list[str]] = {}
        for r in copies:
            state = ReminderState.unknown if retry.stale(r.state, r.claimed_at, now) else r.state
            kind = str(state) if state in (ReminderState.failed, ReminderState.unknown) else None
            if state == ReminderState.queued and r.deferrals:
                kind = "retrying"
            if kind is not None and r.unit not in units.setdefault(kind, []):
                units[kind].append(r.unit)
        until = max((retry.utc(r.retry_until) for r in copies if r.retry_until), default=None)
        result.append(Standing(key, copies[0].rule, retry.utc(copies[0].due_at), until, counts, units))
    return result
