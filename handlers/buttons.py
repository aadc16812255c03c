"""Inline buttons: drill into a task's criteria, units or check method, or open a candidate.

Every press is answered. Data the bot did not make (stale, forged, corrupt) or a button
made for another user gets a short notice, and the attempt is logged.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot import texts
from bot.callbacks import InvalidCallback, unpack
from handlers.render import reply

logger = logging.getLogger(__name__)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user pressed one of our inline buttons."""
    query = update.callback_query
    if query is None:
        return
    user_id = query.from_user.id
    try:
        owner, action = unpack(query.data)
    except InvalidCallback as exc:
        logger.warning("refused callback from user %s: %s", user_id, exc)
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    if owner is not None and owner != user_id:
        logger.warning("refused callback from user %s: button belongs to %s", user_id, owner)
        await query.answer(texts.NOT_YOUR_BUTTON, show_alert=True)
        return
    try:
        await query.answer()
    except BadRequest as exc:  # a press older than Telegram keeps: still show what it asked for
        logger.info("could not answer callback query: %s", exc)
    if query.message is None or not hasattr(query.message, "reply_text"):
        return  # the message is too old for Telegram to hand back; nothing to reply to
    answer = context.application.bot_data["engine"].perform(action)
    await reply(query.message, answer)  # type: ignore[arg-type]


def build_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(press)]
