"""`ducha run`: check Telegram, take the instance lease, then serve by long polling or by
webhook, optionally with /healthz and /metrics; give the lease back on the way out.

Every way this can fail before serving ends in ``TelegramUnavailable`` / ``ConfigError``
(one line for the operator) rather than a traceback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import TelegramError

from bot.app import build_application
from bot.common import texts
from bot.common.config import ConfigError, TelegramSettings
from bot.delivery.connect import LastContact, TelegramUnavailable, check_bot, describe
from bot.ops.settings import WebhookSettings
from bot.storage.db import Database
from bot.storage.lease import RENEW_SECONDS, InstanceLock, LeaseHeld

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5


@dataclass
class ServeOptions:
    webhook: WebhookSettings | None = None
    health_port: int | None = None
    health_host: str = "0.0.0.0"
    tick_seconds: float | None = 30


def lease_name(settings: TelegramSettings) -> str:
    """One lease per bot (the token's numeric bot id, never its secret part)."""
    return f"bot:{settings.token.split(':', 1)[0]}"


def take_lease(db: Database, settings: TelegramSettings, tz: dt.tzinfo | None = None) -> InstanceLock:
    lock = InstanceLock(db, lease_name(settings))
    try:
        lock.acquire()
    except LeaseHeld as exc:
        h = exc.holder
        local = (lambda t: t.astimezone(tz)) if tz else (lambda t: t)
        raise TelegramUnavailable(
            texts.OPS_INSTANCE_RUNNING.format(
                host=h.host, pid=h.pid, since=f"{local(h.acquired_at):%Y-%m-%d %H:%M:%S}", until=f"{local(h.expires_at):%H:%M:%S}"
            ),
            4,
        ) from None
    return lock


def serve(settings: TelegramSettings, engine, db: Database, selfcheck, options: ServeOptions, check: bool = True) -> int:
    """Run the bot until interrupted; an exit code. Raises ``ConfigError`` for one-line failures."""
    if check:
        asyncio.run(check_bot(settings))  # token, base URL and proxy, before anything is taken
    lock = take_lease(db, settings, getattr(selfcheck, "tz", None))
    health = None
    try:
        application = build_application(settings, engine, db, selfcheck, tick_seconds=options.tick_seconds)
        jobs = application.job_queue

        async def renew(context) -> None:
            try:
                held = await asyncio.get_running_loop().run_in_executor(db.executor, lock.renew)
            except Exception:  # the database is away: the lease lasts its lifetime meanwhile
                logger.warning("could not renew the instance lease", exc_info=True)
                return
            if not held:
                print(texts.OPS_LEASE_LOST, flush=True)
                context.application.stop_running()

        jobs.run_repeating(renew, interval=RENEW_SECONDS, first=RENEW_SECONDS, name="instance-lease")
        if options.health_port is not None:
            health = _start_health(application, db, options)
        _run(application, options)
    except OSError as exc:
        port = options.webhook.port if options.webhook else options.health_port
        raise ConfigError(texts.OPS_PORT_IN_USE.format(port=port, error=type(exc).__name__)) from None
    except TelegramError as exc:
        problem = describe(exc, settings)
        raise (problem or exc) from None
    finally:
        if health is not None:
            health.stop()
            health.state.metrics.detach_logging()
        try:
            lock.release()
        except Exception:  # the database may be what failed
            logger.warning("could not release the instance lease; it expires by itself", exc_info=True)
    return 0


def _start_health(application, db: Database, options: ServeOptions):
    from bot.ops.health import HealthServer, HealthState
    from bot.ops.metrics import Metrics, due_sends

    metrics = Metrics()
    metrics.watch_outbox(due_sends(db))
    metrics.attach_logging()
    application.metrics = metrics
    state = HealthState(db, metrics, lambda: LastContact.at)

    async def beat(_context) -> None:
        state.beat()

    application.job_queue.run_repeating(beat, interval=HEARTBEAT_SECONDS, first=0, name="heartbeat")
    server = HealthServer(state, options.health_port or 0, options.health_host).start()
    print(texts.OPS_HEALTH_ON.format(host=options.health_host, port=server.port), flush=True)
    return server


def _run(application, options: ServeOptions) -> None:
    webhook = options.webhook
    if webhook is None:
        print(texts.OPS_STARTED_POLLING, flush=True)
        application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
        return
    print(texts.OPS_STARTED_WEBHOOK.format(url=webhook.url, listen=webhook.listen, port=webhook.port), flush=True)
    application.run_webhook(
        listen=webhook.listen,
        port=webhook.port,
        url_path=webhook.path,
        webhook_url=webhook.url,
        secret_token=webhook.secret,
        allowed_updates=Update.ALL_TYPES,
        close_loop=False,
    )
