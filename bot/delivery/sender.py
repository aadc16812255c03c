"""Sending a broadcast: one message per job, within Telegram's limits, each job at most once.

Telegram allows a bot about 30 messages a second overall, one a second in any one chat and
20 a minute in a group. :class:`RateLimiter` keeps to all three; :func:`deliver` sends a
batch of :class:`SendJob` through it with a few concurrent workers and records every outcome
in a caller's :class:`DeliveryStore` (no database here).

For each attempt: ``limiter.acquire`` (wait for the send slot) -> ``store.claim`` (False:
someone else has it or it was settled, skip) -> ``send_message`` / ``send_document`` (HTML) ->
``store.sent``. A job is claimed only for the request about to be made, so a process killed at
any moment leaves at most its requests in flight with an unknown fate, never the jobs still
waiting for a slot. Failures:

* ``RetryAfter``: flood control. The claim is given back (``store.retried``), that chat is
  held for exactly ``retry_after`` seconds, the job waits the same and is tried again; other
  chats go on, since within our own spacing a 429 is a per-chat wait (pausing everything on
  each one held a run with 5% 429 answers to 35% of the limit). It never counts as a failed
  attempt. :meth:`RateLimiter.pause` remains for callers that want a global stop.
* A request that never reached Telegram (connection refused, DNS, proxy, connect, pool or
  write timeout: :func:`never_sent`) and Telegram's own 5xx answers: the claim is given back
  and the job is tried again after ``backoff``, up to ``max_attempts``. When Telegram cannot be
  reached even then, the job is handed back with ``store.deferred`` for a later run (the store
  keeps when, and until when), and the rest of this run's jobs that cannot connect are
  deferred at their first failure instead of each waiting through its own backoff. A 5xx
  answer after ``max_attempts`` is ``store.failed``.
* ``Forbidden`` (blocked by the user, kicked from the group): ``store.blocked``, no retry.
* ``BadRequest`` (chat not found, bad HTML, caption too long) and any other Telegram error:
  ``store.failed``, no retry.

A request that may have arrived is different: a timeout or a dropped connection after it was
sent, or a gateway's 502/504 (the gateway had passed it on to Telegram, which may have
delivered it before the answer was lost). Sending again risks a second copy, so such a job is
not resent: it goes to ``store.unconfirmed`` and is counted as ``unconfirmed``
(``resend_unconfirmed=True`` prefers a possible duplicate to a possible miss).
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import logging
import math
import re
import time
import warnings
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx
from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

__all__ = [
    "UNCONFIRMED",
    "DeliveryReport",
    "DeliveryStore",
    "RateLimiter",
    "SendJob",
    "deliver",
    "maybe_delivered",
    "never_sent",
    "retry_after_seconds",
]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

GROUP_WINDOW = 60.0  # seconds: the window of ``group_per_minute``
UNCONFIRMED = "unconfirmed"  # prefix of the error passed to store.unconfirmed
_PRUNE_EVERY = 1024  # acquisitions between clean-ups of per-chat bookkeeping

# httpx errors raised before any byte of the request reached Telegram: safe to send again.
# (A write timeout or error means the request body never arrived whole; a proxy that refused
# the tunnel never passed it on.)
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout, httpx.WriteError, httpx.ProxyError)
# A gateway in front of Telegram answered instead of it: it had passed the request on.
_GATEWAY = re.compile(r"Bad Gateway|Gateway Time-?out|\((?:502|504)\)", re.IGNORECASE)


class RateLimiter:
    """Telegram's send limits: ``per_second`` overall, one message per ``per_chat_interval``
    in a chat, ``group_per_minute`` in a group chat in any 60 seconds.

    Sends are spaced evenly (no bursts) and handed out first come, first served among the
    callers whose chat is free, so a chat with many messages waiting never holds up the
    others. :meth:`pause` stops everything for a flood-control wait. ``clock`` and ``sleep``
    are injectable so tests run on virtual time.
    """

    def __init__(
        self,
        per_second: float = 30,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_second <= 0 or per_chat_interval < 0 or group_per_minute < 1:
            raise ValueError("per_second and group_per_minute must be positive, per_chat_interval >= 0")
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.clock = clock
        self._sleep = sleep
        self._interval = 1.0 / per_second
        self._next_slot = -math.inf  # earliest time the next send may go out (global spacing)
        self._paused_until = -math.inf
        self._paused_total = 0.0
        self._chat_last: dict[int, float] = {}  # chat -> time of its latest (reserved) send
        self._group_sends: dict[int, list[float]] = {}  # group chat -> sorted send times, last 60 s
        self._acquired = 0

    @property
    def paused_seconds(self) -> float:
        """Total time :meth:`pause` has held all sends so far."""
        return self._paused_total

    @property
    def paused_until(self) -> float:
        """Clock time before which nothing is sent (-inf: not paused)."""
        return self._paused_until

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` from now (overlapping pauses merge)."""
        now = self.clock()
        until = now + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_total += until - max(now, self._paused_until)
            self._paused_until = until
            logger.info("flood control: all sends paused for %.1f s", seconds)

    def hold_chat(self, chat_id: int, seconds: float) -> None:
        """Send nothing to ``chat_id`` for ``seconds`` from now (a 429 for that chat)."""
        until = self.clock() + max(0.0, seconds)
        self._chat_last[chat_id] = max(self._chat_last.get(chat_id, -math.inf), until - self.per_chat_interval)

    async def acquire(self, chat_id: int, is_group: bool) -> None:
        """Wait until a message may be sent to ``chat_id`` now, and count it as sent."""
        while True:
            now = self.clock()
            ready = self._chat_ready(chat_id, is_group, now)
            if ready > now:  # wait for the chat without holding a global slot
                await self._sleep(ready - now)
                continue
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + self._interval
            previous = self._chat_last.get(chat_id)
            self._chat_last[chat_id] = slot
            if is_group:
                bisect.insort(self._group_sends.setdefault(chat_id, []), slot)
            if slot > now:
                await self._sleep(slot - now)
            if slot >= self._paused_until:  # no pause began that covers this slot
                self._acquired += 1
                if self._acquired % _PRUNE_EVERY == 0:
                    self._prune(self.clock())
                return
            # A flood-control pause began while this caller waited for its slot: give the
            # slot back and queue again behind the pause.
            self._release(chat_id, is_group, slot, previous)

    def _chat_ready(self, chat_id: int, is_group: bool, now: float) -> float:
        ready = now
        last = self._chat_last.get(chat_id)
        if last is not None:
            ready = max(ready, last + self.per_chat_interval)
        if is_group:
            sends = self._group_sends.get(chat_id)
            if sends:
                del sends[: bisect.bisect_right(sends, now - GROUP_WINDOW)]
                if len(sends) >= self.group_per_minute:
                    ready = max(ready, sends[-self.group_per_minute] + GROUP_WINDOW)
        return ready

    def _release(self, chat_id: int, is_group: bool, slot: float, previous: float | None) -> None:
        if self._chat_last.get(chat_id) == slot:
            if previous is None:
                del self._chat_last[chat_id]
            else:
                self._chat_last[chat_id] = previous
        if is_group:
            sends = self._group_sends.get(chat_id, [])
            i = bisect.bisect_left(sends, slot)
            if i < len(sends) and sends[i] == slot:
                del sends[i]

    def _prune(self, now: float) -> None:
        """Forget chats whose limits no longer constrain anything."""
        for chat_id in [c for c, last in self._chat_last.items() if last + self.per_chat_interval <= now]:
            del self._chat_last[chat_id]
        for chat_id in [c for c, sends in self._group_sends.items() if not sends or sends[-1] <= now - GROUP_WINDOW]:
            del self._group_sends[chat_id]


