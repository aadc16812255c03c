"""Turning core results into Telegram messages: HTML chunks, inline keyboards, files.

Replies in a private chat (every scoring answer) skip python-telegram-bot's object layer:
the inline keyboard is written straight to the JSON the Bot API reads, and the message goes
out through ``Bot.do_api_request`` without parsing the Message it returns (nothing here reads
it). The request carries exactly the fields ``Message.reply_text`` would send there
(tests/test_render.py compares the two); anything else (groups, topics, business chats)
takes ``reply_text`` as before.
"""

from __future__ import annotations

import json
import logging
import warnings
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBUserWarning

from bot.common import texts
from bot.common.callbacks import pack
from bot.common.reply import Answer, Button, Outcome
from bot.registry import is_open

logger = logging.getLogger(__name__)

NO_PREVIEW = '{"is_disabled": true}'  # what disable_web_page_preview=True becomes on the wire
_SEND = "sendMessage"


def _data(button: Button, owner: int | None) -> str:
    """Callback data: bound to ``owner``, except for buttons the registry opens to anyone
    (rubric navigation)."""
    return pack(button.action, None if is_open(button.action) else owner)


def keyboard(answer: Answer, owner: int | None = None) -> InlineKeyboardMarkup | None:
    """The answer's buttons; with an owner, only that user's presses are accepted, except
    for buttons the registry opens to anyone (rubric navigation)."""
    if not answer.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=_data(b, owner)) for b in row] for row in answer.buttons])


def markup(buttons: list[list[Button]], owner: int | None = None) -> InlineKeyboardMarkup | None:
    """Buttons as a keyboard to put on a message already sent (None: no keyboard)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=_data(b, owner)) for b in row] for row in buttons])


def keyboard_json(answer: Answer, owner: int | None = None) -> str | None:
    """The same keyboard as :func:`keyboard`, as the JSON text python-telegram-bot would send."""
    if not answer.buttons:
        return None
    rows = [[{"callback_data": _data(b, owner), "text": b.label} for b in row] for row in answer.buttons]
    return json.dumps({"inline_keyboard": rows})


def quiet_prebuilt_sends() -> None:
    """do_api_request warns when asked for a method Bot also has (sendMessage): that is the point
    here, so that one warning is silenced (called when the Application is built)."""
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning)


def _plain_private(message: Message) -> bool:
    """A private chat, where reply_text sends nothing but the chat, the text and its options."""
    return (
        message.chat.type == "private"
        and not message.is_topic_message
        and message.business_connection_id is None
        and message.direct_messages_topic is None
    )


async def send_prebuilt(bot: Bot, chat_id: int, text: str, markup_json: str | None, no_preview: bool = True) -> Any:
    """sendMessage with HTML text and a prebuilt keyboard; returns the Bot API's raw result."""
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML.value}
    if no_preview:
        params["link_preview_options"] = NO_PREVIEW
    if markup_json is not None:
        params["reply_markup"] = markup_json
    return await bot.do_api_request(_SEND, api_kwargs=params)


async def reply(message: Message, answer: Answer, owner: int | None = None) -> None:
    """Send the answer as one or more HTML messages, the buttons under the last one."""
    chunks = answer.doc.html_chunks()
    if _plain_private(message):
        markup_json = keyboard_json(answer, owner)
        bot = message.get_bot()
        for i, chunk in enumerate(chunks):
            await send_prebuilt(bot, message.chat.id, chunk, markup_json if i == len(chunks) - 1 else None)
        return
    markup = keyboard(answer, owner)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await message.reply_text(
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,
            disable_web_page_preview=True,
            do_quote=i == 0 and message.chat.type != "private",
        )


async def send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, answer: Answer, owner: int | None = None) -> bool:
    """Send an answer to a chat the user is not writing in (notices); False if it failed."""
    try:
        chunks = answer.doc.html_chunks()
        markup = keyboard(answer, owner)
        for i, chunk in enumerate(chunks):
            await context.bot.send_message(
                chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup if i == len(chunks) - 1 else None
            )
        return True
    except Forbidden:
        logger.info("user %s has blocked the bot; notice not delivered", chat_id)
    except TelegramError as exc:
        logger.warning("notice to %s failed: %s", chat_id, exc)
    return False


async def deliver(context: ContextTypes.DEFAULT_TYPE, message: Message, outcome: Outcome, user_id: int) -> None:
    """Everything an action produced: replies here, files, evidence, then the prompt a detour
    comes back to (last, so the next typed line answers it), and notices to others."""
    for answer in outcome.replies:
        await reply(message, answer, owner=user_id)
    for f in outcome.files:
        await message.reply_document(InputFile(f.data, filename=f.name), caption=f.caption[:1024])
    for e in outcome.resend:
        caption = e.caption or e.file_name
        try:
            if e.kind == "photo":
                await message.reply_photo(e.file_id, caption=caption[:1024])
            else:
                await message.reply_document(e.file_id, caption=caption[:1024])
        except BadRequest as exc:  # a file id this bot cannot use (another token, a restored backup)
            logger.warning("evidence %s could not be sent again: %s", e.file_id, exc)
            await message.reply_text(texts.EVIDENCE_LOST.format(name=e.file_name))
    for answer in outcome.then:
        await reply(message, answer, owner=user_id)
    for notice in outcome.notices:
        await send(context, notice.user_id, notice.answer, owner=notice.user_id)
