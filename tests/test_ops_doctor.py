"""`ducha doctor`: each check says in Chinese what is right or wrong; a failure exits 1."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402

from bot.ops.doctor import Doctor, Status  # noqa: E402
from bot.shells.cli import app  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.models import PhaseDate  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def api():
    with FakeBotAPI.run_in_thread(bot_username="ducha_city_bot") as thread:
        yield thread.api


@pytest.fixture
def env(tmp_path, monkeypatch, api):
    for key in list(os.environ):
        if key.startswith(("TELEGRAM_", "DUCHA_")):
            monkeypatch.delenv(key)
    values = dict(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_BASE_URL=api.base_url, DUCHA_ADMIN_IDS="9000",
        DATABASE_URL=f"sqlite:///{tmp_path / 'doctor.db'}", DUCHA_DATA_DIR=str(tmp_path / "data"), NO_PROXY="*",
    )
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def lines(result) -> dict[str, str]:
    return {line[2:].split("：", 1)[0]: line for line in result.output.splitlines() if line[:1] in "✔⚠✘"}


def this_years_calendar(url: str) -> None:
    """The coordinators set this round's dates in this year."""
    today = dt.date.today()
    days = [today + dt.timedelta(days=n) for n in (1, 20, 21, 40, 41, 60, 61, 80)]
    db = Database.from_env({"DATABASE_URL": url})
    phases = ("prepare", "self_check", "field_inspection", "rectification")
    db.call(lambda s: [s.merge(PhaseDate(round="2020", phase=p, start=days[2 * i], end=days[2 * i + 1], updated_by="市办"))
                       for i, p in enumerate(phases)])
    db.engine.dispose()


def test_a_healthy_set_up_passes_every_check(env):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    this_years_calendar(env["DATABASE_URL"])
    result = runner.invoke(app, ["doctor"])
    found = lines(result)
    assert result.exit_code == 0, result.output
    assert "@ducha_city_bot" in found["机器人令牌"] and found["机器人令牌"].startswith("✔")
    assert found["数据库"].startswith("✔") and "最新版本" in found["数据库"]
    assert found["本轮日历"].startswith("✔") and "顺序正确" in found["本轮日历"]
    assert found["数据文件夹"].startswith("✔") and found["配置"].startswith("✔")
    assert found["中文字体"][0] in "✔⚠"  # charts fall back to codes without one
    assert DEFAULT_TOKEN not in result.output


def test_problems_are_explained_and_exit_1(env, monkeypatch, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAThisTokenIsNotKnownToTheServer_xyz")
    monkeypatch.setenv("DUCHA_DATA_DIR", "/proc/no-such-place")
    result = runner.invoke(app, ["doctor"])
    found = lines(result)
    assert result.exit_code == 1
    assert found["机器人令牌"].startswith("✘") and "拒绝了令牌" in found["机器人令牌"]
    assert found["数据库"].startswith("⚠") and "尚未建立" in found["数据库"]
    assert found["本轮日历"].startswith("✘") and "2020" in found["本轮日历"]  # the notice's template dates
    assert found["数据文件夹"].startswith("✘") and "不可写" in found["数据文件夹"]
    assert "项未通过" in result.output.splitlines()[-1]
    assert "AAThisTokenIsNotKnown" not in result.output


def test_phases_out_of_order_are_named(env):
    runner.invoke(app, ["db", "upgrade"])
    this_years_calendar(env["DATABASE_URL"])
    db = Database.from_env({"DATABASE_URL": env["DATABASE_URL"]})
    early = dt.date.today() + dt.timedelta(days=5)
    db.call(lambda s: s.merge(PhaseDate(round="2020", phase="field_inspection", start=early, end=early + dt.timedelta(days=3), updated_by="x")))
    db.engine.dispose()
    checks = Doctor(lambda settings: {"username": "b", "id": 1}).run()
    calendar = next(c for c in checks if c.title == "本轮日历")
    assert calendar.status is Status.fail and "顺序不对" in calendar.detail


def test_a_database_that_does_not_answer_fails(env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:secret-pw@127.0.0.1:9/none")
    checks = Doctor(lambda settings: {"username": "b", "id": 1}).run()
    db = next(c for c in checks if c.title == "数据库")
    assert db.status is Status.fail and "无法连接" in db.detail and "secret-pw" not in db.detail
