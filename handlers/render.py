"""Turning core results into Telegram messages: HTML chunks, inline keyboards, files."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.common.callbacks import pack
from bot.common.reply import Answer, Outcome
from bot.registry import is_open

logger = logging.getLogger(__name__)


def keyboard(answer: Answer, owner: int | None = None) -> InlineKeyboardMarkup | None:
    """The answer's buttons; with an owner, only that user's presses are accepted, except
    for buttons the registry opens to anyone (rubric navigation)."""
    if not answer.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=pack(b.action, None if is_open(b.action) else owner)) for b in row]
            for row in answer.buttons
        ]
    )


async def reply(message: Message, answer: Answer, owner: int | None = None) -> None:
    """Send the answer as one or more HTML messages, the buttons under the last one."""
    chunks = answer.doc.html_chunks()
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
    """Everything an action produced: replies here, notices to others, files, evidence."""
    if outcome.refused:
        logger.warning("refused user %s: %s", user_id, outcome.refused)
    for answer in outcome.replies:
        await reply(message, answer, owner=user_id)
    for f in outcome.files:
        await message.reply_document(InputFile(f.data, filename=f.name), caption=f.caption[:1024])
    for e in outcome.resend:
        caption = e.caption or e.file_name
        if e.kind == "photo":
            await message.reply_photo(e.file_id, caption=caption[:1024])
        else:
            await message.reply_document(e.file_id, caption=caption[:1024])
    for notice in outcome.notices:
        await send(context, notice.user_id, notice.answer, owner=notice.user_id)
