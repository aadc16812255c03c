"""/start and /help: what the bot is for; `/start CODE` (from an invite link) binds the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.qa.commands import welcome
from handlers.common import acting_user, in_db, once, selfcheck
from handlers.render import deliver, reply

logger = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user opened the bot, asked for help, or followed an invite link."""
    message = update.effective_message
    user = acting_user(update)
    if message is None or user is None:
        return
    code = " ".join(context.args or []).strip()
    if code and message.chat.type == "private":
        outcome = await once(context, update, lambda s: selfcheck(context).bind(s, user, code))
        if outcome is not None:
            await deliver(context, message, outcome, user.id)
        return
    person = await in_db(context, lambda s: selfcheck(context).person(s, user))
    coordinator = person is not None and person.role == "coordinator"
    await reply(message, welcome(group=message.chat.type != "private", coordinator=coordinator))


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler(["start", "help"], start)]
