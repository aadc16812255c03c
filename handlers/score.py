"""The self-scoring conversation in Telegram: /score, /review, /summary, /submit, /files,
/reopen, and documents or photos sent as evidence.

The conversation's state is in the database (bot/selfcheck.py), not in a ConversationHandler,
so a restart loses nothing; see score.mmd beside this file for its states.
"""

from __future__ import annotations

import logging

from telegram import Update
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
from handlers.common import acting_user, in_db, inputs, once, selfcheck
from handlers.render import deliver, reply

logger = logging.getLogger(__name__)


async def _private(update: Update) -> bool:
    message = update.effective_message
    if message is not None and message.chat.type != "private":
        await reply(message, Answer(Intent.help, Doc().add(texts.PRIVATE_ONLY)))
        return False
    return True


async def scoring_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/score, /review, /summary, /submit, /files, /reopen."""
    message = update.effective_message
    user = acting_user(update)
    if message is None or user is None or not message.text or not await _private(update):
        return
    name, _, args = message.text.partition(" ")
    name = name.lstrip("/").split("@", 1)[0].lower()
    service = selfcheck(context)
    actions = {
        "score": lambda s: service.start(s, user),
        "review": lambda s: service.review(s, user),
        "summary": lambda s: service.summary(s, user),
        "submit": lambda s: service.submit(s, user),
        "reopen": lambda s: service.reopen_by_name(s, user, args),
    }
    if name == "files":
        for kind in ("xlsx", "docx"):
            outcome = await in_db(context, lambda s, k=kind: service.files(s, user, k))
            await deliver(context, message, outcome, user.id)
            if outcome.refused:
                return
        return
    outcome = await once(context, update, actions[name])
    if outcome is not None:
        await deliver(context, message, outcome, user.id)


async def evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document or photo sent while on a criterion: keep it as that criterion's evidence."""
    message = update.effective_message
    user = acting_user(update)
    if message is None or user is None:
        return
    caption = message.caption or ""
    if caption.startswith("/broadcast") and message.document is not None:
        # a coordinator sends a file with its notice: /broadcast AUDIENCE TEXT as the caption
        args = caption.partition(" ")[2]
        d = message.document
        outcome = await once(
            context, update, lambda s: context.application.bot_data["coordination"].draft(s, user, args, d.file_id, d.file_name)
        )
        if outcome is not None:
            await deliver(context, message, outcome, user.id)
        return
    if message.document is not None:
        d = message.document
        kind, file_id, unique, name, size = "document", d.file_id, d.file_unique_id, d.file_name or "文件", d.file_size or 0
    elif message.photo:
        p = message.photo[-1]  # the largest size
        kind, file_id, unique, size = "photo", p.file_id, p.file_unique_id, p.file_size or 0
        name = f"照片-{message.message_id}.jpg"
    else:
        return
    outcome = await once(
        context, update, lambda s: inputs(context).evidence(s, user, kind, file_id, unique, name, size, message.caption)
    )
    if outcome is not None:
        await deliver(context, message, outcome, user.id)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler(["score", "review", "summary", "submit", "files", "reopen"], scoring_command),
        MessageHandler(filters.ChatType.PRIVATE & (filters.Document.ALL | filters.PHOTO), evidence),
    ]
