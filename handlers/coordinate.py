"""The coordinators' side in Telegram: a notice sent with a file.

Coordinators' commands (/campaign, /broadcast, /broadcasts, /progress, /rectify) are
registered in bot/registry.py and built by handlers/commands.py. A file whose caption is
`/broadcast AUDIENCE TEXT` runs the same registered /broadcast, with the file attached.
See coordinate.mmd beside this file for the states of items, notices and reminders.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot import registry
from bot.registry import Request
from handlers.commands import formatted_args
from handlers.common import acting_user, core, transact
from handlers.render import deliver
from handlers.score import attachment_of

logger = logging.getLogger(__name__)
BROADCAST = registry.command("broadcast")


async def notice_with_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A coordinator sends a document with `/broadcast AUDIENCE TEXT` as its caption."""
    message = update.effective_message
    user = acting_user(update)
    found = attachment_of(update)
    if message is None or user is None or found is None or BROADCAST is None:
        return
    request = Request(
        user, (message.caption or "").partition(" ")[2], group=message.chat.type != "private", attachment=found,
        formatted=formatted_args(message),
    )
    c = core(context)
    outcome = await transact(context, update, BROADCAST.tx, lambda s: registry.run_command(BROADCAST, c, s, request))
    if outcome is not None:
        await deliver(context, message, outcome, user.id)


def build_handlers() -> list[BaseHandler]:
    return [MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL & filters.CaptionRegex(r"^/broadcast"), notice_with_file)]
