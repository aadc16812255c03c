"""One calendar: every date the bot speaks is this round's.

The calendar provider (cached, refreshed across processes), the round (DUCHA_ROUND and the
assessments' round), answers, the 督察时间安排 button, reminders, nudges, the .docx and the
help texts, on SQLite and PostgreSQL; the command line through typer's CliRunner.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import event
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock  # noqa: E402

from bot.common.callbacks import ShowPhase  # noqa: E402
from bot.common.reply import User  # noqa: E402
from bot.rounds import RoundMismatch, resolve_round, start_round  # noqa: E402
from bot.coordination.service import Coordination  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.shells.cli import app  # noqa: E402
from bot.storage.models import Assessment  # noqa: E402
from scheduler.calendar import round_calendar  # noqa: E402

runner = CliRunner()
ADMIN = User(1, "市办张主任")
WANG = User(101, "王科长")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def clock():
    # 2026-11-20 09:00 in Shanghai: a coordinator preparing this year's round
    return FakeClock(dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def service(rubric, clock):
    return SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))


@pytest.fixture
def coord(service):
    return Coordination(service)


def text_of(out) -> str:
    return "\n".join(a.text for a in out.replies)


def bind(db, service, user, unit, role="party"):
    code = db.call(lambda s: service.create_invite(s, unit, role, 5, None)).code
    db.call(lambda s: service.bind(s, user, code))


# --- the calendar itself -----------------------------------------------------------------


def test_round_name_and_year_follow_the_dates_that_were_set(rubric):
    cal = round_calendar(rubric.campaign, {"self_check": (dt.date(2026, 12, 1), dt.date(2026, 12, 10))})
    assert cal.name == "本轮（2026）" and cal.year == 2026 and not cal.template
    assert cal.localize("于8月10日之前报市委依法治市办。", "self_check") == "于12月10日之前报市委依法治市办。"
    assert cal.as_notice().deliverable("self_check_report")[1].due == dt.date(2020, 8, 10)


def test_whole_calendar_moves_in_one_step_keeping_the_notices_spacing(db, coord):
    out = db.call(lambda s: coord.shift(s, ADMIN, dt.date(2026, 12, 7)))  # raises if refused
    assert out.replies
    cal = db.call(coord.round_calendar)
    spans = {p.key: (p.start, p.end) for p in cal.phases}
    assert spans["prepare"] == (None, dt.date(2026, 12, 6))
    assert spans["self_check"] == (dt.date(2026, 12, 7), dt.date(2026, 12, 16))
    assert spans["field_inspection"] == (dt.date(2026, 12, 17), dt.date(2026, 12, 26))
    assert spans["rectification"] == (dt.date(2026, 12, 31), dt.date(2027, 1, 11))
    assert spans["central_inspection"] == (None, None)
    assert cal.deliverable("inspection_group_report")[1].due == dt.date(2026, 12, 31)
    shown = text_of(out)
    assert "本轮（2026）督察时间安排" in shown and "通知原定：8月1日至8月10日" in shown
    # then adjusted phase by phase
    db.call(lambda s: coord.set_phase(s, ADMIN, "rectification", dt.date(2027, 1, 4), dt.date(2027, 1, 22)))
    assert db.call(coord.round_calendar).deliverable("rectification_report")[1].due == dt.date(2027, 1, 22)


# --- the provider: cached, refreshed when coordinators change it, across processes ------


def test_calendar_is_cached_and_refreshed_across_processes(db, rubric, clock):
    tick = [0.0]
    here = Coordination(SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id})))
    there = Coordination(SelfCheck(rubric, clock=clock))  # another process on the same database
    there.calendars.monotonic = lambda: tick[0]  # its recheck interval is 5 s
    assert db.call(there.calendars.get).template

    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    db.call(there.calendars.get)
    assert statements == []  # fresh: no query at all

    db.call(lambda s: here.shift(s, ADMIN, dt.date(2026, 12, 7)))
    assert db.call(here.round_calendar).name == "本轮（2026）"  # the process that changed it: at once
    assert db.call(there.calendars.get).template  # the other: within its recheck interval
    tick[0] += 6
    statements.clear()
    assert db.call(there.calendars.get).phase("self_check").start == dt.date(2026, 12, 7)
    tick[0] += 6
    statements.clear()
    db.call(there.calendars.get)
    assert len(statements) == 1 and "campaign_rounds" in statements[0]  # unchanged: one cheap check


# --- the round: DUCHA_ROUND and the assessments' round ----------------------------------


def test_ducha_round_cannot_silently_start_from_nothing(db, rubric, service, coord, clock):
    db.call(lambda s: coord.shift(s, ADMIN, dt.date(2026, 12, 7)))
    bind(db, service, WANG, "华龙区")
    db.call(lambda s: service.start(s, WANG))
    now = clock()
    assert db.call(lambda s: resolve_round(s, None, "2020", now)) == "2020"
    with pytest.raises(RoundMismatch) as refused:
        db.call(lambda s: resolve_round(s, "2026", "2020", now))
    message = str(refused.value)
    assert "“2020”" in message and "自评1份" in message and "ducha campaign new-round 2026" in message
    # the round is named by its dates, whatever its key
    assert db.call(coord.round_calendar).name == "本轮（2026）"
    # a new round, deliberately: it becomes the current one; the old one is kept
    db.call(lambda s: start_round(s, "2027", "命令行", now + dt.timedelta(minutes=1)))
    assert db.call(lambda s: resolve_round(s, None, "2020", now)) == "2027"
    assert db.call(lambda s: resolve_round(s, "2020", "2020", now)) == "2020"
    assert db.call(lambda s: len(s.exec(Assessment.__table__.select()).all())) == 1


def test_ducha_round_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("DUCHA_ROUND", raising=False)
    assert runner.invoke(app, ["campaign", "shift", "--start", "2099-12-07", "--yes"]).exit_code == 0
    monkeypatch.setenv("DUCHA_ROUND", "2099")
    refused = runner.invoke(app, ["campaign", "show"])
    assert refused.exit_code == 2 and "DUCHA_ROUND=2099" in refused.output and "new-round" in refused.output
    assert runner.invoke(app, ["progress", "--out", str(tmp_path)]).exit_code == 2  # nothing shows 0/56
    started = runner.invoke(app, ["campaign", "new-round", "2099"])
    assert started.exit_code == 0 and "已开始新一轮（2099）" in started.stdout
    shown = runner.invoke(app, ["campaign", "show"])
    assert shown.exit_code == 0 and "本轮尚未设定日期" in shown.stdout
    monkeypatch.delenv("DUCHA_ROUND")
    assert "本轮尚未设定日期" in runner.invoke(app, ["campaign", "show"]).stdout  # the latest round is current


# --- every place that speaks a date ----------------------------------------------------------


def test_ask_on_the_command_line_answers_this_rounds_date(tmp_path, monkeypatch):
    """The issue's case: a phase set, then `ducha ask "自查报告哪天交"`."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("DUCHA_ROUND", raising=False)
    before = runner.invoke(app, ["ask", "自查报告哪天交"])
    assert "2020年8月10日" in before.stdout and not (tmp_path / "cli.db").exists()  # asking creates nothing
    assert runner.invoke(app, ["campaign", "set", "self_check", "--start", "2099-12-01", "--end", "2099-12-10", "--yes"]).exit_code == 0
    answer = runner.invoke(app, ["ask", "自查报告哪天交"]).stdout
    assert "2099年12月10日前（星期四）" in answer and "于12月10日之前报市委依法治市办" in answer
    assert "通知原定：2020年8月10日前" in answer
    assert "2020年8月10日前（星期一），由" not in answer
    rules = runner.invoke(app, ["ask", "自查报告写多少问题"]).stdout
    assert "于12月10日之前报" in rules and "8月10日" not in rules
    original = runner.invoke(app, ["ask", "通知原定自查报告哪天交"]).stdout
    assert "2020年8月10日前（星期一）" in original and "通知原定" in original


