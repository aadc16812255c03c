"""Self-scoring throughput: simulated users answering every criterion through the Application.

Each user is bound to a unit of their own, sends /score, then presses a level button on every
question the bot sends, until the table is done. Updates go through python-telegram-bot's
Application (handlers, callback parsing, rendering) with a fake network (an offline request
that answers like the Bot API) and the real database. Prints updates per second and peak
memory; asserts nothing. Target on a 2-core machine with SQLite: >= 300 updates/s, < 300 MB.

    .venv/bin/python benchmarks/bench_scoring.py [--users 1000] [--concurrency 50] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.request import BaseRequest, RequestData  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.common.config import TelegramSettings  # noqa: E402
from bot.qa.engine import Engine  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.db import Database, make_engine, upgrade  # noqa: E402
from bot.storage.models import Person  # noqa: E402
from rubric_data.loader import load_rubric  # noqa: E402

FAKE_TOKEN = "123456789:AAfakeTokenForTheBenchmark_0123456789"  # not a real token
BOT = {"id": 123456789, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}


class OfflineBotAPI(BaseRequest):
    """Answers Bot API calls in memory and keeps each chat's last keyboard."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.last_keyboard: dict[int, list[str]] = {}
        self.sent = 0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_: Any) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if name == "getMe":
            result: Any = BOT
        elif name in ("sendMessage", "sendDocument"):
            self.sent += 1
            chat_id = int(params["chat_id"])
            markup = params.get("reply_markup")
            if markup:
                markup = json.loads(markup) if isinstance(markup, str) else markup
                self.last_keyboard[chat_id] = [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
            result = {
                "message_id": next(self.ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT,
                "text": params.get("text", ""),
            }
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


def message_update(update_id: int, user_id: int, text: str) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}"}
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": user,
            "text": text,
            "entities": entities,
        },
    }


def press_update(update_id: int, user_id: int, data: str) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": user_id, "type": "private"}, "from": BOT, "text": "q"},
        },
    }


async def run(users: int, concurrency: int, db_url: str) -> None:
    rubric = load_rubric()
    engine = Engine(rubric)
    db = Database(make_engine(db_url))
    upgrade(db.engine)
    service = SelfCheck(rubric)
    first_user = 10_000

    def seed(s) -> None:  # each simulated user is the office of a unit of its own
        for i in range(users):
            role = "party" if i % 2 == 0 else "government"
            s.add(Person(user_id=first_user + i, name=f"用户{i}", unit=f"测试单位{i:04d}", role=role, bound_at=dt.datetime.now(dt.timezone.utc)))

    db.call(seed)
    request = OfflineBotAPI()
    app = build_application(TelegramSettings(token=FAKE_TOKEN), engine, db, service, tick_seconds=None)
    app.bot._request = (request, request)  # the fake network, for both request kinds
    update_ids = itertools.count(1)
    processed = 0

    async def one_user(user_id: int) -> None:
        nonlocal processed
        await app.process_update(Update.de_json(message_update(next(update_ids), user_id, "/score"), app.bot))
        processed += 1
        while True:
            keyboard = request.last_keyboard.get(user_id, [])
            levels = [d for d in keyboard if ":l:" in d]
            if not levels:
                break
            await app.process_update(Update.de_json(press_update(next(update_ids), user_id, levels[0]), app.bot))
            processed += 1

    async with app:
        gate = asyncio.Semaphore(concurrency)

        async def gated(user_id: int) -> None:
            async with gate:
                await one_user(user_id)

        start = time.perf_counter()
        await asyncio.gather(*(gated(first_user + i) for i in range(users)))
        elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    criteria = sum(len(t.criteria) for t in rubric.tables["party"].tasks), sum(len(t.criteria) for t in rubric.tables["government"].tasks)
    print(f"users: {users} (criteria per table: party {criteria[0]}, government {criteria[1]}), {concurrency} at a time")
    print(f"updates: {processed} in {elapsed:.1f} s = {processed / elapsed:.0f} updates/s; bot messages sent: {request.sent}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    done = db.call(lambda s: s.exec(__import__("sqlmodel").text("SELECT COUNT(*) FROM answers")).one()[0])  # type: ignore[attr-defined]
    print(f"answers stored: {done}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.db"
        print(f"database: {url.split('://')[0]}")
        asyncio.run(run(args.users, args.concurrency, url))


if __name__ == "__main__":
    main()
