"""Members and invites managed by coordinators (issue 8): listed, moved, removed, revoked, in
the chat (/members through the registry) and at the command line; every change audited, and
a removed user can no longer score or see the unit's data."""

from __future__ import annotations

import pytest
from sqlmodel import select
from typer.testing import CliRunner
from test_coordination import ADMIN, WANG, ZHAO, bind, text_of

from dbfixtures import act, refusal_of, refusals
from bot.common.reply import User
from bot.storage.models import AuditEntry

runner = CliRunner()


def audit_actions(db) -> list[str]:
    return db.call(lambda s: [e.action for e in s.exec(select(AuditEntry)).all()])


def test_members_lists_moves_and_removes_and_a_removed_user_is_refused(db, service, coord):
    bind(db, service, WANG, "华龙区")
    bind(db, service, ZHAO, "范县", "government")
    listing = text_of(db.call(lambda s: coord.members.command(s, ADMIN, "")))
    assert "【华龙区】" in listing and "王科长（用户ID 101）党委" in listing and "【范县】" in listing
    only = text_of(db.call(lambda s: coord.members.command(s, ADMIN, "范县")))
    assert "赵主任" in only and "王科长" not in only

    moved = text_of(db.call(lambda s: coord.members.command(s, ADMIN, "move 201 台前县 党委")))
    assert "已将 赵主任 调整为：台前县，身份：党委" in moved
    assert "台前县" in text_of(db.call(lambda s: service.start(s, ZHAO)))

    assert "华龙区 · 党委表" in text_of(db.call(lambda s: service.start(s, WANG)))
    removed = text_of(db.call(lambda s: coord.members.command(s, ADMIN, "remove 101")))
    assert "已移除 王科长" in removed
    for attempt in (lambda s: service.start(s, WANG), lambda s: service.files(s, WANG, "xlsx"), lambda s: coord.rectify(s, WANG)):
        out = act(db, WANG, attempt)
        assert "先绑定" in text_of(out) and not out.files
    assert {"member.move", "member.remove"} <= set(audit_actions(db))
    assert [actor for actor, _ in refusals(db)] == [WANG.id] * 3


def test_members_is_for_coordinators_only(db, service, coord):
    bind(db, service, WANG, "华龙区")
    assert "仅限市委依法治市办" in refusal_of(db, WANG, lambda s: coord.members.command(s, WANG, "remove 101")).text
    assert "refused" in audit_actions(db)


def test_members_refuses_what_it_cannot_do_in_chinese(db, service, coord):
    bind(db, service, WANG, "华龙区")
    assert "没有找到用户ID为 999" in text_of(act(db, ADMIN, lambda s: coord.members.command(s, ADMIN, "remove 999")))
    assert "没有名为“华龙区委”的单位" in text_of(act(db, ADMIN, lambda s: coord.members.command(s, ADMIN, "move 101 华龙区委")))
    assert "DUCHA_ADMIN_IDS" in text_of(act(db, ADMIN, lambda s: coord.members.command(s, ADMIN, "remove 1")))


def test_a_revoked_invite_binds_nobody(db, service, coord):
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 5, None)).code
    listing = text_of(db.call(lambda s: coord.members.command(s, ADMIN, "invites")))
    assert code in listing and "可用" in listing
    assert "已作废" in text_of(db.call(lambda s: coord.members.command(s, ADMIN, f"revoke {code}")))
    assert "无效" in refusal_of(db, User(555, "新人"), lambda s: service.bind(s, User(555, "新人"), code)).text
    assert "invite.revoke" in audit_actions(db)


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)


def test_members_and_invites_at_the_command_line(cli_env):
    from bot.shells.cli import app
    from bot.storage.db import Database
    from bot.storage.models import Person

    made = runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party", "--uses", "3"])
    code = made.stdout.splitlines()[0]
    listed = runner.invoke(app, ["invite", "list"])
    assert listed.exit_code == 0 and code in listed.stdout and "华龙区·党委" in listed.stdout and "已用0/3次" in listed.stdout
    revoked = runner.invoke(app, ["invite", "revoke", code])
    assert revoked.exit_code == 0 and "已作废" in revoked.stdout
    assert "已作废" in runner.invoke(app, ["invite", "list"]).stdout
    assert runner.invoke(app, ["invite", "revoke", "nosuchcode"]).exit_code == 2

    db = Database.from_env()
    db.call(lambda s: s.add(Person(user_id=42, name="甲", unit="华龙区", role="party")))
    assert "甲（用户ID 42）党委" in runner.invoke(app, ["members", "list"]).stdout
    moved = runner.invoke(app, ["members", "move", "42", "--unit", "范县", "--role", "government"])
    assert moved.exit_code == 0 and "范县" in moved.stdout
    bad = runner.invoke(app, ["members", "move", "42", "--unit", "华龙区委"])
    assert bad.exit_code == 2 and "没有名为“华龙区委”的单位" in bad.output
    gone = runner.invoke(app, ["members", "remove", "42"])
    assert gone.exit_code == 0 and "已移除 甲" in gone.stdout
    assert "还没有人绑定" in runner.invoke(app, ["members", "list"]).stdout
    log = runner.invoke(app, ["audit"]).stdout
    assert "42" in log


