"""Typed text at the scoring prompts goes where it belongs; the deadline forms officials use;
changing only a rectification; evidence of the self-check and of rectification items; where a
bound user stands. On SQLite and on PostgreSQL, on a 2026 clock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.common.callbacks import AssessmentOp, CoordOp, Navigate, PickLevel
from bot.common.reply import User
from bot.coordination.service import Coordination
from bot.inputs import Inputs
from bot.scoring.selfcheck import SelfCheck
from bot.scoring.typed import asks_own_score, is_pause, is_skip, ongoing_deadline, reads_as_question
from bot.storage.models import CriterionAnswer, Evidence, ScoringCursor
from dbfixtures import FakeClock, refusal_of, refusals

ADMIN = User(1, "市办张主任")
WANG = User(101, "王科长")


@pytest.fixture
def clock():
    # 2026-12-02 09:00 in Shanghai: this round, not the notice's 2020
    return FakeClock(dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.timezone.utc))


@pytest.fixture
def service(rubric, clock):
    return SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id}), round_="2026")


@pytest.fixture
def coord(service):
    return Coordination(service)


@pytest.fixture
def typed(service, coord):
    return Inputs(service, coord)


def text_of(out) -> str:
    return "\n".join(a.text for a in out.replies)


def buttons(out):
    return [b for a in out.replies for row in a.buttons for b in row]


def bind(db, service, user=WANG, unit="华龙区", role="party"):
    code = db.call(lambda s: service.create_invite(s, unit, role, 5, None)).code
    db.call(lambda s: service.bind(s, user, code))  # raises if refused


def deduct_first(db, service, user=WANG):
    """/score, then the worst level of task 1's first criterion: the problem prompt."""
    out = db.call(lambda s: service.start(s, user))
    worst = [b.action for b in buttons(out) if isinstance(b.action, PickLevel)][-1]
    out = db.call(lambda s: service.pick_level(s, user, worst))
    assert "请用一两句话说明存在的问题" in text_of(out)
    return out


def answer_row(db, task=1, criterion=0) -> CriterionAnswer:
    return db.call(
        lambda s: s.exec(select(CriterionAnswer).where(CriterionAnswer.task_no == task, CriterionAnswer.criterion == criterion)).one()
    )


def step_of(db, user=WANG) -> str:
    return db.call(lambda s: s.get(ScoringCursor, user.id).step)


# --- the readers, on their own ------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["跳过", "无", "没有", "暂无", "不填", "无。", "先跳过", "暂时没有", "待定", "-", "不需要", "没有问题", "先不填了"]
)
def test_nothing_to_write_is_a_skip(text):
    assert is_skip(text)


@pytest.mark.parametrize("text", ["无会议记录", "没有制定指标体系", "李四", "暂无专项经费，年内争取", "不定期开展督察"])
def test_answers_that_start_like_a_skip_are_answers(text):
    assert not is_skip(text)


@pytest.mark.parametrize(
    "text",
    ["这一条的未制定是指什么", "第10项怎么得分", "自查报告哪天交", "责任领导填谁", "可以不填吗", "整改措施怎么写？",
     "请问责任单位是哪个", "会议记录算不算", "问题要写多少字", "这个问题要写多详细", "措施写多长合适", "时限要写多具体"],
)
def test_questions_read_as_questions(text):
    assert reads_as_question(text)


@pytest.mark.parametrize(
    "text",
    ["未制定指标体系", "尚未明确由谁负责", "问题较多，长期未整改", "材料不够详细", "会议次数多，具体记录不全", "落实谁执法谁普法责任制", "研究如何加强法治督察工作并形成制度", "王副书记", "12月底前",
     "法治建设第一责任人职责落实不到位，存在什么事都等上级安排的现象，需要进一步压实责任"],
)
def test_answers_do_not_read_as_questions(text):
    assert not reads_as_question(text)


def test_plans_without_a_date_and_own_score_questions():
    assert ongoing_deadline("长期坚持") == "长期坚持"
    assert ongoing_deadline("立行立改") == "立行立改"
    assert ongoing_deadline("持续推进") == "持续推进"
    assert ongoing_deadline("12月31日") is None
    assert asks_own_score("我们单位还有哪些扣分")
    assert not asks_own_score("第10项怎么扣分")


