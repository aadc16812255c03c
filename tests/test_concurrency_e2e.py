"""One slow thing must not stall everyone: the real Application against the fake Bot API.

* another process holds SQLite's write lock: /help and questions are answered while it is
  held, a level press says it was not saved once its bound has passed, and is saved after;
* 1,000 messages from one user while another asks: the other is answered first, the flood
  gets exactly one polite reply, and the first user's handled messages keep their order;
* the database is down: questions are answered, every change says it was not saved;
* the database stalls: questions are answered with this round's dates, kept in memory.

Everything waits on events (replies arriving, a chat released), never on the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import socket
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import event
from sqlalchemy.pool import Pool
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402
from test_telegram_e2e import _polling  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.common import texts  # noqa: E402
from bot.common.config import telegram_settings  # noqa: E402
from bot.common.throttle import FLOOD_LIMIT, Throttle  # noqa: E402
from bot.coordination.service import Coordination  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.db import Database, make_engine, upgrade  # noqa: E402
from bot.storage.models import CriterionAnswer, Person  # noqa: E402

pytestmark = pytest.mark.asyncio
NOW = dt.datetime(2020, 8, 3, 1, 0, tzinfo=dt.timezone.utc)
WELCOME = "督察工作助手"


@pytest_asyncio.fixture
async def api():
    async with FakeBotAPI(bot_username="ducha_test_bot") as server:
        yield server


@contextlib.asynccontextmanager
async def bot(api: FakeBotAPI, engine, db: Database, selfcheck: SelfCheck, throttle: Throttle | None = None):
    settings = telegram_settings({"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE_URL": api.base_url})
    app = build_application(settings, engine, db, selfcheck, tick_seconds=None, throttle=throttle)
    async with _polling(app):
        yield app


def sqlite_database(tmp_path, write_wait: float | None = None) -> tuple[Database, str]:
    path = str(tmp_path / "bot.db")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return (Database(engine) if write_wait is None else Database(engine, write_wait=write_wait)), path


def bind(db: Database, user_id: int, unit: str, role: str = "party") -> None:
    db.call(lambda s: s.add(Person(user_id=user_id, name=f"用户{user_id}", unit=unit, role=role, bound_at=NOW)))


def to(chat_id: int, containing: str | None = None):
    def match(call) -> bool:
        return (
            call.method == "sendMessage"
            and call.params.get("chat_id") == chat_id
            and (containing is None or containing in call.params.get("text", ""))
        )

    return match


def texts_to(api: FakeBotAPI, chat_id: int, since: int = 0) -> list[str]:
    return [c.params["text"] for c in api.calls[since:] if to(chat_id)(c) and c.ok]


def levels(message: dict) -> list[dict]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b for row in rows for b in row if ":l:" in b["callback_data"]]


class WriteLock:
    """Another process's connection holding SQLite's write lock until released."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    @property
    def held(self) -> bool:
        return self.connection.in_transaction

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


async def test_a_write_lock_held_elsewhere_stalls_no_question(api, engine, tmp_path):
    db, path = sqlite_database(tmp_path, write_wait=1.0)
    bind(db, 701, "清丰县")
    office, passer = api.user(701, "清丰县委办"), api.user(702, "路人")
    async with bot(api, engine, db, SelfCheck(engine.rubric)):
        mark = api.mark()
        api.send_text(office, "/score")
        await api.wait_for(lambda c: to(office.id)(c) and "reply_markup" in c.params, since=mark)
        question = api.sent_messages(office.id)[-1]
        first_level = levels(question)[0]["callback_data"]

        lock = WriteLock(path)
        try:
            mark = api.mark()
            api.press_button(office, question, first_level)  # a change: it waits for the lock
            api.send_text(passer, "/help")
            api.send_text(passer, "第10项怎么得分")  # read beside the writer
            api.send_text(passer, "执法记录仪看哪条")  # would be kept for learning: answered without it
            await api.wait_for(to(passer.id), count=4, since=mark, timeout=5)
            help_text, card, topic, note = texts_to(api, passer.id, mark)
            assert WELCOME in help_text
            assert "【党委表 第10项】" in card and "【政府表 第10项】" in card
            assert "执法" in topic and note == texts.DB_TEXT_MAYBE_NOT_SAVED  # it might have been an answer
            # the press: told it was not saved once its bound has passed, the lock still held
            await api.wait_for(to(office.id, texts.DB_NOT_SAVED), since=mark, timeout=5)
            assert lock.held
            assert db.call(lambda s: len(s.exec(select(CriterionAnswer)).all())) == 0
            assert texts_to(api, office.id, mark) == [texts.DB_NOT_SAVED]
        finally:
            lock.release()

        mark = api.mark()
        api.press_button(office, question, first_level)  # the same press, once the lock is gone
        await api.wait_for(lambda c: to(office.id)(c) and "reply_markup" in c.params, since=mark)
        assert texts_to(api, office.id, mark)[-1].startswith("已记录：")
        assert db.call(lambda s: len(s.exec(select(CriterionAnswer)).all())) == 1
        assert len(texts_to(api, passer.id)) == 4  # nothing more, nothing twice


