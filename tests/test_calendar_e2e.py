"""A coordinator moves this round's calendar in Telegram (through the fake Bot API), and
everyone then hears this round's dates: answers, the 督察时间安排 button, reminders.
Dates and phase names typed as people type them; odd dates are questioned with buttons."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.common.reply import User  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402

pytestmark = pytest.mark.asyncio
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ADMIN_ID = 7000
UNIT_ID = 8001


async def say(api, user, text: str, expect: str | None = None) -> dict:
    """Send ``text`` and return the bot's last reply to it (waiting for one containing ``expect``)."""
    mark = api.mark()
    api.send_text(user, text)
    await api.wait_for(
        lambda c: c.method == "sendMessage" and c.params["chat_id"] == user.id and (expect is None or expect in c.params["text"]),
        since=mark,
    )
    return api.sent_messages(user.id)[-1]


def button(message: dict, label: str) -> str:
    return next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if label in b["text"])


async def press(api, user, message: dict, label: str, expect: str) -> dict:
    mark = api.mark()
    api.press_button(user, message, button(message, label))
    await api.wait_for(lambda c: c.method == "sendMessage" and c.params["chat_id"] == user.id and expect in c.params["text"], since=mark)
    return next(m for m in reversed(api.sent_messages(user.id)) if expect in m["text"])


async def test_coordinator_moves_the_calendar_and_units_hear_this_rounds_dates(engine, db):
    clock = FakeClock(dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 1, None)).code
    db.call(lambda s: service.bind(s, User(UNIT_ID, "王科长"), code))
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        admin, unit = api.user(ADMIN_ID, "市办张主任"), api.user(UNIT_ID, "王科长")

        # the whole calendar in one step, the date as typed (year and month with slashes)
        moved = await say(api, admin, "/campaign 全部 2026/12/7", "本轮（2026）督察时间安排")
        assert "已整体调整：自查阶段自2026年12月7日（星期一）开始" in api.sent_messages(ADMIN_ID)[-2]["text"]
        assert "反馈整改阶段：12月31日 至 2027年1月11日" in moved["text"]
        # then one phase by its Chinese name, dates as typed; echoed back as read
        await say(api, admin, "/campaign 反馈整改阶段 2027-01-04 1月22日", "本轮（2026）督察时间安排")
        echo = next(m["text"] for m in api.sent_messages(ADMIN_ID) if m["text"].startswith("已记为"))
        assert echo == "已记为：反馈整改阶段 2027年1月4日（星期一）至2027年1月22日（星期五）。"

        # a unit's questions get this round's dates, with the notice's where they differ
        answer = await say(api, unit, "自查报告哪天交", "报送时间")
        assert "2026年12月16日前（星期三）" in answer["text"] and "距截止还有26天" in answer["text"]
        assert "通知原定：2020年8月10日前" in answer["text"]
        assert "于12月16日之前报市委依法治市办" in answer["text"]
        rules = await say(api, unit, "自查报告写多少问题", "自查报告的要求")
        assert "于12月16日之前报" in rules["text"] and "8月10日" not in rules["text"]
        until = await say(api, unit, "整改到什么时候", "反馈整改阶段")
        assert "2027年1月22日前" in until["text"] and "反馈整改阶段（2027年1月4日至1月22日）" in until["text"]
        assert "通知原定：2020年9月5日前" in until["text"]
        # yes/no questions are checked against this round's dates, not the notice's
        late = await say(api, unit, "整改报告可以1月25日再报吗", "整改报告")
        assert late["text"].startswith("<b>不可以。整改报告应于2027年1月22日前报送，1月25日已晚3天。</b>")
        early = await say(api, unit, "自查报告8月11日报送行不行", "自查报告")
        assert early["text"].startswith("<b>行。自查报告"), early["text"][:80]  # the notice's 8月10日 is not this round's

        # the 督察时间安排 button of /start
        welcome = await say(api, unit, "/start", "督察工作助手")
        schedule = await press(api, unit, welcome, "督察时间安排", "督察工作共分五个阶段")
        assert schedule["text"].startswith("<b>本轮（2026）督察工作共分五个阶段")
        assert "2026年12月7日至12月16日" in schedule["text"] and "2020年8月10日" not in schedule["text"]


async def test_odd_dates_are_questioned_not_moved_silently(engine, db):
    clock = FakeClock(dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI))
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        admin = api.user(ADMIN_ID, "市办张主任")
        # 11月30日 this year has passed: asked, with next year offered, nothing set yet
        asked = await say(api, admin, "/campaign 自查 11月30日 12.10", "请确认")
        assert "2026年11月30日已经过去" in asked["text"]
        assert db.call(service.calendars.get).template
        labels = [b["text"] for row in asked["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["确认设定", "取消"]  # next year's 11月30日 would end before 12月10日
        done = await press(api, admin, asked, "确认设定", "已记为")
        assert done["text"] == "已记为：自查阶段 2026年11月30日（星期一）至2026年12月10日（星期四）。"

        # a month and day that has passed, for a whole phase: next year is a button, not a guess
        asked = await say(api, admin, "/campaign 整改 1月4日 1月22日", "请确认")
        assert "2026年1月4日已经过去" in asked["text"]
        chosen = await press(api, admin, asked, "改为2027年1月4日", "已记为")
        assert chosen["text"] == "已记为：反馈整改阶段 2027年1月4日（星期一）至2027年1月22日（星期五）。"

        # more than a year ahead is questioned too; 取消 leaves the calendar alone
        asked = await say(api, admin, "/campaign 全部 2028-03-01", "请确认")
        assert "2028年3月1日距今超过一年" in asked["text"]
        await press(api, admin, asked, "取消", "已取消，日期未改动")
        assert db.call(service.calendars.get).phase("self_check").start == dt.date(2026, 11, 30)

        bad = await say(api, admin, "/campaign 自查阶段 12月32日 12月40日", "无法识别")
        assert "可写作 2026-12-02、2026/12/2、2026年12月2日、12月2日 或 12.2" in bad["text"]
        # a unit's user pressing a forged confirmation is refused (authorised by binding)
        outsider = api.user(ADMIN_ID + 1, "路人")
        mark = api.mark()
        api.press_button(outsider, asked, button(asked, "确认设定").replace(str(ADMIN_ID), str(ADMIN_ID + 1)), forged=True)
        await api.wait_for(lambda c: c.method in ("sendMessage", "answerCallbackQuery") and c.params.get("chat_id", 0) != ADMIN_ID, since=mark)
        assert db.call(service.calendars.get).phase("self_check").start == dt.date(2026, 11, 30)
