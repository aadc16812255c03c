"""Questions about the rubric: /ask, /task, and plain text.

In private chats every text is a question. In groups (offices talk in groups) the bot only
answers messages that mention it or reply to it, and stays quiet otherwise.
"""

from __future__ import annotations

import logging

from telegram import Message, MessageEntity, Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.common import texts
from bot.common.reply import Answer, Intent
from bot.common.richtext import Doc
from bot.qa.commands import run_command
from handlers.common import acting_user, engine, in_db, inputs, once, selfcheck
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
    text: str | None = message.text
    user = acting_user(update)
    service = selfcheck(context)
    if message.chat.type != "private":
        text = addressed_text(message, context.bot.username, context.bot.id)
        if text is None:
            return
    elif user is not None:
        # In the middle of self-scoring, typed text is an answer (a rectification field, or
        # a level in words); otherwise it is a question.
        question, typed = text, inputs(context)
        result = await once(context, update, lambda s: (typed.text(s, user, question), service.table_hint(s, user)))
        if result is None:
            return  # redelivered after a crash: already handled
        outcome, hint = result
        if outcome is not None:
            await deliver(context, message, outcome, user.id)
            return
        answer = engine(context).answer(text, hint)
        if answer.intent is Intent.out_of_scope:
            logger.info("out of scope in chat %s: %r", message.chat.id, text[:80])
        await reply(message, answer)
        return
    answer = engine(context).answer(text)
    if answer.intent is Intent.out_of_scope:
        logger.info("out of scope in chat %s: %r", message.chat.id, (text or "")[:80])
    await reply(message, answer)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/task N or /ask QUESTION."""
    message = update.effective_message
    if message is None or not message.text:
        return
    name, _, args = message.text.partition(" ")
    user = acting_user(update)
    hint = await in_db(context, lambda s: selfcheck(context).table_hint(s, user)) if user else None
    await reply(message, run_command(engine(context), name, args, hint, group=message.chat.type != "private"))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have: say which ones it has."""
    message = update.effective_message
    if message is None or not message.text:
        return
    name = message.text.split()[0]
    if message.chat.type != "private" and not name.lower().endswith(f"@{context.bot.username}".lower()):
        return  # in a group, a bare unknown command is probably for another bot
    logger.info("unknown command %r from user %s", name[:40], update.effective_user and update.effective_user.id)
    await reply(message, Answer(Intent.help, Doc().add(texts.UNKNOWN_COMMAND)))


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo or voice message in a private chat: ask for text."""
    message = update.effective_message
    if message is not None:
        await reply(message, Answer(Intent.help, Doc().add(texts.NON_TEXT)))


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler(["task", "ask"], command),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, ask_text),
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.Document.ALL & ~filters.PHOTO,
            non_text,
        ),
    ]
