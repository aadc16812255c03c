"""`ducha run --health-port`: /healthz (process, database, last Telegram call) and /metrics in
Prometheus' format (updates handled, answer latency, errors, due sends)."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import FakeBotAPI  # noqa: E402
from test_ops_webhook import base_env, free_port, start, stop  # noqa: E402

from bot.ops.health import HealthServer, HealthState  # noqa: E402
from bot.ops.metrics import Metrics  # noqa: E402
from bot.storage.db import Database, make_engine  # noqa: E402


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def wait_ok(url: str, process, timeout: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.communicate()[0])
        try:
            return get(url)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("no health endpoint")


def metric(text: str, name: str) -> float:
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)]
    return sum(values)


def test_health_and_metrics_of_a_running_bot(tmp_path):
    with FakeBotAPI.run_in_thread() as server:
        api = server.api
        port = free_port()
        env = base_env(tmp_path, api)
        env["NO_PROXY"] = "*"
        bot = start(["run", "--health-port", str(port), "--health-host", "127.0.0.1"], env)
        try:
            api.wait_for_sync("getUpdates", timeout=60)
            status, body = wait_ok(f"http://127.0.0.1:{port}/healthz", bot)
            health = json.loads(body)
            assert status == 200 and health["status"] == "ok"
            assert health["database"]["ok"] and health["process"]["ok"]
            assert health["telegram"]["last_success_age_seconds"] is not None
            assert health["telegram"]["last_success_age_seconds"] < 60

            user = api.user(4001, "赵科长")
            for text in ("/help", "第3项", "法律顾问那条谁负责"):
                mark = api.mark()
                api.send_text(user, text)
                api.wait_for_sync("sendMessage", since=mark, timeout=60)
            time.sleep(0.3)
            status, text = get(f"http://127.0.0.1:{port}/metrics")
            assert status == 200
            assert metric(text, 'ducha_updates_total{kind="message"}') == 3
            assert metric(text, "ducha_answer_seconds_count") == 3
            assert metric(text, 'ducha_answer_seconds_bucket{le="+Inf"}') == 3
            assert 'ducha_due_sends{kind="queued"} 0.0' in text
            assert metric(text, "ducha_handler_errors_total") == 0
            assert metric(text, "ducha_database_up") == 1
            assert metric(text, "ducha_last_telegram_success_timestamp_seconds") > time.time() - 120
            assert get(f"http://127.0.0.1:{port}/nothing")[0] == 404
        finally:
            out = stop(bot)
        assert bot.returncode == 0, out


def test_healthz_says_503_when_the_database_is_down():
    db = Database(make_engine("postgresql://nobody:pw@127.0.0.1:9/none"))
    state = HealthState(db, Metrics(), lambda: None)
    server = HealthServer(state, 0, "127.0.0.1").start()
    try:
        status, body = get(f"http://127.0.0.1:{server.port}/healthz")
        health = json.loads(body)
        assert status == 503 and health["status"] == "fail"
        assert health["database"] == {"ok": False, "error": "OperationalError"}
        assert health["telegram"]["last_success_age_seconds"] is None
        state.heartbeat -= 120  # the bot's loop stopped beating
        assert json.loads(get(f"http://127.0.0.1:{server.port}/healthz")[1])["process"]["ok"] is False
    finally:
        server.stop()


def test_copies_waiting_to_retry_are_not_counted_as_due_now(db):
    """ducha_due_sends counts what is due now; copies Telegram could not be reached for wait
    for their next attempt in ducha_retry_sends (broadcast copies and reminders alike)."""
    import datetime as dt

    from bot.ops.metrics import due_sends
    from bot.storage.models import Broadcast, BroadcastRecipient, ReminderDelivery

    now = dt.datetime(2026, 12, 9, 1, 0, tzinfo=dt.timezone.utc)
    later, earlier = now + dt.timedelta(minutes=5), now - dt.timedelta(seconds=1)

    def fill(s):
        s.add(Broadcast(id=1, text="通知", audience="all", created_by="市办", created_at=earlier, send_at=earlier, status="sending"))
        s.add(Broadcast(id=2, text="明天的通知", audience="all", created_by="市办", created_at=earlier, send_at=later, status="scheduled"))
        s.flush()
        for uid, state, retry in ((1, "queued", None), (2, "queued", earlier), (3, "queued", later), (4, "queued", later), (5, "sending", None), (6, "sent", None)):
            s.add(BroadcastRecipient(broadcast_id=1, user_id=uid, unit="华龙区", state=state, next_attempt_at=retry, deferrals=1 if retry else 0))
        s.add(BroadcastRecipient(broadcast_id=2, user_id=1, unit="华龙区", state="queued"))
        for uid, state, retry in ((1, "queued", None), (2, "queued", later), (3, "sending", None), (4, "failed", None)):
            s.add(ReminderDelivery(key=f"deadline-1:self_check_report:2026-12-09:{uid}", rule="deadline-1", phase="self_check", user_id=uid,
                                   unit="华龙区", due_at=now, state=state, next_attempt_at=retry))
        s.add(ReminderDelivery(key="digest:2026-12-09", rule="digest", phase="", user_id=0, unit="", due_at=now, state="sent"))

    db.call(fill)
    values = due_sends(db, lambda: now)()
    assert values == {
        "ducha_due_sends": {"queued": 2.0, "sending": 1.0, "reminder": 2.0},
        "ducha_retry_sends": {"broadcast": 2.0, "reminder": 1.0},
    }
    metrics = Metrics()
    metrics.watch_outbox(lambda: values)
    text = metrics.render().decode()
    assert 'ducha_due_sends{kind="queued"} 2.0' in text and 'ducha_retry_sends{kind="reminder"} 1.0' in text
