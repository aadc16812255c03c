"""The broadcast sender: the rate limiter on virtual time, deliver() against FakeBotAPI."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import sys
import time
import warnings
from collections.abc import Awaitable, Iterable
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.delivery.sender import (
    UNCONFIRMED,
    DeliveryReport,
    RateLimiter,
    SendJob,
    deliver,
    maybe_delivered,
    never_sent,
    retry_after_seconds,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import DEFAULT_TOKEN, ApiError, FakeBotAPI  # noqa: E402


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt into PTB's timedelta ``RetryAfter.retry_after`` (PTB 22 warns on every RetryAfter
    otherwise, from its own constructor)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


# ---------------------------------------------------------------------- test doubles


class VirtualTime:
    """A clock and a sleep for coroutines that only wait on each other and on time: when
    every task is waiting, time jumps to the earliest wake-up. No real sleeping."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(0.0, seconds), next(self._seq), future))
        await future

    async def run(self, *coros: Awaitable[object]) -> list[object]:
        tasks = [asyncio.ensure_future(c) for c in coros]
        try:
            while True:
                for _ in range(20):  # let every runnable task get to its next wait
                    await asyncio.sleep(0)
                if all(t.done() for t in tasks):
                    return [t.result() for t in tasks]
                if not self._timers:
                    raise RuntimeError("deadlock: tasks wait but no timer is set")
                when, _, future = heapq.heappop(self._timers)
                self.now = max(self.now, when)
                if not future.done():
                    future.set_result(None)
        finally:
            for t in tasks:
                t.cancel()


