"""The last line of defence: log the error, tell the user something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.common import texts
from handlers.common import database_trouble

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any exception a handler raised and apologise to the user, if there is one. A
    database that is locked, too slow or away is said so: what they did was not saved."""
    error = context.error
    text = database_trouble(error)
    if text is not None:
        logger.warning("database unavailable: %s", getattr(error, "reason", type(error).__name__))
    else:
        logger.error("error while handling an update", exc_info=error)
        text = texts.INTERNAL_ERROR
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(text)
        except Exception:  # the reply itself may be what failed
            logger.debug("could not send the error notice", exc_info=True)
