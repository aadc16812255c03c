"""Field inspection (实地督察) on SQLite and on PostgreSQL: groups and assignment, who may see
what, the per-criterion conversation beside the self-score, conflicts between two
inspectors, submit / reopen / release, findings becoming rectification items, the report
and the ranking. The clock is injected; nothing sleeps."""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from sqlmodel import select

from bot.common.callbacks import InspectLevel, InspectNav, InspectOp, PickLevel
from bot.common.errors import Refusal
from bot.common.reply import User
from bot.coordination.service import Coordination
from dbfixtures import act as run  # noqa: E402
from bot.inspection.service import InspectionService
from bot.scoring.selfcheck import SelfCheck
from bot.storage.models import (
    AuditEntry,
    Inspection,
    InspectionAnswer,
    InspectionCursor,
    RectificationItem,
)

ADMIN = User(1, "市办张主任")
LIU = User(301, "刘组长")  # 第一督察组
CHEN = User(302, "陈组员")  # 第一督察组
SUN = User(401, "孙组长")  # 第二督察组
WANG = User(101, "王科长")  # 华龙区 party office
ZHAO = User(201, "赵主任")  # 范县 party office


@pytest.fixture
def sc(rubric, clock):
    return SelfCheck(rubric, clock=clock, admin_ids=frozenset({ADMIN.id}))


@pytest.fixture
def insp(sc):
    return InspectionService.beside(sc)


@pytest.fixture
def coord(sc):
    return Coordination(sc)


def text_of(out) -> str:
    return "\n".join(a.text for a in out.replies)


def buttons(out):
    return [b for a in out.replies for row in a.buttons for b in row]


def bind_unit(db, sc, user, unit, role="party"):
    code = db.call(lambda s: sc.create_invite(s, unit, role, 5, None)).code
    db.call(lambda s: sc.bind(s, user, code))


def bind_inspector(db, insp, user, group):
    code = db.call(lambda s: insp.create_invite(s, group, 5)).code
    return code


def join(db, sc, insp, user, group):
    code = bind_inspector(db, insp, user, group)
    return db.call(lambda s: sc.bind(s, user, code))


def self_score(db, sc, user, low=(), rectify=True):
    """The unit scores every criterion: full, except the (task, criterion) keys in ``low``
    which get the zero level with a problem."""
    out = db.call(lambda s: sc.start(s, user))
    while True:
        picks = [b.action for b in buttons(out) if isinstance(b.action, PickLevel)]
        if not picks:
            return
        choice = picks[-1] if (picks[0].task, picks[0].criterion) in low else picks[0]
        out = db.call(lambda s, c=choice: sc.pick_level(s, user, c))
        if "请用一两句话说明存在的问题" in text_of(out):
            for reply in ("自查发现的问题", "自定的措施", "副书记", "办公室", "李四", "8月20日") if rectify else ():
                out = db.call(lambda s, r=reply: sc.text(s, user, r))


def submit_self(db, sc, user):
    ask = db.call(lambda s: sc.submit(s, user))
    confirm = next(b.action for b in buttons(ask) if b.label == "确认提交")
    return db.call(lambda s: sc.assessment_op(s, user, confirm))


def setup_groups(db, insp):
    db.call(lambda s: insp.groups.create(s, ADMIN, "第一督察组", ["华龙区", "范县"]))
    db.call(lambda s: insp.groups.create(s, ADMIN, "第二督察组", ["清丰县"]))


def open_unit(db, insp, user, unit, table="party"):
    listing = db.call(lambda s: insp.inspect(s, user))
    label = f"{unit}·{'党委' if table == 'party' else '政府'}"
    action = next(b.action for b in buttons(listing) if b.label == label)
    return db.call(lambda s: insp.op(s, user, action))


def inspect_all(db, insp, user, out, low=None):
    """Answer every remaining criterion: the best level, except ``low`` {key: (level, finding,
    recommendation)}."""
    low = low or {}
    while True:
        picks = [b.action for b in buttons(out) if isinstance(b.action, InspectLevel)]
        if not picks:
            return out
        key = (picks[0].task, picks[0].criterion)
        if key in low:
            level, finding, advice = low[key]
            out = db.call(lambda s, c=picks[level]: insp.pick_level(s, user, c))
            for reply in (finding, advice):
                out = db.call(lambda s, r=reply: insp.text(s, user, r))
        else:
            out = db.call(lambda s, c=picks[0]: insp.pick_level(s, user, c))


# --- groups ---------------------------------------------------------------------------------


