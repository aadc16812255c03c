"""A unit's office, from an invite link to a submitted self-assessment and its two files,
through the real Application and the fake Bot API server; and a bot killed mid-way."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.db import Database, make_engine, upgrade  # noqa: E402
from bot.storage.models import CriterionAnswer, Evidence  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUESTION = re.compile(r"【第(\d+)项】.*?检查标准 (\d+)/(\d+)", re.S)


def keyboard(message: dict) -> list[dict]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


class Office:
    """One official in a private chat with the bot, reading what it sends back."""

    def __init__(self, api: FakeBotAPI, user) -> None:
        self.api, self.user = api, user

    def last(self) -> dict:
        return self.api.sent_messages(self.user.id)[-1]

    async def say(self, text: str) -> list[dict]:
        mark = self.api.mark()
        self.api.send_text(self.user, text)
        return await self._settled(mark)

    async def press(self, label_start: str, message: dict | None = None) -> list[dict]:
        message = message or self.last()
        button = next(b for b in keyboard(message) if b["text"].startswith(label_start))
        mark = self.api.mark()
        self.api.press_button(self.user, message, button["callback_data"])
        return await self._settled(mark)

    async def _settled(self, mark: int) -> list[dict]:
        """Wait for the bot's answer to the update: it ends with a message carrying buttons
        (the next question, a prompt with 跳过, a confirm step) or with a document."""

        def final(c) -> bool:
            return c.params.get("chat_id") == self.user.id and (
                c.method == "sendDocument" or (c.method == "sendMessage" and "reply_markup" in c.params)
            )

        await self.api.wait_for(final, since=mark)
        return [c.params for c in self.api.calls[mark:] if c.method in ("sendMessage", "sendDocument")]


@pytest.mark.asyncio
async def test_invite_to_submitted_assessment_and_files(engine, db):
    """On SQLite, and on PostgreSQL when DATABASE_URL points at one."""
    service = SelfCheck(engine.rubric, admin_ids=frozenset({9000}))
    code = db.call(lambda s: service.create_invite(s, "清丰县", "party", 2, None)).code
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        office = Office(api, api.user(501, "清丰县委办"))
        coordinator = api.user(9000, "市办")
        (bound,) = await office.say(f"/start {code}")
        assert "已加入“清丰县”" in bound["text"]

        replies = await office.say("/score")
        assert "已完成 0/27 项" in replies[-1]["text"]
        answered = 0
        while True:
            text = office.last()["text"]
            m = QUESTION.search(text)
            if m is None:
                break
            task, i = int(m.group(1)), int(m.group(2))
            if task == 1 and i == 1:
                await office.say("开了两次")  # free text where a button is expected
            elif task in (2, 11) and i == 1:
                await office.press("")  # the first button is the best level
            elif task == 6 and i == 1:
                buttons = [b["text"] for b in keyboard(office.last()) if "·" in b["text"]]
                await office.press(buttons[-1])  # zero points
                await office.say("尚未制定指标体系")
                await office.say("年内制定并印发指标体系")
                for _ in range(3):
                    await office.press("跳过")
                await office.say("9月5日")
            elif task == 13 and i == 1:
                buttons = [b["text"] for b in keyboard(office.last()) if "·" in b["text"]]
                await office.press(buttons[1])  # partial
                await office.say("审查记录不完整")
                for _ in range(5):
                    await office.press("跳过")
            else:
                await office.press("")
            answered += 1
            assert answered < 200
        assert "全部27项已作答完毕" in office.last()["text"]
        assert answered == sum(len(t.criteria) for t in engine.rubric.tables["party"].tasks)

        # review, open task 6, change its first criterion to full
        await office.say("/review")
        assert "⬜ 第" not in office.last()["text"]  # every task answered (⬜ stays in the legend)
        await office.press("第6项")
        await office.press("修改第1条")
        await office.press(keyboard(office.last())[0]["text"])
        await office.say("/summary")
        summary = office.last()["text"]
        total = int(re.search(r"总分：(\d+)/100", summary).group(1))
        assert total == 100 - 1  # task 6 changed back to full; task 13 still loses 1
        await office.say("/submit")
        mark = api.mark()
        await office.press("确认提交")
        (notice,) = await api.wait_for(lambda c: c.method == "sendMessage" and c.params["chat_id"] == coordinator.id, since=mark)
        assert "清丰县已提交党委表自评" in notice.params["text"]

        done = office.last()
        await office.press("下载打分表", done)
        await office.press("下载自查报告", done)
        uploads = {u.filename: u.data for u in api.uploads}
        sheet_name = next(n for n in uploads if n.endswith(".xlsx"))
        report_name = next(n for n in uploads if n.endswith(".docx"))
        sheet = openpyxl.load_workbook(io.BytesIO(uploads[sheet_name])).active
        cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        assert any("审查记录不完整" in c for c in cells)
        assert str(total) in cells or float(total) in [c for row in sheet.iter_rows(values_only=True) for c in row]
        report = docx.Document(io.BytesIO(uploads[report_name]))
        assert any("清丰县" in p.text for p in report.paragraphs)

        # locked after submission
        replies = await office.say("/score")
        assert "已于" in replies[-1]["text"] or "已提交" in replies[-1]["text"]


def _bot_process(api_url: str, db_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_BASE_URL": api_url,
        "DATABASE_URL": db_url,
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.shells.cli", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def test_killed_bot_continues_at_the_same_question(tmp_path, rubric):
    """SIGKILL the bot between two answers, start a new process on the same database."""
    db_url = f"sqlite:///{tmp_path / 'bot.storage.db'}"
    db = Database(make_engine(db_url))
    upgrade(db.engine)
    service = SelfCheck(rubric)
    code = db.call(lambda s: service.create_invite(s, "南乐县", "government", 1, None)).code
    with FakeBotAPI.run_in_thread() as server:
        api = server.api
        user = api.user(601, "南乐县政府办")
        bot = _bot_process(server.base_url, db_url)
        try:
            def say(text: str) -> dict:
                mark = api.mark()
                api.send_text(user, text)
                api.wait_for_sync(lambda c: c.method == "sendMessage" and "reply_markup" in c.params, since=mark, timeout=30)
                return api.sent_messages(user.id)[-1]

            def press(label: str) -> dict:
                message = api.sent_messages(user.id)[-1]
                button = next(b for b in keyboard(message) if b["text"].startswith(label))
                mark = api.mark()
                api.press_button(user, message, button["callback_data"])
                api.wait_for_sync(lambda c: c.method == "sendMessage" and "reply_markup" in c.params, since=mark, timeout=20)
                return api.sent_messages(user.id)[-1]

            assert "已加入“南乐县”" in say(f"/start {code}")["text"]
            first = say("/score")
            assert "检查标准 1/3" in first["text"]
            press("")  # the best level of the first criterion
            second = keyboard(api.sent_messages(user.id)[-1])
            prompt = press(second[1]["text"])  # below full: the bot asks for the problem
            assert "说明存在的问题" in prompt["text"]
            mark = api.mark()
            api.send_text(user, "年度重点工作未按时确定")
            api.wait_for_sync(lambda c: c.method == "sendMessage" and "整改措施" in c.params.get("text", ""), since=mark, timeout=20)
        finally:
            bot.send_signal(signal.SIGKILL)
            bot.wait(timeout=10)

        rows = db.call(lambda s: s.exec(select(CriterionAnswer).order_by(CriterionAnswer.criterion)).all())
        assert [(r.task_no, r.criterion) for r in rows] == [(1, 0), (1, 1)]
        assert rows[1].problem == "年度重点工作未按时确定"

        bot = _bot_process(server.base_url, db_url)
        try:
            mark = api.mark()
            api.send_text(user, "/score")
            api.wait_for_sync(lambda c: c.method == "sendMessage" and c.params.get("chat_id") == user.id, since=mark, timeout=30)
            resumed = api.sent_messages(user.id)[-1]
            assert "请填写整改措施" in resumed["text"]  # the same question, nothing asked twice
            mark = api.mark()
            api.send_text(user, "印发年度重点工作安排")
            api.wait_for_sync(lambda c: c.method == "sendMessage" and "责任领导" in c.params.get("text", ""), since=mark, timeout=20)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=20)
        rows = db.call(lambda s: s.exec(select(CriterionAnswer).order_by(CriterionAnswer.criterion)).all())
        assert rows[1].problem == "年度重点工作未按时确定" and rows[1].measure == "印发年度重点工作安排"
        assert db.call(lambda s: s.exec(select(Evidence)).all()) == []


@pytest.mark.asyncio
async def test_files_asked_mid_question_come_before_the_prompt_it_returns_to(engine, db):
    """/files sent while a rectification detail is asked: the two files arrive, and the prompt
    comes back after them, as the last message, so the next typed line answers it."""
    service = SelfCheck(engine.rubric)
    code = db.call(lambda s: service.create_invite(s, "南乐县", "party", 1, None)).code
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        office = Office(api, api.user(502, "南乐县委办"))
        await office.say(f"/start {code}")
        await office.say("/score")
        buttons = [b["text"] for b in keyboard(office.last()) if "·" in b["text"]]
        await office.press(buttons[-1])  # zero points: the problem is asked for
        assert "请用一两句话说明存在的问题" in office.last()["text"]
        mark = api.mark()
        api.send_text(office.user, "/files")
        await api.wait_for(lambda c: c.method == "sendDocument", since=mark, count=2)
        await api.wait_for(lambda c: c.method == "sendMessage" and "请用一两句话说明存在的问题" in c.params.get("text", ""), since=mark)
        sent = [c for c in api.calls[mark:] if c.method in ("sendMessage", "sendDocument") and c.params.get("chat_id") == office.user.id]
        assert [c.method for c in sent[-3:]] == ["sendDocument", "sendDocument", "sendMessage"]
        assert "请用一两句话说明存在的问题" in sent[-1].params["text"]
        replies = await office.say("会议记录不全")
        assert "已保存存在问题" in replies[0]["text"]
