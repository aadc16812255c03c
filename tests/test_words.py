"""Words users read: everything a user, coordinator or operator reads is Chinese, without
developer notes, doubled punctuation or lines cut mid-word without "…"; notices named by
title and date; a broadcast preview as recipients see it; a notice's file sent once each."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import FakeClock, refusal_of  # noqa: E402
from fakebotapi import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.common.callbacks import CoordOp  # noqa: E402
from bot.common.format import clip, tidy  # noqa: E402
from bot.common.reply import User  # noqa: E402
from bot.coordination.service import Coordination  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.shells.cli import app  # noqa: E402
from bot.storage.models import Person  # noqa: E402

runner = CliRunner()
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ADMIN = User(1, "市办张主任")
WANG = User(101, "王科长")
# English words a reader might meet; allowed: command names, codes shown for typing, file names
ENGLISH = re.compile(r"\b(?!ducha\b|yes\b|start\b|score\b|user\b|rectify\b|campaign\b|broadcast\b)[A-Za-z]{4,}\b")


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("DUCHA_ROUND", raising=False)
    return tmp_path


def text_of(out) -> str:
    return "\n".join(a.text for a in out.replies)


# --- the command line ------------------------------------------------------------------------


def test_cli_errors_and_listings_are_chinese(cli_db):
    refused = runner.invoke(app, ["invite", "create", "--unit", "华龙区委", "--role", "party"])
    assert refused.exit_code == 2
    assert "没有“华龙区委”这个单位。您是指“华龙区”吗？" in refused.output and "unknown" not in refused.output
    made = runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party", "--expires", "7d"])
    assert made.exit_code == 0
    # the expiry in Asia/Shanghai, as the bot says times (not 2026-12-09T03:00+00:00)
    line = made.output.strip().splitlines()[-1]
    assert re.fullmatch(r"华龙区 · 党委 · 可用 1 次 · 有效期至 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", line), line
    assert "有效期“soon”无法识别" in runner.invoke(app, ["invite", "create", "--unit", "华龙区", "--role", "party", "--expires", "soon"]).output

    from bot.storage.db import Database

    Database.from_env().call(lambda s: s.add(Person(user_id=42, name="甲", unit="华龙区", role="party")))
    assert runner.invoke(app, ["campaign", "shift", "--start", "2099-12-07", "--yes"]).exit_code == 0
    listed = runner.invoke(app, ["remind", "list", "--now", "2099-12-01T08:00"]).stdout
    assert "阶段开始通知" in listed and "截止前3天提醒" in listed and "截止当天提醒" in listed
    assert "phase-start" not in listed and "deadline-3" not in listed
    log = runner.invoke(app, ["audit"]).stdout
    assert "整体调整日期" in log and "创建邀请码  华龙区 党委表 可用次数=1" in log
    assert not re.search(r"calendar\.|invite\.|refused|assessment\.", log)


def test_broadcast_file_reaches_the_first_recipient_once(cli_db, monkeypatch):
    from bot.storage.db import Database

    db = Database.from_env()
    for uid, unit in ((42, "华龙区"), (43, "范县"), (44, "清丰县")):
        db.call(lambda s, u=uid, n=unit: s.add(Person(user_id=u, name=f"用户{u}", unit=n, role="party")))
    notice = cli_db / "通知.pdf"
    notice.write_bytes(b"%PDF-1.4 notice")
    with FakeBotAPI.run_in_thread() as server:
        api = server.api
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", api.base_url)
        sent = runner.invoke(app, ["broadcast", "send", "--text", "请查收<b>附件</b>", "--audience", "全部", "--file", str(notice)])
        assert sent.exit_code == 0, sent.output
        documents = api.calls_of("sendDocument")
    assert sorted(d["chat_id"] for d in documents) == [42, 43, 44]  # once each, the first one too
    assert all(d["caption"].startswith("<b>【市委依法治市办通知】</b>\n请查收<b>附件</b>") for d in documents)
    assert len({str(d["document"]) for d in documents[1:]}) == 1  # the rest reuse the uploaded file's id
    assert "已发送 3" in sent.output


def test_score_in_plain_chat_explains_how(engine):
    from bot.shells.terminal import ChatSession

    session = ChatSession(engine)
    reply = session.handle("/score")
    assert "ducha chat --user" in reply and "邀请码" in reply


# --- the core ------------------------------------------------------------------------------


def test_task_cards_carry_no_developer_notes(engine):
    card = engine.task_answer("party", 8).text
    assert "Task 8" not in card and "takes the row" not in card
    assert "数据说明：原文第7至10项的落实单位和检查标准错位一行" in card
    # every task's data note has its line for users; the maintainers' English stays in the data
    for table in engine.rubric.tables.values():
        for task in table.tasks:
            for a in task.anomalies:
                assert re.search(r"[\u4e00-\u9fff]", a.note) and a.resolution, (table.key, task.no)
    for key, table in engine.rubric.tables.items():
        for task in table.tasks:
            text = engine.task_answer(key, task.no).text
            assert not ENGLISH.search(text), (key, task.no, ENGLISH.search(text).group())
            assert "。。" not in text and "。；" not in text, (key, task.no)


def test_no_doubled_punctuation_and_cut_lines_end_with_an_ellipsis(db, rubric):
    assert tidy("退回意见：请补充材料。。请继续整改") == "退回意见：请补充材料。请继续整改"
    assert tidy("问题一。；问题二。") == "问题一；问题二。"
    assert clip("请各单位于12月16日前报送自查报告", 8) == "请各单位于12…" and clip("短", 8) == "短"
    clock = FakeClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    service = SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))
    coord = Coordination(service)
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 1, None)).code
    db.call(lambda s: service.bind(s, WANG, code))
    made = db.call(lambda s: coord.create_broadcast(s, ADMIN, "全部", "请各单位于12月16日前报送自查报告并附问题清单", None))
    assert made.audience == "all"
    listing = text_of(db.call(lambda s: coord.broadcasts(s, ADMIN)))
    # named by its first words and day, cut with …, never "#1"
    assert "1. “请各单位于12月16日前报送自…”（12月1日）" in listing and "#" not in listing
    page = text_of(db.call(lambda s: coord.broadcast_page(s, ADMIN, made.id)))
    assert page.startswith("通知“请各单位于12月16日前报送自…”（12月1日）") and "对象：全部单位" in page


async def test_broadcast_preview_shows_the_notice_as_sent_with_telegrams_formatting(engine, db):
    clock = FakeClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({7000}))
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 1, None)).code
    db.call(lambda s: service.bind(s, User(8001, "王科长"), code))
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        admin = api.user(7000, "市办张主任")
        # typed HTML tags: the preview renders them, as recipients will see them
        mark = api.mark()
        api.send_text(admin, "/broadcast 全部 请于<b>12月16日</b>前报送")
        await api.wait_for(lambda c: c.method == "sendMessage" and "reply_markup" in c.params, since=mark)
        preview = api.sent_messages(7000)[-1]
        assert preview["text"] == "<b>【市委依法治市办通知】</b>\n请于<b>12月16日</b>前报送"
        assert "将发给 1 人" in api.sent_messages(7000)[-2]["text"]
        # bold applied with Telegram's own formatting (an entity, no tags typed) is kept
        text = "/broadcast 全部 请于12月16日前报送"
        start = len("/broadcast 全部 请于")
        mark = api.mark()
        api.send_text(admin, text, extra={"entities": [
            {"type": "bot_command", "offset": 0, "length": 10},
            {"type": "bold", "offset": start, "length": 6},
        ]})
        await api.wait_for(lambda c: c.method == "sendMessage" and "reply_markup" in c.params, since=mark)
        preview = api.sent_messages(7000)[-1]
        assert preview["text"] == "<b>【市委依法治市办通知】</b>\n请于<b>12月16日</b>前报送"
        send = next(b["callback_data"] for row in preview["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "立即发送")
        mark = api.mark()
        api.press_button(admin, preview, send)
        (queued,) = await api.wait_for(lambda c: c.method == "sendMessage" and "正在发送" in c.params["text"], since=mark)
        assert "正在发送“请于12月16日前报送”（12月1日）" in queued.params["text"]
        from bot.delivery.dispatch import Dispatcher

        report = await Dispatcher(db, Coordination(service)).send_broadcasts(running_bot_bot(api), clock())
        assert report.sent == 1
        assert api.sent_messages(8001)[-1]["text"] == "<b>【市委依法治市办通知】</b>\n请于<b>12月16日</b>前报送"


def running_bot_bot(api):
    from telegram import Bot

    return Bot(api.token, base_url=api.base_url)


def test_chart_without_a_cjk_font_says_what_it_shows_in_chinese(db, rubric, monkeypatch):
    import bot.files.progress as pf

    monkeypatch.setattr(pf, "_find_cjk_font", lambda: None)
    clock = FakeClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    service = SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))
    coord = Coordination(service)
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 1, None)).code
    db.call(lambda s: service.bind(s, WANG, code))
    db.call(lambda s: service.start(s, WANG))
    chart = next(f for f in db.call(lambda s: coord.progress(s, ADMIN)).files if f.name.endswith(".png"))
    assert chart.caption.startswith("进度图（本机没有中文字体，图中文字为英文）")
    assert "Self-assessment progress = 本轮（2020）各单位自评进度" in chart.caption
    assert "submitted = 已提交" in chart.caption and "U1 = 华龙区" in chart.caption


def test_calendar_confirmation_buttons_are_for_coordinators_only(db, rubric):
    clock = FakeClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    service = SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))
    coord = Coordination(service)
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 1, None)).code
    db.call(lambda s: service.bind(s, WANG, code))
    out = refusal_of(db, WANG, lambda s: coord.op(s, WANG, CoordOp("cal_shift", 0, dt.date(2026, 12, 7).toordinal())))
    assert "仅限市委依法治市办" in out.text
    assert db.call(service.calendars.get).template
