"""The `ducha` command line, as an operator or a newcomer uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.shells.cli import app

runner = CliRunner()


def test_ask_json_gives_intent_tasks_best_first_and_answer():
    result = runner.invoke(app, ["ask", "--json", "干部任前考法律"])
    assert result.exit_code == 0
    obj = json.loads(result.stdout)
    assert obj["intent"] == "criteria_search"
    assert obj["tasks"][0] == {"table": "party", "no": 21, "title": obj["tasks"][0]["title"]}
    assert "任前" in obj["answer"]


def test_ask_with_table_option():
    obj = json.loads(runner.invoke(app, ["ask", "--json", "--table", "government", "第10项"]).stdout)
    assert [(t["table"], t["no"]) for t in obj["tasks"]] == [("government", 10)]


def test_ask_plain_text():
    result = runner.invoke(app, ["ask", "自查报告哪天交"])
    assert result.exit_code == 0 and "2020年8月10日前" in result.stdout


def test_batch_from_stdin_answers_every_line(tmp_path):
    questions = ["第10项怎么得分", "", "自查报告哪天交", "今天天气怎么样", "县司法局负责哪些任务"]
    result = runner.invoke(app, ["ask", "--json", "--batch", "-"], input="\n".join(questions) + "\n")
    lines = result.stdout.strip().split("\n")
    assert [json.loads(line)["intent"] for line in lines] == [
        "task_lookup", "out_of_scope", "phase_deadline", "out_of_scope", "unit_tasks"
    ]
    path = tmp_path / "q.txt"
    path.write_text("\n".join(questions), encoding="utf-8")
    assert runner.invoke(app, ["ask", "--json", "--batch", str(path)]).stdout.count("\n") == 5


def test_batch_missing_file_is_one_clear_line():
    result = runner.invoke(app, ["ask", "--batch", "/no/such/file"])
    assert result.exit_code == 2 and "找不到文件" in result.output


def test_rubric_validate_and_export():
    result = runner.invoke(app, ["rubric", "validate"])
    assert result.exit_code == 0 and "党委表27项、政府表30项" in result.stdout
    data = json.loads(runner.invoke(app, ["rubric", "export", "--format", "json"]).stdout)
    party = data["tables"]["party"]
    assert len(party["tasks"]) == 27 and party["tasks"][0]["criteria"][0]["levels"][0] == {"label": "听取2次及以上", "points": 2.0}
    assert data["campaign"]["phases"][1]["start"] == "2020-08-01"
    assert data["campaign"]["phases"][4]["start"] is None


def test_rubric_error_is_reported_without_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("DUCHA_RUBRIC_DIR", str(tmp_path))
    result = runner.invoke(app, ["rubric", "validate"])
    assert result.exit_code == 2
    assert "campaign.yaml: file not found" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "token, message",
    [("", "未设置 TELEGRAM_BOT_TOKEN"), ("not-a-token", "格式不正确")],
)
def test_run_without_a_good_token_says_so_in_one_line(monkeypatch, token, message):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_chat_reads_piped_lines_and_buttons_are_numbered_choices():
    """A newcomer's first session: no token, no network, Chinese answers, typed choices."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": ""}
    out = subprocess.run(
        [sys.executable, "-m", "bot.shells.cli", "chat"],
        input="第3项\n1\n法律顾问那条谁负责\n/task 政府 23\n/nonsense\n",
        capture_output=True, text=True, timeout=60, env=env,
    ).stdout
    assert "您好！我是督察工作助手" in out
    assert "[1] 检查标准" in out
    # "1" pressed the first button of the 第3项 answer (which shows both tables): party task 3
    assert "【党委表 第3项】法治建设纳入规划和工作要点" in out.split("您> 1")[1]
    assert "县（区）司法局" in out
    assert "【政府表 第23项】" in out
    assert "我不认识这个命令" in out