# --- skipping, questions and detours at the prompts --------------------------------------------


@pytest.mark.parametrize("word", ["跳过", "无", "没有", "暂无", "不填"])
def test_skip_words_at_every_prompt_are_not_stored(db, service, word):
    bind(db, service)
    deduct_first(db, service)
    for step in ("problem", "measure", "leader", "unit", "person", "deadline"):
        assert step_of(db) == step
        out = db.call(lambda s: service.text(s, WANG, word))
        assert "已跳过" in text_of(out), step
    row = answer_row(db)
    assert (row.problem, row.measure, row.leader, row.resp_unit, row.resp_person, row.deadline, row.deadline_text) == (None,) * 7
    assert "【第1项】" in text_of(out) and "检查标准 2/3" in text_of(out)  # on to the next criterion


def test_a_question_mid_flow_is_not_saved_and_the_prompt_comes_back(db, service, typed):
    bind(db, service)
    deduct_first(db, service)
    assert db.call(lambda s: typed.text(s, WANG, "这一条的未制定是指什么")) is None  # for the engine
    assert answer_row(db).problem is None
    assert step_of(db) == "problem"
    again = db.call(lambda s: service.pending_prompt(s, WANG))
    assert "请继续填写整改信息" in again.text and "请用一两句话说明存在的问题" in again.text
    assert [b.label for row in again.buttons for b in row] == ["跳过"]
    out = db.call(lambda s: typed.text(s, WANG, "未听取法治建设工作汇报"))
    assert answer_row(db).problem == "未听取法治建设工作汇报"
    assert "请填写整改措施" in text_of(out)


def test_the_pending_question_is_shown_again_after_a_detour_without_the_task_card(db, service):
    bind(db, service)
    db.call(lambda s: service.start(s, WANG))
    again = db.call(lambda s: service.pending_prompt(s, WANG))
    assert "请继续自评" in again.text and "检查标准 1/3" in again.text
    assert "工作任务：" not in again.text  # compact: no task card
    assert any(isinstance(b.action, PickLevel) for row in again.buttons for b in row)
    db.call(lambda s: service.navigate(s, WANG, Navigate(answer_id(db, service), "pause", 1, 0)))
    assert db.call(lambda s: service.pending_prompt(s, WANG)) is None  # paused: nothing waits


def answer_id(db, service) -> int:
    return db.call(lambda s: service.find_assessment(s, "华龙区", "party")).id


def test_typed_skip_at_a_level_moves_on_like_the_button(db, service):
    bind(db, service)
    db.call(lambda s: service.start(s, WANG))
    out = db.call(lambda s: service.text(s, WANG, "跳过"))
    assert "检查标准 2/3" in text_of(out)
    assert db.call(lambda s: s.exec(select(CriterionAnswer)).all()) == []


@pytest.mark.parametrize("word", ["暂停", "先暂停", "暂停一下", "稍后再填", "今天先到这里"])
def test_typed_pause_at_a_field_or_a_level_pauses_like_the_button(db, service, word):
    """暂停 typed at the problem prompt (the button is only at the level) pauses; it is no problem."""
    bind(db, service)
    deduct_first(db, service)
    out = db.call(lambda s: service.text(s, WANG, word))
    assert "已暂停" in text_of(out)
    assert answer_row(db).problem is None
    assert step_of(db) == "paused"
    back = db.call(lambda s: service.start(s, WANG))
    assert "【第1项】" in text_of(back)
    db.call(lambda s: service.text(s, WANG, "跳过"))  # the level prompt: typed 跳过 moves on
    assert "已暂停" in text_of(db.call(lambda s: service.text(s, WANG, word)))


@pytest.mark.parametrize("text", ["暂停执行相关制度", "未停止违规行为", "暂不填写"])
def test_answers_that_mention_stopping_are_answers(text):
    assert not is_pause(text)


# --- deadlines ---------------------------------------------------------------------------------


def walk_to_deadline(db, service):
    deduct_first(db, service)
    for _ in range(5):
        db.call(lambda s: service.text(s, WANG, "跳过"))
    assert step_of(db) == "deadline"


