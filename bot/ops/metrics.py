"""Prometheus metrics of a running bot (prometheus-client), in a registry of its own.

Counted where things happen: updates and their handling time in the Application
(bot/app.py), handler errors in its error handler, ERROR log records by a logging handler;
the outbox (due broadcast copies) and the database are read when /metrics is scraped.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _ErrorLogCounter(logging.Handler):
    def __init__(self, counter: Counter) -> None:
        super().__init__(level=logging.ERROR)
        self.counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        self.counter.labels(logger=record.name.split(".")[0]).inc()


class _OutboxCollector:
    """Copies waiting to be sent, read from the database at scrape time (cached a few seconds)."""

    def __init__(self, read: Callable[[], dict[str, float]], ttl: float = 5.0) -> None:
        self.read, self.ttl = read, ttl
        self._at = 0.0
        self._values: dict[str, float] = {}

    def describe(self):
        return []

    def collect(self):
        now = time.monotonic()
        if now - self._at > self.ttl:
            try:
                self._values = self.read()
            except Exception:  # the database is down: /healthz says so; keep the last values
                logger.warning("could not read the outbox for /metrics", exc_info=True)
            self._at = now
        family = GaugeMetricFamily("ducha_due_sends", "Copies due to be sent now and not yet sent", labels=["kind"])
        for kind, value in sorted(self._values.items()):
            family.add_metric([kind], value)
        yield family


class Metrics:
    """Every metric of one bot process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("ducha_updates", "Telegram updates handled", ["kind"], registry=r)
        self.latency = Histogram(
            "ducha_answer_seconds", "Time from receiving an update to finishing its handling",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=r,
        )
        self.handler_errors = Counter("ducha_handler_errors", "Exceptions raised by update handlers", registry=r)
        self.log_errors = Counter("ducha_log_errors", "ERROR log records, by top-level logger", ["logger"], registry=r)
        self.telegram_ok = Gauge(
            "ducha_last_telegram_success_timestamp_seconds", "When a Bot API call last got an answer", registry=r
        )
        self.db_up = Gauge("ducha_database_up", "1 if the database answered the last health check", registry=r)
        self.started = Gauge("ducha_start_time_seconds", "When this process started", registry=r)
        self.started.set_to_current_time()
        self._log_handler = _ErrorLogCounter(self.log_errors)

    def attach_logging(self) -> None:
        root = logging.getLogger()
        if self._log_handler not in root.handlers:
            root.addHandler(self._log_handler)

    def detach_logging(self) -> None:
        logging.getLogger().removeHandler(self._log_handler)

    def watch_outbox(self, read: Callable[[], dict[str, float]]) -> None:
        self.registry.register(_OutboxCollector(read))

    def observe_update(self, kind: str, seconds: float) -> None:
        self.updates.labels(kind=kind).inc()
        self.latency.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def due_sends(db, clock: Callable[[], dt.datetime] | None = None) -> Callable[[], dict[str, float]]:
    """Reads the number of broadcast copies due and not yet sent (queued, or claimed and
    sending), from ``db``."""
    from sqlalchemy import func
    from sqlmodel import select

    from bot.storage.models import Broadcast, BroadcastRecipient

    clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))

    def read() -> dict[str, float]:
        def count(s) -> dict[str, float]:
            rows = s.exec(
                select(BroadcastRecipient.state, func.count())
                .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
                .where(Broadcast.send_at <= clock(), BroadcastRecipient.state.in_(("queued", "sending")))
                .group_by(BroadcastRecipient.state)
            ).all()
            values = {"queued": 0.0, "sending": 0.0}
            values.update({state: float(n) for state, n in rows})
            return values

        return db.call(count)

    return read
