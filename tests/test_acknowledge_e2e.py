"""收到 through the real Application and the fake Bot API server: after a press the message's
button says it counted, and an old 收到 (on the notice or on a 催办 of it) pressed again says
politely when it was confirmed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402
from test_dispatch_e2e import ADMIN_ID, bind_many, fast_limiter  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.common.callbacks import CoordOp  # noqa: E402
from bot.coordination.service import Coordination  # noqa: E402
from bot.scoring.selfcheck import SelfCheck, User  # noqa: E402
from bot.storage.models import Broadcast  # noqa: E402

pytestmark = pytest.mark.asyncio


def keyboard(message: dict) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def test_an_acknowledged_notice_shows_so_and_an_old_button_says_when(engine, db, clock: FakeClock):
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({ADMIN_ID}))
    coordination = Coordination(service)
    admin = User(ADMIN_ID, "市办")
    db.call(lambda s: service.person(s, admin))
    (uid, other) = bind_many(db, service, 2)
    async with FakeBotAPI() as api, running_bot(api, engine, db, service) as app:
        dispatcher = app.bot_data["dispatcher"]
        dispatcher.limiter = fast_limiter()
        made = db.call(lambda s: coordination.create_broadcast(s, admin, "all", "请各单位报送自查报告"))
        await dispatcher.tick(app.bot, clock())
        # a 催办 before anyone answered: the recipient now has two 收到 for the same notice
        db.call(lambda s: coordination.op(s, admin, CoordOp("bc_nudge", made.id)))
        clock.advance(minutes=5)
        await dispatcher.tick(app.bot, clock())
        notice, nudge = [m for m in api.sent_messages(uid) if "收到" in keyboard(m)]
        assert nudge["text"].startswith("【催办】")
        user = api.user(uid, "用户")

        mark = api.mark()
        api.press_button(user, notice, notice["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        (answer,) = await api.wait_for("answerCallbackQuery", since=mark)
        assert answer.params["text"] == "已确认收到，谢谢！"
        await api.wait_for("editMessageReplyMarkup", since=mark)
        assert keyboard(api.message(notice["message_id"])) == ["✅ 已确认收到（8月3日 09:05）"]

        # the old 收到 under the 催办, and the new button itself, say it was already confirmed
        for message in (nudge, api.message(notice["message_id"])):
            mark = api.mark()
            api.press_button(user, message, message["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
            (answer,) = await api.wait_for("answerCallbackQuery", since=mark)
            assert answer.params["text"] == "您已于8月3日 09:05确认收到，无需再次确认，谢谢！"
        await api.wait_for(lambda c: c.method == "editMessageReplyMarkup" and c.params["message_id"] == nudge["message_id"])
        assert keyboard(api.message(nudge["message_id"])) == ["✅ 已确认收到（8月3日 09:05）"]
        # the other recipient's 收到 is untouched
        assert [keyboard(m) for m in api.sent_messages(other)][-1] == ["收到"]
    kinds = db.call(lambda s: sorted(b.kind for b in s.exec(select(Broadcast)).all()))
    assert kinds == ["notice", "nudge"]