def test_answers_and_the_schedule_button_use_the_calendar(db, engine, coord, clock):
    db.call(lambda s: coord.shift(s, ADMIN, dt.date(2026, 12, 7)))
    cal = db.call(coord.round_calendar)
    today = clock().astimezone(SHANGHAI).date()
    deadline = engine.answer("整改到什么时候", calendar=cal, today=today).text
    assert "2027年1月11日" in deadline and "9月5日" not in deadline.split("通知原定")[0]
    schedule = engine.perform(ShowPhase("all"), cal, today).text
    assert schedule.startswith("本轮（2026）督察工作共分五个阶段") and "2026年12月7日至12月16日" in schedule
    assert "本轮（2020）" not in schedule and "另（通知原定，2020年）" in schedule
    phase = engine.perform(ShowPhase("self_check"), cal, today).text
    assert "于12月16日之前报市委依法治市办" in phase and "通知原定：8月1日至8月10日" in phase


def test_reminders_nudges_and_files_use_the_calendar(db, service, coord, clock):
    db.call(lambda s: coord.shift(s, ADMIN, dt.date(2026, 12, 7)))
    bind(db, service, WANG, "华龙区")
    now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
    to_send, missed = db.call(lambda s: coord.due_reminders(s, now))
    assert missed == [] and to_send
    assert "今天起进入自查阶段（12月7日至12月16日）" in to_send[0].occurrence.text
    nudge = db.call(lambda s: coord.nudge_unsubmitted(s, ADMIN))  # raises if refused
    assert nudge.replies
    from bot.storage.models import Broadcast

    text = db.call(lambda s: s.exec(Broadcast.__table__.select()).all()[-1].text)
    assert "请于12月16日前完成并提交" in text
    db.call(lambda s: service.start(s, WANG))
    docx = db.call(lambda s: service.files(s, WANG, "docx")).files[0]
    body = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "按照本轮（2026）督察时间安排，自查阶段为2026年12月7日至12月16日" in body
    assert "自查报告应于2026年12月16日前报送市委依法治市办" in body


def test_help_texts_give_examples_in_this_rounds_dates(db, coord, clock):
    db.call(lambda s: coord.shift(s, ADMIN, dt.date(2026, 12, 7)))
    usage = text_of(db.call(lambda s: coord.campaign_command(s, ADMIN, "")))
    assert "/campaign 全部 2026-12-07" in usage and "2021" not in usage and "2020-" not in usage
    from bot.common import texts

    examples = coord.sc.ctx.deadline_examples()
    prompt = texts.RECT_ASK["deadline"].format(units="", **examples)
    assert "2027-01-11" in prompt and "2020" not in prompt
