"""Logging for every process of the bot, with secrets redacted from every record.

The Telegram bot token is part of every Bot API URL, and libraries put URLs and tokens into
their messages and exceptions ("The token `…` was rejected by the server"). A filter on each
handler rewrites the message, its arguments and the formatted traceback of every record, so a
secret registered here never reaches a log line, whatever logger emitted it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback

REDACTED = "<redacted>"
_secrets: set[str] = set()
_lock = threading.Lock()
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def register_secret(value: str | None) -> None:
    """Never log ``value`` (nor its secret part after ':' for bot tokens) from now on."""
    if not value or len(value) < 6:
        return
    with _lock:
        _secrets.add(value)
        head, sep, tail = value.partition(":")
        if sep and head.isdigit() and len(tail) >= 16:
            _secrets.add(tail)  # the secret half of a bot token, in case it is printed alone


def register_secrets_from_env(env: dict[str, str] | None = None) -> None:
    env = dict(os.environ) if env is None else env
    for key in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"):
        register_secret((env.get(key) or "").strip())
    url = (env.get("DATABASE_URL") or "").strip()
    if "@" in url and "://" in url:
        credentials = url.split("://", 1)[1].rsplit("@", 1)[0]
        if ":" in credentials:
            register_secret(credentials.split(":", 1)[1])


def redact(text: str) -> str:
    """``text`` with every registered secret replaced (longest first)."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record so that no registered secret is left in it; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what we can
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(text)
            record.exc_info = None  # the formatter uses exc_text; the raw exception may hold secrets
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _ExcTextFormatter(logging.Formatter):
    """A formatter that prints the redacted traceback a filter left in ``exc_text``."""

    def __init__(self, fmt: str, brief: bool) -> None:
        super().__init__(fmt)
        self.brief = brief

    def format(self, record: logging.LogRecord) -> str:
        if self.brief:  # one line per record: tracebacks only with DUCHA_DEBUG
            saved, record.exc_text = record.exc_text, None
            try:
                return super().format(record)
            finally:
                record.exc_text = saved
        return super().format(record)


def quiet_http_logs() -> None:
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def debug_enabled(env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    return (env.get("DUCHA_DEBUG") or "").strip().lower() in ("1", "true", "yes", "on")


def setup_logging(level: int = logging.INFO, *, brief: bool = False, stream=None) -> logging.Handler:
    """One stderr handler on the root logger with the redacting filter; replaces earlier ones
    made here. ``brief`` prints one line per record (for one-shot commands)."""
    register_secrets_from_env()
    quiet_http_logs()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_ducha", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._ducha = True  # type: ignore[attr-defined]
    handler.addFilter(RedactingFilter())
    handler.setFormatter(_ExcTextFormatter(FORMAT, brief=brief and not debug_enabled()))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug_enabled() else level)
    if not debug_enabled():  # migrations say what they do at INFO; the plugin set-up is noise
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Handlers that others attached (pytest's capture, a log file) get the filter too.
    for other in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in other.filters):
            other.addFilter(RedactingFilter())
    return handler