@dataclass(frozen=True)
class SendJob:
    """One copy of a broadcast for one chat. ``key`` identifies it in the store, e.g.
    ``(broadcast_id, user_id)``; ``text`` is Telegram HTML (the caption when ``document``,
    a Telegram ``file_id``, is set)."""

    key: Hashable
    chat_id: int
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    document: str | None = None
    is_group: bool = False
    reply_to: int | None = None  # a message in that chat this one answers (a 催办 points at the notice)
    # handed back before because Telegram could not be reached: handed back again at the first
    # connection failure, without retrying within the run
    deferred: bool = False


class DeliveryStore(Protocol):
    """Where :func:`deliver` records each job's fate (the caller's tables)."""

    async def claim(self, job: SendJob) -> bool:
        """Take the job for the request about to be made (the send slot is granted); False if
        it is taken or settled already (then it is skipped)."""

    async def sent(self, job: SendJob, message_id: int) -> None:
        """Telegram accepted the message."""

    async def failed(self, job: SendJob, error: str) -> None:
        """Given up: Telegram refused it, or kept answering with server errors."""

    async def unconfirmed(self, job: SendJob, error: str) -> None:
        """The request may have arrived (timed out after it was sent): never resent here."""

    async def blocked(self, job: SendJob) -> None:
        """Forbidden: the user blocked the bot (or it left the group); mark inactive."""

    async def retried(self, job: SendJob, reason: str) -> None:
        """Not delivered, about to be tried again in this run: give the claim back."""

    async def deferred(self, job: SendJob, error: str) -> None:
        """Telegram could not be reached: give the job back for a later run."""