@pytest.mark.parametrize("plan", ["长期坚持", "立行立改", "持续推进"])
def test_plans_without_a_date_are_stored_and_shown_as_such(db, service, plan):
    bind(db, service)
    walk_to_deadline(db, service)
    out = db.call(lambda s: service.text(s, WANG, plan))
    assert f"已保存完成时限：{plan}" in text_of(out)
    row = answer_row(db)
    assert (row.deadline, row.deadline_text) == (None, plan)
    review = db.call(lambda s: service.navigate(s, WANG, Navigate(row.assessment_id, "review_task", 1, 0)))
    assert f"完成时限：{plan}" in text_of(review)


def test_a_date_is_echoed_in_this_rounds_year(db, service):
    bind(db, service)
    deduct_first(db, service)
    for _ in range(5):
        out = db.call(lambda s: service.text(s, WANG, "跳过"))
    assert "2020" not in text_of(out) and "2027-01-01" in text_of(out)  # examples from today's date
    out = db.call(lambda s: service.text(s, WANG, "年底前"))
    assert "已记为2026年12月31日（星期四）" in text_of(out)
    assert answer_row(db).deadline == dt.date(2026, 12, 31)


def test_a_month_and_day_already_past_is_echoed_with_its_year(db, service, coord):
    bind(db, service)
    walk_to_deadline(db, service)
    out = db.call(lambda s: service.text(s, WANG, "12月1日"))
    assert "已记为2027年12月1日" in text_of(out) and "没有写年份，已按2027年计" in text_of(out)
    answer_rest_and_submit(db, service, out)
    listing = db.call(lambda s: coord.rectify(s, WANG))
    assert "时限：2027年12月1日" in text_of(listing)  # not a bare 12月1日, which reads as yesterday


def test_a_deadline_with_its_year_or_a_duration_gets_no_year_note(db, service):
    bind(db, service)
    walk_to_deadline(db, service)
    out = db.call(lambda s: service.text(s, WANG, "两个月内"))
    assert "已记为2027年2月2日" in text_of(out) and "没有写年份" not in text_of(out)


def test_rectification_details_are_not_shown_once_the_answer_is_full(db, service):
    bind(db, service)
    deduct_first(db, service)
    db.call(lambda s: service.text(s, WANG, "未听取汇报"))
    a = answer_id(db, service)
    best = next(b.action for b in buttons(db.call(lambda s: service.navigate(s, WANG, Navigate(a, "goto", 1, 0)))) if isinstance(b.action, PickLevel))
    db.call(lambda s: service.pick_level(s, WANG, best))
    page = db.call(lambda s: service.navigate(s, WANG, Navigate(a, "review_task", 1, 0)))
    assert "未听取汇报" not in text_of(page) and not any("整改信息" in b.label for b in buttons(page))


# --- changing only the rectification details -----------------------------------------------------


def test_rectification_details_change_without_the_level(db, service):
    bind(db, service)
    deduct_first(db, service)
    for reply in ("未听取汇报", "每半年听取一次", "张书记", "县委办", "李四", "2027-03-31"):
        db.call(lambda s, r=reply: service.text(s, WANG, r))
    before = answer_row(db)
    page = db.call(lambda s: service.navigate(s, WANG, Navigate(before.assessment_id, "review_task", 1, 0)))
    edit = next(b.action for b in buttons(page) if b.label == "修改第1条整改信息")
    out = db.call(lambda s: service.navigate(s, WANG, edit))
    assert "当前内容：未听取汇报" in text_of(out) and "无需重新选择档次" in text_of(out)
    out = db.call(lambda s: service.text(s, WANG, "跳过"))
    assert "存在问题保持不变：未听取汇报" in text_of(out) and "当前内容：每半年听取一次" in text_of(out)
    out = db.call(lambda s: service.text(s, WANG, "每季度听取一次"))
    assert "当前内容：张书记" in text_of(out)
    for _ in range(2):
        db.call(lambda s: service.text(s, WANG, "跳过"))
    out = db.call(lambda s: service.text(s, WANG, "清空"))
    assert "已清空责任人" in text_of(out) and "当前内容：2027年3月31日" in text_of(out)
    db.call(lambda s: service.text(s, WANG, "跳过"))
    after = answer_row(db)
    assert (after.level, after.revision, after.problem, after.measure, after.resp_person, after.deadline) == (
        before.level, before.revision, "未听取汇报", "每季度听取一次", None, dt.date(2027, 3, 31),
    )


