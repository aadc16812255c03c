"""A broadcast to many private chats through the real limiter, against FakeBotAPI with faults.

Prints figures; it asserts nothing. Real time throughout: the limiter at 30 messages a
second, flood-control waits (RetryAfter) and the retry backoff all really wait, so 1,000
recipients take a minute or two.

    .venv/bin/python benchmarks/bench_broadcast.py [--recipients 1000] [--rate-429 0.05]
        [--rate-500 0.02] [--retry-after 1] [--concurrency 8] [--seed 1]

With ``--database``, the same broadcast goes through the bot's own path instead: a notice
created in a fresh SQLite database and sent by ``Dispatcher.send_broadcasts`` (16 workers,
the bot's connection pool), so every copy's claim and outcome is a database write, the claim
made after the limiter grants the send slot.

Copies per recipient come from the server's ``delivered_count`` and must be exactly 1 each.
The achieved rate is successful sends / elapsed / the configured 30 per second. A 429 holds
only its own chat for ``retry_after`` (bot/delivery/sender.py); the rate is also shown over
the time the limiter was not paused, for callers that pause it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fakebotapi import FakeBotAPI  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.delivery.connect import POOL_SIZE  # noqa: E402
from bot.delivery.sender import RateLimiter, SendJob, deliver  # noqa: E402

PER_SECOND = 30
FIRST_CHAT = 100_000


class CountingStore:
    """Claims a job for each request (given back when it is retried) and counts outcomes."""

    def __init__(self) -> None:
        self.claimed: set[object] = set()
        self.outcomes: Counter[str] = Counter()

    async def claim(self, job: SendJob) -> bool:
        if job.key in self.claimed:
            return False
        self.claimed.add(job.key)
        return True

    async def sent(self, job: SendJob, message_id: int) -> None:
        self.outcomes["sent"] += 1

    async def failed(self, job: SendJob, error: str) -> None:
        self.outcomes["failed"] += 1

    async def unconfirmed(self, job: SendJob, error: str) -> None:
        self.outcomes["unconfirmed"] += 1

    async def deferred(self, job: SendJob, error: str) -> None:
        self.outcomes["deferred"] += 1

    async def blocked(self, job: SendJob) -> None:
        self.outcomes["blocked"] += 1

    async def retried(self, job: SendJob, reason: str) -> None:
        self.outcomes["retried"] += 1
        self.claimed.discard(job.key)  # queued again: the next try claims it anew


def max_in_window(times: list[float], window: float = 1.0) -> int:
    ordered = sorted(times)
    j = best = 0
    for i, start in enumerate(ordered):
        while j < len(ordered) and ordered[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


async def through_the_database(bot: Bot, chats: list[int], limiter: RateLimiter, folder: str):
    """The bot's own path: a notice in SQLite, sent by the dispatcher."""
    from rubric_data.loader import load_rubric

    from bot.coordination.service import Coordination
    from bot.delivery.dispatch import Dispatcher
    from bot.scoring.selfcheck import SelfCheck
    from bot.storage.db import Database, make_engine, upgrade
    from bot.storage.models import Person

    db = Database(make_engine(f"sqlite:///{folder}/bench.db"))
    upgrade(db.engine)
    db.call(lambda s: s.add_all(Person(user_id=chat, name=f"用户{chat}", unit="华龙区", role="party") for chat in chats))
    coordination = Coordination(SelfCheck(load_rubric()))
    db.call(lambda s: coordination.create_broadcast(s, None, "all", "<b>通知</b> 请各单位按时报送"))
    return await Dispatcher(db, coordination, limiter).send_broadcasts(bot, coordination.clock())


async def run(args: argparse.Namespace) -> None:
    async with FakeBotAPI() as api:
        chats = list(range(FIRST_CHAT, FIRST_CHAT + args.recipients))
        api.faults("sendMessage", rate_429=args.rate_429, rate_500=args.rate_500, retry_after=args.retry_after, seed=args.seed)
        jobs = [SendJob(key=(1, chat), chat_id=chat, text=f"<b>通知</b> 第{i + 1}份") for i, chat in enumerate(chats)]
        store = CountingStore()
        limiter = RateLimiter(per_second=PER_SECOND)
        request = HTTPXRequest(connection_pool_size=POOL_SIZE) if args.database else None
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url, request=request) as bot:
            started = time.monotonic()
            if args.database:
                with tempfile.TemporaryDirectory() as folder:
                    report = await through_the_database(bot, chats, limiter, folder)
                    args.concurrency = 16
            else:
                report = await deliver(bot, jobs, store, limiter, concurrency=args.concurrency)
            wall = time.monotonic() - started

        copies = [api.delivered_count(chat) for chat in chats]
        calls = [c for c in api.calls if c.method == "sendMessage"]
        answers = Counter("ok" if c.ok else str(c.error_code) for c in calls)
        share = report.sent / report.elapsed / PER_SECOND
        unpaused = report.elapsed - report.paused
        share_unpaused = report.sent / unpaused / PER_SECOND if unpaused > 0 else float("nan")

        print(f"{'through SQLite and the dispatcher; ' if args.database else ''}recipients: {args.recipients} private chats; faults on sendMessage: "
              f"{args.rate_429:.0%} 429 (retry_after {args.retry_after} s), {args.rate_500:.0%} 500; "
              f"limit {PER_SECOND}/s; concurrency {args.concurrency}")
        print(f"copies per recipient: min {min(copies)}  max {max(copies)}  "
              f"recipients with != 1: {sum(c != 1 for c in copies)}")
        print(f"report: sent {report.sent}  failed {report.failed}  blocked {report.blocked}  "
              f"skipped {report.skipped}  unconfirmed {report.unconfirmed}")
        print(f"retries: after 429 {report.retries_after}  after error {report.retries_error}  "
              f"(server answered: {answers['ok']} ok, {answers['429']} x 429, {answers['500']} x 500; "
              f"{len(calls)} requests)")
        print(f"time to finish: {report.elapsed:.1f} s (wall {wall:.1f} s), of which paused by flood control "
              f"{report.paused:.1f} s")
        print(f"achieved rate: {report.sent / report.elapsed:.1f} sends/s = {share:.0%} of the {PER_SECOND}/s limit; "
              f"{share_unpaused:.0%} while not paused")
        print(f"most requests the server saw in any 1 s: {max_in_window([c.time for c in calls])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--rate-429", type=float, default=0.05)
    parser.add_argument("--rate-500", type=float, default=0.02)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", action="store_true", help="through SQLite and the dispatcher, as the bot sends")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