@dataclass
class DeliveryReport:
    """What one :func:`deliver` call did. ``sent + failed + blocked + skipped + unconfirmed +
    deferred`` is the number of jobs given; retries count extra send attempts."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0
    unconfirmed: int = 0  # may have arrived: not resent (store.unconfirmed)
    deferred: int = 0  # Telegram unreachable: handed back for a later run (store.deferred)
    retries_after: int = 0  # attempts repeated after RetryAfter (flood control)
    retries_error: int = 0  # attempts repeated after a timeout, network error or 5xx
    elapsed: float = 0.0  # seconds, on the limiter's clock
    paused: float = 0.0  # seconds of that time the limiter was paused by flood control

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.blocked + self.skipped + self.unconfirmed + self.deferred


def retry_after_seconds(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds, whether PTB gives an int or a timedelta (PTB_TIMEDELTA)."""
    with warnings.catch_warnings():  # the int form warns of its deprecation; we accept both
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def never_sent(exc: NetworkError) -> bool:
    """Whether the request provably never reached Telegram (see ``_NOT_SENT``)."""
    return isinstance(exc.__cause__, _NOT_SENT)


def maybe_delivered(exc: NetworkError) -> bool:
    """Whether a failed request may still have been carried out by Telegram: a timeout or a
    broken connection after the request went out, or a gateway's 502/504 answer. False for
    Telegram's own error answers (500, 503) and for failures before sending (connect, pool,
    write)."""
    cause = exc.__cause__
    if cause is None:  # an error answer (5xx), or a bare timeout
        return isinstance(exc, TimedOut) or bool(_GATEWAY.search(str(exc)))
    if isinstance(cause, _NOT_SENT):
        return False
    if isinstance(cause, TelegramError):  # an unparsable error answer: a proxy's or gateway's page
        return bool(_GATEWAY.search(str(exc)))
    # read timeout, connection dropped mid-answer, unknown failure: the outcome is open
    return True


async def deliver(
    bot: Bot,
    jobs: Iterable[SendJob],
    store: DeliveryStore,
    limiter: RateLimiter,
    *,
    max_attempts: int = 5,
    backoff: Sequence[float] = (1, 2, 4, 8),
    sleep: Sleep = asyncio.sleep,
    concurrency: int = 16,
    resend_unconfirmed: bool = False,
) -> DeliveryReport:
    """Send every job once (see the module docstring); return the counts.

    ``jobs`` is consumed lazily; a key seen twice is skipped the second time. ``bot`` must be
    initialized (``async with bot``). Errors of the store propagate and stop the run; a job
    claimed with its request in flight then stays claimed, to be reported rather than resent.
    """
    if max_attempts < 1 or concurrency < 1:
        raise ValueError("max_attempts and concurrency must be at least 1")
    run = _Run(bot, store, limiter, max_attempts, tuple(backoff) or (0.0,), sleep, resend_unconfirmed)
    started, paused_before = limiter.clock(), limiter.paused_seconds
    queue = _Jobs(iter(jobs), run.report)
    workers = [asyncio.create_task(run.work(queue), name=f"deliver-{i}") for i in range(concurrency)]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    report = run.report
    report.elapsed = limiter.clock() - started
    report.paused = limiter.paused_seconds - paused_before
    logger.info("broadcast delivered: %s", report)
    return report