def test_groups_one_group_per_unit_and_audited(db, insp, sc):
    setup_groups(db, insp)
    with pytest.raises(Refusal) as taken:
        db.call(lambda s: insp.groups.assign(s, ADMIN, "第二督察组", ["华龙区"]))
    assert "已分配给第一督察组" in taken.value.text
    with pytest.raises(Refusal) as unknown:
        db.call(lambda s: insp.groups.create(s, ADMIN, "第三督察组", ["华龙县"]))
    assert "华龙县" in unknown.value.text
    for clash in ("范县", "市委依法治市办"):  # a group named like a unit, or like the coordinators' binding
        with pytest.raises(Refusal):
            db.call(lambda s, n=clash: insp.groups.create(s, ADMIN, n, []))
    with pytest.raises(Refusal) as twice:
        db.call(lambda s: insp.groups.create(s, ADMIN, "第一督察组", []))
    assert "已有“第一督察组”" in twice.value.text
    view = db.call(lambda s: insp.groups_command(s, ADMIN, ""))
    assert "【第一督察组】负责：华龙区、范县" in text_of(view)
    assert "尚未分配督察组的单位：濮阳县" in text_of(view)
    db.call(lambda s: insp.groups_command(s, ADMIN, "unassign 第一督察组 范县"))
    db.call(lambda s: insp.groups_command(s, ADMIN, "assign 第二督察组 范县"))
    view = text_of(db.call(lambda s: insp.groups.view(s, None)))
    assert "【第二督察组】负责：清丰县、范县" in view
    actions = [a.action for a in db.call(lambda s: s.exec(select(AuditEntry)).all())]
    assert actions.count("group.create") == 2 and "group.unassign" in actions and actions.count("group.assign") == 3


def test_only_coordinators_manage_groups_and_refusals_are_audited(db, insp, sc):
    bind_unit(db, sc, WANG, "华龙区")
    out = run(db, WANG, lambda s: insp.groups_command(s, WANG, "create 第一督察组 华龙区"))
    assert "仅限市委依法治市办协调员" in text_of(out)
    assert db.call(lambda s: insp.groups.view(s, None)).replies[0].text.startswith("本轮还没有督察组")
    refused = db.call(lambda s: s.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all())
    assert refused and refused[0].actor == WANG.name and "group create" in refused[0].detail


# --- who may see what -------------------------------------------------------------------------


def test_inspector_joins_by_invite_and_sees_only_their_groups_units(db, insp, sc):
    setup_groups(db, insp)
    bound = join(db, sc, insp, LIU, "第一督察组")
    assert "已加入“第一督察组”" in text_of(bound) and "/inspect" in text_of(bound)
    join(db, sc, insp, SUN, "第二督察组")
    listing = text_of(db.call(lambda s: insp.inspect(s, LIU)))
    assert "华龙区" in listing and "范县" in listing and "清丰县" not in listing
    # 第二督察组 begins 清丰县; 刘组长 forges buttons for it
    other = open_unit(db, insp, SUN, "清丰县")
    level = next(b.action for b in buttons(other) if isinstance(b.action, InspectLevel))
    forged = run(db, LIU, lambda s: insp.pick_level(s, LIU, level))
    assert "清丰县不在本督察组负责的单位中" in text_of(forged)
    assistant = db.call(lambda s: s.exec(select(InspectionAnswer)).all())
    assert assistant == []
    opened = next(b.action for b in buttons(db.call(lambda s: insp.inspect(s, SUN))) if b.label == "清丰县·党委")
    forged = run(db, LIU, lambda s: insp.op(s, LIU, InspectOp("open", opened.id, 0)))
    assert "无权" in text_of(forged)
    audit = db.call(lambda s: s.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all())
    assert len(audit) == 2 and all("清丰县" in a.detail for a in audit)
    # an inspector does not self-score
    assert "督察组成员不参与单位自评" in text_of(run(db, LIU, lambda s: sc.start(s, LIU)))


def test_unit_user_refused_on_inspect_and_audited(db, insp, sc):
    setup_groups(db, insp)
    bind_unit(db, sc, WANG, "华龙区")
    out = run(db, WANG, lambda s: insp.inspect(s, WANG))
    assert "实地督察打分仅限督察组成员" in text_of(out)
    row = db.call(lambda s: s.exec(select(AuditEntry).where(AuditEntry.action == "refused")).one())
    assert row.actor_id == WANG.id and "unit user" in row.detail
    stranger = User(999, "路人")
    assert "需要先绑定" in text_of(run(db, stranger, lambda s: insp.inspect(s, stranger)))


def test_coordinators_see_every_group_but_do_not_score(db, insp, sc):
    setup_groups(db, insp)
    join(db, sc, insp, LIU, "第一督察组")
    open_unit(db, insp, LIU, "华龙区")
    overview = db.call(lambda s: insp.inspect(s, ADMIN))
    assert "【第一督察组】" in text_of(overview) and "【第二督察组】" in text_of(overview)
    view = next(b.action for b in buttons(overview) if b.label == "华龙区·党委")
    summary = db.call(lambda s: insp.op(s, ADMIN, view))
    assert "华龙区 · 党委表 督察汇总（第一督察组）" in text_of(summary)
    insp_id = view.id
    with pytest.raises(Refusal) as no:
        db.call(lambda s: insp.pick_level(s, ADMIN, InspectLevel(insp_id, 1, 0, 0, 0)))
    assert "协调员不参与督察打分" in no.value.text


