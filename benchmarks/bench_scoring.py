"""Self-scoring throughput beside what python-telegram-bot itself allows, in one run.

Simulated users, each bound to a unit of their own, send /score and then press a level button
on every question the bot sends until their table is done, 50 at a time. Updates go through
python-telegram-bot's Application (handlers, callback parsing, rendering) with a fake network
(an offline request that answers like the Bot API) and a real database.

One run measures, each in a fresh child process (so peak memory is its own):

* ``bare``: the ceiling. A bare Application that, per update, writes one SQLite row on a worker
  thread and sends one message with an inline keyboard: the same updates, driver and fake
  network, none of the project's code. Measured before and after the SQLite runs; the lower
  of the two figures is not used, the higher one is the ceiling (so a noisy neighbour cannot
  flatter the ratio).
* ``scoring`` with 150 and with 1,000 users on SQLite (a fresh file), and with 1,000 users on
  PostgreSQL (DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test) in a schema of
  its own, dropped afterwards; skipped with a line saying why when no server answers.

Prints updates per second, the ratio to the ceiling and peak memory (max RSS) for each, and
the targets: 1,000 users on SQLite at >= 0.5 of the ceiling and within 15% of 150 users,
< 300 MB. Asserts nothing.

    .venv/bin/python benchmarks/bench_scoring.py [--users 1000] [--small 150] [--concurrency 50]
        [--pg-url URL | --no-pg] [--rounds 1]
    .venv/bin/python benchmarks/bench_scoring.py --scenario scoring --users 150 [--db URL]  # one figure
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
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler  # noqa: E402
from telegram.request import BaseRequest, RequestData  # noqa: E402

FAKE_TOKEN = "123456789:AAfakeTokenForTheBenchmark_0123456789"  # not a real token
BOT = {"id": 123456789, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
FIRST_USER = 10_000
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


class OfflineBotAPI(BaseRequest):
    """Answers Bot API calls in memory and keeps each chat's last keyboard."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.last_keyboard: dict[int, list[str]] = {}
        self.sent = 0
        self.calls = 0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_: Any) -> tuple[int, bytes]:
        self.calls += 1
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
            else:
                self.last_keyboard.pop(chat_id, None)
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


async def drive(app: Application, request: OfflineBotAPI, users: int, concurrency: int) -> tuple[int, float, float]:
    """Every user sends /score, then presses the first level button until none is offered.

    Returns (updates processed, seconds, CPU seconds of the whole process: every thread)."""
    update_ids = itertools.count(1)
    processed = 0

    async def one_user(user_id: int) -> None:
        nonlocal processed
        await app.process_update(Update.de_json(message_update(next(update_ids), user_id, "/score"), app.bot))
        processed += 1
        while True:
            levels = [d for d in request.last_keyboard.get(user_id, []) if ":l:" in d]
            if not levels:
                break
            await app.process_update(Update.de_json(press_update(next(update_ids), user_id, levels[0]), app.bot))
            processed += 1

    gate = asyncio.Semaphore(concurrency)

    async def gated(user_id: int) -> None:
        async with gate:
            await one_user(user_id)

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(gated(FIRST_USER + i) for i in range(users)))
    return processed, time.perf_counter() - start, time.process_time() - cpu


# --- the ceiling: a bare Application -------------------------------------------------------

# What a question looks like to the framework: about as long, with three level buttons in a row
# and three navigation buttons under them (callback data of the same shape and length).
BARE_TEXT = "<i>测试单位0001 · 党委表 · 已完成 3/27 项 · 当前得分 12.5 分</i>\n" + "<b>第4项 落实主体责任情况（5分）</b>\n" + "评分标准：" + "按要求召开专题会议研究部署督查检查工作，" * 4