def test_the_question_of_a_deducted_criterion_offers_the_change_too(db, service):
    bind(db, service)
    deduct_first(db, service)
    a = answer_id(db, service)
    out = db.call(lambda s: service.navigate(s, WANG, Navigate(a, "goto", 1, 0)))
    assert any(b.label == "修改整改信息" for b in buttons(out))
    full = db.call(lambda s: service.navigate(s, WANG, Navigate(a, "rect_edit", 1, 1)))  # not answered yet
    assert "请先选择档次" in text_of(full)


# --- evidence ------------------------------------------------------------------------------------


def score_and_submit(db, service):
    """Every criterion answered, task 1's first at zero, then submitted."""
    deduct_first(db, service)
    finish_and_submit(db, service)


def finish_and_submit(db, service):
    """From task 1's first rectification prompt: skip its fields, answer the rest fully, submit."""
    for _ in range(6):
        out = db.call(lambda s: service.text(s, WANG, "跳过"))
    answer_rest_and_submit(db, service, out)


def answer_rest_and_submit(db, service, out):
    """From a question on screen: every criterion left at its best level, then submitted."""
    while True:
        picks = [b.action for b in buttons(out) if isinstance(b.action, PickLevel)]
        if not picks:
            break
        out = db.call(lambda s, c=picks[0]: service.pick_level(s, WANG, c))
    ask = db.call(lambda s: service.submit(s, WANG))
    confirm = next(b.action for b in buttons(ask) if b.label == "确认提交")
    db.call(lambda s: service.assessment_op(s, WANG, confirm))


def test_a_file_for_a_submitted_assessment_is_not_filed(db, service, typed):
    bind(db, service)
    score_and_submit(db, service)
    no = refusal_of(db, WANG, lambda s: typed.evidence(s, WANG, "document", "F1", "U1", "会议记录.pdf", 2048, None))
    assert "“会议记录.pdf”没有归入自评材料" in no.text and "/rectify" in no.text
    assert db.call(lambda s: s.exec(select(Evidence)).all()) == []


def test_a_file_sent_while_reporting_an_item_is_that_items_and_coordinators_open_every_file(db, service, coord, typed):
    bind(db, service)
    db.call(lambda s: service.binding(s, ADMIN))
    deduct_first(db, service)
    db.call(lambda s: typed.evidence(s, WANG, "document", "F0", "U0", "会议记录.pdf", 2048, None))  # while scoring
    finish_and_submit(db, service)
    a = answer_id(db, service)
    db.call(lambda s: coord.op(s, WANG, CoordOp("item_done", a, 1, 0)))
    out = db.call(lambda s: typed.evidence(s, WANG, "photo", "F2", "U2", "整改照片.jpg", 4096, None))
    assert "归入第1项第1条的整改事项" in text_of(out)
    # the self-check's file sent again as the item's evidence is a record of its own (it used
    # to be refused as 已经保存过了); the same file twice for the item is kept once
    reused = db.call(lambda s: typed.evidence(s, WANG, "document", "F0", "U0", "会议记录.pdf", 2048, None))
    assert "归入第1项第1条的整改事项" in text_of(reused)
    again = db.call(lambda s: typed.evidence(s, WANG, "document", "F0", "U0", "会议记录.pdf", 2048, None))
    assert "已经保存过了（第1项第1条的整改佐证）" in text_of(again)
    stages = db.call(lambda s: sorted((e.file_name, e.stage) for e in s.exec(select(Evidence)).all()))
    assert stages == [("会议记录.pdf", "rectification"), ("会议记录.pdf", "selfcheck"), ("整改照片.jpg", "rectification")]
    snap = db.call(lambda s: service.snapshot(s, service.find_assessment(s, "华龙区", "party")))
    assert [e.file_name for e in snap.evidence] == ["会议记录.pdf"]  # the self-check's own files only

    index = db.call(lambda s: service.assessment_op(s, ADMIN, AssessmentOp(a, "evidence")))
    assert "第1项第1条：自评佐证 1 份，整改佐证 2 份" in text_of(index)
    show = next(b.action for b in buttons(index) if b.label == "第1项第1条")
    files = db.call(lambda s: service.navigate(s, ADMIN, show))
    assert [e.file_id for e in files.resend] == ["F0", "F2", "F0"]
    assert files.resend[1].caption.startswith("【整改佐证】第1项第1条")
    other = User(301, "范县办")
    bind(db, service, other, unit="范县")
    assert "其他单位" in refusal_of(db, other, lambda s: service.navigate(s, other, show)).text  # another unit's: no
    assert [actor for actor, _ in refusals(db)] == [other.id]


