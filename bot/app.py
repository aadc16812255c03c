"""The Telegram wiring: build the python-telegram-bot Application around the core engine.

With ``handlers/`` and ``bot/delivery/``, the only code that imports telegram (checked by
tests/test_layering.py). Commands, buttons and the menu come from bot/registry.py.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder

from bot import registry
from bot.common import texts
from bot.common.config import TelegramSettings
from bot.coordination.service import Coordination
from bot.delivery.dispatch import Dispatcher
from bot.qa.engine import Engine
from bot.scoring.selfcheck import SelfCheck
from bot.storage.db import Database
from bot.registry import Core
from handlers import ask, buttons, commands, coordinate, errors, score
from handlers.render import quiet_prebuilt_sends

TICK_SECONDS = 30

logger = logging.getLogger(__name__)


async def _register_commands(application: Application) -> None:
    """Show the command menu in Telegram clients (setMyCommands), from the registry."""
    await application.bot.set_my_commands([BotCommand(name, about) for name, about in registry.menu()])


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
) -> Application:
    """An Application with every handler registered, in the order they must be tried.

    ``tick_seconds`` None leaves the reminder job out (tests drive Dispatcher.tick themselves).
    """
    builder = ApplicationBuilder().token(settings.token).post_init(_register_commands)
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    application = builder.build()
    quiet_prebuilt_sends()
    coordination = coordination or Coordination(selfcheck)
    dispatcher = Dispatcher(db, coordination)
    core = Core.of(engine, selfcheck, coordination)
    application.bot_data.update(engine=engine, db=db, selfcheck=selfcheck, coordination=coordination, dispatcher=dispatcher, core=core)
    # commands first; a file captioned /broadcast before evidence; plain text and the rest last
    for module in (commands, buttons, coordinate, score, ask):
        application.add_handlers(module.build_handlers())
    if tick_seconds and application.job_queue is not None:
        application.job_queue.run_repeating(_tick, interval=tick_seconds, first=5, name="dispatch")
    application.add_error_handler(errors.on_error)
    return application


def quiet_http_logs() -> None:
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def run_polling(settings: TelegramSettings, engine: Engine, db: Database, selfcheck: SelfCheck) -> int:
    """Run until interrupted; returns a process exit code, with one clear line on failure."""
    quiet_http_logs()
    application = build_application(settings, engine, db, selfcheck)
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        print(texts.CLI_REJECTED_TOKEN)
        return 2
    except NetworkError as exc:
        print(texts.CLI_NETWORK.format(error=type(exc).__name__))
        return 3
    return 0
