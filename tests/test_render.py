"""Replies sent with a prebuilt keyboard carry exactly what python-telegram-bot's reply_text sends."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from telegram import Bot, Message
from telegram.request import BaseRequest, RequestData

from bot.common.callbacks import PickLevel, ShowTask
from bot.common.reply import Answer, Button, Intent
from bot.common.richtext import Doc, Span
from handlers.render import keyboard, keyboard_json, quiet_prebuilt_sends, reply

TOKEN = "123456789:AAfakeTokenForRenderTests_0123456789"
BOT = {"id": 123456789, "is_bot": True, "first_name": "Render", "username": "render_bot"}


class Recording(BaseRequest):
    """Records each call's wire parameters (what the Bot API would receive)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_: Any) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.json_parameters if request_data else {}
        self.calls.append((name, params))
        result: Any = BOT
        if name == "sendMessage":
            chat = {"id": int(params["chat_id"]), "type": "private"}
            result = {"message_id": len(self.calls), "date": int(time.time()), "chat": chat, "from": BOT, "text": params["text"]}
        return 200, json.dumps({"ok": True, "result": result}).encode()


def answer(long: bool = False) -> Answer:
    doc = Doc().add(Span("进度 <1/3> & 继续", italic=True)).bold('第1项 "标题"')
    if long:
        for i in range(400):
            doc.add(f"第{i}行：落实主体责任，按要求召开专题会议研究部署")
    buttons = [
        [Button("完全落实 · 5分", PickLevel(7, 1, 0, 0, 0)), Button("部分落实 · 2.5分", PickLevel(7, 1, 0, 1, 3))],
        [Button("看第1项", ShowTask("party", 1))],
    ]
    return Answer(Intent.help, doc, buttons=buttons)


async def sent_by(bot: Bot, request: Recording, message: Message, how: str, a: Answer) -> list[tuple[str, dict[str, str]]]:
    request.calls.clear()
    if how == "prebuilt":
        await reply(message, a, owner=42)
        return list(request.calls)
    chunks = a.doc.html_chunks()
    for i, chunk in enumerate(chunks):  # the path every reply took before
        await message.reply_text(
            chunk,
            parse_mode="HTML",
            reply_markup=keyboard(a, 42) if i == len(chunks) - 1 else None,
            disable_web_page_preview=True,
            do_quote=i == 0 and message.chat.type != "private",
        )
    return list(request.calls)


def message(bot: Bot, chat_type: str) -> Message:
    chat_id = 42 if chat_type == "private" else -100
    data = {"message_id": 5, "date": int(time.time()), "chat": {"id": chat_id, "type": chat_type}, "text": "/score"}
    return Message.de_json(data, bot)


@pytest.mark.parametrize("long", [False, True])
async def test_private_reply_sends_what_reply_text_sends(long):
    quiet_prebuilt_sends()
    request = Recording()
    bot = Bot(TOKEN, request=request, get_updates_request=request)
    async with bot:
        m = message(bot, "private")
        expected = await sent_by(bot, request, m, "reply_text", answer(long))
        got = await sent_by(bot, request, m, "prebuilt", answer(long))
    assert len(got) == (3 if long else 1)  # split under Telegram's 4096 characters
    assert got == expected
    markup = json.loads(got[-1][1]["reply_markup"])
    assert markup["inline_keyboard"][0][1]["text"] == "部分落实 · 2.5分"
    assert markup["inline_keyboard"][0][1]["callback_data"].startswith("d1:42:")  # bound to its owner
    assert "reply_markup" not in got[0][1] or not long


async def test_group_reply_still_quotes_the_message():
    request = Recording()
    bot = Bot(TOKEN, request=request, get_updates_request=request)
    async with bot:
        m = message(bot, "group")
        request.calls.clear()
        await reply(m, answer(), owner=42)
    (name, params), = request.calls
    assert name == "sendMessage"
    assert json.loads(params["reply_parameters"])["message_id"] == 5


def test_keyboard_json_is_the_keyboard():
    a = answer()
    assert json.loads(keyboard_json(a, 42) or "") == keyboard(a, 42).to_dict()  # type: ignore[union-attr]
    assert keyboard_json(Answer(Intent.help, Doc().add("x")), 42) is None