def test_a_file_sent_right_after_the_note_is_still_that_items(db, service, coord, typed):
    """报告完成, the note typed, then the photo: people send the words first. The file is the
    item's evidence; a question typed afterwards is a question again, and a later file is not filed."""
    bind(db, service)
    deduct_first(db, service)
    finish_and_submit(db, service)
    a = answer_id(db, service)
    db.call(lambda s: coord.op(s, WANG, CoordOp("item_done", a, 1, 0)))
    reported = db.call(lambda s: typed.text(s, WANG, "已补齐会议记录并建立台账"))
    assert "等待市委依法治市办销号" in text_of(reported) and "佐证材料" in text_of(reported)
    out = db.call(lambda s: typed.evidence(s, WANG, "photo", "F3", "U3", "台账照片.jpg", 4096, None))
    assert "归入第1项第1条的整改事项" in text_of(out)
    assert db.call(lambda s: typed.text(s, WANG, "整改报告什么时候交")) is None  # for the engine
    late = refusal_of(db, WANG, lambda s: typed.evidence(s, WANG, "document", "F4", "U4", "其他.pdf", 100, None))
    assert "没有归入自评材料" in late.text
    stages = db.call(lambda s: {e.file_name: e.stage for e in s.exec(select(Evidence)).all()})
    assert stages == {"台账照片.jpg": "rectification"}


# --- where a bound user stands ------------------------------------------------------------------------


def test_start_names_unit_role_and_progress(db, service):
    assert db.call(lambda s: service.standing(s, WANG)) is None
    bind(db, service)
    first = db.call(lambda s: service.standing(s, WANG))
    assert "您已绑定“华龙区”，身份：党委" in first.text and "尚未开始" in first.text
    deduct_first(db, service)
    now = db.call(lambda s: service.standing(s, WANG, open_items=1))
    assert "已答 1/" in now.text and "尚未提交" in now.text and "整改事项：1 项尚未完成" in now.text
    assert "扣分的检查标准 1 条" in now.text
    assert "协调员" in db.call(lambda s: service.standing(s, ADMIN)).text


def test_asking_for_our_deductions_gives_the_summary_and_keeps_the_prompt(db, service, typed):
    bind(db, service)
    deduct_first(db, service)
    out = db.call(lambda s: typed.text(s, WANG, "我们单位还有哪些扣分"))
    text = text_of(out)
    assert "本单位的自评汇总" in text and "华龙区 · 党委表 自评汇总" in text and "第1项" in text and "扣2分" in text
    assert "请继续填写整改信息" in out.replies[-1].text
    assert answer_row(db).problem is None


# --- the same in the terminal (ducha chat --user) -------------------------------------------------


def test_the_terminal_answers_a_question_mid_flow_and_asks_again(db, engine, service, tmp_path):
    from bot.shells.terminal import ChatSession, terminal_user_id

    chat = ChatSession(engine, db=db, selfcheck=service, user_name="华龙区办", out_dir=tmp_path)
    office = User(terminal_user_id("华龙区办"), "华龙区办")
    code = db.call(lambda s: service.create_invite(s, "华龙区", "party", 1, None)).code
    assert "已加入“华龙区”" in chat.handle(f"/start {code}")
    assert "您已绑定“华龙区”，身份：党委" in chat.handle("/start")
    chat.handle("/score")
    chat.handle("3")  # the third button: 未听取 · 0分
    reply = chat.handle("这一条的未制定是指什么")
    assert "【党委表 第1项】" in reply and reply.rstrip().split("\n")[-1].startswith("可选操作")
    assert "请继续填写整改信息" in reply and "请用一两句话说明存在的问题" in reply
    assert "已跳过存在问题" in chat.handle("没有")
    reply = chat.handle("/help")
    assert "请继续填写整改信息" in reply and "请填写整改措施" in reply
    assert answer_row(db).problem is None and db.call(lambda s: s.get(ScoringCursor, office.id).step) == "measure"
