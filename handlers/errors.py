"""The last line of defence: log the error, tell the user something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.common import texts

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any exception a handler raised and apologise to the user, if there is one."""
    logger.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(texts.INTERNAL_ERROR)
        except Exception:  # the reply itself may be what failed
            logger.debug("could not send the error notice", exc_info=True)
