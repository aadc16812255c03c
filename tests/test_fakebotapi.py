"""End-to-end tests driving a real python-telegram-bot Application against FakeBotAPI."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import os
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # pytest's default rootdir import mode already adds it
    sys.path.insert(0, _HERE)

from fakebotapi import DEFAULT_TOKEN, FakeBotAPI, text_entities  # noqa: E402

pytestmark = pytest.mark.asyncio

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(bot_username="ducha_test_bot") as server:
        yield server


@contextlib.asynccontextmanager
async def running_app(api: FakeBotAPI, handlers: Sequence[BaseHandler]) -> AsyncIterator[Application]:
    """Initialize, start and poll an Application against the fake; tear everything down."""
    app = api.application_builder().build()
    for handler in handlers:
        app.add_handler(handler)
    async with app:  # initialize() ... shutdown()
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt into PTB's future ``RetryAfter.retry_after: timedelta`` (else PTB 22 warns)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ---------------------------------------------------------------------- full bot flows


async def test_start_command_replies_in_the_right_chat(api: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.effective_message is not None
        await update.effective_message.reply_text(f"Hello, {update.effective_user.first_name}!")

    alice = api.user(1001, "Alice", username="alice")
    async with running_app(api, [CommandHandler("start", start)]) as app:
        assert app.bot.username == "ducha_test_bot"
        update = api.send_text(alice, "/start")
        [call] = await api.wait_for("sendMessage")

    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert call.ok and call.params["chat_id"] == alice.id
    [reply] = api.sent_messages(alice.id)
    assert reply["text"] == "Hello, Alice!"
    assert reply["chat"] == {"id": 1001, "type": "private", "username": "alice", "first_name": "Alice"}
    assert reply["from"]["id"] == api.bot_id and reply["from"]["is_bot"] is True
    assert api.delivered_count(alice.id) == 1
    methods = [method for method, _ in api.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"] and "getUpdates" in methods
    assert api.pending_updates() == []  # the updater confirmed the update via offset


async def test_group_command_addressed_to_the_bot(api: FakeBotAPI) -> None:
    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, f"pong {update.effective_chat.title}")

    bob = api.user(1002, "Bob")
    group = api.group_chat(-4001, "Ops")
    async with running_app(api, [CommandHandler("ping", ping)]):
        api.send_text(bob, "/ping@other_bot", chat=group)  # not for us: ignored
        api.send_text(bob, "/ping@ducha_test_bot", chat=group)
        await api.wait_for("sendMessage")
    assert [m["text"] for m in api.sent_messages(group.id)] == ["pong Ops"]


async def test_callback_button_reaches_handler_and_is_answered(api: FakeBotAPI) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Yes", callback_data="vote:yes"), InlineKeyboardButton("No", callback_data="vote:no")]]
        )
        assert update.effective_message is not None
        await update.effective_message.reply_text("Proceed?", reply_markup=keyboard)

    seen: list[str] = []

    async def on_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        seen.append(query.data)
        await query.answer("Noted")
        await query.edit_message_text(f"You chose {query.data.split(':')[1]}")

    carol = api.user(1003, "Carol")
    handlers = [CommandHandler("menu", menu), CallbackQueryHandler(on_vote, pattern=r"^vote:")]
    async with running_app(api, handlers):
        api.send_text(carol, "/menu")
        [sent] = await api.wait_for("sendMessage")
        assert sent.result["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "vote:no"
        with pytest.raises(ValueError):
            api.press_button(carol, sent.result, "vote:maybe")
        update = api.press_button(carol, sent.result, "vote:no")
        await api.wait_for("editMessageText")

    assert seen == ["vote:no"]
    [answer] = api.calls_of("answerCallbackQuery")
    assert answer["callback_query_id"] == update["callback_query"]["id"]
    assert answer["text"] == "Noted"
    assert api.callback_answer(update["callback_query"]["id"]) is not None
    [message] = api.sent_messages(carol.id)
    assert message["text"] == "You chose no" and "reply_markup" not in message and "edit_date" in message


async def test_document_roundtrip_upload_and_download(api: FakeBotAPI) -> None:
    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.document is not None
        tg_file = await message.document.get_file()
        data = bytes(await tg_file.download_as_bytearray())
        await message.reply_document(data[::-1], filename="reversed.bin", caption=f"{len(data)} bytes")
        await message.reply_photo(PNG_1x1, caption="a pixel")

    dave = api.user(1004, "Dave")
    async with running_app(api, [MessageHandler(filters.Document.ALL, on_document)]):
        api.send_document(dave, "input.txt", b"hello world", caption="please reverse")
        await api.wait_for("sendPhoto")

    assert len(api.downloads) == 1
    doc_upload, photo_upload = api.uploads
    assert (doc_upload.method, doc_upload.filename, doc_upload.size, doc_upload.data) == (
        "sendDocument", "reversed.bin", 11, b"dlrow olleh"
    )
    assert photo_upload.method == "sendPhoto" and photo_upload.data == PNG_1x1
    doc_msg, photo_msg = api.sent_messages(dave.id)
    assert doc_msg["document"]["file_name"] == "reversed.bin" and doc_msg["caption"] == "11 bytes"
    assert photo_msg["photo"][0]["width"] == 1 and photo_msg["caption"] == "a pixel"
    assert api.delivered_count(dave.id) == 2


# ---------------------------------------------------------------------- errors & faults


async def test_retry_after_surfaces_as_RetryAfter(api: FakeBotAPI, ptb_timedelta: None) -> None:
    chat_id = api.private_chat(api.user(2001, "Eve")).id
    api.fail_next("sendMessage", times=1, error=429, retry_after=3)
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        with pytest.raises(RetryAfter) as excinfo:
            await bot.send_message(chat_id, "first")
        assert retry_seconds(excinfo.value) == 3
        await bot.send_message(chat_id, "second")

    failed, succeeded = [c for c in api.calls if c.method == "sendMessage"]
    assert (failed.ok, failed.error_code, failed.description) == (False, 429, "Too Many Requests: retry after 3")
    assert succeeded.ok
    assert [m["text"] for m in api.sent_messages(chat_id)] == ["second"]
    assert api.delivered_count(chat_id) == 1


async def test_go_down_refuses_connections_until_it_comes_back(api: FakeBotAPI) -> None:
    import httpx

    chat_id = api.user(2003, "Gina").id
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url) as bot:
        await bot.send_message(chat_id, "before")  # a kept-alive connection exists now
        port = api.port
        await api.go_down()
        assert not api.running
        for _ in range(2):
            with pytest.raises(NetworkError) as excinfo:
                await bot.send_message(chat_id, "while down")
            assert isinstance(excinfo.value.__cause__, httpx.ConnectError)
        await api.come_back()
        assert api.running and api.port == port
        await bot.send_message(chat_id, "after")
    assert [m["text"] for m in api.sent_messages(chat_id)] == ["before", "after"]
    assert len(api.calls_of("sendMessage")) == 2  # the refused ones never arrived


async def test_blocked_chat_raises_Forbidden(api: FakeBotAPI) -> None:
    chat_id = api.user(2002, "Frank").id
    api.block(chat_id)
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url) as bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(chat_id, "hi")
        api.unblock(chat_id)
        await bot.send_message(chat_id, "hi again")
    assert api.delivered_count(chat_id) == 1


async def test_wrong_token_makes_initialize_raise_InvalidToken(api: FakeBotAPI) -> None:
    app = api.application_builder(token="987654321:WrongTokenWrongTokenWrongToken1234").build()
    with pytest.raises(InvalidToken, match="rejected by the server"):
        await app.initialize()
    # initialize() opened the HTTP clients before failing, and app.shutdown() is a no-op for
    # an uninitialized Application, so close the bot's clients directly.
    await app.bot.shutdown()
    assert api.calls == []  # rejected requests are not recorded as calls


async def test_unknown_method_and_bad_requests(api: FakeBotAPI) -> None:
    chat_id = api.user(2003, "Gina").id
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("fooBar", api_kwargs={"x": 1})
        sent = await bot.send_message(chat_id, "same")
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text("same", chat_id=chat_id, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=chat_id, message_id=9999)
        api.fail_next("*", error=500)
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_chat_action(chat_id, "typing")
        await bot.send_chat_action(chat_id, "typing")
        assert await bot.set_my_commands([("start", "Start the bot"), ("help", "Help")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()
        copied = await bot.copy_message(chat_id, chat_id, sent.message_id)
    assert api.message(copied.message_id)["text"] == "same"  # type: ignore[index]
    assert api.calls_of("fooBar") == [{"x": 1}]


async def test_random_faults_are_seeded_and_counted(api: FakeBotAPI, ptb_timedelta: None) -> None:
    chat_id = api.user(2004, "Hal").id
    api.faults("sendMessage", rate_429=0.3, rate_500=0.2, retry_after=2, seed=7)
    outcomes: list[str] = []
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url) as bot:
        for i in range(30):
            try:
                await bot.send_message(chat_id, f"m{i}")
                outcomes.append("ok")
            except RetryAfter as exc:
                assert retry_seconds(exc) == 2
                outcomes.append("429")
            except NetworkError:
                outcomes.append("500")
    assert {"ok", "429", "500"} <= set(outcomes)
    assert api.delivered_count(chat_id) == outcomes.count("ok") == len(api.sent_messages(chat_id))


async def test_delay_triggers_client_timeout(api: FakeBotAPI) -> None:
    chat_id = api.user(2005, "Ivy").id
    api.delay("sendMessage", 0.5, times=1)
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id, "slow", read_timeout=0.1)
        # The server still processes the held request, like Telegram can.
        await api.wait_for("sendMessage")
        await bot.send_message(chat_id, "fast", read_timeout=1)
    assert [m["text"] for m in api.sent_messages(chat_id)] == ["slow", "fast"]


# ---------------------------------------------------------------------- raw protocol


async def test_get_updates_long_polls_and_honours_offset(api: FakeBotAPI) -> None:
    user = api.user(3001, "Jo")
    url = f"{api.base_url}{api.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        poll = asyncio.create_task(session.post(url, json={"timeout": 5}))
        await api.wait_for("getUpdates", pending=True)  # the request is now parked server-side
        first = api.send_text(user, "hi 👋 @someone /help")
        async with await poll as resp:
            body = await resp.json()
        assert loop.time() - started < 2
        assert [u["update_id"] for u in body["result"]] == [first["update_id"]]
        second = api.send_text(user, "again")
        async with session.get(url, params={"offset": str(first["update_id"] + 1)}) as resp:
            body = await resp.json()
        assert [u["update_id"] for u in body["result"]] == [second["update_id"]]
        async with session.post(f"{api.base_url}{api.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        async with session.post(f"{api.base_url}123:nope/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert first["message"]["entities"] == [
        {"type": "mention", "offset": 6, "length": 8},  # "👋" is 2 UTF-16 units
        {"type": "bot_command", "offset": 15, "length": 5},
    ]


async def test_text_entities_utf16() -> None:
    assert text_entities("𝄞 /start@ducha_test_bot hi https://x.org/a, @abcde") == [
        {"type": "bot_command", "offset": 3, "length": 21},
        {"type": "url", "offset": 28, "length": 15},
        {"type": "mention", "offset": 45, "length": 6},
    ]
    assert text_entities("a/b @abc mail@example.com") == []


# ---------------------------------------------------------------------- threaded mode


async def test_threaded_server_with_sync_and_async_waits() -> None:
    handle = FakeBotAPI.run_in_thread(bot_username="ducha_test_bot")
    try:
        api = handle.api
        kim = api.user(4001, "Kim")

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_message is not None and update.effective_message.text is not None
            await update.effective_message.reply_text(update.effective_message.text.upper())

        async with running_app(api, [MessageHandler(filters.TEXT & ~filters.COMMAND, echo)]):
            api.send_text(kim, "shout")
            [call] = await api.wait_for("sendMessage")  # awaited from this loop, server on another
            assert call.result["text"] == "SHOUT"
            mark = api.mark()
            api.send_text(kim, "again")
            calls = await asyncio.to_thread(api.wait_for_sync, "sendMessage", 1, 5.0, since=mark)
            assert calls[0].result["text"] == "AGAIN"
    finally:
        handle.stop()
    assert not handle.thread.is_alive()


BOT_SUBPROCESS = """
import os
from telegram.ext import ApplicationBuilder, CommandHandler