# --- the conversation -------------------------------------------------------------------------


def test_question_shows_the_units_self_score_problem_and_evidence(db, insp, sc):
    setup_groups(db, insp)
    bind_unit(db, sc, WANG, "华龙区")
    db.call(lambda s: sc.start(s, WANG))
    db.call(lambda s: sc.evidence(s, WANG, "document", "FILE-1", "U-1", "会议记录.pdf", 2048, "常委会记录"))
    self_score(db, sc, WANG, low={(1, 1)})
    join(db, sc, insp, LIU, "第一督察组")
    first = open_unit(db, insp, LIU, "华龙区")
    text = text_of(first)
    assert "【第1项】" in text and "检查标准 1/3" in text
    assert "核查清单" in text and "☐ 查看相关会议记录" in text and "☐ 查看文件资料" in text
    assert "单位自评：听取2次及以上（2分），王科长" in text
    assert "单位佐证材料 1 份" in text
    labels = [b.label for b in buttons(first)]
    assert "听取2次及以上 · 2分（自评）" in labels
    shown = db.call(lambda s: insp.navigate(s, LIU, next(b.action for b in buttons(first) if b.label == "单位佐证")))
    assert [e.file_id for e in shown.resend] == ["FILE-1"]
    second = db.call(lambda s: insp.pick_level(s, LIU, next(b.action for b in buttons(first) if isinstance(b.action, InspectLevel))))
    assert "单位查摆的问题：自查发现的问题" in text_of(second) and "单位整改措施：自定的措施" in text_of(second)


def test_two_inspectors_conflict_is_reported_never_overwritten(db, insp, sc):
    setup_groups(db, insp)
    join(db, sc, insp, LIU, "第一督察组")
    join(db, sc, insp, CHEN, "第一督察组")
    seen_by_liu = open_unit(db, insp, LIU, "华龙区")
    seen_by_chen = open_unit(db, insp, CHEN, "华龙区")
    chen_best = [b.action for b in buttons(seen_by_chen) if isinstance(b.action, InspectLevel)][0]
    liu_zero = [b.action for b in buttons(seen_by_liu) if isinstance(b.action, InspectLevel)][-1]
    assert chen_best.rev == liu_zero.rev == 0
    db.call(lambda s: insp.pick_level(s, CHEN, chen_best))
    conflict = db.call(lambda s: insp.pick_level(s, LIU, liu_zero))
    assert "刚刚已由同组的陈组员评定为“听取2次及以上”" in text_of(conflict)
    row = db.call(lambda s: s.exec(select(InspectionAnswer)).one())
    assert (row.level, row.answered_by, row.revision) == (0, CHEN.name, 1)
    # the redrawn question carries the new revision: pressing it now changes the answer
    again = [b.action for b in buttons(conflict) if isinstance(b.action, InspectLevel)][-1]
    assert again.rev == 1
    db.call(lambda s: insp.pick_level(s, LIU, again))
    row = db.call(lambda s: s.exec(select(InspectionAnswer)).one())
    assert (row.level, row.answered_by, row.revision) == (2, LIU.name, 2)


def test_paused_inspection_is_taken_up_by_another_member_and_survives_a_restart(db, insp, sc, rubric, clock):
    setup_groups(db, insp)
    join(db, sc, insp, LIU, "第一督察组")
    join(db, sc, insp, CHEN, "第一督察组")
    out = open_unit(db, insp, LIU, "华龙区")
    out = db.call(lambda s: insp.pick_level(s, LIU, [b.action for b in buttons(out) if isinstance(b.action, InspectLevel)][-1]))
    assert "请写明发现的问题" in text_of(out)
    # a new service on the same database (a restart) continues at the same prompt
    fresh = InspectionService(rubric, clock, frozenset({ADMIN.id}))
    resumed = db.call(lambda s: fresh.inspect(s, LIU))
    assert any(b.label.startswith("继续：华龙区") for b in buttons(resumed))
    prompt = db.call(lambda s: fresh.op(s, LIU, next(b.action for b in buttons(resumed) if b.label.startswith("继续"))))
    assert "请写明发现的问题" in text_of(prompt)
    db.call(lambda s: fresh.text(s, LIU, "汇报仅一次，且无专题记录"))
    pause = db.call(lambda s: fresh.navigate(s, LIU, InspectNav(prompt.replies[0].buttons[0][0].action.inspection, "pause", 1, 0)))
    assert "已暂停" in text_of(pause)
    assert db.call(lambda s: fresh.text(s, LIU, "第10项怎么得分")) is None  # a question again
    # 陈组员 takes it up at the first criterion nobody has answered
    taken = open_unit(db, insp, CHEN, "华龙区")
    assert "检查标准 2/3" in text_of(taken)
    row = db.call(lambda s: s.exec(select(InspectionAnswer)).one())
    assert row.finding == "汇报仅一次，且无专题记录" and row.recommendation is None


