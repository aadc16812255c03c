"""Registration and the self-scoring conversation, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from sqlmodel import select

from bot.common.callbacks import AssessmentOp, Navigate, PickLevel
from bot.common.reply import User
from bot.scoring.selfcheck import SelfCheck, parse_duration
from dbfixtures import refusal_of, refusals
from bot.storage.models import (
    AuditEntry,
    CriterionAnswer,
    Invite,
    Person,
    ScoringCursor,
)

ADMIN = User(1, "市办张主任")
WANG = User(101, "王科长")
LI = User(102, "李干事")
ZHAO = User(201, "赵主任")  # another unit


@pytest.fixture
def service(rubric, clock):
    return SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))


def invite(db, service, unit="华龙区", role="party", uses=5, expires=None):
    return db.call(lambda s: service.create_invite(s, unit, role, uses, expires, created_by="test")).code


def bound(db, service, user, unit="华龙区", role="party"):
    code = invite(db, service, unit, role)
    return db.call(lambda s: service.bind(s, user, code))  # raises if refused


def text_of(out) -> str:
    return "\n".join(a.text for a in out.replies)


def buttons(out):
    return [b for a in out.replies for row in a.buttons for b in row]


def level_button(out, label_start: str) -> PickLevel:
    return next(b.action for b in buttons(out) if isinstance(b.action, PickLevel) and b.label.startswith(label_start))


def answers(db):
    return db.call(lambda s: {(a.task_no, a.criterion): a for a in s.exec(select(CriterionAnswer)).all()})


# --- invites and binding -------------------------------------------------------------


def test_invite_binds_user_to_unit_and_role(db, service):
    out = bound(db, service, WANG)
    assert "华龙区" in text_of(out) and "党委" in text_of(out)
    person = db.call(lambda s: s.get(Person, WANG.id))
    assert (person.unit, person.role) == ("华龙区", "party")
    assert db.call(lambda s: service.table_hint(s, WANG)) == "party"


@pytest.mark.parametrize("case", ["unknown", "expired", "used_up"])
def test_bad_invites_are_refused_and_logged(db, service, clock, case):
    code = invite(db, service, uses=1, expires=dt.timedelta(days=1))
    if case == "unknown":
        code = "nosuchcode"
    elif case == "expired":
        clock.advance(days=2)
    else:
        db.call(lambda s: service.bind(s, LI, code))
    no = refusal_of(db, WANG, lambda s: service.bind(s, WANG, code))
    assert {"unknown": "无效", "expired": "过期", "used_up": "次数已满"}[case] in no.text
    assert db.call(lambda s: s.get(Person, WANG.id)) is None
    assert [actor for actor, _ in refusals(db)] == [WANG.id]  # audited


def test_invite_for_unknown_unit_or_role_is_refused(db, service):
    from bot.scoring.selfcheck import InviteError

    with pytest.raises(InviteError, match="没有“火星区”这个单位"):
        invite(db, service, unit="火星区")
    with pytest.raises(InviteError, match="没有“king”这个身份"):
        invite(db, service, role="king")
    assert parse_duration("7d") == dt.timedelta(days=7)
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_admin_ids_are_coordinators_and_cannot_score(db, service):
    assert "协调员" in refusal_of(db, ADMIN, lambda s: service.start(s, ADMIN)).text
    assert db.call(lambda s: service.person(s, ADMIN)).role == "coordinator"
    assert db.call(lambda s: s.get(Person, ADMIN.id)).role == "coordinator"


def test_unbound_user_is_told_how_to_bind(db, service):
    assert "邀请" in refusal_of(db, WANG, lambda s: service.start(s, WANG)).text


# --- the conversation ----------------------------------------------------------------


def test_scoring_walks_criteria_and_asks_rectification_for_partial(db, service):
    bound(db, service, WANG)
    out = db.call(lambda s: service.start(s, WANG))
    first = text_of(out)
    assert "已完成 0/27 项，当前得分 0 分" in first
    assert "【第1项】" in first and "检查标准 1/3（2分）" in first
    labels = [b.label for b in buttons(out)]
    assert labels[:3] == ["听取2次及以上 · 2分", "听取1次 · 1分", "未听取 · 0分"]
    assert labels[3:6] == ["上一项", "跳过", "暂停"]

    out = db.call(lambda s: service.pick_level(s, WANG, level_button(out, "听取2次")))
    assert "检查标准 2/3" in text_of(out)
    out = db.call(lambda s: service.pick_level(s, WANG, level_button(out, "记录不完整")))
    assert "请用一两句话说明存在的问题" in text_of(out)
    for reply in ("会议记录缺少研究法治问题的内容", "完善常委会会议记录制度", "县委副书记", "县委办公室", "张三"):
        out = db.call(lambda s, r=reply: service.text(s, WANG, r))
        assert out is not None and "检查标准 3/3" not in text_of(out)
    assert "完成时限" in text_of(out)
    out = db.call(lambda s: service.text(s, WANG, "尽快吧"))
    assert "无法识别" in text_of(out) and "完成时限" in text_of(out)  # asked again
    out = db.call(lambda s: service.text(s, WANG, "9月5日"))
    assert "检查标准 3/3" in text_of(out)
    row = answers(db)[(1, 1)]
    assert (row.points, row.problem, row.measure, row.leader, row.resp_unit, row.resp_person) == (
        1, "会议记录缺少研究法治问题的内容", "完善常委会会议记录制度", "县委副书记", "县委办公室", "张三"
    )
    assert row.deadline == dt.date(2020, 9, 5)


def test_rectification_fields_can_be_skipped(db, service):
    bound(db, service, WANG)
    out = db.call(lambda s: service.start(s, WANG))
    out = db.call(lambda s: service.pick_level(s, WANG, level_button(out, "未听取")))
    for _ in range(6):
        skip = next(b.action for b in buttons(out) if b.label == "跳过")
        out = db.call(lambda s, a=skip: service.navigate(s, WANG, a))
    assert "检查标准 2/3" in text_of(out)
    assert answers(db)[(1, 0)].problem is None


def test_free_text_answer_is_mapped_or_asked_again(db, service):
    bound(db, service, WANG)
    db.call(lambda s: service.start(s, WANG))
    out = db.call(lambda s: service.text(s, WANG, "开了两次"))
    assert "已记录：听取2次及以上（2分）" in text_of(out)
    out = db.call(lambda s: service.text(s, WANG, "不好说"))
    assert "没能识别" in text_of(out) and "检查标准 2/3" in text_of(out)
    assert (1, 1) not in answers(db)


def test_answers_survive_a_restart_and_nothing_is_asked_twice(db, rubric, clock, service):
    bound(db, service, WANG)
    out = db.call(lambda s: service.start(s, WANG))
    out = db.call(lambda s: service.pick_level(s, WANG, level_button(out, "听取2次")))
    out = db.call(lambda s: service.pick_level(s, WANG, level_button(out, "记录不完整")))
    db.call(lambda s: service.text(s, WANG, "记录不全"))
    # a new process: a fresh service on the same database
    reborn = SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))
    out = db.call(lambda s: reborn.start(s, WANG))
    assert "请填写整改措施" in text_of(out)  # exactly where it stopped
    out = db.call(lambda s: reborn.text(s, WANG, "补全记录"))
    assert "责任领导" in text_of(out)
    assert answers(db)[(1, 1)].problem == "记录不全"


def test_pause_and_resume_at_the_same_question(db, service):
    bound(db, service, WANG)
    out = db.call(lambda s: service.start(s, WANG))
    out = db.call(lambda s: service.pick_level(s, WANG, level_button(out, "听取2次")))
    pause = next(b.action for b in buttons(out) if b.label == "暂停")
    assert "已暂停" in text_of(db.call(lambda s: service.navigate(s, WANG, pause)))
    assert db.call(lambda s: service.text(s, WANG, "第10项怎么得分")) is None  # questions again
    assert "检查标准 2/3" in text_of(db.call(lambda s: service.start(s, WANG)))


def test_colleagues_share_one_assessment_and_conflicts_are_caught(db, service):
    bound(db, service, WANG)
    bound(db, service, LI)
    out_wang = db.call(lambda s: service.start(s, WANG))
    out_li = db.call(lambda s: service.start(s, LI))
    assert level_button(out_wang, "听取2次").assessment == level_button(out_li, "听取2次").assessment
    db.call(lambda s: service.pick_level(s, WANG, level_button(out_wang, "听取1次")))
    # Li pressed a button drawn before Wang answered
    out = db.call(lambda s: service.pick_level(s, LI, level_button(out_li, "听取2次")))
    assert "王科长" in text_of(out) and "听取1次" in text_of(out)
    assert answers(db)[(1, 0)].points == 1 and answers(db)[(1, 0)].answered_by == "王科长"
    # the fresh button he is shown now carries the new revision and works
    out = db.call(lambda s: service.pick_level(s, LI, level_button(out, "听取2次")))
    assert "王科长" not in text_of(out) and answers(db)[(1, 0)].points == 2 and answers(db)[(1, 0)].revision == 2


def test_a_change_drawn_before_a_colleagues_change_is_caught(db, service):
    bound(db, service, WANG)
    bound(db, service, LI)
    first = db.call(lambda s: service.start(s, WANG))
    db.call(lambda s: service.pick_level(s, WANG, level_button(first, "听取1次")))  # revision 1
    at_one = db.call(lambda s: service.pick_level(s, LI, level_button(first, "听取2次")))
    assert "王科长" in text_of(at_one) and answers(db)[(1, 0)].points == 1  # and shows the question again, drawn at revision 1
    db.call(lambda s: service.pick_level(s, LI, level_button(at_one, "听取2次")))  # revision 2
    # Wang presses a button drawn at revision 1: refused, Li's answer stands
    out = db.call(lambda s: service.pick_level(s, WANG, level_button(at_one, "听取1次")))
    assert "李" in text_of(out) and answers(db)[(1, 0)].points == 2
    assert answers(db)[(1, 0)].points == 2 and answers(db)[(1, 0)].revision == 2


def test_another_units_buttons_are_refused(db, service):
    bound(db, service, WANG)
    bound(db, service, ZHAO, unit="濮阳县")
    out = db.call(lambda s: service.start(s, WANG))
    forged = level_button(out, "听取2次")
    assert "其他单位" in refusal_of(db, ZHAO, lambda s: service.pick_level(s, ZHAO, forged)).text
    assert [actor for actor, _ in refusals(db)] == [ZHAO.id]
    assert answers(db) == {}
    made_up = PickLevel(forged.assessment, 99, 0, 0, 0)
    assert refusal_of(db, WANG, lambda s: service.pick_level(s, WANG, made_up)).text


def test_department_picks_a_reference_table(db, service, rubric):
    bound(db, service, User(301, "部门"), unit="华龙区", role="department")
    out = db.call(lambda s: service.start(s, User(301, "部门")))
    assert "参照" in text_of(out)
    pick = next(b.action for b in buttons(out) if b.label == "参照政府表")
    out = db.call(lambda s: service.assessment_op(s, User(301, "部门"), pick))
    assert "已完成 0/30 项" in text_of(out)


def test_evidence_is_kept_listed_and_sent_back(db, service):
    bound(db, service, WANG)
    db.call(lambda s: service.start(s, WANG))
    out = db.call(lambda s: service.evidence(s, WANG, "document", "FILE1", "U1", "会议记录.pdf", 204800, "7月常委会"))
    assert "会议记录.pdf" in text_of(out) and "第1项第1条" in text_of(out)
    assert "已经保存过" in text_of(db.call(lambda s: service.evidence(s, WANG, "document", "FILE1", "U1", "会议记录.pdf", 204800, None)))
    question = db.call(lambda s: service.start(s, WANG))
    assert "已上传佐证材料 1 份" in text_of(question)
    show = next(b.action for b in buttons(question) if b.label == "查看佐证")
    back = db.call(lambda s: service.navigate(s, WANG, show))
    assert [e.file_id for e in back.resend] == ["FILE1"]


def _score_whole_table(db, service, user):
    """Answer every criterion: task 5 at zero with a rectification, the rest at full."""
    out = db.call(lambda s: service.start(s, user))
    while True:
        picks = [b.action for b in buttons(out) if isinstance(b.action, PickLevel)]
        if not picks:
            break
        choice = picks[-1] if picks[0].task == 5 else picks[0]
        out = db.call(lambda s, c=choice: service.pick_level(s, user, c))
        if "请用一两句话说明存在的问题" in text_of(out):
            for reply in ("未开展法治建设督察", "制定督察计划并开展督察", "县委副书记", "县委依法治县办", "李四", "两周内"):
                out = db.call(lambda s, r=reply: service.text(s, user, r))
    return out


def test_review_summary_submit_reopen_and_files(db, service):
    bound(db, service, WANG)
    bound(db, service, LI)
    db.call(lambda s: service.person(s, ADMIN))  # makes the admin a coordinator
    out = _score_whole_table(db, service, WANG)
    assert "全部27项已作答完毕，当前得分 96 分" in text_of(out)

    review = db.call(lambda s: service.review(s, WANG))
    assert "得分 96/100，已完成 27/27 项" in text_of(review)
    # a task that lost points is told apart from a full one (both used to be ✅), with a legend
    assert "🟡 第5项 法治建设督察和追责问责：0/4分" in text_of(review)
    assert "✅ 第1项" in text_of(review) and "✅ 满分　🟡 有扣分　⬜ 尚未答完" in text_of(review)
    summary = db.call(lambda s: service.summary(s, WANG))
    assert "总分：96/100" in text_of(summary) and "第5项" in text_of(summary) and "扣2分" in text_of(summary)

    # change one answer from the review page
    task5 = next(b.action for b in buttons(review) if b.label == "第5项")
    page = db.call(lambda s: service.navigate(s, WANG, task5))
    change = next(b.action for b in buttons(page) if b.label == "修改第1条")
    q = db.call(lambda s: service.navigate(s, WANG, change))
    db.call(lambda s: service.pick_level(s, WANG, level_button(q, "已开展")))
    assert "总分：98/100" in text_of(db.call(lambda s: service.summary(s, WANG)))

    ask = db.call(lambda s: service.submit(s, WANG))
    confirm = next(b.action for b in buttons(ask) if b.label == "确认提交")
    done = db.call(lambda s: service.assessment_op(s, WANG, confirm))
    assert "已提交" in text_of(done)
    told = {n.user_id for n in done.notices}
    assert told == {LI.id, ADMIN.id}
    assert refusal_of(db, LI, lambda s: service.assessment_op(s, LI, confirm)).text  # second submit

    # locked for everyone in the unit
    locked = refusal_of(db, LI, lambda s: service.pick_level(s, LI, level_button(q, "已开展")))
    assert "已于" in locked.text and locked.slip  # locked is no question of who asks
    assert "仅限" in refusal_of(db, WANG, lambda s: service.reopen(s, WANG, confirm.assessment)).text  # not a coordinator
    reopened = db.call(lambda s: service.reopen(s, ADMIN, confirm.assessment))
    assert "已重新开放" in text_of(reopened) and {n.user_id for n in reopened.notices} == {WANG.id, LI.id}
    actions = db.call(lambda s: [e.action for e in s.exec(select(AuditEntry)).all()])
    assert "assessment.submit" in actions and "assessment.reopen" in actions

    xlsx = db.call(lambda s: service.files(s, WANG, "xlsx")).files[0]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("未开展法治建设督察" in str(v) for v in values)
    report = db.call(lambda s: service.files(s, WANG, "docx")).files[0]
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(report.data)).paragraphs)
    assert "华龙区" in body and "存在问题" in body


def test_stale_answers_are_flagged_after_a_rubric_change(db, service):
    bound(db, service, WANG)
    out = db.call(lambda s: service.start(s, WANG))
    db.call(lambda s: service.pick_level(s, WANG, level_button(out, "听取2次")))

    def tamper(s):
        row = s.exec(select(CriterionAnswer)).one()
        row.fingerprint = "0ldversion00"
        s.add(row)

    db.call(tamper)
    review = db.call(lambda s: service.review(s, WANG))
    assert "⚠标准已变更" in text_of(review) and "⬜ 第2项" in text_of(review)
    cursor = db.call(lambda s: s.get(ScoringCursor, WANG.id))
    assert cursor is not None
    again = db.call(lambda s: service.navigate(s, WANG, Navigate(cursor.assessment_id, "goto", 1, 0)))
    assert "该条标准已变更" in text_of(again)


def test_used_invite_counts_are_atomic(db, service):
    code = invite(db, service, uses=1)
    db.call(lambda s: service.bind(s, WANG, code))
    assert db.call(lambda s: s.get(Invite, code)).uses == 1
    assert "次数已满" in refusal_of(db, LI, lambda s: service.bind(s, LI, code)).text
    assert db.call(lambda s: s.get(Invite, code)).uses == 1


def test_submit_needs_every_criterion(db, service):
    bound(db, service, WANG)
    db.call(lambda s: service.start(s, WANG))
    out = db.call(lambda s: service.submit(s, WANG))
    assert "还有" in text_of(out) and "未作答" in text_of(out)
    assert not any(b.label == "确认提交" for b in buttons(out))
    assert AssessmentOp  # the op exists; confirm is only offered when complete
