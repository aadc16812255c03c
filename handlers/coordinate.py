"""Coordinators' commands: /campaign, /broadcast, /broadcasts, /progress; and /rectify,
which units use to report rectification done and coordinators to close or return items.

Every command checks the user's binding in the core; a refusal is logged and audited.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot import texts
from bot.coordination import Coordination
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


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/campaign, /broadcast, /broadcasts, /progress, /rectify."""
    message = update.effective_message
    user = acting_user(update)
    if message is None or user is None or not message.text:
        return
    name, _, args = message.text.partition(" ")
    name = name.lstrip("/").split("@", 1)[0].lower()
    c = coordination(context)

    def act(s):
        if name == "campaign":
            person = c.coordinator(s, user, "/campaign")
            if not hasattr(person, "role"):
                return person
            parts = args.split()
            if not parts:
                from bot.selfcheck import Outcome

                out = Outcome(replies=[c.calendar(s)])
                return out.say(texts.CAL_USAGE)
            if len(parts) != 3:
                from bot.selfcheck import Outcome

                return Outcome().say(texts.CAL_USAGE)
            start, end = (None if p in ("-", "无") else parse_date(p) for p in parts[1:])
            bad = [p for p, d in zip(parts[1:], (start, end)) if d is None and p not in ("-", "无")]
            if bad:
                from bot.selfcheck import refusal

                return refusal(texts.CAL_BAD_DATE.format(text=bad[0]), f"bad date {bad[0]}")
            return c.set_phase(s, user, parts[0], start, end)
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