def test_typed_level_and_inspection_evidence(db, insp, sc):
    setup_groups(db, insp)
    join(db, sc, insp, LIU, "第一督察组")
    open_unit(db, insp, LIU, "华龙区")
    saved = db.call(lambda s: insp.evidence(s, LIU, "photo", "PHOTO-1", "UP-1", "照片-1.jpg", 50_000, None))
    assert "已保存督察佐证" in text_of(saved) and "第1项第1条" in text_of(saved)
    assert "已经保存过" in text_of(db.call(lambda s: insp.evidence(s, LIU, "photo", "PHOTO-1", "UP-1", "照片-1.jpg", 50_000, None)))
    assert db.call(lambda s: insp.evidence(s, WANG, "photo", "X", "Y", "x.jpg", 1, None)) is None  # not an inspector
    out = db.call(lambda s: insp.text(s, LIU, "听取1次"))
    assert "已记录督察评定：听取1次（1分）" in text_of(out) and "请写明发现的问题" in text_of(out)


# --- summary, submit, reopen ------------------------------------------------------------------

LOW = {
    (6, 0): (-1, "未制定法治建设指标体系", "年内制定并印发指标体系"),
    (13, 0): (-1, "审核制度未落实", "严格落实前置审核"),
    (3, 0): (-1, "未纳入发展规划", "纳入“十四五”规划"),
}


def inspected_unit(db, insp, sc, low=LOW):
    """华龙区 self-scores full marks and submits; 刘组长 inspects and marks down ``low``."""
    setup_groups(db, insp)
    bind_unit(db, sc, WANG, "华龙区")
    self_score(db, sc, WANG)
    submit_self(db, sc, WANG)
    join(db, sc, insp, LIU, "第一督察组")
    out = inspect_all(db, insp, LIU, open_unit(db, insp, LIU, "华龙区"), low)
    return out


def test_summary_lists_differences_largest_first_beside_totals(db, insp, sc, rubric):
    done = inspected_unit(db, insp, sc)
    assert "全部27项已督察完毕" in text_of(done) and "自评 100/100" in text_of(done)
    summary = text_of(db.call(lambda s: insp.summary(s, LIU)))
    lost = {k: rubric.tables["party"].task(k[0]).criteria[k[1]].points for k in LOW}
    total = 100 - sum(lost.values())
    assert f"督察得分 {total:g}/100　自评得分 100/100　差值：自评偏高{sum(lost.values()):g}分" in summary
    lines = [line for line in summary.splitlines() if line.startswith("· 第")]
    sizes = [float(line.split("自评偏高")[1].split("分")[0]) for line in lines]
    assert sizes == sorted(sizes, reverse=True) and len(lines) == 3
    assert "发现问题 3 条" in summary


def test_submit_locks_and_coordinators_reopen_audited(db, insp, sc):
    setup_groups(db, insp)
    join(db, sc, insp, LIU, "第一督察组")
    join(db, sc, insp, CHEN, "第一督察组")
    first = open_unit(db, insp, LIU, "华龙区")
    ask = db.call(lambda s: insp.submit(s, LIU))
    assert "还有" in text_of(ask) and "未评定" in text_of(ask)
    inspect_all(db, insp, LIU, first, {(6, 0): (-1, "未制定指标体系", "制定指标体系")})
    ask = db.call(lambda s: insp.submit(s, LIU))
    assert "确认提交华龙区党委表的督察结果吗" in text_of(ask) and "发现问题 1 条" in text_of(ask)
    confirm = next(b.action for b in buttons(ask) if b.label == "确认提交")
    done = db.call(lambda s: insp.op(s, LIU, confirm))
    assert "已提交！华龙区党委表督察得分 98/100" in text_of(done)
    told = {n.user_id: n.answer.text for n in done.notices}
    assert "刘组长已提交华龙区党委表的督察结果" in told[CHEN.id]
    assert "第一督察组已提交华龙区党委表的督察结果" in told[ADMIN.id]
    with pytest.raises(Refusal) as locked:
        db.call(lambda s: insp.pick_level(s, CHEN, InspectLevel(confirm.id, 1, 0, 0, 1)))
    assert "不能再修改" in locked.value.text
    assert "不能再修改" in text_of(run(db, LIU, lambda s: insp.op(s, LIU, confirm)))  # pressed twice
    refused = run(db, LIU, lambda s: insp.op(s, LIU, InspectOp("reopen", confirm.id)))
    assert "仅限市委依法治市办协调员" in text_of(refused)
    reopened = db.call(lambda s: insp.op(s, ADMIN, InspectOp("reopen", confirm.id)))
    assert "已重新开放华龙区党委表的督察" in text_of(reopened)
    assert {n.user_id for n in reopened.notices} == {LIU.id, CHEN.id}
    assert db.call(lambda s: s.get(Inspection, confirm.id).status) == "open"
    actions = [a.action for a in db.call(lambda s: s.exec(select(AuditEntry).order_by(AuditEntry.id)).all())]
    # the second press on 确认提交 is a slip (declined), the inspector's reopen an access refusal
    assert actions[-4:] == ["inspection.submit", "declined", "refused", "inspection.reopen"]


