"""Phase reminders when the Telegram API is down, end to end through the fake Bot API server on
a fake clock, with the reminders every user got counted: the API down when the T-1 reminder
of the self-check report is due for two units, back an hour later, the bot restarted in
between; and the API down until after the reminder's day is over.

This round's calendar is set to December 2026 (self-check 12月1日–12月10日), so the T-1
reminder is due on Wednesday 12月9日 at 09:00 and names the round's deadline, 12月10日."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import select
from telegram import Bot

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402

from bot.coordination.service import Coordination  # noqa: E402
from bot.delivery.dispatch import Dispatcher  # noqa: E402
from bot.delivery.sender import RateLimiter  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.models import Person, ReminderDelivery  # noqa: E402

pytestmark = pytest.mark.asyncio
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ADMIN_ID = 7000
# two units that owe their self-check report: 华龙区 with both its offices, 范县 with one
USERS = {8001: ("华龙区", "party"), 8002: ("华龙区", "government"), 8003: ("范县", "party")}
T1 = "将于明天（12月10日）截止"  # the T-1 reminder, in this round's dates
T1_KEY = "deadline-1:self_check_report:2026-12-09"


async def no_wait(seconds: float) -> None:
    """The senders' retry waits, skipped: time is the injected clock's."""
    await asyncio.sleep(0)


def fast_limiter() -> RateLimiter:
    return RateLimiter(per_second=1000, per_chat_interval=0)


def this_round(engine, db, clock) -> Coordination:
    """A coordination service on ``clock`` (a new one is a restarted bot: nothing in memory)."""
    return Coordination(SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID})))


def set_up(engine, db, clock) -> Coordination:
    coordination = this_round(engine, db, clock)
    out = db.call(lambda s: coordination.set_phase(s, None, "self_check", dt.date(2026, 12, 1), dt.date(2026, 12, 10)))
    assert "12月10日" in out.replies[0].text

    def bind(s):
        for uid, (unit, role) in USERS.items():
            s.add(Person(user_id=uid, name=f"用户{uid}", unit=unit, role=role))

    db.call(bind)
    return coordination


def t1_copies(api: FakeBotAPI, uid: int) -> list[str]:
    return [m["text"] for m in api.sent_messages(uid) if T1 in m.get("text", "")]


def t1_rows(db) -> list[ReminderDelivery]:
    return db.call(lambda s: s.exec(select(ReminderDelivery).where(ReminderDelivery.key.startswith(T1_KEY))).all())


async def tick_every_30s(dispatcher: Dispatcher, bot: Bot, clock: FakeClock, until: dt.datetime) -> None:
    """The bot's JobQueue: a tick every half minute until ``until``."""
    while clock.now < until:
        clock.advance(seconds=30)
        await dispatcher.tick(bot, clock.now)


@asynccontextmanager
async def down_at_nine(engine, db, clock: FakeClock):
    """The bot running on 12月9日 until the Bot API goes down just before 09:00, when the T-1
    reminder is due: (api, bot, dispatcher, coordination), the clock at 09:00."""
    clock.now = dt.datetime(2026, 12, 9, 8, 50, tzinfo=SHANGHAI)
    coordination = set_up(engine, db, clock)
    async with FakeBotAPI() as api:
        async with Bot(api.token, base_url=api.base_url) as bot:
            dispatcher = Dispatcher(db, coordination, fast_limiter(), sleep=no_wait)
            await dispatcher.tick(bot, clock.now)  # last week's reminders: reported as missed
            await api.go_down()
            clock.now = dt.datetime(2026, 12, 9, 9, 0, tzinfo=SHANGHAI)
            yield api, bot, dispatcher, coordination


