"""Sending through Telegram: the only Telegram-facing code outside ``handlers/`` and ``bot.app``."""