def bare_application(db_path: str, criteria_per_user: dict[int, int]) -> tuple[Application, ThreadPoolExecutor]:
    """Per update: one row into SQLite on a worker thread, then one message with a keyboard."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    local: dict[str, sqlite3.Connection] = {}

    def write(user_id: int, n: int) -> None:
        conn = local.get("conn")
        if conn is None:
            conn = local["conn"] = sqlite3.connect(db_path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        with conn:  # one transaction, committed
            conn.execute("INSERT INTO answers (user_id, n, at) VALUES (?, ?, ?)", (user_id, n, time.time()))

    setup = sqlite3.connect(db_path)
    setup.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, n INTEGER NOT NULL, at REAL NOT NULL)")
    setup.commit()
    setup.close()

    async def answer(update: Update, context) -> None:
        user = update.effective_user
        message = update.effective_message
        assert user is not None and message is not None
        n = int(update.callback_query.data.split(":")[3]) + 1 if update.callback_query else 0
        await asyncio.get_running_loop().run_in_executor(executor, write, user.id, n)
        if n >= criteria_per_user[user.id]:
            await message.reply_text("已全部答完。", parse_mode=ParseMode.HTML)
            return
        levels = [InlineKeyboardButton(f"第{i + 1}档（{5 - i}分）", callback_data=f"d1:{user.id}:l:{n}:4:{i}:0:{user.id}") for i in range(3)]
        nav = [InlineKeyboardButton(label, callback_data=f"d1:{user.id}:n:{user.id}:{m}:4:{n}") for m, label in enumerate(("上一条", "跳过", "暂停"))]
        await message.reply_text(BARE_TEXT, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup([levels, nav]))

    app = ApplicationBuilder().token(FAKE_TOKEN).build()
    app.add_handler(CommandHandler("score", answer))
    app.add_handler(CallbackQueryHandler(answer))
    return app, executor


async def run_bare(users: int, concurrency: int, db_path: str) -> dict:
    from rubric_data.loader import load_rubric

    rubric = load_rubric()
    sizes = {key: sum(len(t.criteria) for t in rubric.tables[key].tasks) for key in ("party", "government")}
    # the same number of presses per user as scoring: party and government tables alternate
    per_user = {FIRST_USER + i: sizes["party" if i % 2 == 0 else "government"] for i in range(users)}
    request = OfflineBotAPI()
    app, executor = bare_application(db_path, per_user)
    app.bot._request = (request, request)  # the fake network, for both request kinds
    async with app:
        processed, elapsed, cpu = await drive(app, request, users, concurrency)
    executor.shutdown()
    rows = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    return {"updates": processed, "seconds": elapsed, "cpu": cpu, "sent": request.sent, "calls": request.calls, "rows": rows}


# --- the project ---------------------------------------------------------------------------


async def run_scoring(users: int, concurrency: int, db_url: str, schema: str | None) -> dict:
    from sqlmodel import text

    from bot.app import build_application
    from bot.common.config import TelegramSettings
    from bot.qa.engine import Engine
    from bot.scoring.selfcheck import SelfCheck
    from bot.storage.db import Database, make_engine, upgrade
    from bot.storage.models import Person
    from rubric_data.loader import load_rubric

    rubric = load_rubric()
    engine = Engine(rubric)
    db = Database(make_engine(db_url, schema=schema))
    upgrade(db.engine)
    service = SelfCheck(rubric)

    def seed(s) -> None:  # each simulated user is the office of a unit of its own
        now = dt.datetime.now(dt.timezone.utc)
        for i in range(users):
            role = "party" if i % 2 == 0 else "government"
            s.add(Person(user_id=FIRST_USER + i, name=f"用户{i}", unit=f"测试单位{i:04d}", role=role, bound_at=now))

    db.call(seed)
    request = OfflineBotAPI()
    app = build_application(TelegramSettings(token=FAKE_TOKEN), engine, db, service, tick_seconds=None)
    app.bot._request = (request, request)  # the fake network, for both request kinds
    async with app:
        processed, elapsed, cpu = await drive(app, request, users, concurrency)
    answers = db.call(lambda s: s.exec(text("SELECT COUNT(*) FROM answers")).one()[0])
    db.engine.dispose()
    return {"updates": processed, "seconds": elapsed, "cpu": cpu, "sent": request.sent, "calls": request.calls, "rows": answers}


def child(args: argparse.Namespace) -> None:
    """Measure one scenario in this process and print its figures as one JSON line."""
    with tempfile.TemporaryDirectory() as tmp:
        if args.scenario == "bare":
            figures = asyncio.run(run_bare(args.users, args.concurrency, f"{tmp}/bare.db"))
        else:
            url = args.db or f"sqlite:///{tmp}/bench.db"
            figures = asyncio.run(run_scoring(args.users, args.concurrency, url, args.schema))
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["rate"] = figures["updates"] / figures["seconds"]
    print("FIGURES " + json.dumps(figures))


# --- one run of everything -----------------------------------------------------------------


def measure(scenario: str, users: int, concurrency: int, db: str | None = None, schema: str | None = None) -> dict:
    command = [sys.executable, __file__, "--scenario", scenario, "--users", str(users), "--concurrency", str(concurrency)]
    if db:
        command += ["--db", db]
    if schema:
        command += ["--schema", schema]
    done = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("FIGURES ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{scenario} ({users} users) failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix("FIGURES "))


def postgres_schema(url: str) -> tuple[str, str] | str:
    """(normalised URL, a fresh schema) or why PostgreSQL cannot be used."""
    from sqlalchemy import create_engine, text

    from bot.storage.db import database_url

    url = database_url({"DATABASE_URL": url})
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(url, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return url, schema


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def line(label: str, f: dict, ceiling: float | None) -> str:
    ratio = f" = {f['rate'] / ceiling:.2f} × ceiling" if ceiling else ""
    return (
        f"{label:<34} {f['rate']:6.0f} updates/s{ratio}   ({f['updates']:,} updates in {f['seconds']:.1f} s, "
        f"{1000 * f['cpu'] / f['updates']:.2f} ms CPU per update, {f['calls']:,} API calls; peak {f['peak_mb']:.0f} MB)"
    )


def best(runs: list[dict]) -> dict:
    return max(runs, key=lambda f: f["rate"])


def parent(args: argparse.Namespace) -> None:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")), "")
    print(f"machine: {os.cpu_count()} cores {cpu} ({platform.machine()}), Python {platform.python_version()}")
    print(f"{args.concurrency} users at a time; each figure from a fresh process; best of {args.rounds} round(s)", flush=True)
    pg: tuple[str, str] | str | None = None
    if not args.no_pg:
        pg = postgres_schema(args.pg_url or os.environ.get("DATABASE_URL") or DEFAULT_PG)
    runs: dict[str, list[dict]] = {"bare": [], "small": [], "large": [], "pg": []}
    labels = {
        "bare": "bare Application",
        "small": f"self-scoring, {args.small:,} users, SQLite",
        "large": f"self-scoring, {args.users:,} users, SQLite",
        "pg": f"self-scoring, {args.users:,} users, PostgreSQL",
    }

    def run(kind: str, scenario: str, users: int, **db: str) -> None:
        runs[kind].append(measure(scenario, users, args.concurrency, **db))
        print("  measured: " + line(labels[kind], runs[kind][-1], None), flush=True)

    try:
        for _ in range(args.rounds):
            run("bare", "bare", args.users)
            run("small", "scoring", args.small)
            run("large", "scoring", args.users)
            run("bare", "bare", args.users)
            if isinstance(pg, tuple):
                run("pg", "scoring", args.users, db=pg[0], schema=pg[1])
                drop_schema(*pg)  # each round starts from an empty schema
                pg = postgres_schema(pg[0])
    finally:
        if isinstance(pg, tuple):
            drop_schema(*pg)
    ceiling = best(runs["bare"])
    c = ceiling["rate"]
    print()
    print(f"ceiling: the highest of {len(runs['bare'])} bare runs (" + ", ".join(f"{f['rate']:.0f}" for f in runs["bare"]) + " updates/s)")
    print(line(labels["bare"], ceiling, None))
    s, lg = best(runs["small"]), best(runs["large"])
    print(line(labels["small"], s, c))
    print(line(labels["large"], lg, c))
    if runs["pg"]:
        print(line(labels["pg"], best(runs["pg"]), c))
    elif isinstance(pg, str):
        print(f"self-scoring on PostgreSQL: skipped ({pg})")
    print(f"answers stored, {args.users:,} users: {lg['rows']:,}; updates per answer: {lg['updates'] / max(1, lg['rows']):.3f}")
    ratio, flat = lg["rate"] / c, lg["rate"] / s["rate"]
    peak = max(f["peak_mb"] for f in runs["small"] + runs["large"] + runs["pg"])
    print("targets:")
    print(f"  {args.users:,} users on SQLite >= 0.5 × ceiling: {ratio:.2f} × ({'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"  {args.users:,} users within 15% of {args.small:,} users: {flat:.2f} × ({'met' if flat >= 0.85 else 'NOT met'})")
    print(f"  peak memory < 300 MB: {peak:.0f} MB ({'met' if peak < 300 else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--small", type=int, default=150, help="users in the smaller SQLite run")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole series; each figure is the best")
    parser.add_argument("--pg-url", default=None, help=f"PostgreSQL URL (default: DATABASE_URL, else {DEFAULT_PG})")
    parser.add_argument("--no-pg", action="store_true", help="leave PostgreSQL out")
    parser.add_argument("--scenario", choices=("bare", "scoring"), help="measure one scenario only (one JSON line)")
    parser.add_argument("--db", default=None, help="with --scenario scoring: database URL (default: a fresh SQLite file)")
    parser.add_argument("--schema", default=None, help="with --db on PostgreSQL: the schema to use")
    args = parser.parse_args()
    if args.scenario:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
