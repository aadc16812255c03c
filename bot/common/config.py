"""Settings from the environment. Tokens come from here only and are never logged."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlparse

TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,80}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    base_url: str | None = None
    base_file_url: str | None = None
    proxy: str | None = None  # TELEGRAM_PROXY; without it httpx honours HTTPS_PROXY/HTTP_PROXY

    def __repr__(self) -> str:  # keeps the token out of logs and tracebacks
        return f"TelegramSettings(token=<hidden>, base_url={self.base_url!r}, proxy={'<set>' if self.proxy else None})"


def telegram_settings(env: dict[str, str] | None = None) -> TelegramSettings:
    """Read TELEGRAM_BOT_TOKEN and the optional TELEGRAM_API_BASE_URL."""
    from bot.common import texts

    env = dict(os.environ) if env is None else env
    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
    if not token:
        raise ConfigError(texts.CLI_NO_TOKEN)
    if not TOKEN_PATTERN.match(token):
        raise ConfigError(texts.CLI_BAD_TOKEN)
    base_url = (env.get("TELEGRAM_API_BASE_URL") or "").strip() or None
    base_file_url = None
    if base_url:
        parsed = urlparse(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(texts.CLI_BAD_BASE_URL)
        # python-telegram-bot appends the token to base_url; files live under /file/bot<token>.
        root = base_url[: -len("/bot")] if base_url.endswith("/bot") else base_url.rstrip("/")
        base_file_url = f"{root}/file/bot"
    proxy = (env.get("TELEGRAM_PROXY") or "").strip() or None
    if proxy:
        parsed = urlparse(proxy)
        if parsed.scheme not in ("http", "https", "socks5", "socks5h") or not parsed.netloc:
            raise ConfigError(texts.OPS_BAD_PROXY)
    return TelegramSettings(token=token, base_url=base_url, base_file_url=base_file_url, proxy=proxy)


def admin_ids(env: dict[str, str] | None = None) -> frozenset[int]:
    """DUCHA_ADMIN_IDS: comma-separated Telegram user ids of the first coordinators."""
    env = dict(os.environ) if env is None else env
    raw = env.get("DUCHA_ADMIN_IDS") or ""
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(f"DUCHA_ADMIN_IDS 中的“{part[:20]}”不是 Telegram 用户编号（应为数字，以逗号分隔）。")
        ids.add(int(part))
    return frozenset(ids)


def campaign_round(env: dict[str, str] | None = None) -> str | None:
    """DUCHA_ROUND names this campaign round (default: the notice's year)."""
    env = dict(os.environ) if env is None else env
    return (env.get("DUCHA_ROUND") or "").strip() or None
