"""Learning from use: questions refused or answered with little to go on, and answers marked
没帮助, are kept (the text, when, the asker's role — never who) and listed for coordinators."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot import registry
from bot.common.callbacks import Feedback, pack, unpack
from bot.common.reply import User
from bot.learning.log import KEEP_ANSWERED, QuestionLog
from bot.qa import texts as qt
from bot.scoring.selfcheck import SelfCheck
from bot.shells.cli import app
from bot.shells.terminal import ChatSession, terminal_user_id
from bot.storage.models import AskedQuestion

WANG = User(terminal_user_id("王科长"), "王科长")
LI = User(terminal_user_id("李干事"), "李干事")


@pytest.fixture
def service(rubric, clock):
    return SelfCheck(rubric, clock=clock, admin_ids=frozenset())


@pytest.fixture
def core(engine, service):
    return registry.Core.of(engine, service)


def ask(db, core, user, text):
    return db.call(lambda s: registry.text(core, s, registry.Request(user, text))).replies[0]


def kept(db) -> list[AskedQuestion]:
    return db.call(lambda s: list(s.exec(select(AskedQuestion).order_by(AskedQuestion.id)).all()))


def bind(db, service, user, unit, role):
    code = db.call(lambda s: service.create_invite(s, unit, role, 1, None)).code
    db.call(lambda s: service.bind(s, user, code))


def feedback_buttons(answer):
    return [b.action for row in answer.buttons for b in row if isinstance(b.action, Feedback)]


def test_a_refused_question_is_kept_with_the_role_and_never_the_name(db, core, service):
    bind(db, service, WANG, "华龙区", "party")
    ask(db, core, WANG, "食堂几点开饭")
    ask(db, core, LI, "帮我订一张去郑州的火车票")
    rows = kept(db)
    assert [(r.text, r.status, r.role) for r in rows] == [
        ("食堂几点开饭", "refused", "party"),
        ("帮我订一张去郑州的火车票", "refused", None),
    ]
    stored = " ".join(str(v) for r in rows for v in r.model_dump().values())
    assert "王科长" not in stored and str(WANG.id) not in stored  # who asked is never kept
    assert not {"user_id", "name", "user"} & set(AskedQuestion.model_fields)


def test_a_clear_answer_by_number_is_not_kept(db, core):
    ask(db, core, LI, "第10项怎么得分")
    ask(db, core, LI, "😀")
    assert kept(db) == []


def test_topic_answers_offer_helpful_buttons_and_unhelpful_ones_are_listed(db, core):
    answer = ask(db, core, LI, "法律顾问那条谁负责")
    helpful, unhelpful = feedback_buttons(answer)
    assert [b.label for b in answer.buttons[-1]] == [qt.HELPFUL, qt.UNHELPFUL]
    assert helpful.helpful and not unhelpful.helpful and helpful.question == unhelpful.question
    assert unpack(pack(unhelpful, LI.id)) == (LI.id, unhelpful)
    assert not registry.is_open(unhelpful)  # only the asker's press counts
    entry = registry.button(unhelpful)
    request = registry.Request(LI)
    said = db.call(lambda s: registry.press(entry, core, s, request, unhelpful))
    assert entry.toast and said.replies[0].text == qt.THANKS_UNHELPFUL
    again = db.call(lambda s: registry.press(entry, core, s, request, helpful))
    assert again.replies[0].text == qt.FEEDBACK_STALE  # one vote per answer
    listed = db.call(lambda s: QuestionLog().to_learn(s))
    assert [(r.text, r.status) for r in listed] == [("法律顾问那条谁负责", "unhelpful")]


def test_unsure_answers_are_kept_as_such(db, core):
    answer = ask(db, core, LI, "整改")  # two kinds of answer this close: asked which
    assert answer.topic == "clarify"
    assert [(r.text, r.status) for r in kept(db)] == [("整改", "low")]


def test_week_old_answered_questions_are_dropped_unless_marked(db, core, clock):
    log = QuestionLog()
    now = clock()
    answer = ask(db, core, LI, "法律顾问那条谁负责")
    bad = ask(db, core, LI, "执法记录仪看哪条")
    db.call(lambda s: log.mark(s, feedback_buttons(bad)[1].question, False))
    assert feedback_buttons(answer)
    db.call(lambda s: log.prune(s, now + KEEP_ANSWERED + dt.timedelta(hours=1)))
    assert [(r.text, r.status) for r in kept(db)] == [("执法记录仪看哪条", "unhelpful")]


def test_the_terminal_keeps_questions_and_presses_the_buttons(db, engine, service):
    bind(db, service, User(terminal_user_id("赵"), "赵"), "华龙区", "government")
    chat = ChatSession(engine, db=db, selfcheck=service, user_name="赵")
    shown = chat.handle("法律顾问那条谁负责")
    assert f"{qt.UNHELPFUL}" in shown
    number = next(i for i, a in enumerate(chat.choices, 1) if isinstance(a, Feedback) and not a.helpful)
    assert qt.THANKS_UNHELPFUL in chat.handle(str(number))
    chat.handle("今天股市大盘涨了没有")
    assert [(r.status, r.role) for r in kept(db)] == [("unhelpful", "government"), ("refused", "government")]


def test_ducha_questions_unanswered_lists_them_in_chinese(tmp_path, monkeypatch, engine):
    from bot.storage.db import Database

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'q.db'}")
    db = Database.from_env()
    log = QuestionLog()
    old = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.timezone.utc)
    new = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.timezone.utc)
    refused = engine.answer("食堂几点开饭")
    db.call(lambda s: log.remember(s, "食堂几点开饭", refused, "party", old))
    db.call(lambda s: log.remember(s, "公务员考试啥时候报名", refused, None, new))
    db.call(lambda s: log.remember(s, "公务员考试啥时候报名", refused, "government", new))
    result = CliRunner().invoke(app, ["questions", "unanswered", "--since", "2026-12-01"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "需要补充说法的问题（2026-12-01起，共2条）" in out
    assert "公务员考试啥时候报名（共2次）" in out and "未能回答" in out and "2026-12-02 10:00" in out
    assert "食堂几点开饭" not in out
    assert "rubric_data/lexicon.yaml" in out
    everything = CliRunner().invoke(app, ["questions", "unanswered", "--since", "2026-11-01"]).stdout
    assert "食堂几点开饭" in everything and "党委" in everything
    bad = CliRunner().invoke(app, ["questions", "unanswered", "--since", "昨天"])
    assert bad.exit_code == 2 and "无法识别日期" in bad.output
