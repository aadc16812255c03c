"""Every command, one CommandHandler each, built from the registry (bot/registry.py).

Who may use a command, whether it is for private chats, how its arguments are read and
which core call it makes are all declared there; this module only turns a Telegram message
into a Request and the Outcome back into messages. The terminal is built from the same table.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot import registry
from bot.registry import Command, Request
from handlers.common import acting_user, core, question, transact
from handlers.render import deliver

logger = logging.getLogger(__name__)


# Telegram's own formatting (message entities) that a notice keeps, as HTML
FORMATTING = frozenset(
    {"bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "text_link", "blockquote", "expandable_blockquote"}
)


def formatted_args(message) -> str | None:
    """The text after the command as Telegram HTML, when the user applied formatting with
    Telegram's own bold, italic … (entities); None otherwise (then typed HTML tags stand)."""
    entities = message.caption_entities if message.text is None else message.entities
    if not any(e.type in FORMATTING for e in entities or ()):
        return None
    rendered = message.caption_html if message.text is None else message.text_html
    return rendered.partition(" ")[2]


def handler_for(entry: Command) -> CommandHandler:
    async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The user sent /NAME (args)."""
        message = update.effective_message
        user = acting_user(update)
        if message is None or user is None or not message.text:
            return
        request = Request(
            user, message.text.partition(" ")[2], group=message.chat.type != "private", formatted=formatted_args(message)
        )
        c = core(context)
        run = lambda s: registry.run_command(entry, c, s, request)  # noqa: E731
        if entry.offline(request):  # a question: answered without the database if it is slow
            outcome = await question(context, update, entry.tx, run, lambda: run(None))
        else:
            outcome = await transact(context, update, entry.tx, run)
        if outcome is not None:  # None: redelivered after a crash, already handled
            await deliver(context, message, outcome, user.id)

    command.__name__ = f"command_{entry.name}"
    return CommandHandler(list(entry.names), command)


def build_handlers() -> list[BaseHandler]:
    return [handler_for(entry) for entry in registry.COMMANDS]
