"""The field inspection end to end, through the real Application and the fake Bot API server:
a coordinator sets up a group, an inspector joins by invite and inspects a unit that had
self-scored (seeing its self-scores and evidence), marks three criteria down with findings
and submits; the 督察报告 and the ranking are opened and checked; the release reaches the
unit's users and the findings are open items in /rectify. On SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import FakeBotAPI  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.common import texts  # noqa: E402
from bot.common.callbacks import PickLevel  # noqa: E402
from bot.common.reply import User  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402

QUESTION = re.compile(r"【第(\d+)项】.*?检查标准 (\d+)/(\d+)", re.S)
COORDINATOR = 9000
# (task, criterion) → (finding, recommendation): the three criteria the inspectors mark down
LOW = {
    (3, 0): ("未将法治建设纳入发展规划", "在“十四五”规划中列入法治建设专章"),
    (6, 0): ("未制定法治建设指标体系", "年内制定并印发指标体系"),
    (13, 0): ("发文前置审核记录缺失", "建立并落实前置审核登记制度"),
}


def keyboard(message: dict) -> list[dict]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


class Person:
    """Someone in a private chat with the bot."""

    def __init__(self, api: FakeBotAPI, user) -> None:
        self.api, self.user = api, user

    def last(self) -> dict:
        return self.api.sent_messages(self.user.id)[-1]

    def _mine(self, c, expect: str | None, document: bool) -> bool:
        if c.params.get("chat_id") != self.user.id:
            return False
        if document:
            return c.method == "sendDocument"
        if c.method != "sendMessage":
            return False
        return expect in c.params.get("text", "") if expect else "reply_markup" in c.params

    async def say(self, text: str, expect: str | None = None, documents: int = 0) -> list[dict]:
        """Send text; wait for a reply containing ``expect`` (default: one with buttons), and
        for ``documents`` files."""
        mark = self.api.mark()
        self.api.send_text(self.user, text)
        return await self._wait(mark, expect, documents)

    async def press(self, label_start: str, message: dict | None = None, expect: str | None = None, documents: int = 0) -> list[dict]:
        message = message or self.last()
        button = next(b for b in keyboard(message) if b["text"].startswith(label_start))
        mark = self.api.mark()
        self.api.press_button(self.user, message, button["callback_data"])
        return await self._wait(mark, expect, documents)

    async def _wait(self, mark: int, expect: str | None, documents: int) -> list[dict]:
        if documents:
            await self.api.wait_for(lambda c: self._mine(c, None, True), count=documents, since=mark, timeout=40)
        else:
            await self.api.wait_for(lambda c: self._mine(c, expect, False), since=mark, timeout=30)
        return [c.params for c in self.api.calls[mark:] if c.method in ("sendMessage", "sendDocument") and c.params.get("chat_id") == self.user.id]


def self_score_with_evidence(db, sc: SelfCheck, user: User) -> None:
    """华龙区's party office scores every criterion full, except 1.2 (a deduction of its own)."""
    out = db.call(lambda s: sc.start(s, user))
    while True:
        picks = [b.action for a in out.replies for row in a.buttons for b in row if isinstance(b.action, PickLevel)]
        if not picks:
            break
        choice = picks[-1] if (picks[0].task, picks[0].criterion) == (1, 1) else picks[0]
        out = db.call(lambda s, c=choice: sc.pick_level(s, user, c))
        if "请用一两句话说明存在的问题" in "\n".join(a.text for a in out.replies):
            for reply in ("研究记录不完整", "完善常委会会议记录"):
                out = db.call(lambda s, r=reply: sc.text(s, user, r))
            for _ in range(4):
                skip = next(b.action for a in out.replies for row in a.buttons for b in row if b.label == "跳过")
                out = db.call(lambda s, a=skip: sc.navigate(s, user, a))
    ask = db.call(lambda s: sc.submit(s, user))
    confirm = next(b.action for a in ask.replies for row in a.buttons for b in row if b.label == "确认提交")
    db.call(lambda s: sc.assessment_op(s, user, confirm))


