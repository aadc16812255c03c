"""Coordinators' commands: /campaign, /broadcast, /broadcasts, /progress; and /rectify,
which units use to report rectification done and coordinators to close or return items.

Every command checks the user's binding in the core; a refusal is logged and audited.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.common import texts
from bot.common.reply import Outcome, User, refusal
from bot.coordination.service import Coordination
from handlers.common import acting_user, once
from handlers.render import deliver

logger = logging.getLogger(__name__)


def coordination(context: ContextTypes.DEFAULT_TYPE) -> Coordination:
    return context.application.bot_data["coordination"]


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def campaign(s, c: Coordination, user: User, parts: list[str]) -> Outcome:
    """`/campaign` shows this round's calendar; `/campaign PHASE START END` sets a phase
    (`-` for no date)."""
    person = c.coordinator(s, user, "/campaign")
    if isinstance(person, Outcome):
        return person
    if not parts:
        return Outcome(replies=[c.calendar(s)]).say(texts.CAL_USAGE)
    if len(parts) != 3:
        return Outcome().say(texts.CAL_USAGE)
    dates = []
    for text in parts[1:]:
        day = None if text in ("-", "无") else parse_date(text)
        if day is None and text not in ("-", "无"):
            return refusal(texts.CAL_BAD_DATE.format(text=text), f"bad date {text!r}")
        dates.append(day)
    return c.set_phase(s, user, parts[0], dates[0], dates[1])


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/campaign, /broadcast, /broadcasts, /progress, /rectify."""
    message = update.effective_message
    user = acting_user(update)
    if message is None or user is None or not message.text:
        return
    name, _, args = message.text.partition(" ")
    name = name.lstrip("/").split("@", 1)[0].lower()
    c = coordination(context)

    def act(s) -> Outcome:
        if name == "campaign":
            return campaign(s, c, user, args.split())
        if name == "broadcast":
            return c.draft(s, user, args)
        if name == "broadcasts":
            return c.broadcasts(s, user)
        if name == "progress":
            return c.progress(s, user)
        return c.rectify(s, user)

    outcome = await once(context, update, act)
    if outcome is not None:
        await deliver(context, message, outcome, user.id)


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler(["campaign", "broadcast", "broadcasts", "progress", "rectify"], command)]