def _submit(db, insp, user):
    ask = db.call(lambda s: insp.submit(s, user))
    confirm = next(b.action for b in buttons(ask) if b.label == "确认提交")
    db.call(lambda s: insp.op(s, user, confirm))
    return confirm.id


def test_release_turns_findings_into_rectification_items_of_the_unit(db, insp, sc, coord):
    inspected_unit(db, insp, sc)
    bind_unit(db, sc, User(102, "华龙区政府办"), "华龙区", "government")
    early = db.call(lambda s: insp.release(s, ADMIN, "华龙区 党委"))
    assert "尚未提交" in text_of(early)
    inspection_id = _submit(db, insp, LIU)
    refused = run(db, WANG, lambda s: insp.release(s, WANG, "华龙区 党委"))
    assert "仅限市委依法治市办协调员" in text_of(refused)
    out = db.call(lambda s: insp.release(s, ADMIN, "华龙区 党委"))
    assert "3条问题已列入该单位整改事项（完成时限 9月5日）" in text_of(out) and "已通知 2 人" in text_of(out)
    to_unit = [n for n in out.notices if n.user_id in (WANG.id, 102)]
    assert len(to_unit) == 2
    assert "未制定法治建设指标体系" in to_unit[0].answer.text and "年内制定并印发指标体系" in to_unit[0].answer.text
    assert {n.user_id for n in out.notices} == {WANG.id, 102, LIU.id}
    items = db.call(lambda s: s.exec(select(RectificationItem).order_by(RectificationItem.task_no)).all())
    assert [(i.task_no, i.criterion, i.state, i.source) for i in items] == [(3, 0, "open", "inspection"), (6, 0, "open", "inspection"), (13, 0, "open", "inspection")]
    assert all(i.deadline == dt.date(2020, 9, 5) and i.unit == "华龙区" for i in items)
    assert items[1].problem == "未制定法治建设指标体系" and items[1].measure == "年内制定并印发指标体系"
    assert db.call(lambda s: s.get(Inspection, inspection_id).status) == "released"
    assert "已于" in text_of(db.call(lambda s: insp.release(s, ADMIN, "华龙区 党委")))  # once
    assert "inspection.release" in [a.action for a in db.call(lambda s: s.exec(select(AuditEntry)).all())]
    # reopened, one finding withdrawn, released again: the items follow the findings
    db.call(lambda s: insp.op(s, ADMIN, InspectOp("reopen", inspection_id)))
    out = db.call(lambda s: insp.op(s, LIU, InspectOp("resume", inspection_id)))
    goto = db.call(lambda s: insp.navigate(s, LIU, InspectNav(inspection_id, "goto", 3, 0)))
    rev = [b.action for b in buttons(goto) if isinstance(b.action, InspectLevel)][0]
    db.call(lambda s: insp.pick_level(s, LIU, rev))
    _submit(db, insp, LIU)
    db.call(lambda s: insp.release(s, None, "华龙区 党委"))
    items = db.call(lambda s: s.exec(select(RectificationItem).order_by(RectificationItem.task_no)).all())
    assert [i.task_no for i in items] == [6, 13]


def test_release_deadline_follows_this_rounds_calendar(db, insp, sc, coord, clock):
    db.call(lambda s: coord.set_phase(s, None, "rectification", dt.date(2026, 8, 25), dt.date(2026, 9, 18)))
    inspected_unit(db, insp, sc, low={(6, 0): (-1, "未制定指标体系", "制定")})
    _submit(db, insp, LIU)
    out = db.call(lambda s: insp.release(s, ADMIN, "华龙区 党委"))
    assert "完成时限 9月18日" in text_of(out)
    assert db.call(lambda s: s.exec(select(RectificationItem)).one()).deadline == dt.date(2026, 9, 18)


# --- files --------------------------------------------------------------------------------------