class _Jobs:
    """The shared job iterator, without repeated keys."""

    def __init__(self, jobs: Iterator[SendJob], report: DeliveryReport) -> None:
        self._jobs = jobs
        self._seen: set[Hashable] = set()
        self._report = report

    def next(self) -> SendJob | None:
        for job in self._jobs:
            if job.key in self._seen:
                self._report.skipped += 1
                continue
            self._seen.add(job.key)
            return job
        return None


@dataclass
class _Run:
    bot: Bot
    store: DeliveryStore
    limiter: RateLimiter
    max_attempts: int
    backoff: tuple[float, ...]
    sleep: Sleep
    resend_unconfirmed: bool

    def __post_init__(self) -> None:
        self.report = DeliveryReport()
        # Telegram could not be reached even after retries: further jobs that cannot connect
        # are deferred at once (reset by the next success)
        self.unreachable = False

    async def work(self, queue: _Jobs) -> None:
        while (job := queue.next()) is not None:
            await self.deliver_one(job)

    async def deliver_one(self, job: SendJob) -> None:
        failures = 0
        while True:
            await self.limiter.acquire(job.chat_id, job.is_group)
            if not await self.store.claim(job):  # claimed only now: the request goes out next
                self.report.skipped += 1
                return
            try:
                message_id = await self.send(job)
            except RetryAfter as exc:
                # Wait exactly as told before retrying this chat; other chats go on. (A
                # global pause on every 429 held a 5%-429 run to 35% of the limit.)
                seconds = retry_after_seconds(exc)
                self.limiter.hold_chat(job.chat_id, seconds)
                self.report.retries_after += 1
                await self.store.retried(job, f"retry after {seconds:g} s")
                await self.sleep(seconds)
            except Forbidden as exc:
                logger.info("chat %s unreachable: %s", job.chat_id, exc)
                self.report.blocked += 1
                await self.store.blocked(job)
                return
            except ChatMigrated as exc:
                await self.fail(job, f"chat migrated to {exc.new_chat_id}")
                return
            except BadRequest as exc:
                await self.fail(job, f"BadRequest: {exc}")
                return
            except NetworkError as exc:  # TimedOut, connection errors, 5xx
                error = f"{type(exc).__name__}: {exc}"
                if maybe_delivered(exc) and not self.resend_unconfirmed:
                    logger.warning("chat %s: %s after sending; may have arrived, not resent", job.chat_id, error)
                    self.report.unconfirmed += 1
                    await self.store.unconfirmed(job, f"{UNCONFIRMED}: {error}")
                    return
                failures += 1
                if never_sent(exc) and (self.unreachable or job.deferred or failures >= self.max_attempts):
                    # Telegram cannot be reached: later runs try again (the store says when)
                    self.unreachable = True
                    logger.warning("chat %s: Telegram unreachable (%s); deferred", job.chat_id, error)
                    self.report.deferred += 1
                    await self.store.deferred(job, error)
                    return
                if failures >= self.max_attempts:
                    await self.fail(job, f"{error} (after {failures} attempts)")
                    return
                self.report.retries_error += 1
                await self.store.retried(job, error)
                await self.sleep(self.backoff[min(failures, len(self.backoff)) - 1])
            except TelegramError as exc:  # InvalidToken, Conflict, ...: nothing to retry
                await self.fail(job, f"{type(exc).__name__}: {exc}")
                return
            else:
                self.unreachable = False
                self.report.sent += 1
                await self.store.sent(job, message_id)
                return

    async def send(self, job: SendJob) -> int:
        reply = None if job.reply_to is None else ReplyParameters(job.reply_to, allow_sending_without_reply=True)
        if job.document is not None:
            message = await self.bot.send_document(
                job.chat_id,
                job.document,
                caption=job.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=job.reply_markup,
                reply_parameters=reply,
            )
        else:
            message = await self.bot.send_message(
                job.chat_id, job.text, parse_mode=ParseMode.HTML, reply_markup=job.reply_markup, reply_parameters=reply
            )
        return message.message_id

    async def fail(self, job: SendJob, error: str) -> None:
        logger.warning("chat %s: giving up: %s", job.chat_id, error)
        self.report.failed += 1
        await self.store.failed(job, error)