@pytest.mark.asyncio
async def test_group_invite_inspect_submit_report_ranking_release_rectify(engine, db):
    rubric = engine.rubric
    party = rubric.tables["party"]
    service = SelfCheck(rubric, admin_ids=frozenset({COORDINATOR}))
    unit_code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 3, None)).code
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        city = Person(api, api.user(COORDINATOR, "市办张主任"))
        office = Person(api, api.user(501, "华龙区委办王科长"))
        colleague = Person(api, api.user(502, "华龙区委办李干事"))
        inspector = Person(api, api.user(601, "第一督察组刘组长"))

        # the unit joins, sends a meeting record as evidence for 1.1, and self-scores
        await office.say(f"/start {unit_code}", expect="已加入“华龙区”")
        await colleague.say(f"/start {unit_code}", expect="已加入“华龙区”")
        await office.say("/score", expect="检查标准 1/")
        mark = api.mark()
        api.send_document(office.user, "常委会会议记录.pdf", b"%PDF-1.4 minutes", caption="2020年上半年常委会记录")
        await api.wait_for(lambda c: c.method == "sendMessage" and "已保存佐证材料" in c.params.get("text", ""), since=mark)
        self_score_with_evidence(db, service, User(office.user.id, "华龙区委办王科长"))

        # a unit's user may not inspect
        refused = await office.say("/inspect", expect="实地督察打分仅限督察组成员")
        assert refused

        # the coordinator sets up the group and invites its member
        made = await city.say("/groups create 第一督察组 华龙区,范县", expect="已将华龙区、范县分配给第一督察组")
        assert any("已设立第一督察组" in m["text"] for m in made)
        await city.say("/groups", expect="【第一督察组】负责：华龙区、范县")
        invite = await city.press("邀请第一督察组成员", expect="已为第一督察组生成邀请码")
        code = re.search(r"/start (\S+)", invite[-1]["text"]).group(1)
        joined = await inspector.say(f"/start {code}", expect="已加入“第一督察组”")
        assert "/inspect" in joined[-1]["text"]

        # the inspector opens 华龙区's party table: the unit's own answer and evidence come first
        listing = await inspector.say("/inspect")
        assert "华龙区·党委" in listing[-1]["text"] and "清丰县" not in listing[-1]["text"]
        await inspector.press("华龙区·党委")
        first = inspector.last()
        assert "【第1项】" in first["text"] and "单位自评：听取2次及以上（2分），华龙区委办王科长" in first["text"]
        assert "单位佐证材料 1 份" in first["text"] and "☐ 查看相关会议记录" in first["text"]
        sent = await inspector.press("单位佐证", first, documents=1)
        resent = next(m for m in sent if "document" in m)
        stored = api.file(resent["document"]) if isinstance(resent["document"], str) else None
        assert stored is not None and stored.data == b"%PDF-1.4 minutes"

        # criterion by criterion: agree with the unit, except three marked down with findings
        marked, message = 0, first
        for _ in range(200):
            if "请写明发现的问题" in message["text"]:  # 1.2: the group confirms the unit's own deduction
                await inspector.say("与单位自查一致：研究记录不完整", expect="请提出整改意见")
                await inspector.press("跳过")
                message = inspector.last()
                continue
            m = QUESTION.search(message["text"])
            if m is None:
                break
            key = (int(m.group(1)), int(m.group(2)) - 1)
            levels = [b["text"] for b in keyboard(message) if "·" in b["text"]]
            if key in LOW:
                finding, advice = LOW[key]
                await inspector.press(levels[-1], message, expect="请写明发现的问题")
                await inspector.say(finding, expect="请提出整改意见")
                await inspector.say(advice)
                marked += 1
            else:
                own = next((label for label in levels if label.endswith("（自评）")), levels[0])
                await inspector.press(own, message)
            message = inspector.last()
        assert marked == 3
        assert "全部27项已督察完毕" in inspector.last()["text"]
        lost_self = party.task(1).criteria[1].points  # the unit's own deduction, which the group confirmed
        lost_found = sum(party.task(t).criteria[c].points for t, c in LOW)
        self_total, own_total = 100 - lost_self, 100 - lost_self - lost_found

        summary = (await inspector.say("/summary", expect="督察汇总"))[-1]["text"]
        assert f"督察得分 {own_total:g}/100　自评得分 {self_total:g}/100　差值：自评偏高{lost_found:g}分" in summary
        diffs = [line for line in summary.splitlines() if line.startswith("· 第")]
        assert len(diffs) == 3 and all("自评偏高2分" in line for line in diffs)
        assert "发现问题 4 条" in summary  # three findings and the deduction the unit found itself

        await inspector.say("/submit", expect="确认提交华龙区党委表的督察结果吗")
        mark = api.mark()
        await inspector.press("确认提交", expect="已提交！")
        (notice,) = await api.wait_for(lambda c: c.method == "sendMessage" and c.params["chat_id"] == COORDINATOR, since=mark)
        assert "第一督察组已提交华龙区党委表的督察结果" in notice.params["text"]
        coordinator_notice = city.last()

        # the 督察报告: totals, differences and findings
        uploaded = len(api.uploads)
        await city.press("督察报告", coordinator_notice, documents=1)
        report_file = api.uploads[uploaded]
        assert report_file.filename.endswith(".docx") and "督察报告" in report_file.filename
        report = docx.Document(io.BytesIO(report_file.data))
        text = "\n".join(p.text for p in report.paragraphs)
        assert f"督察得分{own_total:g}分" in text and f"单位自评得分{self_total:g}分" in text
        for finding, advice in LOW.values():
            assert finding in text and advice in text
        cells = [[c.text for c in row.cells] for t in report.tables for row in t.rows]
        assert ["合计", "100", f"{self_total:g}", f"{own_total:g}", f"+{lost_found:g}"] in cells
        annex = {r[0]: r for r in cells if re.fullmatch(r"\d+\.\d+", r[0] or "")}
        for t, c in LOW:
            assert annex[f"{t}.{c + 1}"][3:] == ["2", "0", "+2", "自评偏高"]
        assert annex["1.2"][5:] == ["0", "一致"]

        # the ranking: the .xlsx and the chart
        uploaded = len(api.uploads)
        ranking = await city.say("/ranking", documents=2)
        assert any("1. 华龙区：督察" in m.get("text", "") for m in ranking)
        files = {f.filename: f.data for f in api.uploads[uploaded:]}
        xlsx = next(data for name, data in files.items() if name.endswith(".xlsx"))
        assert any(name.endswith(".png") for name in files)
        rows = list(openpyxl.load_workbook(io.BytesIO(xlsx))["督察排名"].iter_rows(min_row=3, values_only=True))
        hua = next(r for r in rows if r[1] == "华龙区" and r[2] == "党委表")
        assert hua[0] == 1 and hua[3] == "第一督察组" and hua[4:8] == (self_total, own_total, lost_found, "自评偏高")

        # 反馈: the unit's users get the findings, which become open items in /rectify
        mark = api.mark()
        released = await city.say("/release 华龙区 党委", expect="已向华龙区反馈党委表督察结果")
        assert "4条问题已列入该单位整改事项（完成时限 9月5日）" in released[-1]["text"] and "已通知 2 人" in released[-1]["text"]
        to_unit = await api.wait_for(
            lambda c: c.method == "sendMessage" and c.params["chat_id"] in (office.user.id, colleague.user.id) and "【督察反馈】" in c.params.get("text", ""),
            count=2, since=mark,
        )
        for call in to_unit:
            for finding, advice in LOW.values():
                assert finding in call.params["text"] and advice in call.params["text"]
        items = (await colleague.say("/rectify", expect="华龙区的整改事项"))[-1]
        assert "华龙区的整改事项（5项）" in items["text"]  # its own deduction, and four released findings
        for (t, c), (finding, _) in LOW.items():
            assert f"【督察反馈】第{t}项第{c + 1}条：{finding}" in items["text"]
        assert items["text"].count("状态：待整改") == 5
        assert len([b for b in keyboard(items) if b["text"].startswith("报告完成")]) == 5

        # and they count in the unit's 整改报告 (issue 8's deliverable), beside its own item
        uploaded = len(api.uploads)
        await colleague.press(texts.RR_FILE_BUTTON, colleague.last(), documents=1)
        rr = docx.Document(io.BytesIO(api.uploads[uploaded].data))
        rr_text = "\n".join(p.text for p in rr.paragraphs)
        assert "和督察组反馈的问题共梳理整改事项5项" in rr_text
        rr_cells = [[c.text for c in row.cells] for t in rr.tables for row in t.rows]
        for (t, c), (finding, advice) in LOW.items():
            row = next(r for r in rr_cells if r[1] == f"【督察反馈】第{t}项第{c + 1}条")
            assert row[2:4] == [finding, advice] and row[7].endswith("9月5日") and row[8] == f"已逾期（时限{row[7]}）"  # the campaign clock is past 9月5日
