"""The self-scoring conversation in Telegram: documents and photos sent as evidence.

Its commands (/score, /review, /summary, /submit, /files, /reopen) are registered in
bot/registry.py and built by handlers/commands.py; its buttons by handlers/buttons.py.
The conversation's state is in the database (bot/scoring/), not in a ConversationHandler,
so a restart loses nothing; see score.mmd beside this file for its states.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot import registry
from bot.registry import Attachment, Request
from handlers.common import acting_user, core, once
from handlers.render import deliver

logger = logging.getLogger(__name__)


def attachment_of(update: Update) -> Attachment | None:
    """The document, or the largest size of the photo, the message carries."""
    message = update.effective_message
    if message is None:
        return None
    if message.document is not None:
        d = message.document
        return Attachment("document", d.file_id, d.file_unique_id, d.file_name or "文件", d.file_size or 0, message.caption)
    if message.photo:
        p = message.photo[-1]  # the largest size
        return Attachment("photo", p.file_id, p.file_unique_id, f"照片-{message.message_id}.jpg", p.file_size or 0, message.caption)
    return None


async def evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document or photo sent while on a criterion: keep it as that criterion's evidence."""
    message = update.effective_message
    user = acting_user(update)
    found = attachment_of(update)
    if message is None or user is None or found is None:
        return
    c, request = core(context), Request(user, attachment=found)
    outcome = await once(context, update, lambda s: registry.attachment(c, s, request))
    if outcome is not None:
        await deliver(context, message, outcome, user.id)


def build_handlers() -> list[BaseHandler]:
    return [MessageHandler(filters.ChatType.PRIVATE & (filters.Document.ALL | filters.PHOTO), evidence)]
