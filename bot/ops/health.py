"""`--health-port`: /healthz and /metrics over HTTP, from a thread of their own.

The server runs beside the bot's event loop, so a stuck loop cannot hide itself: the loop
beats a heartbeat every few seconds and /healthz reports it stale. /healthz answers 200 when
the process's loop beats and the database answers, 503 otherwise; the last successful Bot
API call is reported (in webhook mode a quiet bot makes no calls, so it is not a failure).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import text

from bot.ops.metrics import CONTENT_TYPE, Metrics

logger = logging.getLogger(__name__)
HEARTBEAT_STALE = 60.0


class HealthState:
    """What /healthz reads; the bot's loop calls ``beat()``."""

    def __init__(self, db, metrics: Metrics, last_telegram: Callable[[], float | None]) -> None:
        self.db, self.metrics, self.last_telegram = db, metrics, last_telegram
        self.started = time.time()
        self.heartbeat = time.time()
        self._db_checked = 0.0
        self._db_ok: tuple[bool, str | None] = (False, "not checked")
        self._lock = threading.Lock()

    def beat(self) -> None:
        self.heartbeat = time.time()

    def database(self) -> tuple[bool, str | None]:
        with self._lock:
            if time.monotonic() - self._db_checked < 2.0:
                return self._db_ok
            try:
                with self.db.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                self._db_ok = (True, None)
            except Exception as exc:  # reported, never raised: this is the health check
                self._db_ok = (False, type(exc).__name__)
            self._db_checked = time.monotonic()
            self.metrics.db_up.set(1 if self._db_ok[0] else 0)
            return self._db_ok

    def report(self) -> tuple[bool, dict]:
        now = time.time()
        db_ok, db_error = self.database()
        loop_age = now - self.heartbeat
        telegram = self.last_telegram()
        if telegram is not None:
            self.metrics.telegram_ok.set(telegram)
        body = {
            "process": {"ok": loop_age < HEARTBEAT_STALE, "uptime_seconds": round(now - self.started, 1),
                        "loop_heartbeat_age_seconds": round(loop_age, 1)},
            "database": {"ok": db_ok, **({"error": db_error} if db_error else {})},
            "telegram": {"last_success_age_seconds": None if telegram is None else round(now - telegram, 1)},
        }
        ok = body["process"]["ok"] and db_ok
        body["status"] = "ok" if ok else "fail"
        return ok, body


def _handler(state: HealthState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ducha-health"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?", 1)[0]
            if path in ("/healthz", "/health"):
                ok, body = state.report()
                self._send(200 if ok else 503, "application/json", json.dumps(body, ensure_ascii=False).encode())
            elif path == "/metrics":
                state.report()  # refreshes the database and Telegram gauges
                self._send(200, CONTENT_TYPE, state.metrics.render())
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found\n")

        def _send(self, code: int, ctype: str, data: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            logger.debug("health %s", format % args)

    return Handler


class HealthServer:
    """The HTTP server on ``host:port`` in a daemon thread."""

    def __init__(self, state: HealthState, port: int, host: str = "0.0.0.0") -> None:
        self.state = state
        self.httpd = ThreadingHTTPServer((host, port), _handler(state))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="health", daemon=True)

    def start(self) -> HealthServer:
        self.thread.start()
        logger.info("health and metrics on port %s (/healthz, /metrics)", self.port)
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
