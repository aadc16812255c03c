"""A Telegram Bot client for sending outside the running Application (the command line's
`remind run-due` and `broadcast send`), so the shells themselves never import telegram."""

from __future__ import annotations

from telegram import Bot

from bot.common.config import TelegramSettings


def telegram_bot(settings: TelegramSettings) -> Bot:
    """A Bot for ``settings`` (a local Bot API server's URLs when set)."""
    if settings.base_url:
        return Bot(settings.token, base_url=settings.base_url, base_file_url=settings.base_file_url)
    return Bot(settings.token)
