"""Sending what is due: scheduled broadcasts, phase reminders and the coordinators' digest.

Called every half minute by the bot (python-telegram-bot's JobQueue) and by
`ducha remind run-due` from cron; both may run at once, even in two processes on one
PostgreSQL database: every copy is claimed in the database right before its request, so each
goes out once. A crash between sending and recording leaves the claim in place: the copy is
then unknown (状态未知), never resent on its own (a coordinator may resend a notice's). Copies
that could not reach Telegram wait in the database for their next attempt
(bot/coordination/retry.py), so a restart continues them: a notice's until a day after it
went out, a reminder's until the end of its day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import delete, update
from sqlmodel import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError

from bot.common import texts
from bot.common.callbacks import CoordOp, pack
from bot.coordination import outbox, reminder_copies, retry
from bot.coordination.service import Coordination
from bot.delivery.sender import UNCONFIRMED, DeliveryReport, RateLimiter, SendJob, deliver, maybe_delivered, never_sent
from bot.storage.db import Database, insert_new
from bot.storage.models import (
    Broadcast,
    BroadcastRecipient,
    Person,
    ProcessedUpdate,
    ReminderDelivery,
)

logger = logging.getLogger(__name__)
# A notice's file not yet uploaded: read from this path when the notice is sent.
LOCAL_FILE = "local:"


def ack_markup(broadcast_id: int, user_id: int) -> InlineKeyboardMarkup:
    """The 收到 button, made for its recipient only."""
    data = pack(CoordOp("ack", broadcast_id), owner=user_id)
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.BC_ACK_BUTTON, callback_data=data)]])


class CopyStore:
    """Where :func:`deliver` records each copy: each request claims its copy (queued ->
    sending) and records what came of it, through ``copies``, a module with the same functions
    over its own table: bot.coordination.outbox (notices, keyed by (broadcast, user)) or
    bot.coordination.reminder_copies (reminders, keyed by the copy's key)."""

    def __init__(self, db: Database, clock, copies, key: Callable[[SendJob], tuple]) -> None:
        self.db, self.clock, self.copies, self.key = db, clock, copies, key

    async def _run(self, fn, job: SendJob, *args):
        return await self.db.run(lambda s: fn(s, *self.key(job), *args))

    async def claim(self, job: SendJob) -> bool:
        return await self._run(self.copies.claim, job, self.clock())

    async def sent(self, job: SendJob, message_id: int) -> None:
        await self._run(self.copies.record_sent, job, message_id, self.clock())

    async def failed(self, job: SendJob, error: str) -> None:
        await self._run(self.copies.record_failed, job, error)

    async def unconfirmed(self, job: SendJob, error: str) -> None:
        """May have arrived: never resent on its own (unknown)."""
        await self._run(self.copies.record_unknown, job, error)

    async def blocked(self, job: SendJob) -> None:
        """The user blocked the bot: this copy failed, and the user is inactive from now on."""
        await self.failed(job, retry.BLOCKED)
        await self.db.run(lambda s: s.exec(update(Person).where(Person.user_id == job.chat_id).values(active=False)))

    async def retried(self, job: SendJob, reason: str) -> None:
        logger.info("retrying %s: %s", job.key, reason)
        await self._run(self.copies.release, job)

    async def deferred(self, job: SendJob, error: str) -> None:
        when = await self._run(self.copies.defer, job, error, self.clock())
        logger.info("%s deferred until %s: %s", job.key, when, error)


def broadcast_store(db: Database, clock) -> CopyStore:
    return CopyStore(db, clock, outbox, lambda job: job.key)


def reminder_store(db: Database, clock) -> CopyStore:
    return CopyStore(db, clock, reminder_copies, lambda job: (job.key,))


@dataclass
class TickReport:
    broadcasts: DeliveryReport | None = None
    reminders: DeliveryReport | None = None
    missed: int = 0
    digests: int = 0


class Dispatcher:
    """Everything the bot sends on its own, driven by an injected clock."""

    def __init__(self, db: Database, coordination: Coordination, limiter: RateLimiter | None = None, sleep=asyncio.sleep) -> None:
        self.db = db
        self.coordination = coordination
        self.clock = coordination.clock
        self.limiter = limiter or RateLimiter()
        self.sleep = sleep  # the senders' waits between retries (tests skip them)

    async def tick(self, bot: Bot, now: dt.datetime | None = None) -> TickReport:
        """Send whatever is due at ``now``: broadcasts, reminders, the digest."""
        now = now or self.clock()
        report = TickReport()
        report.broadcasts = await self.send_broadcasts(bot, now)
        report.reminders, report.missed = await self.send_reminders(bot, now)
        report.digests = await self.send_digest(bot, now)
        await self.db.run(lambda s: prune_processed_updates(s, now))
        return report

    async def send_broadcasts(self, bot: Bot, now: dt.datetime) -> DeliveryReport | None:
        """Every copy due at ``now``: new notices, and copies waiting to retry because Telegram
        could not be reached. Copies left in flight by a sender that stopped become unknown."""
        coordination = self.coordination
        await self.put_held_notices(bot, now)

        def due(s):
            swept = outbox.sweep_stale(s, now)
            if swept:
                logger.warning("%d broadcast copies were in flight when a sender stopped: marked unknown", swept)
            ids = coordination.due_broadcasts(s, now)
            jobs = []
            for bid in ids:
                b = s.get(Broadcast, bid)
                if b.status != "sending":
                    s.exec(update(Broadcast).where(Broadcast.id == bid).values(status="sending"))
                text = b.text if b.kind == "nudge" else f"<b>{texts.BC_HEADER}</b>\n{b.text}"
                # a nudge is acknowledged on the notice it chases, and answers each one's copy of it
                ack_id = (b.parent_id or bid) if b.kind == "nudge" else bid
                originals = _message_ids(s, b.parent_id) if b.kind == "nudge" and b.parent_id else {}
                for r in outbox.due_copies(s, b, now):
                    jobs.append(
                        SendJob(
                            key=(bid, r.user_id),
                            chat_id=r.user_id,
                            text=text,
                            reply_markup=ack_markup(ack_id, r.user_id),
                            document=b.file_id,
                            is_group=r.user_id < 0,
                            reply_to=originals.get(r.user_id),
                            deferred=r.deferrals > 0,
                        )
                    )
            return ids, jobs

        ids, jobs = await self.db.run(due)
        if not ids:
            return None
        store = broadcast_store(self.db, self.clock)
        first = DeliveryReport()
        jobs = await self._upload_local_files(bot, jobs, store, first)
        result = await deliver(bot, jobs, store, self.limiter, sleep=self.sleep)
        for name in ("sent", "failed", "blocked", "unconfirmed", "deferred"):
            setattr(result, name, getattr(result, name) + getattr(first, name))

        def finish(s):
            for bid in ids:
                if not outbox.unsettled(s, bid):
                    s.exec(update(Broadcast).where(Broadcast.id == bid).values(status="done"))

        await self.db.run(finish)
        return result

    async def put_held_notices(self, bot: Bot, now: dt.datetime) -> int:
        """Scheduled notices whose moment passed while the bot was down are held, and their
        coordinator (or, without one, every coordinator) is asked whether to send them now."""
        coordination = self.coordination

        def hold(s):
            held = coordination.notices.hold_late(s, now)
            coordinators = coordination.coordinators(s)
            return [(coordination.notices.held_question(b), [b.created_by_id] if b.created_by_id else coordinators) for b in held]

        asked = 0
        for answer, users in await self.db.run(hold):
            for uid in users:
                markup = InlineKeyboardMarkup(
                    [[InlineKeyboardButton(b.label, callback_data=pack(b.action, owner=uid)) for b in row] for row in answer.buttons]
                )
                try:
                    await bot.send_message(uid, answer.doc.html_chunks()[0], parse_mode=ParseMode.HTML, reply_markup=markup)
                    asked += 1
                except Exception as exc:  # a coordinator who blocked the bot must not stop the rest
                    logger.warning("held-notice question to %s failed: %s", uid, exc)
        return asked

    async def _upload_local_files(self, bot: Bot, jobs: list[SendJob], store: CopyStore, report: DeliveryReport) -> list[SendJob]:
        """A notice whose file is still on this machine (``local:PATH``, from `ducha broadcast
        send --file`) is uploaded with its first recipient's own copy, and the file id Telegram
        returns serves everyone else: each recipient gets the file once, the first one too.
        While Telegram cannot be reached the notice's copies wait for a later run."""
        local = {job.key[0]: job.document for job in jobs if job.document and job.document.startswith(LOCAL_FILE)}
        for broadcast_id, document in local.items():
            path = Path(document[len(LOCAL_FILE) :])
            mine = [job for job in jobs if job.key[0] == broadcast_id]
            handled: set = set()
            file_id = None
            for job in mine:
                await self.limiter.acquire(job.chat_id, job.is_group)
                handled.add(job.key)
                if not await store.claim(job):
                    continue
                try:
                    with path.open("rb") as fh:
                        message = await bot.send_document(
                            job.chat_id, fh, filename=path.name, caption=job.text or None,
                            parse_mode=ParseMode.HTML, reply_markup=job.reply_markup,
                        )
                except OSError as exc:  # the file is not on this machine (any more): nobody can get it
                    error = f"file {path.name}: {exc.strerror or exc}"
                    await store.failed(job, error)
                    report.failed += 1
                    for other in mine:
                        if other.key not in handled and await store.claim(other):
                            await store.failed(other, error)
                            report.failed += 1
                        handled.add(other.key)
                    break
                except NetworkError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    if maybe_delivered(exc):  # may have arrived: not resent; upload with the next one
                        await store.unconfirmed(job, f"{UNCONFIRMED}: {error}")
                        report.unconfirmed += 1
                        continue
                    if never_sent(exc):
                        await store.deferred(job, error)
                        report.deferred += 1
                    else:
                        await store.retried(job, error)
                    break  # Telegram is not answering: the rest wait for the next run
                except Forbidden:
                    await store.blocked(job)
                    report.blocked += 1
                    continue
                except Exception as exc:  # this recipient only (gone, refused …): try the next one
                    logger.warning("upload of %s to %s failed: %s", path.name, job.chat_id, exc)
                    await store.failed(job, f"{type(exc).__name__}: {exc}")
                    report.failed += 1
                    continue
                await store.sent(job, message.message_id)
                report.sent += 1
                file_id = message.document.file_id if message.document else None
                break
            if file_id is not None:
                await self.db.run(lambda s, b=broadcast_id, f=file_id: s.exec(update(Broadcast).where(Broadcast.id == b).values(file_id=f)))
            jobs = [
                (replace(job, document=file_id) if job.key[0] == broadcast_id else job)
                for job in jobs
                if job.key[0] != broadcast_id or (file_id is not None and job.key not in handled)
            ]
        return jobs

    async def send_reminders(self, bot: Bot, now: dt.datetime) -> tuple[DeliveryReport | None, int]:
        """Every reminder copy due at ``now`` (new ones, and those waiting to retry because
        Telegram could not be reached), and the report of reminders missed while the bot was
        down. Copies left in flight by a sender that stopped become unknown."""
        coordination = self.coordination

        def due(s):
            swept = reminder_copies.sweep_stale(s, now)
            if swept:
                logger.warning("%d reminder copies were in flight when a sender stopped: marked unknown", swept)
            return (*coordination.due_reminders(s, now), coordination.coordinators(s))

        to_send, missed, coordinators = await self.db.run(due)
        result = None
        if to_send:
            jobs = [
                SendJob(key=c.key, chat_id=c.user_id, text=_escape(c.occurrence.text), deferred=c.deferred)
                for c in to_send
            ]
            result = await deliver(bot, jobs, reminder_store(self.db, self.clock), self.limiter, sleep=self.sleep)
        if missed:
            report = coordination.missed_report(missed)
            for uid in coordinators:
                for chunk in report.doc.html_chunks():
                    try:
                        await bot.send_message(uid, chunk, parse_mode=ParseMode.HTML)
                    except Exception as exc:  # a coordinator who blocked the bot must not stop the rest
                        logger.warning("missed-reminder report to %s failed: %s", uid, exc)
        return result, len(missed)

    async def send_digest(self, bot: Bot, now: dt.datetime) -> int:
        """The 09:00 digest to coordinators, once a day across processes."""
        coordination = self.coordination
        local = now.astimezone(coordination.tz)
        if local.hour < 9 or local.hour >= 22:  # not before 09:00, and never in the quiet hours
            return 0

        def claim(s):
            key = f"digest:{local.date().isoformat()}"
            if not insert_new(s, ReminderDelivery, key=key, rule="digest", phase="", user_id=0, unit="", due_at=now, state="sent", claimed_at=now):
                return None
            return coordination.digest(s), coordination.coordinators(s)

        claimed = await self.db.run(claim)
        if claimed is None:
            return 0
        answer, coordinators = claimed
        sent = 0
        for uid in coordinators:
            markup = None
            if answer.buttons:
                markup = InlineKeyboardMarkup(
                    [[InlineKeyboardButton(b.label, callback_data=pack(b.action, owner=uid)) for b in row] for row in answer.buttons]
                )
            chunks = answer.doc.html_chunks()
            try:
                for i, chunk in enumerate(chunks):
                    await bot.send_message(uid, chunk, parse_mode=ParseMode.HTML, reply_markup=markup if i == len(chunks) - 1 else None)
                sent += 1
            except Exception as exc:
                logger.warning("digest to %s failed: %s", uid, exc)
        return sent


# Telegram redelivers an unconfirmed update within a day at most; a week is ample.
PROCESSED_UPDATES_KEPT = dt.timedelta(days=7)


def prune_processed_updates(s, now: dt.datetime) -> int:
    """Forget update ids old enough that Telegram will never send them again."""
    done = s.exec(delete(ProcessedUpdate).where(ProcessedUpdate.at < now - PROCESSED_UPDATES_KEPT))
    return done.rowcount


def _message_ids(s, broadcast_id: int) -> dict[int, int]:
    """Each recipient's copy of a notice, where Telegram returned it."""
    rows = s.exec(
        select(BroadcastRecipient.user_id, BroadcastRecipient.message_id).where(
            BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.message_id.is_not(None)
        )
    ).all()
    return {user_id: message_id for user_id, message_id in rows}


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