async def test_api_down_when_t1_is_due_then_back_an_hour_later_every_user_gets_it_once(engine, db):
    clock = FakeClock(dt.datetime(2026, 12, 9, 8, 50, tzinfo=SHANGHAI))
    async with down_at_nine(engine, db, clock) as (api, bot, dispatcher, coordination):
        first = await dispatcher.tick(bot, clock.now)
        assert first.reminders.deferred == 3 and first.reminders.sent == first.reminders.failed == 0
        rows = t1_rows(db)
        assert {(r.user_id, r.state) for r in rows} == {(uid, "queued") for uid in USERS}
        assert {r.next_attempt_at.astimezone(SHANGHAI) for r in rows} == {dt.datetime(2026, 12, 9, 9, 0, 30, tzinfo=SHANGHAI)}
        listed = db.call(lambda s: coordination.reminders.listing(s, clock.now))
        assert any("等待重试 3 人（华龙区、范县）：暂时无法连接 Telegram，下次 09:00，最迟 22:00" in line for line in listed), listed

        # half an hour of the outage, then the bot is restarted (a new process: nothing in memory)
        await tick_every_30s(dispatcher, bot, clock, dt.datetime(2026, 12, 9, 9, 30, tzinfo=SHANGHAI))
        assert {r.state for r in t1_rows(db)} == {"queued"}
        restarted = Dispatcher(db, this_round(engine, db, clock), fast_limiter(), sleep=no_wait)
        await tick_every_30s(restarted, bot, clock, dt.datetime(2026, 12, 9, 10, 0, tzinfo=SHANGHAI))
        assert all(t1_copies(api, uid) == [] for uid in USERS)

        await api.come_back()  # an hour after the reminder was due
        await tick_every_30s(restarted, bot, clock, dt.datetime(2026, 12, 9, 11, 0, tzinfo=SHANGHAI))
        arrived = [r.sent_at.astimezone(SHANGHAI) for r in t1_rows(db)]
        listed = db.call(lambda s: coordination.reminders.listing(s, clock.now))
        for hour in (12, 15, 18, 21):  # later in the day: nothing more
            clock.now = dt.datetime(2026, 12, 9, hour, 59, tzinfo=SHANGHAI)
            await restarted.tick(bot, clock.now)

    for uid in USERS:
        [text] = t1_copies(api, uid)  # exactly one T-1 reminder each
        assert text.startswith("【提醒】自查阶段将于明天（12月10日）截止，请于12月10日前将自查报告")
    assert all(dt.datetime(2026, 12, 9, 10, 0, tzinfo=SHANGHAI) < at <= dt.datetime(2026, 12, 9, 11, 0, tzinfo=SHANGHAI) for at in arrived)
    rows = t1_rows(db)
    assert {r.state for r in rows} == {"sent"} and all(r.deferrals >= 5 and r.deferrals < r.attempts <= r.deferrals + 5 for r in rows)
    assert "2026-12-09 09:00     3人  截止前1天提醒  【提醒】自查阶段将于明天（12月10日）截止" in "\n".join(listed)
    assert any("已送达 3 人" == line.strip() for line in listed), listed


async def test_api_down_past_the_reminders_day_it_is_reported_as_not_delivered_never_sent_late(engine, db):
    clock = FakeClock(dt.datetime(2026, 12, 9, 8, 50, tzinfo=SHANGHAI))
    async with down_at_nine(engine, db, clock) as (api, bot, dispatcher, coordination):
        ticks = 0
        while {r.state for r in t1_rows(db)} != {"failed"}:
            await dispatcher.tick(bot, clock.now)
            ticks += 1
            waiting = [r.next_attempt_at for r in t1_rows(db) if r.state == "queued"]
            if waiting:  # the dispatcher runs every 30 s; jump to the next try
                clock.now = max(clock.now + dt.timedelta(seconds=30), min(waiting))
        last_try = clock.now
        # back in the evening, in quiet hours: the reminder is not sent that late
        await api.come_back()
        await tick_every_30s(dispatcher, bot, clock, dt.datetime(2026, 12, 9, 23, 0, tzinfo=SHANGHAI))
        assert all(t1_copies(api, uid) == [] for uid in USERS)
        listed = db.call(lambda s: coordination.reminders.listing(s, clock.now))
        # the next morning: the T-0 reminder goes out as usual, the T-1 never; the digest says so
        clock.now = dt.datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)
        morning = await dispatcher.tick(bot, clock.now)
        await tick_every_30s(dispatcher, bot, clock, dt.datetime(2026, 12, 10, 12, 0, tzinfo=SHANGHAI))

    assert last_try == dt.datetime(2026, 12, 9, 22, 0, tzinfo=SHANGHAI)  # failed at the end of its day
    assert 25 < ticks < 40  # backing off to every 30 minutes, not every 30 seconds
    assert all(t1_copies(api, uid) == [] for uid in USERS)
    assert morning.reminders.sent == 3 and all(any("今天（12月10日）截止" in m["text"] for m in api.sent_messages(uid)) for uid in USERS)
    rows = t1_rows(db)
    assert {r.state for r in rows} == {"failed"} and all(r.error.startswith("unreachable: NetworkError") for r in rows)
    line = "12月9日 09:00 截止前1天提醒·自查报告（附问题清单）"
    reason = "未送达 3 人（华龙区、范县）：一直无法连接 Telegram（已自动重试至截止时间） 3 人；提醒只在12月9日 22:00前发送，不会迟发"
    assert any(reason in entry for entry in listed), listed
    [digest] = [m["text"] for m in api.sent_messages(ADMIN_ID) if "每日督办提示" in m["text"]]
    assert "未送达的提醒（请另行通知相关单位）：" in digest and f"· {line}：{reason}" in digest, digest
