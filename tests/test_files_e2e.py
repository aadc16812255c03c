"""A coordinator's /files through the fake Bot API when Telegram no longer knows one evidence
file (a new bot token, a backup restored under another bot): the other files still arrive and
the lost one is named, instead of 出了点问题 and nothing after it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import FakeBotAPI  # noqa: E402
from test_scoring_e2e import Office, keyboard  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.scoring.selfcheck import SelfCheck  # noqa: E402

pytestmark = pytest.mark.asyncio
ADMIN = 9000


async def test_an_evidence_file_telegram_lost_is_named_and_the_rest_arrive(engine, db):
    service = SelfCheck(engine.rubric, admin_ids=frozenset({ADMIN}))
    code = db.call(lambda s: service.create_invite(s, "清丰县", "party", 1, None)).code
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        office = Office(api, api.user(501, "清丰县委办"))
        await office.say(f"/start {code}")
        await office.say("/score")
        question = office.last()
        first = [b["text"] for b in keyboard(question) if "·" in b["text"]][0]
        mark = api.mark()
        api.send_document(office.user, "会议纪要.pdf", b"%PDF-1.4 minutes")
        await api.wait_for(lambda c: c.method == "sendMessage" and c.params.get("chat_id") == 501, since=mark)
        api.send_document(office.user, "学习记录.pdf", b"%PDF-1.4 notes")
        await api.wait_for(lambda c: c.method == "sendMessage" and c.params.get("chat_id") == 501, count=2, since=mark)
        await office.press(first, question)
        with db.engine.begin() as conn:  # the first file's id is from another bot
            conn.execute(text("UPDATE evidence SET file_id = 'BQACAgUAAxkBAAIGone' WHERE file_name = '会议纪要.pdf'"))

        coord = Office(api, api.user(ADMIN, "市办张主任"))
        mark = api.mark()
        api.send_text(coord.user, "/files 清丰县 党委")
        api.send_text(coord.user, "/zz_end")  # handled in order: its reply ends the step
        await api.wait_for(lambda c: c.method == "sendMessage" and "我不认识这个命令" in c.params.get("text", ""), since=mark, timeout=20)
        sent = [c for c in api.calls[mark:] if c.params.get("chat_id") == ADMIN and c.method in ("sendMessage", "sendDocument")]
        words = "\n".join(c.params.get("text") or c.params.get("caption") or "" for c in sent)
        assert "出了点问题" not in words
        assert "“会议纪要.pdf”无法发送" in words
        delivered = [c for c in sent if c.method == "sendDocument" and c.ok]
        assert len(delivered) == 3  # the score sheet, the report draft and 学习记录.pdf
        assert "学习记录.pdf" in (delivered[-1].params.get("caption") or "")
