"""Inline buttons: each press dispatched through the registry (bot/registry.py).

Every press is answered. Data the bot did not make (stale, forged, corrupt) gets a short
notice and is logged; a button made for another user is refused and audited too. Scoring and
coordination actions are then authorised again by the presser's binding in the core.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot import registry
from bot.common import texts
from bot.common.callbacks import InvalidCallback, unpack
from bot.common.errors import Refusal
from bot.registry import Request
from handlers.common import acting_user, core, question, runner, transact
from handlers.render import deliver, markup

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
    if owner is not None and owner != user.id:  # another user's button, or forged: audited
        no = Refusal(texts.NOT_YOUR_BUTTON, f"user {user.id} pressed a button made for {owner}: {type(action).__name__}")
        await runner(context).refuse_async(user, no, update.update_id)
        await query.answer(texts.NOT_YOUR_BUTTON, show_alert=True)
        return
    entry = registry.button(action)
    if entry is None:  # made by a feature no shell runs yet
        logger.warning("refused callback from user %s: no registered action for %r", user.id, action)
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    c, request = core(context), Request(user)
    if entry.toast:
        # e.g. 收到: a short notice on the button, nothing posted in the chat
        outcome = await transact(context, update, entry.tx, lambda s: registry.press(entry, c, s, request, action))
        await query.answer(outcome.replies[0].text if outcome and outcome.replies else texts.BC_ACK_ALREADY)
        if outcome is not None and outcome.pressed_buttons is not None and query.message is not None:
            try:  # e.g. 收到 becomes “✅ 已确认收到（时间）”
                await query.edit_message_reply_markup(reply_markup=markup(outcome.pressed_buttons, user.id))
            except BadRequest as exc:  # already shown so, or a message too old to edit
                logger.info("could not update the pressed message's buttons: %s", exc)
        return
    try:
        await query.answer()
    except BadRequest as exc:  # a press older than Telegram keeps: still show what it asked for
        logger.info("could not answer callback query: %s", exc)
    message = query.message
    if message is None or not hasattr(message, "reply_text"):
        return  # the message is too old for Telegram to hand back; nothing to reply to
    run = lambda s: registry.press(entry, c, s, request, action)  # noqa: E731
    if entry.offline(request):  # rubric navigation: answered without the database if it is slow
        outcome = await question(context, update, entry.tx, run, lambda: run(None))
    else:
        outcome = await transact(context, update, entry.tx, run)
    if outcome is not None:
        await deliver(context, message, outcome, user.id)  # type: ignore[arg-type]


def build_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(press)]