def test_report_docx_has_totals_differences_and_findings(db, insp, sc, rubric):
    inspected_unit(db, insp, sc)
    inspection_id = _submit(db, insp, LIU)
    out = db.call(lambda s: insp.op(s, LIU, InspectOp("report", inspection_id)))
    (f,) = out.files
    assert f.name.endswith(".docx") and "华龙区" in f.name and "督察报告" in f.name
    report = docx.Document(io.BytesIO(f.data))
    text = "\n".join(p.text for p in report.paragraphs)
    lost = sum(rubric.tables["party"].task(k[0]).criteria[k[1]].points for k in LOW)
    assert "一、基本情况" in text and "二、得分情况" in text and "三、主要问题" in text and "四、整改意见" in text
    assert f"督察得分{100 - lost:g}分" in text and "单位自评得分100分" in text
    assert "未制定法治建设指标体系" in text and "年内制定并印发指标体系" in text
    assert "2020年9月5日前完成整改" in text
    cells = [[c.text for c in row.cells] for t in report.tables for row in t.rows]
    assert ["被督察单位", "华龙区"] in cells and ["督察组成员", "刘组长"] in cells
    total_row = next(r for r in cells if r[0] == "合计")
    assert total_row == ["合计", "100", "100", f"{100 - lost:g}", f"+{lost:g}"]
    annex = next(r for r in cells if r[0] == "6.1")
    assert annex[3:] == ["2", "0", "+2", "自评偏高"]
    # a unit user may not fetch it
    with pytest.raises(Refusal):
        db.call(lambda s: insp.op(s, WANG, InspectOp("report", inspection_id)))


def test_ranking_xlsx_and_chart(db, insp, sc, rubric):
    inspected_unit(db, insp, sc)
    _submit(db, insp, LIU)
    bind_unit(db, sc, ZHAO, "范县")
    self_score(db, sc, ZHAO, low={(1, 0)})
    inspect_all(db, insp, LIU, open_unit(db, insp, LIU, "范县"), {(1, 0): (-1, "未听取汇报", "每半年听取汇报"), (6, 0): (-1, "无指标体系", "制定")})
    _submit(db, insp, LIU)
    assert "仅限" in text_of(run(db, LIU, lambda s: insp.ranking(s, LIU)))
    ranking = db.call(lambda s: insp.ranking(s, ADMIN))
    text = text_of(ranking)
    assert "1. 范县：督察 96，自评 98，自评偏高2分" in text and "2. 华龙区" in text
    assert f"党委表第6项 {rubric.tables['party'].task(6).title}：2个单位被扣分，共扣4分" in text
    png, xlsx = ranking.files
    assert png.name.endswith(".png") and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data))["督察排名"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] is not None]
    by_unit = {r[1]: r for r in rows}
    assert by_unit["范县"][0] == 1 and by_unit["华龙区"][0] == 2
    lost = sum(rubric.tables["party"].task(k[0]).criteria[k[1]].points for k in LOW)
    assert by_unit["华龙区"][4:8] == (100, 100 - lost, lost, "自评偏高")
    # 范县 gave itself 0 on 1.1 (2 points) as the inspectors did, and lost 6.1 (2 points) only to them
    assert by_unit["范县"][4:8] == (98, 96, 2, "自评偏高")
    tasks = openpyxl.load_workbook(io.BytesIO(xlsx.data))["扣分较多的任务"]
    first = next(tasks.iter_rows(min_row=3, values_only=True))
    assert first[:5] == ("党委表", 6, rubric.tables["party"].task(6).title, 2, 4)


