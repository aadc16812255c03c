"""Broadcasts when things break, end to end through the fake Bot API server, with the copies
every recipient got counted: the Telegram API refusing connections in the middle of a notice
to 200 people, and staying down past the notice's deadline; a sender killed with SIGKILL in
the middle of a notice (`ducha broadcast send` in a subprocess), restarted, its unknown copies
listed and resent after the coordinator confirms."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select
from telegram import Bot

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402

from bot.common.reply import User  # noqa: E402
from bot.coordination.service import Coordination  # noqa: E402
from bot.delivery.dispatch import Dispatcher  # noqa: E402
from bot.delivery.sender import RateLimiter  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.models import Broadcast, BroadcastRecipient, Person  # noqa: E402

ADMIN = User(7000, "市办")
UNITS = ["华龙区", "濮阳县", "清丰县", "南乐县", "范县", "台前县"]
NOTICE = "请各单位于8月10日前报送<b>自查报告</b>"


async def no_wait(seconds: float) -> None:
    """The senders' retry waits, skipped: time is the injected clock's."""
    await asyncio.sleep(0)


def people(db, count: int, first: int = 8000) -> list[int]:
    """``count`` unit users bound directly (the binding itself is tested elsewhere)."""
    ids = list(range(first, first + count))

    def add(s):
        for i, uid in enumerate(ids):
            s.add(Person(user_id=uid, name=f"用户{uid}", unit=UNITS[i % len(UNITS)], role="party" if i % 2 else "government"))

    db.call(add)
    return ids


def states(db, broadcast_id: int) -> dict[str, int]:
    rows = db.call(lambda s: s.exec(select(BroadcastRecipient.state).where(BroadcastRecipient.broadcast_id == broadcast_id)).all())
    return {state: rows.count(state) for state in set(rows)}


def copies(api: FakeBotAPI, uid: int) -> int:
    """Copies of the notice ``uid`` received (its header is on notices only)."""
    return sum("【市委依法治市办通知】" in m.get("text", "") for m in api.sent_messages(uid))


def fast_limiter() -> RateLimiter:
    return RateLimiter(per_second=2000, per_chat_interval=0)


@pytest.mark.asyncio
async def test_api_down_mid_broadcast_then_back_every_reachable_recipient_gets_exactly_one(engine, db, clock):
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))
    users = people(db, 200)
    blocked = users[10:13] + users[150:152]
    coordination = Coordination(service)
    made = db.call(lambda s: coordination.create_broadcast(s, None, "all", NOTICE))
    start = clock()
    async with FakeBotAPI() as api:
        for uid in blocked:
            api.block(uid)

        async def pull_the_plug() -> None:  # the API goes away after 60 copies went out
            await api.wait_for(lambda c: c.method == "sendMessage" and c.ok, count=60, timeout=30)
            await api.go_down(drop_idle=False)  # refuses connections; cuts no request in flight

        async with Bot(api.token, base_url=api.base_url) as bot:
            dispatcher = Dispatcher(db, coordination, fast_limiter(), sleep=no_wait)
            plug = asyncio.create_task(pull_the_plug())
            first = await dispatcher.send_broadcasts(bot, clock())
            await plug
            delivered = sum(copies(api, uid) for uid in users)
            assert 60 <= delivered < 195 and first.sent == delivered
            assert first.deferred == 200 - first.sent - first.blocked and first.failed == 0 and first.unconfirmed == 0
            waiting = states(db, made.id)["queued"]
            assert waiting == first.deferred
            page = db.call(lambda s: coordination.broadcast_page(s, ADMIN, made.id)).replies[0].text
            assert f"暂时无法连接 Telegram：{waiting} 份正在等待自动重试" in page and "8月4日 09:00" in page  # 24 h

            # still down half a minute later: tried again, deferred longer (persisted in the database)
            clock.advance(seconds=30)
            again = await dispatcher.send_broadcasts(bot, clock())
            assert again.deferred == waiting and again.sent == 0
            next_tries = db.call(lambda s: {r.next_attempt_at for r in s.exec(select(BroadcastRecipient).where(BroadcastRecipient.state == "queued")).all()})
            assert next_tries == {start + dt.timedelta(seconds=90)}

            # the API comes back; the bot restarts (a new dispatcher, nothing in memory) and
            # waits for the stored time, then sends every copy still owed
            await api.come_back()
            restarted = Dispatcher(db, Coordination(SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))), fast_limiter(), sleep=no_wait)
            clock.advance(seconds=30)
            early = await restarted.send_broadcasts(bot, clock())
            assert early.sent == 0 and sum(copies(api, uid) for uid in users) == delivered
            clock.advance(seconds=30)
            last = await restarted.send_broadcasts(bot, clock())
            assert last.sent + last.blocked == waiting
            assert await restarted.send_broadcasts(bot, clock() + dt.timedelta(minutes=5)) is None

    reachable = [uid for uid in users if uid not in blocked]
    assert [copies(api, uid) for uid in reachable] == [1] * len(reachable)
    assert [copies(api, uid) for uid in blocked] == [0] * len(blocked)
    assert states(db, made.id) == {"sent": 195, "failed": 5}
    assert db.call(lambda s: s.get(Broadcast, made.id).status) == "done"
    page = db.call(lambda s: coordination.broadcast_page(s, ADMIN, made.id)).replies[0].text
    assert "已发送 195，失败 5" in page and "失败原因：对方已停用或屏蔽机器人 5 人" in page


@pytest.mark.asyncio
async def test_api_down_past_the_deadline_fails_the_copies_with_a_reason(engine, db):
    clock = FakeClock(dt.datetime(2020, 8, 3, 1, 0, tzinfo=dt.timezone.utc))
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))
    users = people(db, 5)
    coordination = Coordination(service)
    made = db.call(lambda s: coordination.create_broadcast(s, None, "all", NOTICE))
    async with FakeBotAPI() as api:
        async with Bot(api.token, base_url=api.base_url) as bot:
            await bot.get_me()
            await api.go_down()
            dispatcher = Dispatcher(db, coordination, fast_limiter(), sleep=no_wait)
            ticks = 0
            while states(db, made.id).get("queued"):
                await dispatcher.send_broadcasts(bot, clock())
                ticks += 1
                waiting = db.call(lambda s: [r.next_attempt_at for r in s.exec(select(BroadcastRecipient).where(BroadcastRecipient.state == "queued")).all()])
                if waiting:
                    clock.now = min(waiting)  # the dispatcher runs every 30 s; jump to the next try
            await api.come_back()
            assert await dispatcher.send_broadcasts(bot, clock()) is None  # given up: nothing sent late
    assert clock() == dt.datetime(2020, 8, 4, 1, 0, tzinfo=dt.timezone.utc)  # the last try at the deadline
    assert 40 < ticks < 70  # backing off to every 30 minutes, not every 30 seconds
    assert states(db, made.id) == {"failed": 5} and all(copies(api, uid) == 0 for uid in users)
    page = db.call(lambda s: coordination.broadcast_page(s, ADMIN, made.id)).replies[0].text
    assert "失败原因：一直无法连接 Telegram（已自动重试至截止时间） 5 人" in page
    # up to five tries in the first run (a blip is retried at once), then one a run: no run
    # waits through a backoff for Telegram that it already knows is unreachable
    attempts = db.call(lambda s: [r.attempts for r in s.exec(select(BroadcastRecipient)).all()])
    assert all(ticks <= a <= ticks + 4 for a in attempts), (ticks, attempts)


# --- SIGKILL in the middle of a notice ---------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def ducha(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from bot.shells.cli import main; main()", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, input=stdin,
    )


def test_sigkill_mid_broadcast_then_restart_lists_the_unknown_and_resends_them_after_a_warning(tmp_path, engine):
    """`ducha broadcast send` to 200 people is killed with SIGKILL after 61 requests, some of
    them still in flight (the server holds each for 0.4 s, then delivers it as Telegram
    would). A restart sends the rest and resends nothing; the copies whose fate is unknown are
    listed (at most those in flight), and resending them after the confirm step gives
    everyone at least one copy, doubles only among the unknown."""
    from bot.storage.db import Database, make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'ducha.db'}"
    db = Database(make_engine(url))
    upgrade(db.engine)
    users = people(db, 200)
    with FakeBotAPI.run_in_thread() as server:
        api = server.api
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DUCHA_", "DATABASE_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=server.base_url, DATABASE_URL=url,
            DUCHA_DATA_DIR=str(tmp_path), NO_PROXY="*", PTB_TIMEDELTA="1",
        )
        api.delay("sendMessage", 0.4)
        sender = subprocess.Popen(
            [sys.executable, "-c", "from bot.shells.cli import main; main()", "broadcast", "send", "--text", NOTICE, "--audience", "all"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        try:
            api.wait_for_sync(lambda c: c.method == "sendMessage" and c.params.get("chat_id") in users, count=61, timeout=60)
        finally:
            os.kill(sender.pid, signal.SIGKILL)
            sender.communicate(timeout=30)
        assert sender.returncode == -signal.SIGKILL
        arrived = api.calls_of("sendMessage")
        api.wait_for_sync("sendMessage", count=len(arrived), timeout=30)  # held requests are carried out
        api.delay("sendMessage", 0)
        broadcast_id = db.call(lambda s: s.exec(select(Broadcast.id)).one())
        before = states(db, broadcast_id)
        in_flight = before.get("sending", 0)
        # claimed only when sent: every claim but one or two whose request was being written
        # at the kill had reached the server
        assert 1 <= in_flight <= 16 and len(arrived) >= 61
        assert 0 <= before["sent"] + in_flight - len(arrived) <= 2

        # two recipients acknowledge before the restart (收到): that stays
        service = SelfCheck(engine.rubric)
        coordination = Coordination(service)
        acked = [uid for uid in users if db.call(lambda s, u=uid: s.get(BroadcastRecipient, (broadcast_id, u)).state) == "sent"][:2]
        for uid in acked:
            assert db.call(lambda s, u=uid: coordination.ack(s, User(u, "用户"), broadcast_id)) == "已确认收到，谢谢！"

        # restart: what is due runs again (from cron here), after the claims went stale
        later = (dt.datetime.now(SHANGHAI) + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
        restart = ducha(env, "remind", "run-due", "--now", later)
        assert restart.returncode == 0, restart.stderr
        unknown = db.call(
            lambda s: sorted(s.exec(select(BroadcastRecipient.user_id).where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state == "unknown")).all())
        )
        assert len(unknown) == in_flight
        assert all(copies(api, uid) <= 1 for uid in users)  # nothing sent twice on its own
        assert all(copies(api, uid) == 1 for uid in users if uid not in unknown)  # every copy not unknown arrived once
        after = states(db, broadcast_id)
        assert after == {"sent": 200 - in_flight - 2, "acknowledged": 2, "unknown": in_flight}
        assert sorted(acked) == sorted(db.call(lambda s: s.exec(select(BroadcastRecipient.user_id).where(BroadcastRecipient.state == "acknowledged")).all()))

        status = ducha(env, "broadcast", "status", str(broadcast_id))
        assert f"状态未知 {in_flight} 人" in status.stdout and "可能会收到两份" in status.stdout

        declined = ducha(env, "broadcast", "resend", str(broadcast_id), stdin="n\n")
        assert declined.returncode == 1 and "重新发送后会收到两份" in declined.stdout and "已取消" in declined.stdout
        assert states(db, broadcast_id)["unknown"] == in_flight and all(copies(api, uid) <= 1 for uid in users)

        resent = ducha(env, "broadcast", "resend", str(broadcast_id), stdin="y\n")
        assert resent.returncode == 0, resent.stderr
        assert f"共 {in_flight} 人" in resent.stdout and f"已发送 {in_flight}，失败 0" in resent.stderr

    counts = {uid: copies(api, uid) for uid in users}
    assert all(n >= 1 for n in counts.values())  # everyone has the notice
    assert {uid for uid, n in counts.items() if n > 1} <= set(unknown)  # doubles only where the fate was unknown
    assert all(n <= 2 for n in counts.values())
    assert states(db, broadcast_id) == {"sent": 198, "acknowledged": 2}
    db.engine.dispose()