async def test_one_users_flood_delays_nobody_else(api, engine, tmp_path):
    db, _ = sqlite_database(tmp_path)
    flooder, asker = api.user(801, "刷屏"), api.user(802, "提问")
    # the window never passes during the test: exactly one flood notice, whatever the machine
    async with bot(api, engine, db, SelfCheck(engine.rubric), throttle=Throttle(clock=lambda: 0.0)) as app:
        api.hold(flooder.id)  # the flooder's replies wait: whatever is answered first is not them
        mark = api.mark()
        try:
            for n in range(1, 1001):
                api.send_text(flooder, f"第{n}项")
            api.send_text(asker, "第10项怎么得分")
            await api.wait_for(to(asker.id), since=mark, timeout=10)
            assert texts_to(api, flooder.id, mark) == []  # none of the flood has been answered yet
        finally:
            api.release(flooder.id)
        await api.wait_for(to(flooder.id), count=FLOOD_LIMIT + 1, since=mark, timeout=10)
        await api.wait_until_idle()
        await asyncio.wait_for(app.update_queue.join(), 10)  # every fetched update handled
        got = texts_to(api, flooder.id, mark)
        notice = texts.FLOOD.format(seconds="10", limit=FLOOD_LIMIT)
        assert got.count(notice) == 1
        answers = [t for t in got if t != notice]
        assert len(answers) == FLOOD_LIMIT
        # the ones handled are the first twenty, answered in the order they were sent
        assert [int(re.search(r"第(\d+)项", t).group(1)) for t in answers] == list(range(1, FLOOD_LIMIT + 1))
        assert len(texts_to(api, asker.id, mark)) == 1


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


async def test_database_down_questions_answered_changes_not_saved(api, engine):
    db = Database(make_engine(f"postgresql://postgres@127.0.0.1:{closed_port()}/ducha"))
    user = api.user(901, "周")
    async with bot(api, engine, db, SelfCheck(engine.rubric)):
        maybe = texts.DB_TEXT_MAYBE_NOT_SAVED  # typed text may have been what a step waited for
        asked = {
            "/help": [WELCOME],
            "第10项怎么得分": ["【党委表 第10项】", maybe],
            "自查报告哪天交": ["2020年8月10日前", maybe],  # the notice's dates: nothing was ever read
            "/task 政府 9": ["【政府表 第9项】"],
            "/score": [texts.DB_NOT_SAVED],
            "/start 3f9a0c6d2b7e41a8": [texts.DB_NOT_SAVED],  # binding is a change
            "/summary": [texts.DB_NOT_SAVED],
            "今天天气怎么样": [texts.DB_NOT_SAVED],  # no question: not answered as one
        }
        for text, expected in asked.items():
            mark = api.mark()
            api.send_text(user, text)
            await api.wait_for(to(user.id), count=len(expected), since=mark, timeout=10)
            replies = texts_to(api, user.id, mark)
            assert len(replies) == len(expected) and all(e in r for e, r in zip(expected, replies)), (text, replies)
        # a button of the help answer that reads this round's calendar
        help_message = next(m for m in api.sent_messages(user.id) if WELCOME in m["text"])
        phases = next(b for row in help_message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "督察时间安排")
        mark = api.mark()
        api.press_button(user, help_message, phases["callback_data"])
        await api.wait_for(to(user.id), since=mark, timeout=10)
        (calendar,) = texts_to(api, user.id, mark)
        assert "自查阶段" in calendar
        await api.wait_until_idle()
        assert len(texts_to(api, user.id)) == sum(len(e) for e in asked.values()) + 1
    db.dispose()


class Stall:
    """Every database connection taken from a pool waits until released: a database that
    stopped answering (both the writer's and the readers' connections)."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.waiting = 0  # connections held up right now

    def __enter__(self) -> Stall:
        event.listen(Pool, "checkout", self._wait)
        return self

    def _wait(self, *_args) -> None:
        self.waiting += 1
        try:
            self.released.wait(60)
        finally:
            self.waiting -= 1

    def __exit__(self, *_exc) -> None:
        self.released.set()
        event.remove(Pool, "checkout", self._wait)


async def test_a_stalled_database_still_gives_this_rounds_dates(api, engine, tmp_path):
    db, _ = sqlite_database(tmp_path)
    selfcheck = SelfCheck(engine.rubric)
    db.call(lambda s: Coordination(selfcheck).set_phase(s, None, "self_check", dt.date(2026, 7, 1), dt.date(2026, 7, 10)))
    user = api.user(911, "吴")
    async with bot(api, engine, db, selfcheck):
        with Stall() as stall:
            for text, expected in (("自查报告哪天交", ["2026年7月10日前", texts.DB_TEXT_MAYBE_NOT_SAVED]), ("/help", [WELCOME])):
                mark = api.mark()
                api.send_text(user, text)
                await api.wait_for(to(user.id), count=len(expected), since=mark, timeout=5)
                assert stall.waiting > 0  # answered while the database still had not
                replies = texts_to(api, user.id, mark)
                assert len(replies) == len(expected) and all(e in r for e, r in zip(expected, replies)), (text, replies)