def test_coordinators_get_a_units_files_and_evidence(db, service, coord):
    from bot.common.callbacks import CoordOp
    from test_coordination import buttons, score_all, submit

    bind(db, service, WANG, "华龙区")
    db.call(lambda s: service.start(s, WANG))
    db.call(lambda s: service.evidence(s, WANG, "document", "FILE-1", "U1", "会议纪要.pdf", 1000, None))
    score_all(db, service, WANG)
    done = submit(db, service, WANG)
    assessment = next(b.action for b in buttons(done)).assessment
    view = db.call(lambda s: coord.op(s, ADMIN, CoordOp("asm_view", assessment)))
    press = next(b.action for b in buttons(view) if b.label == "文件和佐证材料")
    out = db.call(lambda s: coord.op(s, ADMIN, press))
    assert [f.name.rsplit(".", 1)[1] for f in out.files] == ["xlsx", "docx"]
    assert [e.file_id for e in out.resend] == ["FILE-1"] and "佐证材料共1份" in text_of(out)
    refused = act(db, WANG, lambda s: coord.op(s, WANG, press))
    assert "仅限市委依法治市办" in text_of(refused) and not refused.files and not refused.resend


def test_rectify_for_one_unit_counts_what_it_lists_and_a_close_can_be_undone(db, service, coord, clock):
    from test_coordination import buttons, score_all, submit

    bind(db, service, WANG, "华龙区")
    bind(db, service, ZHAO, "范县")
    score_all(db, service, WANG)
    submit(db, service, WANG)
    score_all(db, service, ZHAO)  # never submitted: no items
    assert "范县没有整改事项" in text_of(db.call(lambda s: coord.rectify(s, ADMIN, "范县")))
    page = text_of(db.call(lambda s: coord.rectify(s, ADMIN, "华龙区")))
    assert page.startswith("华龙区的整改事项（2项）") and page.count("第5项第") == 2 and "范县" not in page
    assert "没有名为“华龙区委”的单位" in text_of(db.call(lambda s: coord.rectify(s, ADMIN, "华龙区委")))
    # a unit's user cannot look at another unit by naming it
    assert "范县" not in text_of(db.call(lambda s: coord.rectify(s, WANG, "范县")))

    report = next(b.action for b in buttons(db.call(lambda s: coord.rectify(s, WANG))) if b.label.startswith("报告完成"))
    db.call(lambda s: coord.op(s, WANG, report))
    done = db.call(lambda s: coord.text(s, WANG, "已整改"))
    close = next(b.action for b in done.notices[0].answer.buttons[0] if b.label == "销号")
    db.call(lambda s: coord.op(s, ADMIN, close))
    closed_page = db.call(lambda s: coord.rectify(s, ADMIN, "华龙区"))
    assert "已销号" in text_of(closed_page)
    undo = next(b.action for b in buttons(closed_page) if b.label.startswith("撤销销号"))
    assert "仅限" in refusal_of(db, WANG, lambda s: coord.op(s, WANG, undo)).text
    undone = db.call(lambda s: coord.op(s, ADMIN, undo))
    assert "已撤销销号" in text_of(undone) and WANG.id in {n.user_id for n in undone.notices}
    assert "已报告完成（待销号）" in text_of(db.call(lambda s: coord.rectify(s, WANG)))
    assert "rectification.reopen" in audit_actions(db)


def test_a_file_attached_by_mistake_is_taken_back_by_its_sender_or_a_coordinator(db, service, coord):
    from test_coordination import buttons

    bind(db, service, WANG, "华龙区")
    colleague = User(102, "李干事")
    bind(db, service, colleague, "华龙区")
    db.call(lambda s: service.start(s, WANG))
    saved = db.call(lambda s: service.evidence(s, WANG, "document", "F1", "U1", "错发的文件.pdf", 10, None))
    undo = next(b.action for b in buttons(saved) if b.label == "撤回此文件")
    db.call(lambda s: service.start(s, colleague))
    assert refusal_of(db, colleague, lambda s: coord.op(s, colleague, undo)).text  # not theirs
    assert refusal_of(db, ZHAO, lambda s: coord.op(s, ZHAO, undo)).text
    assert [actor for actor, _ in refusals(db)] == [colleague.id, ZHAO.id]
    done = db.call(lambda s: coord.op(s, WANG, undo))
    assert "已撤回佐证材料“错发的文件.pdf”" in text_of(done)
    assert "已经撤回" in text_of(db.call(lambda s: coord.op(s, WANG, undo)))
    again = db.call(lambda s: service.evidence(s, WANG, "document", "F2", "U2", "另一份.pdf", 10, None))
    by_admin = next(b.action for b in buttons(again) if b.label == "撤回此文件")
    assert "已撤回" in text_of(db.call(lambda s: coord.op(s, ADMIN, by_admin)))
    assert audit_actions(db).count("evidence.remove") == 2
