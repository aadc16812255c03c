"""The real python-telegram-bot Application, polling a fake Bot API server on 127.0.0.1.

Drives the bot as a user would and reads what it sent back.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.common.callbacks import ShowTask, pack  # noqa: E402
from bot.common.config import telegram_settings  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.db import Database, make_engine, upgrade  # noqa: E402

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(bot_username="ducha_test_bot") as server:
        yield server


@contextlib.asynccontextmanager
async def running_bot(api: FakeBotAPI, engine, db=None, selfcheck=None):
    """The bot's Application polling the fake server (SQLite in a temp folder by default)."""
    settings = telegram_settings({"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE_URL": api.base_url})
    with tempfile.TemporaryDirectory() as tmp:
        db = db or Database(make_engine(f"sqlite:///{tmp}/bot.storage.db"))
        upgrade(db.engine)
        selfcheck = selfcheck or SelfCheck(engine.rubric)
        # no reminder job: tests drive the Dispatcher's tick with their own clock
        async with _polling(build_application(settings, engine, db, selfcheck, tick_seconds=None)) as app:
            yield app


@contextlib.asynccontextmanager
async def _polling(app):
    async with app:
        if app.post_init:  # run_polling calls it; starting by hand must too
            await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def replies(api: FakeBotAPI, since: int, count: int = 1) -> list[dict]:
    calls = await api.wait_for("sendMessage", count=count, since=since)
    return [c.params for c in calls]


