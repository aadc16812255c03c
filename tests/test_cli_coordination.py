"""The coordinators' command line: calendar, reminders, broadcasts, progress, audit."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.shells.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def sqlite_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return tmp_path


def test_campaign_show_and_set():
    shown = runner.invoke(app, ["campaign", "show"])
    assert shown.exit_code == 0 and "自查阶段：8月1日 至 8月10日" in shown.stdout and "迎接督察阶段：未设定日期" in shown.stdout
    # 2020 has passed: the command line asks for --yes instead of setting it
    asked = runner.invoke(app, ["campaign", "set", "central_inspection", "--start", "2020-09-14", "--end", "2020-09-18"])
    assert asked.exit_code == 2 and "2020年9月14日已经过去" in asked.stdout and "--yes" in asked.output
    changed = runner.invoke(app, ["campaign", "set", "central_inspection", "--start", "2020-09-14", "--end", "2020-09-18", "--yes"])
    assert changed.exit_code == 0 and "迎接督察阶段：9月14日 至 9月18日" in changed.stdout
    bad = runner.invoke(app, ["campaign", "set", "self_check", "--start", "2020-08-10", "--end", "2020-08-01"])
    assert bad.exit_code == 2
    unknown = runner.invoke(app, ["campaign", "set", "holiday", "--start", "2020-08-10"])
    assert unknown.exit_code == 2
    log = runner.invoke(app, ["audit"])
    assert "设定阶段日期  迎接督察阶段 2020-09-14 至 2020-09-18" in log.stdout


def test_remind_list_counts_recipients():
    from bot.storage.db import Database
    from bot.storage.models import Person

    db = Database.from_env()
    db.call(lambda s: s.add(Person(user_id=42, name="甲", unit="华龙区", role="party")))
    listed = runner.invoke(app, ["remind", "list", "--now", "2020-07-30T08:00"])
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("2020-07-31 09:00")
    # the T-3 reminder of the self-check report goes to the one unit that owes it
    assert any(line.startswith("2020-08-07 09:00") and "1人" in line for line in lines)
    assert "迎接督察阶段未设定日期" in listed.stdout


def test_remind_list_says_which_reminders_did_not_reach_whom():
    """A T-1 reminder Telegram could not be reached for all day: listed the next morning as
    not delivered, with the units and why; one still retrying says when it is tried next."""
    import datetime as dt

    from bot.storage.db import Database
    from bot.storage.models import Person, ReminderDelivery

    db = Database.from_env()
    at = dt.datetime(2020, 8, 7, 1, 0, tzinfo=dt.timezone.utc)  # 8月7日 09:00, T-3 of the self-check report
    until = dt.datetime(2020, 8, 7, 14, 0, tzinfo=dt.timezone.utc)

    def fill(s):
        for uid, unit in ((42, "华龙区"), (43, "范县"), (44, "清丰县")):
            s.add(Person(user_id=uid, name=f"用户{uid}", unit=unit, role="party"))
        for uid, unit, state, error in ((42, "华龙区", "failed", "unreachable: NetworkError: ConnectError"), (43, "范县", "sent", None), (44, "清丰县", "unknown", "unconfirmed: TimedOut")):
            s.add(ReminderDelivery(key=f"deadline-3:self_check_report:2020-08-07:{uid}", rule="deadline-3", phase="self_check", user_id=uid, unit=unit,
                                   due_at=at, state=state, error=error, retry_until=until, deferrals=30 if state == "failed" else 0))

    db.call(fill)
    listed = runner.invoke(app, ["remind", "list", "--now", "2020-08-08T09:00"])
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    [i] = [n for n, line in enumerate(lines) if line.startswith("2020-08-07 09:00     3人  截止前3天提醒")]
    assert lines[i + 1].strip() == (
        "已送达 1 人；未送达 1 人（华龙区）：一直无法连接 Telegram（已自动重试至截止时间） 1 人；提醒只在8月7日 22:00前发送，不会迟发；"
        "状态未知 1 人（清丰县）：发送时连接中断，可能已收到，不会自动重发"
    )


def test_remind_run_due_needs_a_token():
    result = runner.invoke(app, ["remind", "run-due"])
    assert result.exit_code == 2 and "TELEGRAM_BOT_TOKEN" in result.output


def test_broadcast_refusals_before_anything_is_sent():
    empty = runner.invoke(app, ["broadcast", "send", "--text", "通知", "--audience", "all"])
    assert empty.exit_code == 2 and "没有符合条件的接收人" in empty.output
    html = runner.invoke(app, ["broadcast", "send", "--text", "<b>坏", "--audience", "all"])
    assert html.exit_code == 2 and "格式有误" in html.output
    past = runner.invoke(app, ["broadcast", "send", "--text", "通知", "--audience", "all", "--at", "2000-01-01T09:00"])
    assert past.exit_code == 2 and "已过" in past.output
    missing = runner.invoke(app, ["broadcast", "status", "999"])
    assert missing.exit_code == 2


def test_broadcast_scheduled_from_the_command_line(monkeypatch):
    runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party"])
    from bot.storage.db import Database
    from bot.storage.models import Person

    db = Database.from_env()
    db.call(lambda s: s.add(Person(user_id=42, name="甲", unit="华龙区", role="party")))
    made = runner.invoke(app, ["broadcast", "send", "--text", "明早开会", "--audience", "unit:华龙区", "--at", "2099-01-01T09:00"])
    assert made.exit_code == 0, made.output
    broadcast_id = int(made.stdout.strip().splitlines()[0])
    status = runner.invoke(app, ["broadcast", "status", str(broadcast_id)])
    assert "排队 1" in status.stdout and "尚未确认的单位：华龙区" in status.stdout


def test_progress_writes_chart_and_table(sqlite_env):
    from bot.storage.db import Database
    from bot.storage.models import Person

    db = Database.from_env()
    db.call(lambda s: s.add(Person(user_id=42, name="甲", unit="华龙区", role="party")))
    result = runner.invoke(app, ["progress", "--out", str(sqlite_env / "out")])
    assert result.exit_code == 0, result.output
    assert "华龙区·党委表：绑定1人，已答0/56，未提交" in result.stdout
    assert (sqlite_env / "out").is_dir() and len(list((sqlite_env / "out").iterdir())) == 2
