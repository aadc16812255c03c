"""A county office scores through the real Application and the fake Bot API, on a 2026 clock:
typed 跳过 and 无 are not answers, a question mid-flow is answered and the prompt comes back, so
does it after /task, 长期坚持 is a deadline, /start says where the unit stands, "我们单位还有哪些扣分"
is its summary, rectification details change without the level; evidence goes to the self-check
or to the rectification item it was sent for, and the coordinator opens both. SQLite and
PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402
from test_scoring_e2e import Office, keyboard  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.models import CriterionAnswer, Evidence  # noqa: E402

COORDINATOR = 9000
pytestmark = pytest.mark.asyncio


def service_2026(engine) -> SelfCheck:
    clock = FakeClock(dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.timezone.utc))  # 09:00 in Shanghai
    return SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({COORDINATOR}), round_="2026")


def texts_of(replies: list[dict]) -> list[str]:
    return [r.get("text") or r.get("caption") or "" for r in replies]


async def until(office: Office, text: str, contains: str, timeout: float = 5.0) -> list[str]:
    """Send ``text``; wait for the reply that contains ``contains``; every text sent since."""
    api, chat = office.api, office.user.id
    mark = api.mark()
    api.send_text(office.user, text)
    await api.wait_for(
        lambda c: c.method == "sendMessage" and c.params.get("chat_id") == chat and contains in c.params.get("text", ""),
        since=mark, timeout=timeout,
    )
    return [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage" and c.params.get("chat_id") == chat]


async def press_until(office: Office, on: str, label: str, contains: str) -> list[str]:
    """Press ``label`` on the latest message that says ``on``; wait for a reply with ``contains``."""
    api, chat = office.api, office.user.id
    message = next(m for m in reversed(api.sent_messages(chat)) if on in m.get("text", ""))
    button = next(b for b in keyboard(message) if b["text"].startswith(label))
    mark = api.mark()
    api.press_button(office.user, message, button["callback_data"])
    await api.wait_for(
        lambda c: c.method == "sendMessage" and c.params.get("chat_id") == chat and contains in c.params.get("text", ""), since=mark
    )
    return [c.params["text"] for c in api.calls[mark:] if c.method == "sendMessage" and c.params.get("chat_id") == chat]


def first_answer(db) -> CriterionAnswer:
    return db.call(lambda s: s.exec(select(CriterionAnswer).where(CriterionAnswer.task_no == 1, CriterionAnswer.criterion == 0)).one())


async def test_typed_text_goes_where_it_belongs(engine, db):
    service = service_2026(engine)
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 2, None)).code
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        office = Office(api, api.user(701, "华龙区办"))
        await office.say(f"/start {code}")
        (standing, *_) = await until(office, "/start", "您可以这样问我")
        assert "您已绑定“华龙区”，身份：党委" in standing and "党委表自评尚未开始" in standing

        await until(office, "/score", "检查标准 1/3")
        levels = [b["text"] for b in keyboard(office.last()) if "·" in b["text"]]
        prompt = texts_of(await office.press(levels[-1]))[-1]  # 未听取 · 0分
        assert "请用一两句话说明存在的问题" in prompt

        # a question mid-flow: answered by the engine, then the prompt again; nothing saved
        *answer, again = await until(office, "这一条的未制定是指什么", "请继续填写整改信息")
        assert answer and not any("已保存" in t for t in answer)
        assert "请继续填写整改信息" in again and "请用一两句话说明存在的问题" in again
        assert first_answer(db).problem is None

        (skipped,) = texts_of(await office.say("跳过"))
        assert "已跳过存在问题（未填写）" in skipped and "请填写整改措施" in skipped

        # a detour to /task 1: the card, then the pending prompt
        card, again = await until(office, "/task 1", "请继续填写整改信息")
        assert "【党委表 第1项】" in card and "请填写整改措施" in again

        for typed, expected in (("无", "已跳过整改措施"), ("张书记", "已保存责任领导"), ("没有", "已跳过责任单位"), ("不填", "已跳过责任人")):
            (reply,) = texts_of(await office.say(typed))
            assert expected in reply, typed
        assert "完成时限" in reply and "2020" not in reply
        (reply,) = texts_of(await office.say("长期坚持"))
        assert "已保存完成时限：长期坚持（不设具体日期）" in reply and "检查标准 2/3" in reply
        row = first_answer(db)
        assert (row.problem, row.measure, row.leader, row.resp_unit, row.resp_person) == (None, None, "张书记", None, None)
        assert (row.deadline, row.deadline_text) == (None, "长期坚持")

        # "我们单位还有哪些扣分": the summary, then the question waiting
        *summary, again = await until(office, "我们单位还有哪些扣分", "请继续自评")
        assert any("华龙区 · 党委表 自评汇总" in t and "扣2分" in t for t in summary)
        assert "请继续自评" in again and "检查标准 2/3" in again

        # only the rectification details, from /review, without the level
        await until(office, "/review", "请继续自评")  # the review page, then the question waiting
        page = await press_until(office, "点击任务可查看并修改答案", "第1项", "答案：未听取")
        assert "完成时限：长期坚持" in page[-1] and "责任领导：张书记" in page[-1]
        (reply,) = await press_until(office, "答案：未听取", "修改第1条整改信息", "请用一两句话说明存在的问题")
        assert "无需重新选择档次" in reply and "请用一两句话说明存在的问题" in reply
        await office.say("未按要求听取法治建设汇报")
        (reply,) = texts_of(await office.say("跳过"))
        assert "当前内容：张书记" in reply
        for _ in range(3):
            (reply,) = texts_of(await office.say("跳过"))
        assert "当前内容：长期坚持" in reply
        (reply,) = texts_of(await office.say("年底前"))
        assert "完成时限已记为2026年12月31日（星期四）" in reply
        after = first_answer(db)
        assert (after.level, after.revision, after.problem, after.leader, after.deadline) == (
            row.level, row.revision, "未按要求听取法治建设汇报", "张书记", dt.date(2026, 12, 31),
        )
        (standing, *_) = await until(office, "/start", "您可以这样问我")
        assert "已答 1/" in standing and "尚未提交" in standing and "扣分的检查标准 1 条" in standing


async def _files_to(api: FakeBotAPI, chat_id: int, mark: int, count: int) -> list[dict]:
    calls = await api.wait_for(
        lambda c: c.method in ("sendDocument", "sendPhoto") and c.params.get("chat_id") == chat_id, since=mark, count=count
    )
    return [c.params for c in calls]


async def _reply_to(api: FakeBotAPI, chat_id: int, mark: int) -> str:
    (call,) = await api.wait_for(lambda c: c.method == "sendMessage" and c.params.get("chat_id") == chat_id, since=mark)
    return call.params["text"]


async def test_evidence_goes_to_the_self_check_or_the_item_and_coordinators_open_it(engine, db):
    service = service_2026(engine)
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 2, None)).code
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        user = api.user(702, "华龙区办")
        office = Office(api, user)
        coordinator = Office(api, api.user(COORDINATOR, "市办"))
        await office.say(f"/start {code}")
        await until(office, "/score", "检查标准 1/3")
        mark = api.mark()
        api.send_document(user, "会议记录.pdf", b"%PDF-1.4 minutes")
        assert "归入第1项第1条检查标准" in await _reply_to(api, user.id, mark)
        question = next(m for m in reversed(api.sent_messages(user.id)) if "检查标准 1/3" in m.get("text", ""))
        levels = [b["text"] for b in keyboard(question) if "·" in b["text"]]
        await office.press(levels[-1], question)
        for _ in range(6):
            await office.say("跳过")
        while "·" in "".join(b["text"] for b in keyboard(office.last())):
            await office.press("")  # the best level
        await office.say("/submit")
        await office.press("确认提交")

        # a file for the submitted self-check is not filed into it
        mark = api.mark()
        api.send_document(user, "补充材料.docx", b"PK more")
        refused = await _reply_to(api, user.id, mark)
        assert "“补充材料.docx”没有归入自评材料" in refused and "/rectify" in refused

        # a file sent while reporting the item is the item's
        await until(office, "/rectify", "的整改事项")
        await press_until(office, "的整改事项", "报告完成 1", "请简要说明第1项第1条的整改情况")
        mark = api.mark()
        api.send_photo(user, b"\xff\xd8 photo")
        assert "归入第1项第1条的整改事项" in await _reply_to(api, user.id, mark)
        await until(office, "已印发听取汇报制度", "等待市委依法治市办销号")
        stages = db.call(lambda s: {e.stage: e.file_name for e in s.exec(select(Evidence)).all()})
        assert stages["selfcheck"] == "会议记录.pdf" and stages["rectification"].startswith("照片-") and len(stages) == 2

        # the coordinator opens both from the unit's page
        await until(coordinator, "/progress", "各单位自评进度", timeout=30)
        await press_until(coordinator, "各单位自评进度", "华龙区", "华龙区 · 党委表 自评汇总")
        (index,) = await press_until(coordinator, "华龙区 · 党委表 自评汇总", "佐证材料", "佐证材料（共 2 份）")
        assert "第1项第1条：自评佐证 1 份，整改佐证 1 份" in index
        mark = api.mark()
        await press_until(coordinator, "佐证材料（共 2 份）", "第1项第1条", "第1项第1条的佐证材料共 2 份")
        files = await _files_to(api, COORDINATOR, mark, 2)
        captions = [f.get("caption", "") for f in files]
        assert captions[0].startswith("【自评佐证】第1项第1条") and captions[1].startswith("【整改佐证】第1项第1条")
