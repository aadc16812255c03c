"""One whole 2026 campaign through the real Application and the fake Bot API, on a fake clock,
on SQLite and on PostgreSQL (issue 8): a coordinator moves the calendar and invites, two units
join, questions get this round's dates, one unit scores a whole table with deductions (typed
跳过, a question mid-flow, a detour to /task) and submits while the other does not; reminders
at T-3/T-1/T-0 and a run 12 hours later raise no false alarm; the digest and its nudge are
right for each unit; a broadcast with a file; the coordinator gets the unit's files and
evidence, removes a member, sends the assessment back, closes and reopens a rectification
item; the unit submits its 整改报告. Every message checked is checked by what it says."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.delivery.sender import RateLimiter  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.models import CriterionAnswer  # noqa: E402

pytestmark = pytest.mark.asyncio
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ADMIN_ID = 7100
QUESTION = re.compile(r"【第(\d+)项】.*?检查标准 (\d+)/(\d+)", re.S)
END = "/zz_end_of_step"  # an unknown command: updates are handled in order, so its reply ends a step


def keyboard(message: dict) -> list[dict]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


class Chat:
    """One person in a private chat with the bot; each step returns what the bot sent for it."""

    def __init__(self, api: FakeBotAPI, user) -> None:
        self.api, self.user = api, user
        self.shown: list[dict] = []

    async def _step(self, send) -> list[dict]:
        mark = self.api.mark()
        send()
        self.api.send_text(self.user, END)
        (end,) = await self.api.wait_for(
            lambda c: c.method == "sendMessage" and c.params.get("chat_id") == self.user.id and "我不认识这个命令" in c.params["text"],
            since=mark, timeout=20,
        )
        calls = [c for c in self.api.calls[mark : end.index] if c.method in ("sendMessage", "sendDocument") and c.params.get("chat_id") == self.user.id]
        self.shown = [c.result for c in calls if c.ok and c.method == "sendMessage"] or self.shown
        return [dict(c.params, method=c.method) for c in calls]

    async def say(self, text: str) -> list[dict]:
        return await self._step(lambda: self.api.send_text(self.user, text))

    async def send_file(self, name: str, data: bytes, caption: str | None = None) -> list[dict]:
        return await self._step(lambda: self.api.send_document(self.user, name, data, caption))

    async def press(self, label_start: str, message: dict | None = None) -> list[dict]:
        for message in [message] if message else reversed(self.shown):
            for b in keyboard(message):
                if b["text"].startswith(label_start):
                    return await self._step(lambda m=message, d=b["callback_data"]: self.api.press_button(self.user, m, d))
        raise AssertionError(f"no button {label_start!r} in {[b['text'] for m in self.shown for b in keyboard(m)]}")

    def text(self, sent: list[dict]) -> str:
        return "\n".join(m.get("text") or m.get("caption") or "" for m in sent)


def documents(sent: list[dict]) -> list[dict]:
    return [m for m in sent if m["method"] == "sendDocument"]


def fast_limiter() -> RateLimiter:
    return RateLimiter(per_second=1000, per_chat_interval=0)


def at(y, m, d, hh=9, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


async def test_a_whole_2026_campaign(engine, db):
    clock = FakeClock(at(2026, 11, 27, 10, 0))
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    async with FakeBotAPI() as api, running_bot(api, engine, db, service) as app:
        dispatcher = app.bot_data["dispatcher"]
        dispatcher.limiter = fast_limiter()
        coord = Chat(api, api.user(ADMIN_ID, "市办张主任"))

        # --- the coordinator moves the whole calendar to this round ----------------------
        moved = coord.text(await coord.say("/campaign 全部 2026-12-01"))
        assert "2026年12月1日" in moved  # echoed as read
        if "确认" in " ".join(b["text"] for m in coord.shown for b in keyboard(m)):
            await coord.press("确认")
        calendar = coord.text(await coord.say("/campaign"))
        assert "本轮（2026）" in calendar and "12月1日" in calendar and "2020" not in calendar
        due_text = re.search(r"自查阶段：12月1日 至 (\d+)月(\d+)日", calendar)
        assert due_text, calendar
        self_check_end = dt.date(2026, int(due_text.group(1)), int(due_text.group(2)))

        # --- invites; two units join; a stranger asks ----------------------------------
        code_a = db.call(lambda s: service.create_invite(s, "华龙区", "party", 2, None)).code
        code_b = db.call(lambda s: service.create_invite(s, "范县", "party", 1, None)).code
        wang = Chat(api, api.user(8101, "华龙区王科长"))
        li = Chat(api, api.user(8102, "华龙区李干事"))
        zhao = Chat(api, api.user(8201, "范县赵主任"))
        stranger = Chat(api, api.user(8999, "路人甲"))
        assert "已加入“华龙区”" in wang.text(await wang.say(f"/start {code_a}"))
        assert "已加入“华龙区”" in li.text(await li.say(f"/start {code_a}"))
        assert "已加入“范县”" in zhao.text(await zhao.say(f"/start {code_b}"))
        asked = stranger.text(await stranger.say("自查报告哪天交"))
        first = asked.split("\n")[1]
        assert f"2026年{self_check_end.month}月{self_check_end.day}日" in first  # this round's date first
        assert "2020年8月10日" not in asked.replace("通知原定：2020年8月10日", "")  # the notice's only as 通知原定
        assert "仅限" in stranger.text(await stranger.say("/progress")) or "请先" in stranger.text(await stranger.say("/progress"))

        # --- the phase starts: everyone is told (the bot's tick at 09:00) --------------------
        clock.now = at(2026, 12, 1)
        await dispatcher.tick(app.bot, clock.now)
        for uid in (8101, 8102, 8201):
            assert any("自查阶段" in m.get("text", "") and "开始" in m.get("text", "") for m in api.sent_messages(uid)), api.sent_messages(uid)

        # --- 华龙区 scores the whole party table ----------------------------------------
        clock.now = at(2026, 12, 2, 10, 0)
        await wang.say("/score")
        detoured = asked_mid_flow = skipped = False
        answered = 0
        while True:
            question = next((q for q in reversed(wang.shown) if QUESTION.search(q.get("text", "")) and keyboard(q)), None)
            m = QUESTION.search(question["text"]) if question else None
            if m is None or "全部27项已作答完毕" in wang.text(wang.shown[-1:]):
                break
            task, i = int(m.group(1)), int(m.group(2))
            if task == 5 and i == 1:
                levels = [b["text"] for b in keyboard(question) if "·" in b["text"]]
                prompt = wang.text(await wang.press(levels[-1], question))  # zero: the follow-up prompts begin
                assert "问题" in prompt
                answer = wang.text(await wang.say("这一条的未开展是指什么"))  # a question, not the problem
                assert "第5项" in answer or "督察" in answer
                asked_mid_flow = True
                await wang.say("未开展法治督察")
                await wang.say("制定督察计划并开展督察")
                out = wang.text(await wang.say("跳过"))  # leader
                assert "跳过" not in out.split("\n")[0] or "已跳过" in out
                skipped = True
                await wang.say("依法治区办")
                await wang.say("张三")
                await wang.say("12月31日")
            elif task == 9 and i == 1 and not detoured:
                detour = wang.text(await wang.say("/task 1"))
                assert "【党委表 第1项】" in detour or "第1项" in detour
                back = wang.text(await wang.say("/score"))
                assert "【第9项】" in back
                detoured = True
                continue
            elif task == 2 and i == 1:
                saved = wang.text(await wang.send_file("会议纪要.pdf", b"%PDF-1.4 minutes"))
                assert "已保存佐证材料“会议纪要.pdf”" in saved
                await wang.press("", question)
            else:
                await wang.press("", question)
            answered += 1
            assert answered < 200
        assert asked_mid_flow and detoured and skipped
        done = wang.text(wang.shown[-1:])
        assert "全部27项已作答完毕" in done
        await wang.say("/submit")
        submitted = wang.text(await wang.press("确认提交"))
        assert "已提交" in submitted
        stored = db.call(lambda s: service.find_assessment(s, "华龙区", "party"))
        leader = db.call(lambda s: [a.leader for a in s.exec(select(CriterionAnswer).where(CriterionAnswer.task_no == 5)).all()])
        assert stored.status == "submitted" and set(leader) == {None}  # 跳过 was not stored as the leader

        # --- reminders at T-3, T-1, T-0 and a late run: no false alarm -------------------
        reminded: dict[int, list[str]] = {}
        for when in (at(2026, 12, self_check_end.day - 3), at(2026, 12, self_check_end.day - 1), at(2026, 12, self_check_end.day)):
            clock.now = when
            await dispatcher.tick(app.bot, when)
        late = at(2026, 12, self_check_end.day, 21, 1)
        clock.now = late
        report = await dispatcher.tick(app.bot, late)
        assert report.missed == 0
        for uid in (8101, 8201):
            reminded[uid] = [m.get("text", "") for m in api.sent_messages(uid) if "自查报告" in m.get("text", "") and "提醒" in m.get("text", "")]
        assert reminded[8201] and not reminded[8101]  # only the unit that still owes it
        assert not any("未能按时发送" in m.get("text", "") for m in api.sent_messages(ADMIN_ID))

        # --- the digest and its nudge ------------------------------------------------------
        digest = [m for m in api.sent_messages(ADMIN_ID) if "每日督办提示" in m.get("text", "")][-1]
        assert "未提交自评的单位（1）：范县党委" in digest["text"] and "尚无人绑定的单位" in digest["text"]
        coord.shown = [digest]
        nudged = coord.text(await coord.press("催办未提交单位"))
        assert "已催办" in nudged
        await dispatcher.tick(app.bot, late)
        assert any("自评尚未提交" in m.get("text", "") for m in api.sent_messages(8201))
        assert not any("自评尚未提交" in m.get("text", "") for m in api.sent_messages(8101))

        # --- a broadcast with a file -------------------------------------------------------
        await coord.send_file("会议通知.docx", b"PK notice", caption="/broadcast all 请各单位参加12月15日推进会")
        sent = coord.text(await coord.press("立即发送"))
        assert "正在发送" in sent
        await dispatcher.tick(app.bot, late)
        for uid in (8101, 8102, 8201):
            docs = [c for c in api.calls if c.method == "sendDocument" and c.params.get("chat_id") == uid and "推进会" in (c.params.get("caption") or "")]
            assert len(docs) == 1

        # --- files and evidence, a member removed, sent back, an item closed and reopened --
        got = await coord.say("/files 华龙区 党委")
        names = [d.get("document") for d in documents(got)]
        assert len(documents(got)) >= 3 and "佐证材料共1份" in coord.text(got), names
        removed = coord.text(await coord.say("/members remove 8102"))
        assert "已移除 华龙区李干事" in removed
        assert "请先" in li.text(await li.say("/score")) or "绑定" in li.text(await li.say("/score"))

        progress = coord.text(await coord.say("/progress"))
        assert "华龙区·党委表：绑定1人" in progress and "范县·党委表：绑定1人" in progress and "尚无人加入" in progress
        await coord.press("华龙区党委")
        asked = coord.text(await coord.press("退回修改"))
        assert "退回" in asked
        back = coord.text(await coord.say("第5项请补充督察计划"))
        assert "已退回华龙区的党委表自评" in back
        assert any("第5项请补充督察计划" in m.get("text", "") for m in api.sent_messages(8101))
        resumed = wang.text(await wang.say("/score"))
        assert "退回意见：第5项请补充督察计划" in resumed
        await wang.say("/submit")
        assert "已提交" in wang.text(await wang.press("确认提交"))

        items = coord.text(await coord.say("/rectify 华龙区"))
        assert "第5项第1条" in items and "待整改" in items
        report_page = await wang.say("/rectify")
        assert "第5项第1条" in wang.text(report_page)
        await wang.press("报告完成")
        await wang.say("已制定督察计划并开展专项督察")
        await coord.say("/rectify")
        await coord.press("销号")
        reopened_page = coord.text(await coord.say("/rectify 华龙区"))
        assert "已销号" in reopened_page
        undone = coord.text(await coord.press("撤销销号"))
        assert "已撤销销号" in undone
        assert any("撤销了" in m.get("text", "") for m in api.sent_messages(8101))

        # --- the rectification report ----------------------------------------------------------
        await wang.say("/rectify")
        docs = documents(await wang.press("整改报告"))
        assert docs and docs[0]["document"]
        await wang.press("提交整改报告")
        final = wang.text(await wang.press("确认提交整改报告"))
        assert "已提交华龙区党委表的整改报告" in final
        assert any("已提交党委表整改报告" in m.get("text", "") for m in api.sent_messages(ADMIN_ID))
