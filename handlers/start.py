"""/start and /help: what the bot is for, with examples and the command list."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.commands import welcome
from handlers.render import reply

logger = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user opened the bot or asked for help."""
    message = update.effective_message
    if message is None:
        return
    await reply(message, welcome(group=message.chat.type != "private"))


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler(["start", "help"], start)]