async def test_start_question_topic_and_button(api, engine):
    user = api.user(1001, "王科长")
    async with running_bot(api, engine):
        # the command menu is registered
        commands = await api.wait_for("setMyCommands")
        names = [c["command"] for c in commands[0].params["commands"]]
        assert names == ["start", "task", "ask", "score", "review", "summary", "submit", "files", "help"]

        mark = api.mark()
        api.send_text(user, "/start")
        (welcome,) = await replies(api, mark)
        assert "督察工作助手" in welcome["text"] and welcome["parse_mode"] == "HTML"

        mark = api.mark()
        api.send_text(user, "党委第10项怎么得分")
        (card,) = await replies(api, mark)
        assert "<b>【党委表 第10项】党内法规宣传和中心组学习（3分）</b>" in card["text"]
        assert "未开展 0分" in card["text"]
        buttons = [b for row in card["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["text"] for b in buttons][:1] == ["完整内容"]

        mark = api.mark()
        api.send_text(user, "判决不执行怎么办")
        (topic,) = await replies(api, mark)
        assert "【政府表 第25项】" in topic["text"]

        # press "落实单位" on a card
        mark = api.mark()
        api.send_text(user, "/task 政府 9")
        (task,) = await replies(api, mark)
        message = api.sent_messages(user.id)[-1]
        units_button = next(
            b for row in task["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "落实单位"
        )
        mark = api.mark()
        query = api.press_button(user, message, units_button["callback_data"])
        (units,) = await replies(api, mark)
        assert "落实单位：</b>县（区）政府办、县（区）司法局" in units["text"]
        answered = await api.wait_for("answerCallbackQuery", since=mark)
        assert answered[0].params["callback_query_id"] == query["callback_query"]["id"]


async def test_forged_and_foreign_buttons_are_refused_with_a_notice(api, engine):
    user, other = api.user(1002, "李"), api.user(1003, "赵")
    async with running_bot(api, engine):
        mark = api.mark()
        api.send_text(user, "第3项")
        await replies(api, mark)
        message = api.sent_messages(user.id)[-1]
        # A modified client can send any callback data on a real message.
        for data in ("d1:-:t:p:999:a", "garbage", pack(ShowTask("party", 3), owner=other.id)):
            mark = api.mark()
            api.press_button(user, message, data, forged=True)
            (answer,) = await api.wait_for("answerCallbackQuery", since=mark)
            assert answer.params["show_alert"] is True
            assert "失效" in answer.params["text"] or "其他同事" in answer.params["text"]
        assert len(api.sent_messages(user.id)) == 1  # nothing was sent besides the first answer


async def test_group_chat_answers_only_when_addressed(api, engine):
    user = api.user(1004, "周")
    group = api.group_chat(-5001, "华龙区依法治区办")
    async with running_bot(api, engine):
        api.send_text(user, "大家好，下午开会", chat=group)
        mark = api.mark()
        api.send_text(user, "@ducha_test_bot 自查报告哪天交", chat=group)
        (answer,) = await replies(api, mark)
        assert answer["chat_id"] == group.id and "2020年8月10日前" in answer["text"]
        bot_message = api.sent_messages(group.id)[-1]
        mark = api.mark()
        api.send_text(user, "整改报告呢？截止哪天", chat=group, reply_to_message_id=bot_message["message_id"])
        (follow,) = await replies(api, mark)
        assert "2020年9月5日前" in follow["text"]
        mark = api.mark()
        api.send_text(user, "/task@ducha_test_bot 27", chat=group)
        (task,) = await replies(api, mark)
        assert "第27项" in task["text"]
        await api.wait_until_idle()
        texts = [m["text"] for m in api.sent_messages(group.id)]
        assert len(texts) == 3  # the small talk got no reply


@pytest.mark.parametrize(
    "text, expected",
    [
        ("/nosuchcommand", "我不认识这个命令"),
        ("第99项", "没有第99项"),
        ("<b>未闭合", "这个问题我暂时回答不了"),
        ("😀😀😀", "这个问题我暂时回答不了"),
        ("法律顾问" * 2500, "只阅读了前300个字"),
        ("/task", "请在 /task 后面写上任务编号"),
    ],
)
async def test_bad_input_gets_a_clear_reply(api, engine, text, expected):
    user = api.user(1005, "孙")
    async with running_bot(api, engine):
        mark = api.mark()
        api.send_text(user, text)
        (answer,) = await replies(api, mark)
        assert expected in answer["text"]
        assert len(answer["text"]) <= 4096


async def test_long_answers_are_split_under_the_limit(api, engine):
    user = api.user(1006, "钱")
    async with running_bot(api, engine):
        mark = api.mark()
        api.send_text(user, "县司法局负责哪些任务")
        (answer,) = await replies(api, mark)
        assert answer["text"].count("第") > 10


async def test_photo_from_an_unbound_user_is_refused_politely(api, engine):
    user = api.user(1007, "吴")
    async with running_bot(api, engine):
        mark = api.mark()
        api.send_photo(user, bytes.fromhex("89504e470d0a1a0a"), caption=None)
        (answer,) = await replies(api, mark)
        assert "需要先绑定单位" in answer["text"]


async def test_unhelpful_press_in_telegram_is_kept_for_coordinators(api, engine):
    """有帮助/没帮助 under a topic answer: the asker's press is a short notice on the button."""
    from sqlmodel import select

    from bot.qa import texts as qt
    from bot.storage.models import AskedQuestion

    user, other = api.user(1011, "周"), api.user(1012, "吴")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(make_engine(f"sqlite:///{tmp}/bot.db"))
        upgrade(db.engine)
        async with running_bot(api, engine, db=db):
            mark = api.mark()
            api.send_text(user, "执法记录仪看哪条")
            (topic,) = await replies(api, mark)
            message = api.sent_messages(user.id)[-1]
            row = topic["reply_markup"]["inline_keyboard"][-1]
            assert [b["text"] for b in row] == [qt.HELPFUL, qt.UNHELPFUL]
            mark = api.mark()
            api.press_button(other, message, row[1]["callback_data"], forged=True)  # not the asker's to press
            await api.wait_for("answerCallbackQuery", since=mark)
            mark = api.mark()
            api.press_button(user, message, row[1]["callback_data"])
            (notice,) = await api.wait_for("answerCallbackQuery", since=mark)
            assert notice.params.get("text") == qt.THANKS_UNHELPFUL
        rows = db.call(lambda s: [(r.text, r.status, r.role) for r in s.exec(select(AskedQuestion)).all()])
        assert rows == [("执法记录仪看哪条", "unhelpful", None)]
