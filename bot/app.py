"""The Telegram wiring: build the python-telegram-bot Application around the core engine.

With ``handlers/`` and ``bot/delivery/``, the only code that imports telegram (checked by
tests/test_layering.py). Commands, buttons and the menu come from bot/registry.py.
"""

from __future__ import annotations

import logging
import time

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder

from bot import registry
from bot.actions import Runner
from bot.common import texts
from bot.common.config import TelegramSettings
from bot.common.sanitize import clean_json, json_has_control
from bot.common.throttle import Throttle
from bot.coordination.service import Coordination
from bot.delivery import connect
from bot.delivery.dispatch import Dispatcher
from bot.qa.engine import Engine
from bot.scoring.selfcheck import SelfCheck
from bot.storage.db import Database, unavailable
from bot.registry import Core
from handlers import ask, buttons, commands, coordinate, errors, score
from handlers.render import quiet_prebuilt_sends
from handlers.updates import PerUserProcessor

TICK_SECONDS = 30

logger = logging.getLogger(__name__)


def kind_of(update: object) -> str:
    """What an update carries (message, callback_query …), for /metrics."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


class DuchaApplication(Application):
    """The Application, with two things done to every update before any handler sees it:
    text with control characters is cleaned (bot.common.sanitize: the input boundary), and its
    handling is counted and timed for /metrics.

    Polled updates are cleaned in their raw JSON as they arrive (bot.delivery.connect's
    getUpdates request), which costs a scan of the bytes; webhook updates reach the
    Application already built by python-telegram-bot, so with a webhook each is checked here
    (``check_updates``), which costs a walk over the whole update."""

    metrics = None  # bot.ops.metrics.Metrics when the health endpoint is on
    check_updates = False  # set by run_webhook

    def run_webhook(self, *args, **kwargs):  # type: ignore[override]
        self.check_updates = True
        return super().run_webhook(*args, **kwargs)

    async def process_update(self, update: object) -> None:
        if self.check_updates and isinstance(update, Update):
            data = update.to_dict()
            if json_has_control(data):
                update = Update.de_json(clean_json(data), self.bot)
        if self.metrics is None:
            await super().process_update(update)
            return
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            self.metrics.observe_update(kind_of(update), time.perf_counter() - started)


async def _count_error(update: object, context) -> None:
    metrics = getattr(context.application, "metrics", None)
    if metrics is not None:
        metrics.handler_errors.inc()


async def _register_commands(application: Application) -> None:
    """Show the command menu in Telegram clients (setMyCommands), from the registry."""
    await application.bot.set_my_commands([BotCommand(name, about) for name, about in registry.menu()])


async def _post_init(application: Application) -> None:
    """The command menu, and this round's calendar read into memory, so that questions about
    dates are answered with this round's dates even if the database is slow from the start."""
    await _register_commands(application)
    selfcheck: SelfCheck = application.bot_data["selfcheck"]
    try:
        await selfcheck.calendars.current(application.bot_data["db"])
    except Exception as exc:  # the database is away: answers use the notice's dates until it is back
        logger.warning("could not read this round's calendar at start (%s)", type(exc).__name__)


async def _flood_notice(update: Update, throttle: Throttle) -> None:
    """The one reply a user gets when they send more than the flood limit."""
    chat = update.effective_chat
    if chat is not None:
        text = texts.FLOOD.format(seconds=f"{throttle.window:g}", limit=throttle.limit)
        await update.get_bot().send_message(chat.id, text)


async def _tick(context) -> None:
    """Send what has fallen due (broadcasts, reminders, the digest)."""
    dispatcher: Dispatcher = context.application.bot_data["dispatcher"]
    await dispatcher.tick(context.bot)


def build_application(
    settings: TelegramSettings,
    engine: Engine,
    db: Database,
    selfcheck: SelfCheck,
    coordination: Coordination | None = None,
    tick_seconds: float | None = TICK_SECONDS,
    throttle: Throttle | None = None,
) -> Application:
    """An Application with every handler registered, in the order they must be tried.

    Updates of different users are handled at the same time, each user's in order, with a
    flood limit per user (handlers/updates.py; ``throttle`` to set it, or its clock, in tests).
    ``tick_seconds`` None leaves the reminder job out (tests drive Dispatcher.tick themselves).
    """
    builder = (
        ApplicationBuilder()
        .application_class(DuchaApplication)
        .token(settings.token)
        .request(connect.request(settings))
        .get_updates_request(connect.request(settings, long_poll=True))
        .post_init(_post_init)
        .concurrent_updates(PerUserProcessor(throttle, _flood_notice))
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    application = builder.build()
    quiet_prebuilt_sends()
    coordination = coordination or Coordination(selfcheck)
    dispatcher = Dispatcher(db, coordination)
    core = Core.of(engine, selfcheck, coordination)
    # coordinators DUCHA_ADMIN_IDS made and no longer lists lose the role now (and on every check)
    try:
        withdrawn = db.call(selfcheck.membership.drop_withdrawn)
    except Exception as exc:
        if not unavailable(exc):
            raise
        logger.warning("database unavailable at start (%s): withdrawn roles are dropped at their next check", type(exc).__name__)
        withdrawn = []
    if withdrawn:
        logger.warning("DUCHA_ADMIN_IDS no longer lists %s: their coordinator role is withdrawn", withdrawn)
    runner = Runner(db, selfcheck.clock)  # every handler's core call: once per update, refusals audited
    application.bot_data.update(
        engine=engine, db=db, selfcheck=selfcheck, coordination=coordination, dispatcher=dispatcher, core=core, runner=runner
    )
    # buttons first (a press is most updates, and only that handler takes one: it matches at
    # once), then commands; a file captioned /broadcast before evidence; plain text and the rest last
    for module in (buttons, commands, coordinate, score, ask):
        application.add_handlers(module.build_handlers())
    if tick_seconds and application.job_queue is not None:
        application.job_queue.run_repeating(_tick, interval=tick_seconds, first=5, name="dispatch")
    application.add_error_handler(errors.on_error)
    application.add_error_handler(_count_error)
    return application
