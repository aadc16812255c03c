"""Broadcasts and reminders through the real Application and the fake Bot API server:
injected faults, acknowledgements, refusals, a whole campaign on a fake clock, restarts,
and two dispatchers on one database."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock, refusal_of  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.coordination.service import Coordination  # noqa: E402
from bot.delivery.dispatch import Dispatcher  # noqa: E402
from bot.delivery.sender import RateLimiter  # noqa: E402
from bot.scoring.selfcheck import SelfCheck, User  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.models import AuditEntry, BroadcastRecipient, Person, ReminderDelivery  # noqa: E402

pytestmark = pytest.mark.asyncio
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ADMIN_ID = 7000


def fast_limiter() -> RateLimiter:
    return RateLimiter(per_second=1000, per_chat_interval=0)


def bind_many(db, service, n: int, first_id: int = 8000) -> list[int]:
    units = ["华龙区", "濮阳县", "清丰县", "南乐县", "范县", "台前县"]
    ids = []
    for i in range(n):
        unit = units[i % len(units)]
        code = db.call(lambda s, u=unit: service.create_invite(s, u, "party" if i % 2 == 0 else "government", 1, None)).code
        uid = first_id + i
        db.call(lambda s, c=code, u=uid: service.bind(s, User(u, f"用户{u}"), c))
        ids.append(uid)
    return ids


async def test_broadcast_with_faults_reaches_everyone_once_and_is_acknowledged(engine, db, clock):
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    recipients = bind_many(db, service, 12)
    async with FakeBotAPI() as api, running_bot(api, engine, db, service) as app:
        dispatcher: Dispatcher = app.bot_data["dispatcher"]
        dispatcher.limiter = fast_limiter()
        admin = api.user(ADMIN_ID, "市办")
        outsider = api.user(recipients[0], "用户")

        mark = api.mark()
        api.send_text(outsider, "/broadcast all 冒充的通知")
        (refused,) = await api.wait_for("sendMessage", since=mark)
        assert "仅限市委依法治市办" in refused.params["text"]

        mark = api.mark()
        api.send_text(admin, "/broadcast all 请各单位于<b>8月10日</b>前报送自查报告")
        await api.wait_for(lambda c: c.method == "sendMessage" and "reply_markup" in c.params, since=mark)
        assert "将发给 12 人" in api.sent_messages(ADMIN_ID)[-2]["text"]
        preview = api.sent_messages(ADMIN_ID)[-1]
        send_now = next(b for row in preview["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "立即发送")
        mark = api.mark()
        api.press_button(admin, preview, send_now["callback_data"])
        await api.wait_for(lambda c: c.method == "sendMessage" and "正在发送" in c.params["text"], since=mark)

        api.fail_next("sendMessage", times=2, error=429, retry_after=1)
        api.fail_next("sendMessage", times=1, error=500)
        api.block(recipients[5])
        report = await dispatcher.tick(app.bot, clock())
        assert report.broadcasts.sent == 11 and report.broadcasts.blocked == 1
        def notices(uid: int) -> int:
            return sum("【市委依法治市办通知】" in m.get("text", "") for m in api.sent_messages(uid))

        for uid in recipients:
            assert notices(uid) == (0 if uid == recipients[5] else 1), uid
        assert db.call(lambda s: s.get(Person, recipients[5]).active) is False
        again = await dispatcher.tick(app.bot, clock() + dt.timedelta(minutes=1))
        assert again.broadcasts is None  # nothing left: nobody gets a second copy
        assert all(notices(uid) <= 1 for uid in recipients)

        # acknowledge with the 收到 button
        notice = api.sent_messages(recipients[1])[-1]
        assert "【市委依法治市办通知】" in notice["text"]
        ack = notice["reply_markup"]["inline_keyboard"][0][0]
        mark = api.mark()
        api.press_button(api.user(recipients[1], "用户"), notice, ack["callback_data"])
        (answer,) = await api.wait_for("answerCallbackQuery", since=mark)
        assert answer.params["text"] == "已确认收到，谢谢！"
        # another user pressing that button is refused
        mark = api.mark()
        api.press_button(api.user(recipients[2], "用户"), notice, ack["callback_data"], forged=True)
        (foreign,) = await api.wait_for("answerCallbackQuery", since=mark)
        assert foreign.params["show_alert"] is True
        refused = db.call(
            lambda s: s.exec(select(AuditEntry).where(AuditEntry.actor_id == recipients[2], AuditEntry.action == "refused")).all()
        )
        assert len(refused) == 1 and "made for" in refused[0].detail  # audited

        mark = api.mark()
        api.send_text(admin, "/broadcasts")
        await api.wait_for(lambda c: c.method == "sendMessage" and c.params["chat_id"] == ADMIN_ID, since=mark)
        assert "已发11 失败1 确认1/12" in api.sent_messages(ADMIN_ID)[-1]["text"]
    states = db.call(lambda s: sorted(r.state for r in s.exec(select(BroadcastRecipient)).all()))
    assert states.count("acknowledged") == 1 and states.count("failed") == 1 and states.count("sent") == 10


async def test_a_whole_campaign_of_reminders_on_a_fake_clock(engine, db):
    """Right local times, right people; a restart in the middle sends no duplicate and
    catches up what fell due while down; units that submitted stop getting reminders."""
    clock = FakeClock(dt.datetime(2020, 7, 30, 0, 0, tzinfo=SHANGHAI))
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    users = bind_many(db, service, 4)
    db.call(lambda s: service.person(s, User(ADMIN_ID, "市办")))  # the admin becomes a coordinator
    async with FakeBotAPI() as api:
        from telegram import Bot

        bot = Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
        async with bot:
            dispatcher = Dispatcher(db, Coordination(service), fast_limiter())
            sent_at: dict[str, list[dt.datetime]] = {}

            async def run_until(end: dt.datetime, d: Dispatcher) -> None:
                while clock.now < end:
                    clock.advance(minutes=30)
                    before = len(api.calls_of("sendMessage"))
                    await d.tick(bot, clock.now)
                    for call in api.calls_of("sendMessage")[before:]:
                        sent_at.setdefault(call["text"][:12], []).append(clock.now.astimezone(SHANGHAI))

            await run_until(dt.datetime(2020, 8, 8, 0, 0, tzinfo=SHANGHAI), dispatcher)
            # one unit submits: mark its assessment submitted directly
            from bot.storage.models import Assessment

            def submit_first(s):
                p = s.get(Person, users[0])
                a = Assessment(unit=p.unit, table_key=p.role, round=service.round, rubric_version="x", status="submitted", submitted_at=clock.now, created_at=clock.now)
                s.add(a)

            db.call(submit_first)
            # "restart": a new dispatcher; and the bot was down 8月8日–8月10日 10:00
            clock.now = dt.datetime(2020, 8, 10, 10, 0, tzinfo=SHANGHAI)
            restarted = Dispatcher(db, Coordination(SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))), fast_limiter())
            await restarted.tick(bot, clock.now)
            await run_until(dt.datetime(2020, 8, 12, 0, 0, tzinfo=SHANGHAI), restarted)

    rows = db.call(lambda s: s.exec(select(ReminderDelivery).where(ReminderDelivery.user_id != 0)).all())
    assert len({r.key for r in rows}) == len(rows)
    by_user: dict[int, list[str]] = {}
    for r in rows:
        by_user.setdefault(r.user_id, []).append(r.key)
    # the phase-start notice (moved to Friday 7月31日 09:00) reached all four units' users
    assert all(any(k.startswith("phase-start:self_check:2020-07-31") for k in keys) for uid, keys in by_user.items() if uid in users)
    # every reminder was sent between 08:00 and 22:00 local time
    for when in (t for times in sent_at.values() for t in times):
        assert 8 <= when.hour < 22, when
    # the deadline morning (8月10日 09:00) fell while the bot was down and was caught up at
    # 10:00 — but not for the unit that had submitted
    deadline_day = [r for r in rows if ":self_check_report:2020-08-10" in r.key]
    assert {r.user_id for r in deadline_day} == set(users[1:])
    # the field-inspection phase start (8月11日) came on time
    assert any(k.startswith("phase-start:field_inspection:2020-08-11") for k in by_user[users[1]])


async def test_two_dispatchers_on_one_database_send_each_reminder_once(engine, db):
    clock = FakeClock(dt.datetime(2020, 8, 7, 9, 0, tzinfo=SHANGHAI))
    service = SelfCheck(engine.rubric, clock=clock)
    users = bind_many(db, service, 6)
    other_db = Database(db.engine)  # a second "process": its own worker threads and sessions
    async with FakeBotAPI() as api:
        from telegram import Bot

        async with Bot(api.token, base_url=api.base_url) as bot1, Bot(api.token, base_url=api.base_url) as bot2:
            d1 = Dispatcher(db, Coordination(service), fast_limiter())
            d2 = Dispatcher(other_db, Coordination(SelfCheck(engine.rubric, clock=clock)), fast_limiter())
            await asyncio.gather(d1.tick(bot1, clock.now), d2.tick(bot2, clock.now))
            await asyncio.gather(d1.tick(bot1, clock.now), d2.tick(bot2, clock.now))
    for uid in users:
        texts = [c["text"] for c in api.calls_of("sendMessage") if c["chat_id"] == uid]
        assert len(texts) == len(set(texts)) >= 1, (uid, texts)


async def test_old_update_ids_are_pruned(db):
    from bot.delivery.dispatch import prune_processed_updates
    from bot.storage.models import ProcessedUpdate

    now = dt.datetime(2020, 8, 10, tzinfo=dt.timezone.utc)
    db.call(lambda s: [s.add(ProcessedUpdate(update_id=i, at=now - dt.timedelta(days=d))) for i, d in ((1, 1), (2, 8))])
    assert db.call(lambda s: prune_processed_updates(s, now)) == 1
    assert db.call(lambda s: [p.update_id for p in s.exec(select(ProcessedUpdate)).all()]) == [1]


async def test_a_copy_claimed_before_a_crash_is_never_resent_and_is_reported(engine, db, clock):
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    users = bind_many(db, service, 3)
    coordination = Coordination(service)
    made = db.call(lambda s: coordination.create_broadcast(s, None, "all", "请确认"))
    admin = User(ADMIN_ID, "市办")

    def crash_midway(s):  # one copy was claimed for its request, then the sender died
        row = s.get(BroadcastRecipient, (made.id, users[0]))
        row.state, row.claimed_at = "sending", clock()
        s.add(row)

    db.call(crash_midway)
    async with FakeBotAPI() as api:
        from telegram import Bot

        async with Bot(api.token, base_url=api.base_url) as bot:
            dispatcher = Dispatcher(db, coordination, fast_limiter())
            report = await dispatcher.tick(bot, clock())
            assert report.broadcasts.sent == 2
            # a claim this fresh may still be in flight in another process: neither resent nor unknown
            page = db.call(lambda s: coordination.broadcast_page(s, admin, made.id))
            assert "状态未知" not in page.replies[0].text and "排队 1" in page.replies[0].text
            clock.advance(minutes=6)
            await dispatcher.tick(bot, clock())
            assert api.sent_messages(users[0]) == []
            page = db.call(lambda s: coordination.broadcast_page(s, admin, made.id))
            assert "状态未知 1 人" in page.replies[0].text and "可能会收到两份" in page.replies[0].text
            resend = next(b for row in page.replies[0].buttons for b in row if b.label == "重新发送状态未知的 1 份")
            ask = db.call(lambda s: coordination.op(s, admin, resend.action))
            assert "重新发送后会收到两份" in ask.replies[0].text
            assert db.call(lambda s: s.get(BroadcastRecipient, (made.id, users[0])).state) == "unknown"  # not yet
            confirm = next(b for row in ask.replies[0].buttons for b in row if b.label == "确定重新发送")
            outsider = refusal_of(db, User(users[1], "用户"), lambda s: coordination.op(s, User(users[1], "用户"), confirm.action))
            assert "仅限" in outsider.text and db.call(lambda s: s.get(BroadcastRecipient, (made.id, users[0])).state) == "unknown"
            done = db.call(lambda s: coordination.op(s, admin, confirm.action))
            assert "已安排重新发送" in done.replies[0].text and "共 1 人" in done.replies[0].text
            again = await dispatcher.tick(bot, clock())
    assert again.broadcasts.sent == 1
    assert [len(api.sent_messages(uid)) for uid in users] == [1, 1, 1]
    assert db.call(lambda s: s.get(BroadcastRecipient, (made.id, users[0])).state) == "sent"
    audit = db.call(lambda s: [a.action for a in s.exec(select(AuditEntry)).all()])
    assert "broadcast.resend" in audit


async def test_campaign_command_in_the_chat(engine, db, clock):
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        admin = api.user(ADMIN_ID, "市办")
        for text, expected in [
            ("/campaign", "迎接督察阶段：未设定日期"),
            ("/campaign central_inspection 2020-09-14 2020-09-18", "迎接督察阶段：9月14日 至 9月18日"),
            ("/campaign self_check 2020-13-01 2020-08-10", "无法识别"),
            ("/campaign self_check 2020-08-10 2020-08-01", "无法设定"),
            ("/campaign holiday 2020-08-01 2020-08-02", "无法设定"),
        ]:
            mark = api.mark()
            api.send_text(admin, text)
            # times out (and fails) unless a reply with the expected words arrives
            await api.wait_for(lambda c, e=expected: c.method == "sendMessage" and e in c.params["text"], since=mark)
        outsider = api.user(ADMIN_ID + 1, "路人")
        mark = api.mark()
        api.send_text(outsider, "/campaign self_check 2020-08-01 2020-08-10")
        (refused,) = await api.wait_for("sendMessage", since=mark)
        assert "仅限市委依法治市办" in refused.params["text"]


async def test_a_scheduled_notice_missed_while_down_is_held_for_its_coordinator(engine, db, clock):
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    recipients = bind_many(db, service, 3)
    async with FakeBotAPI() as api, running_bot(api, engine, db, service) as app:
        dispatcher: Dispatcher = app.bot_data["dispatcher"]
        dispatcher.limiter = fast_limiter()
        admin = api.user(ADMIN_ID, "市办")
        mark = api.mark()
        api.send_text(admin, "/broadcast all 请各单位明天上午参加视频会议")
        await api.wait_for(lambda c: c.method == "sendMessage" and "reply_markup" in c.params, since=mark)
        preview = api.sent_messages(ADMIN_ID)[-1]
        morning = next(b for row in preview["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "明早9点发送")
        mark = api.mark()
        api.press_button(admin, preview, morning["callback_data"])
        await api.wait_for(lambda c: c.method == "sendMessage" and "已安排发送" in c.params["text"], since=mark)

        clock.advance(days=3)  # the bot was down through the morning it was meant for
        report = await dispatcher.tick(app.bot, clock())
        assert report.broadcasts is None
        assert all(not any("视频会议" in m.get("text", "") for m in api.sent_messages(uid)) for uid in recipients)
        (question,) = [m for m in api.sent_messages(ADMIN_ID) if "未按时发出" in m["text"]]
        assert "未按时发出" in question["text"] and "视频会议" in question["text"]
        labels = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["仍然发送", "取消发送"]
        assert (await dispatcher.tick(app.bot, clock())).broadcasts is None  # still held
        assert len([m for m in api.sent_messages(ADMIN_ID) if "未按时发出" in m["text"]]) == 1  # asked once

        send = question["reply_markup"]["inline_keyboard"][0][0]
        mark = api.mark()
        api.press_button(admin, question, send["callback_data"])
        await api.wait_for(lambda c: c.method == "sendMessage" and "正在发送" in c.params["text"], since=mark)
        report = await dispatcher.tick(app.bot, clock())
        assert report.broadcasts.sent == 3


async def test_a_nudge_on_a_long_notice_is_a_short_reply_to_each_ones_copy(engine, db, clock):
    """A 催办 on a notice near Telegram's 4,096 characters used to be refused (the notice under
    the 催办 line does not fit): it is a short reminder naming the notice, quoting its first
    line, sent as a reply to each recipient's own copy where there is one."""
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    users = bind_many(db, service, 3)
    coordination = Coordination(service)
    admin = User(ADMIN_ID, "市办")
    first_line = "请各单位于12月16日前报送整改报告"
    notice = first_line + "\n" + "<b>要求</b>：" + "按照通知要求逐项整改并报送材料。" * 252  # 4,053 characters: fits with the header, not with 催办
    made = db.call(lambda s: coordination.create_broadcast(s, None, "all", notice))
    assert not isinstance(made, str)
    async with FakeBotAPI() as api:
        from telegram import Bot

        api.block(users[1])
        async with Bot(api.token, base_url=api.base_url) as bot:
            dispatcher = Dispatcher(db, coordination, fast_limiter())
            report = await dispatcher.tick(bot, clock())
            assert report.broadcasts.sent == 2 and report.broadcasts.blocked == 1
            api.unblock(users[1])
            originals = {uid: api.sent_messages(uid)[-1]["message_id"] for uid in (users[0], users[2])}

            page = db.call(lambda s: coordination.broadcast_page(s, admin, made.id))
            nudge = next(b.action for row in page.replies[0].buttons for b in row if b.label == "催办未确认单位")
            out = db.call(lambda s: coordination.op(s, admin, nudge))  # raises if refused
            assert "已催办，共 3 人" in out.replies[0].text
            clock.advance(minutes=1)
            await dispatcher.tick(bot, clock())

    nudges = {c["chat_id"]: c for c in api.calls_of("sendMessage") if c["text"].startswith("【催办】")}
    assert set(nudges) == set(users)
    for uid, call in nudges.items():
        assert "“请各单位于12月16日前报送整…”（8月3日）" in call["text"] and f"<blockquote>{first_line}</blockquote>" in call["text"]
        assert len(call["text"]) < 300 and "按照通知要求逐项整改" not in call["text"]
        replied = (call.get("reply_parameters") or {}).get("message_id")
        assert replied == originals.get(uid), uid  # the blocked one had no copy: no reply
    # the 收到 under the 催办 acknowledges the notice itself
    ack = nudges[users[0]]["reply_markup"]["inline_keyboard"][0][0]
    assert db.call(lambda s: coordination.ack(s, User(users[0], "用户"), made.id)) == "已确认收到，谢谢！"
    assert ack["text"] == "收到"


async def test_a_nudge_keeps_a_short_notice_and_its_file_and_drops_the_file_when_too_long(engine, db, clock):
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    bind_many(db, service, 2)
    coordination = Coordination(service)
    short = db.call(lambda s: coordination.create_broadcast(s, None, "all", "请确认", file_id="F1", file_name="a.pdf"))
    long_caption = db.call(lambda s: coordination.create_broadcast(s, None, "all", "附件说明" * 253, file_id="F2", file_name="b.pdf"))
    text, file_id = coordination.pages.nudge_text(short)
    assert text == "【催办】请确认收到8月3日的通知：\n请确认" and file_id == "F1"
    text, file_id = coordination.pages.nudge_text(long_caption)
    assert file_id is None and text.startswith("【催办】请确认收到通知“附件说明附件说明") and "<blockquote>" in text
