"""Turning a core Answer into Telegram messages: HTML chunks and an inline keyboard."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode

from bot.callbacks import pack
from bot.engine import Answer


def keyboard(answer: Answer, owner: int | None = None) -> InlineKeyboardMarkup | None:
    if not answer.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=pack(b.action, owner)) for b in row] for row in answer.buttons]
    )


async def reply(message: Message, answer: Answer) -> None:
    """Send the answer as one or more HTML messages, the buttons under the last one."""
    chunks = answer.doc.html_chunks()
    markup = keyboard(answer)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await message.reply_text(
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,
            disable_web_page_preview=True,
            do_quote=i == 0 and message.chat.type != "private",
        )