async def start(update, context):
    await update.effective_message.reply_text("hello from a subprocess")

async def stop(update, context):
    await update.effective_message.reply_text("bye")
    context.application.stop_running()

app = (
    ApplicationBuilder()
    .token(os.environ["TG_TOKEN"])
    .base_url(os.environ["TG_BASE_URL"])
    .base_file_url(os.environ["TG_BASE_FILE_URL"])
    .build()
)
app.add_handler(CommandHandler("start", start))
app.add_handler(CommandHandler("stop", stop))
app.run_polling(poll_interval=0.0, timeout=1)
"""


async def test_bot_in_subprocess_against_threaded_server() -> None:
    with FakeBotAPI.run_in_thread() as handle:
        api = handle.api
        env = {
            **os.environ,
            "TG_TOKEN": handle.token,
            "TG_BASE_URL": handle.base_url,
            "TG_BASE_FILE_URL": handle.base_file_url,
        }
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", BOT_SUBPROCESS, env=env)
        try:
            lea = api.user(5001, "Lea")
            api.send_text(lea, "/start")
            await asyncio.to_thread(api.wait_for_sync, "sendMessage", 1, 10.0)
            api.send_text(lea, "/stop")
            await api.wait_for("sendMessage", count=2, timeout=5.0)
            assert await asyncio.wait_for(proc.wait(), 10.0) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert [m["text"] for m in api.sent_messages(lea.id)] == ["hello from a subprocess", "bye"]