class SkipTime:
    """Real time plus every sleep skipped: for tests doing real HTTP, where waits are
    recorded but not spent. The clock only moves forward, so the limiter's rules still hold
    on it."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def clock(self) -> float:
        return time.monotonic() + self.skipped

    async def sleep(self, seconds: float) -> None:
        self.skipped += max(0.0, seconds)
        await asyncio.sleep(0)


class Recorder:
    """A ``sleep`` for deliver() that notes each wait and passes it on."""

    def __init__(self, sleep) -> None:
        self.waits: list[float] = []
        self._sleep = sleep

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await self._sleep(seconds)


class Store:
    """A DeliveryStore in memory; ``taken`` keys were claimed elsewhere (a crashed run).

    A key is claimable while queued: a claim takes it for one request, ``retried`` gives it
    back, every other outcome settles it. ``claims`` notes each claim and ``clock`` its time."""

    def __init__(self, taken: Iterable[object] = (), clock=None) -> None:
        self.taken = set(taken)
        self.clock = clock
        self.claims: list[tuple[object, float]] = []
        self.sent_ids: dict[object, int] = {}
        self.errors: dict[object, str] = {}
        self.unknown: dict[object, str] = {}
        self.deferred_keys: dict[object, str] = {}
        self.blocked_keys: list[object] = []
        self.retries: list[tuple[object, str]] = []

    async def claim(self, job: SendJob) -> bool:
        if job.key in self.taken:
            return False
        self.taken.add(job.key)
        self.claims.append((job.key, self.clock() if self.clock else 0.0))
        return True

    async def sent(self, job: SendJob, message_id: int) -> None:
        assert job.key not in self.sent_ids
        self.sent_ids[job.key] = message_id

    async def failed(self, job: SendJob, error: str) -> None:
        self.errors[job.key] = error

    async def unconfirmed(self, job: SendJob, error: str) -> None:
        self.unknown[job.key] = error

    async def blocked(self, job: SendJob) -> None:
        self.blocked_keys.append(job.key)

    async def retried(self, job: SendJob, reason: str) -> None:
        self.retries.append((job.key, reason))
        self.taken.discard(job.key)  # queued again

    async def deferred(self, job: SendJob, error: str) -> None:
        self.deferred_keys[job.key] = error


class ScriptedBot:
    """A Bot stand-in: each send to a chat takes ``latency`` (on ``sleep``) and then raises
    the next exception scripted for that chat, or succeeds."""

    def __init__(self, script: dict[int, list[Exception]] | None = None, latency: float = 0.0, sleep=None) -> None:
        self.script = {chat: list(errors) for chat, errors in (script or {}).items()}
        self.latency = latency
        self.sleep = sleep
        self.attempts: list[tuple[float, int]] = []
        self.clock = None
        self._ids = itertools.count(1)

    async def send_message(self, chat_id: int, text: str, **kwargs: object) -> SimpleNamespace:
        self.attempts.append((self.clock() if self.clock else 0.0, chat_id))
        if self.latency:
            await self.sleep(self.latency)
        errors = self.script.get(chat_id)
        if errors:
            raise errors.pop(0)
        return SimpleNamespace(message_id=next(self._ids))

    send_document = send_message


def caused(exc: Exception, cause: BaseException) -> Exception:
    exc.__cause__ = cause
    return exc


def jobs_for(chats: Iterable[int], text: str = "<b>Notice</b>", **kwargs: object) -> list[SendJob]:
    return [SendJob(key=(1, chat), chat_id=chat, text=text, **kwargs) for chat in chats]


def max_in_window(times: list[float], window: float) -> int:
    """Most events in any half-open window [t, t + window) (1 µs tolerance for float sums)."""
    ordered = sorted(times)
    j = 0
    best = 0
    for i, start in enumerate(ordered):
        while j < len(ordered) and ordered[j] < start + window - 1e-6:
            j += 1
        best = max(best, j - i)
    return best


# ---------------------------------------------------------------------- the rate limiter


async def acquire_at(vt: VirtualTime, limiter: RateLimiter, chat_id: int, is_group: bool = False) -> float:
    await limiter.acquire(chat_id, is_group)
    return vt.now


async def test_overall_rate_is_30_per_second_evenly_spaced() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    times = await vt.run(*(acquire_at(vt, limiter, 1000 + i) for i in range(90)))
    assert max_in_window(times, 1.0) == 30
    assert max(times) == pytest.approx(89 / 30)  # no slower than the limit either
    gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:])]
    assert min(gaps) == pytest.approx(1 / 30)  # no bursts


async def test_one_message_per_second_per_chat_without_holding_up_others() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    busy = [acquire_at(vt, limiter, 7) for _ in range(10)]  # queued first
    others = [acquire_at(vt, limiter, 100 + i) for i in range(20)]
    times = await vt.run(*busy, *others)
    assert times[:10] == pytest.approx([float(i) for i in range(10)])
    assert max(times[10:]) < 1.0  # the other chats are not behind chat 7's queue


async def test_group_gets_20_per_minute_private_chat_does_not() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    group = await vt.run(*(acquire_at(vt, limiter, -4001, True) for _ in range(45)))
    assert max_in_window(group, 60.0) == 20
    assert group[:20] == pytest.approx([float(i) for i in range(20)])
    assert group[20:23] == pytest.approx([60.0, 61.0, 62.0])
    assert max(group) == pytest.approx(124.0)

    vt2 = VirtualTime()
    limiter2 = RateLimiter(clock=vt2.clock, sleep=vt2.sleep)
    private = await vt2.run(*(acquire_at(vt2, limiter2, 42) for _ in range(25)))
    assert private == pytest.approx([float(i) for i in range(25)])


async def test_pause_holds_every_send_then_resumes_spaced() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)

    async def flood_control() -> None:
        await vt.sleep(0.5)
        limiter.pause(2.0)

    times = await vt.run(*(acquire_at(vt, limiter, 2000 + i) for i in range(60)), flood_control())
    times = [t for t in times if t is not None]
    assert not [t for t in times if 0.5 < t < 2.5]
    assert len([t for t in times if t <= 0.5]) == 16  # 0, 1/30, ..., 15/30
    assert max_in_window(times, 1.0) == 30
    assert max(times) == pytest.approx(2.5 + 43 / 30)
    assert limiter.paused_seconds == pytest.approx(2.0)


async def test_limiter_takes_constructor_limits() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(per_second=10, per_chat_interval=0.5, group_per_minute=3, clock=vt.clock, sleep=vt.sleep)
    times = await vt.run(*(acquire_at(vt, limiter, i) for i in range(20)))
    assert max_in_window(times, 1.0) == 10
    group = await vt.run(*(acquire_at(vt, limiter, -5, True) for _ in range(4)))
    assert group[3] - group[0] == pytest.approx(60.0)


# ---------------------------------------------------------------------- deliver(), offline


async def test_concurrency_keeps_the_rate_at_the_limit() -> None:
    """With 200 ms per request, one-by-one would take 12 s for 60 jobs; 8 workers fill the
    30/s budget instead."""
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    bot = ScriptedBot(latency=0.2, sleep=vt.sleep)
    store = Store()
    [report] = await vt.run(deliver(bot, jobs_for(range(1, 61)), store, limiter, sleep=vt.sleep))
    assert report.sent == 60 and len(store.sent_ids) == 60
    assert report.elapsed == pytest.approx(59 / 30 + 0.2)


async def test_retry_after_holds_that_chat_exactly_while_others_go_on() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    bot = ScriptedBot({5: [RetryAfter(3)]})
    bot.clock = vt.clock
    waits = Recorder(vt.sleep)
    store = Store()
    [report] = await vt.run(deliver(bot, jobs_for(range(1, 31)), store, limiter, sleep=waits, concurrency=4))
    assert waits.waits == [3.0]
    tries_of_5 = [t for t, chat in bot.attempts if chat == 5]
    assert len(tries_of_5) == 2 and tries_of_5[1] - tries_of_5[0] >= 3.0  # waited exactly as told
    others = [t for t, chat in bot.attempts if chat != 5 and tries_of_5[0] < t < tries_of_5[0] + 3]
    assert others  # the rest of the broadcast did not stop
    assert (report.sent, report.retries_after, report.retries_error, report.failed) == (30, 1, 0, 0)
    assert report.paused == 0
    assert store.retries == [((1, 5), "retry after 3 s")]


async def test_network_errors_back_off_then_give_up() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    server_error = [NetworkError("Internal Server Error") for _ in range(5)]
    bot = ScriptedBot({1: server_error, 2: [NetworkError("Service Unavailable")] * 2})
    waits = Recorder(vt.sleep)
    store = Store()
    [report] = await vt.run(deliver(bot, jobs_for([1, 2]), store, limiter, sleep=waits, concurrency=1))
    assert waits.waits == [1, 2, 4, 8, 1, 2]
    assert store.errors == {(1, 1): "NetworkError: Internal Server Error (after 5 attempts)"}
    assert (1, 2) in store.sent_ids
    assert (report.sent, report.failed, report.retries_error) == (1, 1, 6)


async def test_timeouts_resend_only_what_cannot_have_arrived() -> None:
    vt = VirtualTime()
    not_sent = caused(TimedOut(), httpx.ConnectTimeout("connect"))
    pool = caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool"))
    read = caused(TimedOut(), httpx.ReadTimeout("read"))
    dropped = caused(NetworkError("httpx.RemoteProtocolError: closed"), httpx.RemoteProtocolError("closed"))
    assert [maybe_delivered(e) for e in (not_sent, pool, read, dropped, NetworkError("Internal Server Error"))] == [
        False, False, True, True, False
    ]
    script = {1: [not_sent], 2: [pool], 3: [read], 4: [dropped]}
    bot = ScriptedBot(script)
    store = Store()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    [report] = await vt.run(deliver(bot, jobs_for([1, 2, 3, 4]), store, limiter, sleep=vt.sleep))
    assert set(store.sent_ids) == {(1, 1), (1, 2)}
    assert all(store.unknown[(1, chat)].startswith(f"{UNCONFIRMED}: ") for chat in (3, 4))
    assert sorted(chat for _, chat in bot.attempts) == [1, 1, 2, 2, 3, 4]
    assert (report.sent, report.unconfirmed, report.failed, report.retries_error) == (2, 2, 0, 2)

    bot = ScriptedBot({3: [caused(TimedOut(), httpx.ReadTimeout("read"))]})
    store = Store()
    [report] = await vt.run(deliver(bot, jobs_for([3]), store, limiter, sleep=vt.sleep, resend_unconfirmed=True))
    assert (report.sent, report.unconfirmed, report.retries_error) == (1, 0, 1)


async def test_forbidden_and_bad_request_are_not_retried() -> None:
    vt = VirtualTime()
    bot = ScriptedBot({1: [Forbidden("Forbidden: bot was blocked by the user")], 2: [BadRequest("Chat not found")]})
    store = Store()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    [report] = await vt.run(deliver(bot, jobs_for([1, 2, 3]), store, limiter, sleep=vt.sleep))
    assert store.blocked_keys == [(1, 1)]
    assert store.errors == {(1, 2): "BadRequest: Chat not found"}
    assert [chat for _, chat in bot.attempts] == [1, 2, 3]
    assert report == DeliveryReport(sent=1, failed=1, blocked=1, elapsed=report.elapsed)


async def test_a_job_is_claimed_only_when_its_send_slot_is_granted() -> None:
    """Claimed right before its request, never while it waits for the rate limiter: a sender
    killed at any moment leaves only its requests in flight unknown (16 workers used to hold
    16 claims from the start)."""
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    bot = ScriptedBot({7: [RetryAfter(2)]}, latency=0.2, sleep=vt.sleep)
    bot.clock = vt.clock
    store = Store(clock=vt.clock)
    [report] = await vt.run(deliver(bot, jobs_for(range(1, 61)), store, limiter, sleep=vt.sleep, concurrency=16))
    assert report.sent == 60
    attempts = sorted(bot.attempts)
    assert sorted((t, key[1]) for key, t in store.claims) == attempts  # each claim at its own request
    assert len(store.claims) == 61  # chat 7 gave its claim back at the 429 and claimed again
    assert store.retries == [((1, 7), "retry after 2 s")]


async def test_unreachable_telegram_defers_jobs_without_waiting_through_each_backoff() -> None:
    """Connection refused for everyone: the first jobs retry in the run, then the run hands
    every job back for later at its first failure instead of spending 15 s on each."""
    vt = VirtualTime()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    refused = {chat: [caused(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")) for _ in range(9)] for chat in range(1, 51)}
    bot = ScriptedBot(refused)
    store = Store()
    [report] = await vt.run(deliver(bot, jobs_for(range(1, 51)), store, limiter, sleep=vt.sleep, concurrency=4))
    assert report.deferred == 50 and report.failed == 0 and report.sent == 0 and report.total == 50
    assert set(store.deferred_keys) == {(1, chat) for chat in range(1, 51)} and not store.errors
    assert all(e.startswith("NetworkError: httpx.ConnectError") for e in store.deferred_keys.values())
    assert len(bot.attempts) <= 50 + 4 * 4  # only the jobs in flight when it went down retried
    assert report.elapsed < 20

    # a proxy's 502 page or a gateway's answer is not "never sent": it may have gone through
    assert not never_sent(NetworkError("Bad Gateway")) and maybe_delivered(NetworkError("Bad Gateway"))
    assert maybe_delivered(caused(NetworkError("Gateway Timeout (504). Parsing the server response failed"), TelegramError("x")))
    assert not maybe_delivered(caused(NetworkError("Service Unavailable (503). Parsing failed"), TelegramError("x")))
    assert never_sent(caused(NetworkError("httpx.ProxyError: 403"), httpx.ProxyError("403")))


async def test_a_gateway_error_is_not_resent() -> None:
    vt = VirtualTime()
    bot = ScriptedBot({1: [NetworkError("Bad Gateway")], 2: [NetworkError("Internal Server Error")]})
    store = Store()
    limiter = RateLimiter(clock=vt.clock, sleep=vt.sleep)
    [report] = await vt.run(deliver(bot, jobs_for([1, 2]), store, limiter, sleep=vt.sleep))
    assert store.unknown == {(1, 1): "unconfirmed: NetworkError: Bad Gateway"}
    assert (1, 2) in store.sent_ids and [chat for _, chat in bot.attempts].count(1) == 1
    assert (report.sent, report.unconfirmed, report.retries_error) == (1, 1, 1)


@pytest.mark.parametrize("ptb_timedelta", ["", "1"])
def test_retry_after_seconds_in_either_ptb_mode(monkeypatch: pytest.MonkeyPatch, ptb_timedelta: str) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", ptb_timedelta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # without PTB_TIMEDELTA, PTB's own constructor warns
        exc = RetryAfter(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading it adds no warning of ours
        assert retry_after_seconds(exc) == 3.0


# ---------------------------------------------------------------------- deliver(), over HTTP


def http_bot(api: FakeBotAPI, read_timeout: float = 5.0) -> Bot:
    return Bot(
        DEFAULT_TOKEN,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=HTTPXRequest(read_timeout=read_timeout),
    )


async def test_one_copy_each_under_429_500_timeouts_and_a_blocked_user() -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("已阅", callback_data="ack:1")]])
    async with FakeBotAPI() as api:
        users = [api.user(1000 + i, f"U{i}").id for i in range(40)]
        group = api.group_chat(-4001, "市办").id
        api.block(users[7])
        upload = api.send_document(api.user(1, "Admin"), "notice.pdf", b"%PDF-1.4 notice")
        file_id = upload["message"]["document"]["file_id"]
        jobs = jobs_for(users[:30], "<b>通知</b> 请于周五前自查", reply_markup=keyboard)
        jobs += jobs_for(users[30:], "附件：自查表", document=file_id)
        jobs.append(SendJob(key=(1, group), chat_id=group, text="<i>群通知</i>", is_group=True))
        # Texts meet flood control and server errors; documents meet answers slower than the
        # client waits (the server still delivers them, as Telegram may).
        api.faults("sendMessage", rate_429=0.2, rate_500=0.15, retry_after=1, seed=3)
        api.delay("sendDocument", 0.6, times=2)

        skip = SkipTime()
        waits = Recorder(skip.sleep)
        store = Store()
        limiter = RateLimiter(clock=skip.clock, sleep=skip.sleep)
        async with http_bot(api, read_timeout=0.25) as bot:
            report = await deliver(bot, jobs, store, limiter, sleep=waits)
        sends = api.calls_of("sendDocument")
        await api.wait_for("sendDocument", count=len(sends))  # the held requests finish

        reachable = [u for u in users if u != users[7]] + [group]
        assert {chat: api.delivered_count(chat) for chat in reachable} == {chat: 1 for chat in reachable}
        assert api.delivered_count(users[7]) == 0
        assert store.blocked_keys == [(1, users[7])]
        assert len(sends) == 10  # no document was sent twice

        answered = [c for c in api.calls if c.method == "sendMessage"]
        n429 = sum(c.error_code == 429 for c in answered)
        n500 = sum(c.error_code == 500 for c in answered)
        assert n429 and n500
        assert report.retries_after == n429 and waits.waits.count(1.0) >= n429
        assert report.retries_error == n500
        assert report.sent == len(store.sent_ids) == len(jobs) - 1 - 2
        assert report.unconfirmed == 2 and report.failed == 0 and report.blocked == 1
        assert len(store.unknown) == 2 and not store.errors
        assert all(e.startswith("unconfirmed: TimedOut") for e in store.unknown.values())
        assert report.total == len(jobs)

        text = next(p for p in api.calls_of("sendMessage") if p["chat_id"] == users[0])
        assert text["parse_mode"] == "HTML" and text["reply_markup"]["inline_keyboard"][0][0]["text"] == "已阅"
        doc = api.calls_of("sendDocument")[-1]
        assert doc["document"] == file_id and doc["caption"] == "附件：自查表" and doc["parse_mode"] == "HTML"


async def test_jobs_claimed_elsewhere_and_repeated_keys_are_not_sent() -> None:
    async with FakeBotAPI() as api:
        chats = list(range(3001, 3011))
        taken = {(1, 3002), (1, 3005)}  # as left 'claimed' by a run that crashed
        jobs = jobs_for(chats) + jobs_for([3001, 3003])  # the same keys again
        store = Store(taken)
        skip = SkipTime()
        async with http_bot(api) as bot:
            report = await deliver(bot, jobs, store, RateLimiter(clock=skip.clock, sleep=skip.sleep), sleep=skip.sleep)
        assert [api.delivered_count(c) for c in chats] == [1, 0, 1, 1, 0, 1, 1, 1, 1, 1]
        assert report.sent == 8 and report.skipped == 4 and report.total == len(jobs)
        assert len(api.calls_of("sendMessage")) == 8


async def test_bad_request_from_the_server_fails_the_job_once() -> None:
    async with FakeBotAPI(strict_chats=True) as api:
        known = api.user(5001, "Known").id
        other = api.user(5002, "Other").id
        api.fail_next("sendMessage", error=ApiError.bad_request("can't parse entities: unclosed tag <b>"))
        store = Store()
        skip = SkipTime()
        jobs = jobs_for([known]) + jobs_for([9999, other])
        async with http_bot(api) as bot:
            report = await deliver(
                bot, jobs, store, RateLimiter(clock=skip.clock, sleep=skip.sleep), sleep=skip.sleep, concurrency=1
            )
        assert store.errors == {
            (1, known): "BadRequest: Can't parse entities: unclosed tag <b>",
            (1, 9999): "BadRequest: Chat not found",
        }
        assert api.delivered_count(other) == 1
        assert len(api.calls_of("sendMessage")) == 3
        assert (report.sent, report.failed, report.retries_error) == (1, 2, 0)
