"""Reaching the Bot API: the Bot object (base URL, outgoing proxy), the start-up check, and
one Chinese line for every way reaching Telegram can fail.

python-telegram-bot puts the token into its exceptions ("The token `…` was rejected") and
logs tracebacks while it starts; here the start-up check runs with its loggers muted and the
errors are turned into ``TelegramUnavailable``, whose message is safe to print.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

from telegram import Bot
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.common import texts
from bot.common.config import ConfigError, TelegramSettings
from bot.common.logs import register_secret
from bot.common.sanitize import clean_json, json_has_control, raw_may_have_control

logger = logging.getLogger(__name__)


class TelegramUnavailable(ConfigError):
    """Telegram (or the configured Bot API server) cannot be used; ``str()`` is one line."""

    def __init__(self, message: str, code: int = 3) -> None:
        super().__init__(message)
        self.code = code


def describe(exc: BaseException, settings: TelegramSettings | None = None) -> TelegramUnavailable | None:
    """The operator's line for a Telegram error (never its message, which may hold the token)."""
    where = settings.base_url if settings and settings.base_url else None
    if isinstance(exc, InvalidToken):
        if where:
            return TelegramUnavailable(texts.OPS_REJECTED_TOKEN_AT.format(url=where), 2)
        return TelegramUnavailable(texts.CLI_REJECTED_TOKEN, 2)
    if isinstance(exc, Conflict):
        return TelegramUnavailable(texts.OPS_CONFLICT, 4)
    if isinstance(exc, Forbidden):
        return TelegramUnavailable(texts.OPS_FORBIDDEN, 2)
    if isinstance(exc, (NetworkError, TimedOut)):
        return TelegramUnavailable(texts.CLI_NETWORK.format(error=type(exc).__name__), 3)
    if isinstance(exc, TelegramError):
        return TelegramUnavailable(texts.OPS_BAD_SERVER.format(url=where or "api.telegram.org"), 3)
    return None


@contextlib.contextmanager
def muted(*names: str) -> Iterator[None]:
    """Silence these loggers for a moment (their errors are reported as one line instead)."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


class LastContact:
    """When a Bot API call last succeeded (for /healthz); a process-wide clock reading."""

    at: float | None = None

    @classmethod
    def touch(cls) -> None:
        cls.at = time.time()


class _Request(HTTPXRequest):
    """HTTPXRequest that notes every answered call (any HTTP status means Telegram is reachable)."""

    async def do_request(self, *args, **kwargs):
        result = await super().do_request(*args, **kwargs)
        LastContact.touch()
        return result


class _UpdatesRequest(_Request):
    """The long poll (getUpdates), where updates arrive: text with control characters is
    cleaned here, in the raw JSON, before python-telegram-bot builds a single object from it
    (bot.common.sanitize; webhook updates are cleaned by bot.app.DuchaApplication)."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict:
        data = HTTPXRequest.parse_json_payload(payload)
        if raw_may_have_control(payload) and json_has_control(data):
            return clean_json(data)
        return data


# Connections per Bot: the broadcast sender's workers (bot.delivery.sender.deliver, 16) each
# get one as soon as their copy is claimed, and replies to users still find one free.
POOL_SIZE = 24


def request(settings: TelegramSettings, *, long_poll: bool = False, pool: int = POOL_SIZE) -> HTTPXRequest:
    """A request object with the outgoing proxy (TELEGRAM_PROXY; else httpx reads HTTPS_PROXY)."""
    # python-telegram-bot's own timeouts (getUpdates adds its long-poll time to read_timeout)
    if long_poll:
        return _UpdatesRequest(connection_pool_size=1, proxy=settings.proxy)
    return _Request(connection_pool_size=pool, proxy=settings.proxy)


class DuchaBot(Bot):
    """A Bot whose start-up check (getMe) logs nothing and fails with one safe line."""

    def __init__(self, token: str, *, settings: TelegramSettings | None = None, **kwargs) -> None:
        super().__init__(token, **kwargs)
        with self._unfrozen():
            self.settings = settings

    async def initialize(self) -> None:
        try:
            with muted("telegram", "httpx", "httpcore"):
                await super().initialize()
        except TelegramError as exc:
            problem = describe(exc, self.settings)
            raise problem from None  # type: ignore[misc]


def make_bot(settings: TelegramSettings) -> DuchaBot:
    """A Bot for one-shot commands (`ducha remind run-due`, `ducha broadcast send`)."""
    register_secret(settings.token)
    kwargs: dict = {"request": request(settings), "get_updates_request": request(settings, long_poll=True)}
    if settings.base_url:
        kwargs.update(base_url=settings.base_url, base_file_url=settings.base_file_url)
    return DuchaBot(settings.token, settings=settings, **kwargs)


async def check_bot(settings: TelegramSettings) -> dict:
    """getMe through the configured server and proxy; the bot's user as a dict, or
    ``TelegramUnavailable``."""
    bot = make_bot(settings)
    try:
        async with bot:
            return bot.bot.to_dict()
    except TelegramUnavailable:
        raise
    except TelegramError as exc:  # raised on shutdown
        raise describe(exc, settings) from None  # type: ignore[misc]
