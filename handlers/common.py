"""What every handler needs: the core from bot_data, the acting user, and a transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TypeVar

from sqlmodel import Session
from telegram import Update
from telegram.ext import ContextTypes

from bot.common.reply import User
from bot.registry import Core, Tx
from bot.storage.db import Database, insert_new
from bot.storage.models import ProcessedUpdate

T = TypeVar("T")
logger = logging.getLogger(__name__)


def core(context: ContextTypes.DEFAULT_TYPE) -> Core:
    return context.application.bot_data["core"]


def acting_user(update: Update) -> User | None:
    user = update.effective_user
    if user is None:
        return None
    return User(user.id, user.full_name or user.username or str(user.id))


async def in_db(context: ContextTypes.DEFAULT_TYPE, fn: Callable[[Session], T]) -> T:
    """Run core work in one transaction on a worker thread: the event loop never waits on SQL."""
    db: Database = context.application.bot_data["db"]
    return await db.run(fn)


class Duplicate(Exception):
    """This update was handled before a crash; Telegram delivered it again."""


async def once(context: ContextTypes.DEFAULT_TYPE, update: Update, fn: Callable[[Session], T]) -> T | None:
    """Run a state-changing action exactly once per Telegram update.

    The update id is recorded in the same transaction as the change, so an update that
    Telegram redelivers after a crash (its offset was never confirmed) changes nothing
    twice. Returns None for such a duplicate.
    """
    db: Database = context.application.bot_data["db"]

    def guarded(session: Session) -> T:
        if not insert_new(session, ProcessedUpdate, update_id=update.update_id, at=datetime.now(timezone.utc)):
            raise Duplicate
        return fn(session)

    try:
        return await db.run(guarded)
    except Duplicate:
        logger.info("update %s was already handled; ignoring the redelivery", update.update_id)
        return None


async def transact(
    context: ContextTypes.DEFAULT_TYPE, update: Update, tx: Tx, fn: Callable[[Session | None], T]
) -> T | None:
    """Run a registered command or button with the database work its entry declares."""
    if tx is Tx.none:
        return fn(None)
    if tx is Tx.read:
        return await in_db(context, fn)
    return await once(context, update, fn)
