"""Plain text (questions, or what a scoring step waits for), unknown commands, and the rest.

In private chats every text is a question, unless the user is in a step that waits for
text (bot/registry.py's ``text``). In groups (offices talk in groups) the bot only
answers messages that mention it or reply to it, and stays quiet otherwise.
"""

from __future__ import annotations

import logging

from telegram import Message, MessageEntity, Update
from telegram.ext import (
    BaseHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import registry
from bot.common import texts
from bot.common.reply import Answer, Intent, User
from bot.common.richtext import Doc
from bot.registry import Request, Tx
from handlers.common import acting_user, core, question
from handlers.render import deliver, reply

logger = logging.getLogger(__name__)


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The question in a group message meant for the bot, without the @mention; else None."""
    text = message.text or ""
    mention = f"@{bot_username}".lower()
    mentioned = any(
        e.type == MessageEntity.MENTION and message.parse_entity(e).lower() == mention for e in message.entities
    )
    replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None and (
        message.reply_to_message.from_user.id == bot_id
    )
    if not (mentioned or replied):
        return None
    if mentioned:
        for e in message.entities:
            if e.type == MessageEntity.MENTION and message.parse_entity(e).lower() == mention:
                text = text.replace(message.parse_entity(e), " ")
    return text


async def ask_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user typed a question (privately, or to the bot in a group)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    user = acting_user(update)
    c = core(context)
    if message.chat.type != "private":
        text = addressed_text(message, context.bot.username, context.bot.id)
        if text is None:
            return
        # a question, answered without the database (and without the asker's table)
        request = Request(user or User(0, ""), text, group=True)
        await deliver(context, message, registry.text(c, None, request), request.user.id)
        return
    if user is None:
        return
    # In the middle of self-scoring, typed text is an answer (a rectification field, or a
    # level in words); otherwise it is a question.
    request = Request(user, message.text)
    outcome = await question(
        context, update, Tx.once, lambda s: registry.text(c, s, request), lambda: registry.text_offline(c, request)
    )
    if outcome is not None:  # None: redelivered after a crash, already handled
        await deliver(context, message, outcome, user.id)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have: say which ones it has."""
    message = update.effective_message
    if message is None or not message.text:
        return
    name = message.text.split()[0]
    if message.chat.type != "private" and not name.lower().endswith(f"@{context.bot.username}".lower()):
        return  # in a group, a bare unknown command is probably for another bot
    logger.info("unknown command %r from user %s", name[:40], update.effective_user and update.effective_user.id)
    await deliver(context, message, registry.unknown_command(), update.effective_user.id if update.effective_user else 0)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo or voice message in a private chat: ask for text."""
    message = update.effective_message
    if message is not None:
        await reply(message, Answer(Intent.help, Doc().add(texts.NON_TEXT)))


def build_handlers() -> list[BaseHandler]:
    return [
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, ask_text),
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.Document.ALL & ~filters.PHOTO,
            non_text,
        ),
    ]
