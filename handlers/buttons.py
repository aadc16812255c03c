"""Inline buttons: rubric navigation (open to anyone) and self-scoring (the owner only).

Every press is answered. Data the bot did not make (stale, forged, corrupt) or a button
made for another user gets a short notice, and the attempt is logged. Scoring actions are
then authorised again by the presser's binding in bot/selfcheck.py.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.common import texts
from bot.common.callbacks import (
    AssessmentOp,
    CoordOp,
    InvalidCallback,
    Navigate,
    PickLevel,
    unpack,
)
from handlers.common import acting_user, engine, once, selfcheck
from handlers.render import deliver, reply

logger = logging.getLogger(__name__)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user pressed one of our inline buttons."""
    query = update.callback_query
    user = acting_user(update)
    if query is None or user is None:
        return
    try:
        owner, action = unpack(query.data)
    except InvalidCallback as exc:
        logger.warning("refused callback from user %s: %s", user.id, exc)
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    if owner is not None and owner != user.id:
        logger.warning("refused callback from user %s: button belongs to %s", user.id, owner)
        await query.answer(texts.NOT_YOUR_BUTTON, show_alert=True)
        return
    if isinstance(action, CoordOp) and action.op == "ack":
        # 收到: a short notice on the button, nothing posted in the chat
        notice = await once(context, update, lambda s: context.application.bot_data["coordination"].ack(s, user, action.id))
        await query.answer(notice or texts.BC_ACK_ALREADY)
        return
    try:
        await query.answer()
    except BadRequest as exc:  # a press older than Telegram keeps: still show what it asked for
        logger.info("could not answer callback query: %s", exc)
    message = query.message
    if message is None or not hasattr(message, "reply_text"):
        return  # the message is too old for Telegram to hand back; nothing to reply to
    service = selfcheck(context)
    if isinstance(action, PickLevel):
        outcome = await once(context, update, lambda s: service.pick_level(s, user, action))
    elif isinstance(action, Navigate):
        outcome = await once(context, update, lambda s: service.navigate(s, user, action))
    elif isinstance(action, AssessmentOp):
        outcome = await once(context, update, lambda s: service.assessment_op(s, user, action))
    elif isinstance(action, CoordOp):
        coordination = context.application.bot_data["coordination"]
        outcome = await once(context, update, lambda s: coordination.op(s, user, action))
    else:
        await reply(message, engine(context).perform(action))  # type: ignore[arg-type]
        return
    if outcome is not None:
        await deliver(context, message, outcome, user.id)  # type: ignore[arg-type]


def build_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(press)]