def test_migrations_create_what_the_models_declare(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    ours = {"inspection_groups", "inspection_assignments", "inspections", "inspection_answers", "inspection_evidence", "inspection_cursors", "rectification_items"}
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    mine = [d for d in diff if any(t in repr(d) for t in ours)]
    assert mine == []


def test_cursor_table_is_per_user(db, insp, sc):
    setup_groups(db, insp)
    join(db, sc, insp, LIU, "第一督察组")
    open_unit(db, insp, LIU, "华龙区")
    open_unit(db, insp, LIU, "范县")
    cursor = db.call(lambda s: s.get(InspectionCursor, LIU.id))
    assert db.call(lambda s: s.get(Inspection, cursor.inspection_id).unit) == "范县"


# --- reminders ------------------------------------------------------------------------------


def test_reminders_reach_the_groups_and_only_groups_still_owing_their_report(db, insp, sc, coord):
    setup_groups(db, insp)
    join(db, sc, insp, LIU, "第一督察组")
    join(db, sc, insp, SUN, "第二督察组")
    bind_unit(db, sc, WANG, "华龙区")
    start = dt.datetime(2020, 8, 11, 1, 0, 30, tzinfo=dt.timezone.utc)  # 09:00:30 in Shanghai
    sent, _ = db.call(lambda s: coord.due_reminders(s, start))
    by_rule = {}
    for c in sent:
        by_rule.setdefault(c.occurrence.rule.key, set()).add(c.user_id)
    assert by_rule["inspection-start"] == {LIU.id, SUN.id}
    assert by_rule["phase-start"] == {WANG.id}  # units, never the inspectors
    text = next(c.occurrence.text for c in sent if c.occurrence.rule.key == "inspection-start")
    assert "/inspect" in text and "实地督察阶段" in text
    # 第二督察组 finishes 清丰县 (both tables); 第一督察组 has not: only 刘组长 is reminded
    for key in ("party", "government"):
        out = db.call(lambda s: insp.inspect(s, SUN))
        action = next(b.action for b in buttons(out) if b.label == f"清丰县·{'党委' if key == 'party' else '政府'}")
        inspect_all(db, insp, SUN, db.call(lambda s, a=action: insp.op(s, SUN, a)))
        _submit(db, insp, SUN)
    t3 = dt.datetime(2020, 8, 21, 1, 0, 30, tzinfo=dt.timezone.utc)
    sent, _ = db.call(lambda s: coord.due_reminders(s, t3))
    owing = [(c.occurrence, c.user_id) for c in sent if c.occurrence.deliverable and c.occurrence.deliverable.key == "inspection_group_report"]
    assert {uid for _, uid in owing} == {LIU.id}
    assert "尚有单位的督察结果未提交" in owing[0][0].text


def test_inspection_button_codes_are_pinned():
    """These numbers are on buttons in inspectors' chats: never renumber or reuse one."""
    from bot.common.callbacks import INSPECT_CODES, INSPECT_MOVE_CODES, InvalidCallback, pack, unpack

    assert {k.value: v for k, v in INSPECT_MOVE_CODES.items()} == {
        "prev": 0, "skip": 1, "pause": 2, "goto": 3, "self_files": 4, "own_files": 5, "field_skip": 6,
    }
    assert {k.value: v for k, v in INSPECT_CODES.items()} == {
        "open": 0, "resume": 1, "view": 2, "review": 3, "submit": 4, "confirm": 5, "cancel": 6, "reopen": 7,
        "release": 8, "report": 9, "list": 10, "ranking": 11, "invite": 12,
    }
    for data, action in [
        ("d1:7:i:4:6:0:2:1", InspectLevel(4, 6, 0, 2, 1)),
        ("d1:7:j:4:4:6:0", InspectNav(4, "self_files", 6, 0)),
        ("d1:7:k:0:12:1", InspectOp("open", 12, 1)),
        ("d1:7:k:8:3:0", InspectOp("release", 3)),
    ]:
        assert unpack(data) == (7, action) and pack(action, 7) == data
    for bad in ("d1:7:k:13:1:0", "d1:7:j:4:7:6:0", "d1:7:i:4:6:0:2"):
        with pytest.raises(InvalidCallback):
            unpack(bad)


# --- the findings in the rectification loop -------------------------------------------------


def test_an_inspector_reads_the_rectification_of_the_groups_units(db, insp, sc, coord):
    """/rectify 华龙区 by an inspector used to say “第一督察组没有整改事项”: an inspector sees the
    items of the units the group inspects, read only; another group's unit is refused."""
    setup_groups(db, insp)
    bind_unit(db, sc, WANG, "华龙区")
    self_score(db, sc, WANG, low={(5, 0)})
    submit_self(db, sc, WANG)
    join(db, sc, insp, LIU, "第一督察组")
    page = db.call(lambda s: coord.rectify(s, LIU, "华龙区"))
    assert "华龙区的整改事项（1项）：\n（督察组只读" in text_of(page) and "第5项第1条" in text_of(page), text_of(page)
    assert buttons(page) == []  # reporting and 销号 are the unit's and the coordinators'
    usage = text_of(db.call(lambda s: coord.rectify(s, LIU)))
    assert "第一督察组负责督察的单位：华龙区、范县" in usage and "/rectify 华龙区" in usage
    refused = run(db, LIU, lambda s: coord.rectify(s, LIU, "清丰县"))
    assert "清丰县不在第一督察组负责督察的单位" in text_of(refused)


def test_released_findings_run_through_the_rectification_loop(db, insp, sc, coord, clock):
    from bot.common.callbacks import CoordOp
    from bot.inputs import Inputs

    # 华龙区 deducts itself on 1.2 (its own item) and the group finds three more problems
    setup_groups(db, insp)
    bind_unit(db, sc, WANG, "华龙区")
    self_score(db, sc, WANG, low={(1, 1)})
    submit_self(db, sc, WANG)
    join(db, sc, insp, LIU, "第一督察组")
    inspect_all(db, insp, LIU, open_unit(db, insp, LIU, "华龙区"), LOW)
    _submit(db, insp, LIU)
    db.call(lambda s: insp.release(s, ADMIN, "华龙区 党委"))
    listed = db.call(lambda s: coord.rectify(s, WANG))
    text = text_of(listed)
    assert "华龙区的整改事项（4项）" in text
    assert "第1项第2条：自查发现的问题" in text
    assert "【督察反馈】第6项第1条：未制定法治建设指标体系" in text and "措施：年内制定并印发指标体系" in text
    assert text.count("9月5日") == 3  # the findings' deadline: the end of 反馈整改阶段
    report = [b.action for b in buttons(listed) if b.label.startswith("报告完成")]
    assert len(report) == 4 and sum(1 for a in report if a.op == "fb_done") == 3
    # the unit reports a finding rectified, with a note and a file
    inputs = Inputs(sc, coord, insp)
    fb = next(a for a in report if a.op == "fb_done")
    asked = db.call(lambda s: coord.op(s, WANG, fb))
    assert "请简要说明【督察反馈】第3项第1条的整改情况" in text_of(asked)
    db.call(lambda s: inputs.evidence(s, WANG, "document", "F-9", "U-9", "规划.pdf", 4096, None))
    done = db.call(lambda s: inputs.text(s, WANG, "已纳入“十四五”规划"))
    assert "已报告【督察反馈】第3项第1条整改完成" in text_of(done)
    to_coord = next(n for n in done.notices if n.user_id == ADMIN.id)
    assert "华龙区报告【督察反馈】第3项第1条整改完成：已纳入“十四五”规划" in to_coord.answer.text
    close, send_back = (b.action for row in to_coord.answer.buttons for b in row)
    assert close == CoordOp("fb_close", fb.id)
    # a unit user cannot close it; the coordinator sends it back, then closes it once reported again
    assert "仅限" in text_of(run(db, WANG, lambda s: coord.op(s, WANG, close)))
    db.call(lambda s: coord.op(s, ADMIN, send_back))
    returned = db.call(lambda s: inputs.text(s, ADMIN, "请附规划文本页码"))
    assert "已退回：华龙区【督察反馈】第3项第1条" in text_of(returned)
    row = db.call(lambda s: s.get(RectificationItem, fb.id))
    assert (row.state, row.comment, row.note) == ("returned", "请附规划文本页码", "已纳入“十四五”规划")
    db.call(lambda s: coord.op(s, WANG, fb))
    db.call(lambda s: inputs.text(s, WANG, "见规划第12页"))
    closed = db.call(lambda s: coord.op(s, ADMIN, close))
    assert "已销号：华龙区【督察反馈】第3项第1条" in text_of(closed)
    assert db.call(lambda s: s.get(RectificationItem, fb.id)).state == "closed"
    actions = [a.action for a in db.call(lambda s: s.exec(select(AuditEntry)).all())]
    assert "rectification.return" in actions and "rectification.close" in actions
    # the self-check's own item is untouched; open items count for audiences and the digest
    states = {(i.source, i.task_no): i.state for i in db.call(lambda s: coord.rect_items(s, "华龙区"))}
    assert states[("self_check", 1)] == "open" and states[("inspection", 3)] == "closed"
    assert (WANG.id, "华龙区") in db.call(lambda s: coord.recipients(s, "open-rectification"))
    clock.now = dt.datetime(2020, 9, 7, 1, 0, tzinfo=dt.timezone.utc)
    digest = db.call(lambda s: coord.digest(s)).text
    assert "逾期整改事项（3）" in digest  # the self-check's own item (due 8月20日) and two findings
    assert "· 华龙区 【督察反馈】第6项第1条，时限9月5日" in digest and "· 华龙区 第1项第2条，时限8月20日" in digest


def test_ranking_chart_without_a_cjk_font_explains_its_codes(monkeypatch):
    import bot.files.ranking as ranking
    from bot.inspection.compare import Ranking, RankRow

    data = Ranking(rows=[RankRow("范县", "party", "第一督察组", "submitted", 96, 98, 56, 56, 1), RankRow("清丰县", "party", "第二督察组", "open", None, 90, 3, 56)])
    monkeypatch.setattr(ranking, "cjk_font", lambda: None)
    chart = ranking.ranking_chart_png(data, "2020")
    assert not chart.cjk and chart.png[:4] == b"\x89PNG"
    assert chart.legend == ["图中代号：", "U1 = 范县", "P = 党委表，G = 政府表"]  # 清丰县 is not ranked yet


def test_titles_name_this_rounds_year_not_the_round_key(db, insp, sc, coord, clock):
    """The round's key is the notice's year (2020) unless DUCHA_ROUND says otherwise; a 2026
    calendar is 本轮（2026）, as /campaign and /progress say, in every inspection title and file."""
    clock.now = dt.datetime(2026, 12, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    db.call(lambda s: coord.shift(s, None, dt.date(2026, 12, 1)))
    db.call(lambda s: insp.groups_command(s, ADMIN, "create 第一督察组 华龙区"))
    join(db, sc, insp, LIU, "第一督察组")
    shown = [
        text_of(db.call(lambda s: insp.groups.view(s, None))),
        text_of(db.call(lambda s: insp.inspect(s, ADMIN))),
        text_of(db.call(lambda s: insp.inspect(s, LIU))),
    ]
    ranking = db.call(lambda s: insp.ranking(s, ADMIN))
    shown.append(text_of(ranking))
    xlsx = next(f for f in ranking.files if f.name.endswith(".xlsx"))
    shown.append(str(openpyxl.load_workbook(io.BytesIO(xlsx.data))["督察排名"]["A1"].value))
    for text in shown:
        assert "本轮（2026）" in text and "2020" not in text, text
        assert "（本轮（" not in text  # no parentheses in parentheses
