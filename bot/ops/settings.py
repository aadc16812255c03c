"""Operator settings beyond the token: the data folder, webhook mode and its secret token."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bot.common import texts
from bot.common.config import ConfigError
from bot.common.logs import register_secret

SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token
SECRET_FILE = "webhook-secret"


def data_dir(env: dict[str, str] | None = None) -> Path:
    """DUCHA_DATA_DIR (default ./data): the SQLite file, the webhook secret, exported files."""
    env = dict(os.environ) if env is None else env
    return Path((env.get("DUCHA_DATA_DIR") or "").strip() or "data")


@dataclass(frozen=True)
class WebhookSettings:
    url: str  # the public https URL Telegram posts to (the reverse proxy's)
    path: str  # the path the local server answers on
    listen: str
    port: int
    secret: str

    def __repr__(self) -> str:
        return f"WebhookSettings(url={self.url!r}, listen={self.listen!r}, port={self.port}, secret=<hidden>)"


def webhook_secret(folder: Path, env: dict[str, str] | None = None) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or the one kept in ``folder`` (made on first use, mode 0600)."""
    env = dict(os.environ) if env is None else env
    value = (env.get("TELEGRAM_WEBHOOK_SECRET") or "").strip()
    if value:
        if not SECRET_PATTERN.match(value):
            raise ConfigError(texts.OPS_BAD_WEBHOOK_SECRET)
        register_secret(value)
        return value
    path = folder / SECRET_FILE
    try:
        if path.is_file():
            value = path.read_text(encoding="ascii").strip()
        if not SECRET_PATTERN.match(value or ""):
            folder.mkdir(parents=True, exist_ok=True)
            value = secrets.token_urlsafe(32)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(value + "\n")
    except OSError as exc:
        raise ConfigError(texts.OPS_SECRET_UNWRITABLE.format(path=path, error=type(exc).__name__)) from None
    register_secret(value)
    return value


def webhook_settings(url: str, listen: str, port: int, env: dict[str, str] | None = None) -> WebhookSettings:
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise ConfigError(texts.OPS_BAD_WEBHOOK_URL.format(url=url[:100]))
    if not 0 < port < 65536:
        raise ConfigError(texts.OPS_BAD_PORT.format(port=port))
    return WebhookSettings(url, parsed.path.strip("/"), listen, port, webhook_secret(data_dir(env), env))
