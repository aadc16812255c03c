"""What every handler needs: the core from bot_data, the acting user, and the runner that
runs the core call in its transaction (bot/actions.py: once per update, refusals answered
and audited there)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session
from telegram import Update
from telegram.ext import ContextTypes

from bot.actions import DatabaseUnavailable, Runner, Tx, database_trouble
from bot.common.reply import Outcome, User
from bot.registry import Core

logger = logging.getLogger(__name__)


def core(context: ContextTypes.DEFAULT_TYPE) -> Core:
    return context.application.bot_data["core"]


def runner(context: ContextTypes.DEFAULT_TYPE) -> Runner:
    return context.application.bot_data["runner"]


def acting_user(update: Update) -> User | None:
    user = update.effective_user
    if user is None:
        return None
    return User(user.id, user.full_name or user.username or str(user.id))


async def once(context: ContextTypes.DEFAULT_TYPE, update: Update, fn: Callable[[Session | None], Outcome]) -> Outcome | None:
    """Run a state-changing action exactly once per Telegram update.

    The update id is recorded in the same transaction as the change (or, when the action is
    refused, with its audit row), so an update that Telegram redelivers after a crash (its
    offset was never confirmed) changes nothing twice. Returns None for such a duplicate.
    """
    return await transact(context, update, Tx.once, fn)


async def transact(
    context: ContextTypes.DEFAULT_TYPE, update: Update, tx: Tx, fn: Callable[[Session | None], Outcome]
) -> Outcome | None:
    """Run a registered command or button with the database work its entry declares."""
    return await runner(context).run(acting_user(update), fn, tx, update.update_id)


# How long a question about the rubric waits for the database before it is answered without it
QUESTION_WAIT = 1.5


async def question(
    context: ContextTypes.DEFAULT_TYPE, update: Update, tx: Tx, fn: Callable[[Session | None], Outcome], offline: Callable[[], Outcome]
) -> Outcome | None:
    """A question anyone may ask: with the database when it answers within QUESTION_WAIT,
    otherwise (locked, slow, down) ``offline()``, answered without it. Typed text (Tx.once)
    is tried as a read first: it changes something only when a step waits for it."""
    try:
        return await runner(context).run(acting_user(update), fn, tx, update.update_id, wait=QUESTION_WAIT, read_first=True)
    except DatabaseUnavailable as exc:
        logger.warning("database unavailable (%s); answering update %s without it", exc.reason, update.update_id)
        return offline()


__all__ = ["QUESTION_WAIT", "acting_user", "core", "database_trouble", "once", "question", "runner", "transact"]