# --- self-scoring from the command line -------------------------------------------------


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_every_command_and_option_is_explained_in_chinese():
    """`ducha --help` used to explain doctor, backup and restore (and run's options) in
    English: every command's help and every option's help is Chinese (click's own --help
    line aside)."""
    import re

    from typer.main import get_command

    cjk = re.compile(r"[\u4e00-\u9fff]")
    english = []

    def walk(cmd, path):
        if path and not cjk.search(cmd.help or ""):
            english.append(" ".join(path))
        for p in cmd.params:
            if p.name != "help" and not cjk.search(getattr(p, "help", None) or ""):
                english.append(f"{' '.join(path)} {p.name}")
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, path + [name])

    walk(get_command(app), [])
    assert english == []
    top = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).stdout
    assert "检查配置、令牌" in top and "备份整个数据库" in top and "Check configuration" not in top


def test_db_upgrade_and_invite_create(sqlite_env):
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and "数据库已是最新结构" in result.stdout
    result = runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party", "--uses", "3", "--expires", "7d", "--bot", "ducha_bot"])
    assert result.exit_code == 0, result.output
    code, link = result.stdout.strip().splitlines()[:2]
    assert link == f"https://t.me/ducha_bot?start={code}"
    bad = runner.invoke(app, ["invite", "create", "--unit", "火星区", "--role", "party"])
    assert bad.exit_code == 2 and "没有“火星区”这个单位" in bad.output
    bad = runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party", "--expires", "soon"])
    assert bad.exit_code == 2 and "有效期“soon”无法识别" in bad.output


def test_invite_without_a_bot_username_prints_no_placeholder_link(sqlite_env, monkeypatch):
    """Without --bot, TELEGRAM_BOT_USERNAME or a token, the link used to be printed as
    https://t.me/<bot>?start=…: the code alone, and how to get a link or use the code."""
    for key in ("TELEGRAM_BOT_USERNAME", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party"])
    assert result.exit_code == 0, result.output
    code, hint = result.stdout.strip().splitlines()[:2]
    assert "<bot>" not in result.output and "t.me" not in result.output
    assert "TELEGRAM_BOT_USERNAME" in hint and "--bot" in hint and f"/start {code}" in hint


def test_invite_asks_telegram_for_the_bot_username_when_a_token_is_set(sqlite_env, monkeypatch):
    from fakebotapi import DEFAULT_TOKEN, FakeBotAPI

    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    with FakeBotAPI.run_in_thread(bot_username="puyang_ducha_bot") as thread:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", thread.api.base_url)
        monkeypatch.setenv("NO_PROXY", "*")
        runner.invoke(app, ["db", "upgrade"])
        result = runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party"])
    assert result.exit_code == 0, result.output
    code, link = result.stdout.strip().splitlines()[:2]
    assert link == f"https://t.me/puyang_ducha_bot?start={code}"


def test_terminal_scoring_and_export(sqlite_env):
    """`ducha chat --user`: register, answer, pause; then `ducha export` writes the files."""
    code = runner.invoke(app, ["invite", "create", "--unit", "范县", "--role", "government"]).stdout.split()[0]
    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"]}
    out = subprocess.run(
        [sys.executable, "-m", "bot.shells.cli", "chat", "--user", "范县政府办", "--out", str(sqlite_env / "out")],
        input=f"/start {code}\n/score\n1\n2\n机制不健全\n/file {__file__} 测试材料\n/summary\n",
        capture_output=True, text=True, timeout=60, env=env, cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    assert "已加入“范县”" in out
    assert "已完成 0/30 项" in out
    assert "请用一两句话说明存在的问题" in out or "已记录" in out
    assert "已保存佐证材料“test_cli.py”" in out
    assert "总分：" in out
    result = runner.invoke(app, ["export", "--unit", "范县", "--table", "government", "--format", "xlsx", "--out", str(sqlite_env)])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[0])
    assert path.suffix == ".xlsx" and path.stat().st_size > 1000
    missing = runner.invoke(app, ["export", "--unit", "台前县", "--table", "party", "--format", "docx"])
    assert missing.exit_code == 2 and "没有找到" in missing.output
