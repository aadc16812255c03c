"""The field inspection on the command line: groups, inspector invites, the 督察报告, the ranking."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from bot.shells.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def sqlite_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DUCHA_ADMIN_IDS", raising=False)
    return tmp_path


def test_groups_on_the_command_line():
    made = runner.invoke(app, ["group", "create", "第一督察组", "--units", "华龙区,范县"])
    assert made.exit_code == 0 and "已设立第一督察组" in made.stdout and "已将华龙区、范县分配给第一督察组" in made.stdout
    taken = runner.invoke(app, ["group", "create", "第二督察组", "--units", "范县"])
    assert taken.exit_code == 2 and "范县本轮已分配给第一督察组" in taken.output
    listed = runner.invoke(app, ["group", "list"])
    assert "【第一督察组】负责：华龙区、范县" in listed.stdout and "第二督察组" not in listed.stdout  # refused whole
    runner.invoke(app, ["group", "create", "第二督察组"])
    assert runner.invoke(app, ["group", "unassign", "第一督察组", "--units", "范县"]).exit_code == 0
    assert runner.invoke(app, ["group", "assign", "第二督察组", "--units", "范县"]).exit_code == 0
    assert "【第二督察组】负责：范县" in runner.invoke(app, ["group", "list"]).stdout
    unknown = runner.invoke(app, ["group", "assign", "第九督察组", "--units", "清丰县"])
    assert unknown.exit_code == 2 and "没有“第九督察组”" in unknown.output
    log = runner.invoke(app, ["audit"]).stdout
    assert "成立督察组" in log and "撤回督察组分派" in log and "命令行" in log


def test_group_list_tells_the_operator_the_command_line_way():
    """`ducha group list` used to tell the operator to 点“邀请成员” and to type /groups."""
    none = runner.invoke(app, ["group", "list"]).stdout
    assert "ducha group create 第一督察组 --units" in none and "/groups" not in none
    runner.invoke(app, ["group", "create", "第一督察组", "--units", "华龙区"])
    listed = runner.invoke(app, ["group", "list"]).stdout
    assert "ducha invite create --group 第一督察组 --role inspector" in listed
    assert "邀请成员" not in listed and "/groups" not in listed, listed


def test_inspector_invites_name_a_group():
    runner.invoke(app, ["group", "create", "第一督察组", "--units", "华龙区"])
    made = runner.invoke(app, ["invite", "create", "--group", "第一督察组", "--role", "inspector", "--uses", "3", "--bot", "ducha_bot"])
    assert made.exit_code == 0
    code = made.stdout.splitlines()[0]
    assert f"https://t.me/ducha_bot?start={code}" in made.stdout
    assert runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "inspector"]).exit_code == 2
    assert runner.invoke(app, ["invite", "create", "--group", "第一督察组", "--role", "party"]).exit_code == 2
    nogroup = runner.invoke(app, ["invite", "create", "--group", "第三督察组", "--role", "inspector"])
    assert nogroup.exit_code == 2 and "没有“第三督察组”" in nogroup.output


def test_report_and_ranking_files(tmp_path, rubric):
    from bot.common.callbacks import InspectLevel, InspectOp
    from bot.common.reply import User
    from bot.inspection.service import InspectionService
    from bot.scoring.selfcheck import SelfCheck
    from bot.storage.db import Database

    runner.invoke(app, ["group", "create", "第一督察组", "--units", "华龙区"])
    code = runner.invoke(app, ["invite", "create", "--group", "第一督察组", "--role", "inspector"]).stdout.splitlines()[0]
    db = Database.from_env()
    sc = SelfCheck(rubric)
    service = InspectionService.beside(sc)
    liu = User(301, "刘组长")
    db.call(lambda s: sc.bind(s, liu, code))
    listing = db.call(lambda s: service.inspect(s, liu))
    out = db.call(lambda s: service.op(s, liu, next(b.action for a in listing.replies for row in a.buttons for b in row if b.label == "华龙区·党委")))
    while True:
        picks = [b.action for a in out.replies for row in a.buttons for b in row if isinstance(b.action, InspectLevel)]
        if not picks:
            break
        out = db.call(lambda s, p=picks[0]: service.pick_level(s, liu, p))
    ask = db.call(lambda s: service.submit(s, liu))
    db.call(lambda s: service.op(s, liu, InspectOp("confirm", ask.replies[0].buttons[0][0].action.id)))
    missing = runner.invoke(app, ["export", "--unit", "范县", "--table", "party", "--report", "inspection"])
    assert missing.exit_code == 2 and "没有找到范县党委表的督察" in missing.output
    written = runner.invoke(app, ["export", "--unit", "华龙区", "--table", "party", "--report", "inspection", "--out", str(tmp_path / "r.docx")])
    assert written.exit_code == 0, written.output
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs)
    assert "华龙区实地督察报告" in text and "督察得分100分" in text and "单位本轮未完成自评" in text
    ranked = runner.invoke(app, ["ranking", "--out", str(tmp_path / "out")])
    assert ranked.exit_code == 0 and "1. 华龙区：督察 100" in ranked.stdout
    xlsx = next((tmp_path / "out").glob("*.xlsx"))
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))["督察排名"].iter_rows(min_row=3, values_only=True))
    assert rows[0][:3] == (1, "华龙区", "党委表") and rows[0][5] == 100


def test_the_terminal_runs_the_same_registered_inspection(tmp_path, rubric):
    """`ducha chat --user`: the registry's /inspect, buttons, typed findings, /summary and
    /help behave as in Telegram; a unit's user is refused."""
    from bot.qa.engine import Engine
    from bot.scoring.selfcheck import SelfCheck
    from bot.shells.terminal import ChatSession
    from bot.storage.db import Database

    runner.invoke(app, ["group", "create", "第一督察组", "--units", "华龙区"])
    code = runner.invoke(app, ["invite", "create", "--group", "第一督察组", "--role", "inspector"]).stdout.splitlines()[0]
    unit_code = runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party"]).stdout.splitlines()[0]
    db, engine = Database.from_env(), Engine(rubric)
    chat = ChatSession(engine, db=db, selfcheck=SelfCheck(rubric), user_name="刘组长", out_dir=tmp_path)
    assert "已加入“第一督察组”" in chat.handle(f"/start {code}")
    assert "督察组成员命令" in chat.handle("/help") and "/inspect" in chat.handle("/help")
    import re

    def number(shown: str, label: str) -> str:
        return re.search(r"\[(\d+)\] " + re.escape(label), shown).group(1)

    listing = chat.handle("/inspect")
    question = chat.handle(number(listing, "华龙区·党委"))
    assert "【第1项】" in question and "单位自评：本轮尚未开始自评" in question
    assert "请写明发现的问题" in chat.handle(number(question, "未听取 · 0分"))
    assert "请提出整改意见" in chat.handle("未听取法治建设汇报")
    assert "【第1项】" in chat.handle("每半年听取一次汇报")
    summary = chat.handle("/summary")
    assert "华龙区 · 党委表 督察汇总（第一督察组）" in summary and "发现问题 1 条" in summary
    unit = ChatSession(engine, db=db, selfcheck=SelfCheck(rubric), user_name="王科长", out_dir=tmp_path)
    unit.handle(f"/start {unit_code}")
    assert "实地督察打分仅限督察组成员" in unit.handle("/inspect")
    assert "仅限市委依法治市办协调员" in unit.handle("/ranking")
    from sqlmodel import select

    from bot.storage.models import AuditEntry

    refused = db.call(lambda s: s.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all())
    assert [r.actor for r in refused] == ["王科长", "王科长"] and "unit user" in refused[0].detail
