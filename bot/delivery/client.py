"""A Telegram Bot client for sending outside the running Application (the command line's
`remind run-due` and `broadcast send`), so the shells themselves never import telegram."""

from __future__ import annotations

from telegram import Bot

from bot.common.config import TelegramSettings
from bot.delivery.connect import make_bot


def telegram_bot(settings: TelegramSettings) -> Bot:
    """A Bot for ``settings`` (a local Bot API server's URLs and the outgoing proxy when set)
    whose start-up check fails with one line, never with the token (bot.delivery.connect)."""
    return make_bot(settings)
