"""One `ducha run` per token: a second refuses to start with one line; a killed holder's lease
is taken over after it expires (or at once on the same host when its process is gone)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock  # noqa: E402
from fakebotapi import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402

from bot.storage.lease import InstanceLock, LeaseHeld  # noqa: E402
from bot.storage.models import InstanceLease  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_a_held_lease_refuses_a_second_holder_until_released(db):
    first, second = InstanceLock(db, "bot:1"), InstanceLock(db, "bot:1")
    first.acquire()
    with pytest.raises(LeaseHeld) as held:
        second.acquire()
    assert held.value.holder.pid == os.getpid()
    assert InstanceLock(db, "bot:2").acquire() is None  # another bot is another lease
    assert first.renew()
    first.release()
    second.acquire()
    assert not first.renew()  # lost: the first must stop


def test_an_expired_lease_is_taken_over(db):
    clock = FakeClock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc))
    killed = InstanceLock(db, "bot:1", clock=clock)
    killed.acquire()
    killed.host = "other-host"  # as if it ran elsewhere: its pid means nothing here
    db.call(lambda s: s.get(InstanceLease, "bot:1").__setattr__("host", "other-host"))
    newcomer = InstanceLock(db, "bot:1", clock=clock)
    with pytest.raises(LeaseHeld):
        newcomer.acquire()
    clock.advance(seconds=91)
    newcomer.acquire()
    assert not killed.renew()


def test_a_lease_left_by_a_dead_process_on_this_host_is_taken_at_once(db):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    lock = InstanceLock(db, "bot:1")
    lock.acquire()
    db.call(lambda s: s.get(InstanceLease, "bot:1").__setattr__("pid", pid))
    again = InstanceLock(db, "bot:1")
    again.acquire()
    assert again.held


def _start(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from bot.shells.cli import main; main()", "run"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
    )


def test_a_second_ducha_run_on_the_same_token_refuses_to_start(tmp_path):
    with FakeBotAPI.run_in_thread() as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DUCHA_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}", DUCHA_DATA_DIR=str(tmp_path), NO_PROXY="*",
        )
        first = _start(env)
        try:
            server.api.wait_for_sync("getUpdates", timeout=60)  # it is polling
            second = subprocess.run(
                [sys.executable, "-c", "from bot.shells.cli import main; main()", "run"],
                capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
            )
            output = second.stdout + second.stderr
            assert second.returncode == 4, output
            assert len(output.strip().splitlines()) == 1 and "另一个机器人实例正在使用该令牌" in output
            assert f"进程 {first.pid}" in output and "Traceback" not in output
            assert first.poll() is None  # the first one keeps running
        finally:
            first.send_signal(signal.SIGINT)
            out, _ = first.communicate(timeout=30)
        assert first.returncode == 0, out
        assert DEFAULT_TOKEN not in out and "Traceback" not in out
        # it gave the lease back: a new start is allowed at once
        from bot.storage.db import Database

        db = Database.from_env({"DATABASE_URL": env["DATABASE_URL"]}, migrate=False)
        assert db.call(lambda s: s.get(InstanceLease, "bot:123456789")) is None
        db.engine.dispose()
