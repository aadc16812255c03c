"""Prometheus metrics of a running bot (prometheus-client), in a registry of its own.

Counted where things happen: updates and their handling time in the Application
(bot/app.py), handler errors in its error handler, ERROR log records by a logging handler;
the outbox (copies due now, and copies waiting to retry) and the database are read when
/metrics is scraped.
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


# The outbox's gauges, read at scrape time: name -> help.
OUTBOX_GAUGES = {
    "ducha_due_sends": "Copies due to be sent now and not yet sent",
    "ducha_retry_sends": "Copies Telegram could not be reached for, waiting for their next attempt",
}


class _OutboxCollector:
    """Copies waiting to be sent, read from the database at scrape time (cached a few seconds):
    ``read`` gives each gauge of :data:`OUTBOX_GAUGES` its values by ``kind``."""

    def __init__(self, read: Callable[[], dict[str, dict[str, float]]], ttl: float = 5.0) -> None:
        self.read, self.ttl = read, ttl
        self._at = 0.0
        self._values: dict[str, dict[str, float]] = {}

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
        for name, doc in OUTBOX_GAUGES.items():
            family = GaugeMetricFamily(name, doc, labels=["kind"])
            for kind, value in sorted(self._values.get(name, {}).items()):
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

    def watch_outbox(self, read: Callable[[], dict[str, dict[str, float]]]) -> None:
        self.registry.register(_OutboxCollector(read))

    def observe_update(self, kind: str, seconds: float) -> None:
        self.updates.labels(kind=kind).inc()
        self.latency.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def due_sends(db, clock: Callable[[], dt.datetime] | None = None) -> Callable[[], dict[str, dict[str, float]]]:
    """Reads from ``db`` the copies not yet sent:

    * ``ducha_due_sends``: due now, by kind: broadcast copies ``queued`` (their notice's time
      has come, and any retry time too) and ``sending`` (in flight); reminder copies
      ``reminder`` (queued and due, or in flight);
    * ``ducha_retry_sends``: copies Telegram could not be reached for, waiting for their next
      attempt (not due yet), by kind ``broadcast`` and ``reminder``.
    """
    from sqlalchemy import func, or_
    from sqlmodel import select

    from bot.storage.models import Broadcast, BroadcastRecipient, ReminderDelivery

    clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))

    def read() -> dict[str, dict[str, float]]:
        def count(s) -> dict[str, dict[str, float]]:
            now = clock()
            due = {"queued": 0.0, "sending": 0.0, "reminder": 0.0}
            waiting = {"broadcast": 0.0, "reminder": 0.0}
            outboxes = (
                ("broadcast", BroadcastRecipient, lambda q: q.join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id).where(Broadcast.send_at <= now)),
                ("reminder", ReminderDelivery, lambda q: q.where(ReminderDelivery.user_id != 0)),
            )
            for kind, model, scope in outboxes:
                in_time = or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now)
                query = select(model.state, func.count()).select_from(model).where(model.state.in_(("queued", "sending")), in_time).group_by(model.state)
                for state, n in s.exec(scope(query)).all():
                    due[state if kind == "broadcast" else kind] += n
                later = select(func.count()).select_from(model).where(model.state == "queued", model.next_attempt_at > now)
                waiting[kind] = float(s.exec(scope(later)).one())
            return {"ducha_due_sends": due, "ducha_retry_sends": waiting}

        return db.call(count)

    return read
