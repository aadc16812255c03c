"""Coordinators' work: calendar, broadcasts, rectification loop, review, progress, digest,
reminder claims; on SQLite and on PostgreSQL. The clock is injected; nothing sleeps."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.common.callbacks import CoordOp, Navigate, PickLevel
from bot.common.reply import User
from bot.coordination.service import html_problem
from dbfixtures import act, refusal_of, refusals  # noqa: E402
from bot.storage.models import (
    AuditEntry,
    Broadcast,
    BroadcastRecipient,
    CriterionAnswer,
    Person,
    ReminderDelivery,
)

ADMIN = User(1, "市办张主任")
WANG = User(101, "王科长")
ZHAO = User(201, "赵主任")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def bind(db, service, user, unit, role="party"):
    code = db.call(lambda s: service.create_invite(s, unit, role, 5, None)).code
    db.call(lambda s: service.bind(s, user, code))


def text_of(out) -> str:
    return "\n".join(a.text for a in out.replies)


def buttons(out):
    return [b for a in out.replies for row in a.buttons for b in row]


def score_all(db, service, user, zero_task=5, rectify=True):
    """Answer every criterion: task ``zero_task`` at zero (with a rectification item)."""
    out = db.call(lambda s: service.start(s, user))
    while True:
        picks = [b.action for b in buttons(out) if isinstance(b.action, PickLevel)]
        if not picks:
            return
        choice = picks[-1] if picks[0].task == zero_task else picks[0]
        out = db.call(lambda s, c=choice: service.pick_level(s, user, c))
        if "请用一两句话说明存在的问题" in text_of(out):
            if rectify:
                for reply in ("未开展督察", "开展督察", "副书记", "依法治县办", "李四", "8月20日"):
                    out = db.call(lambda s, r=reply: service.text(s, user, r))
            else:
                for _ in range(6):
                    skip = next(b.action for b in buttons(out) if b.label == "跳过")
                    out = db.call(lambda s, a=skip: service.navigate(s, user, a))


def submit(db, service, user):
    ask = db.call(lambda s: service.submit(s, user))
    confirm = next(b.action for b in buttons(ask) if b.label == "确认提交")
    return db.call(lambda s: service.assessment_op(s, user, confirm))


# --- authority --------------------------------------------------------------------------


def test_non_coordinators_are_refused_and_the_attempt_audited(db, service, coord):
    bind(db, service, WANG, "华龙区")
    for attempt in (
        lambda s: coord.draft(s, WANG, "all 通知"),
        lambda s: coord.broadcasts(s, WANG),
        lambda s: coord.progress(s, WANG),
        lambda s: coord.set_phase(s, WANG, "self_check", dt.date(2021, 8, 1), dt.date(2021, 8, 10)),
        lambda s: coord.op(s, WANG, CoordOp("item_close", 1, 5, 0)),
        lambda s: coord.op(s, WANG, CoordOp("bc_send", 1)),
    ):
        assert "仅限市委依法治市办" in refusal_of(db, WANG, attempt).text
    refused = refusals(db)
    assert len(refused) == 6 and all(actor == WANG.id for actor, _ in refused)


# --- calendar -----------------------------------------------------------------------------


def test_calendar_set_show_and_refusals(db, service, coord):
    out = db.call(lambda s: coord.set_phase(s, ADMIN, "self_check", dt.date(2021, 8, 2), dt.date(2021, 8, 12)))
    assert "8月2日 至 8月12日" in text_of(out)
    assert "（由市办张主任设定）" in text_of(out)
    assert "迎接督察阶段：未设定日期" in db.call(lambda s: coord.calendar(s).text)
    bad = refusal_of(db, ADMIN, lambda s: coord.set_phase(s, ADMIN, "self_check", dt.date(2021, 8, 12), dt.date(2021, 8, 2)))
    assert bad.text.startswith("无法设定")
    assert refusal_of(db, ADMIN, lambda s: coord.set_phase(s, ADMIN, "party_time", dt.date(2021, 8, 1), dt.date(2021, 8, 2))).text
    assert refusals(db) == []  # a date that does not fit is the coordinator's slip, not an attempt
    assert db.call(lambda s: s.exec(select(AuditEntry).where(AuditEntry.action == "calendar.set")).one()).actor == "市办张主任"


# --- broadcasts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, reason",
    [("<b>未闭合", "没有闭合"), ("<script>x</script>", "不支持标签"), ("</i>", "没有对应"), ("A & B", "&amp;"), ("<a>链接</a>", "href")],
)
def test_broken_html_is_explained(text, reason):
    assert reason in html_problem(text)


# Each of these is answered by Telegram with "Bad Request: can't parse entities" (or loses its
# formatting): the coordinator is told what is wrong and where before anything is sent.
@pytest.mark.parametrize(
    "text, reason, where",
    [
        ("请于<br>前报送", "不支持标签 <br>（换行请直接回车", "请于<br>前报送"),
        ("<span>隐藏</span>", 'span class="tg-spoiler"', "<span>"),
        ('<tg-emoji>👍</tg-emoji>已收到', "emoji-id", "<tg-emoji>"),
        ('<tg-emoji emoji-id="5368324170671202286"></tg-emoji>', "普通表情", "</tg-emoji>"),
        ('详见<a href="ftp://files.gov.cn/a.doc">附件</a>', "只能链接 http://、https:// 或 tg://", "ftp://"),
        ('详见<a href="www.gov.cn">网站</a>', "请写完整网址", "www.gov.cn"),
        ("报送&nbsp;材料", "不认识 &nbsp;", "报送&nbsp;材料"),
        ("A&B 两县", "“&”需要写成 &amp;", "A&B"),
        ("分数 < 60 的单位", "“<”不是标签的一部分，需要写成 &lt;", "分数 < 60"),
        ("<b>粗<i>斜</b></i>", "标签不能交叉，请先写 </i>", "</b>"),
        ('<code class="language-python">x</code>', "只有放在 <pre> 里的 <code>", "<code"),
        ("<pre><b>x</b></pre>", "<pre> 里不能再放其他标签", "<b>"),
        ('<a href="https://a.cn"><a href="https://b.cn">x</a></a>', "链接里不能再放链接", '"><a href="https:'),
        ("<blockquote>甲<blockquote>乙</blockquote></blockquote>", "引用 <blockquote> 里不能再放引用", "乙"),
        ('<b class="red">重要</b>', "<b> 不能带属性 class", "<b class"),
        ("<!-- 草稿 -->通知", "不支持 HTML 注释", "<!--"),
        ("第一行\n第二行<u>未闭合", "第2行", "<u>未闭合"),
    ],
)
def test_telegram_html_rules_say_what_and_where(text, reason, where):
    problem = html_problem(text)
    assert problem is not None and reason in problem and where in problem, problem


def test_what_telegram_accepts_passes():
    assert html_problem('<b>请</b>于<a href="https://example.org">此处</a>查看 &amp; 回复') is None
    accepted = (
        '<strong>粗</strong><em>斜</em><ins>下</ins><strike>删</strike><del>删</del><tg-spoiler>隐</tg-spoiler>'
        '<span class="tg-spoiler">隐</span><a href="tg://user?id=1">某人</a><a href="http://a.cn?x=1&y=2">链</a>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><code>c</code>'
        '<pre><code class="language-python">print(1)</code></pre><blockquote expandable>长引用<b>粗</b></blockquote>'
        "&lt;&gt;&quot;&#160;&#x4E2D; 分数>60 <B>大写</B>"
    )
    assert html_problem(accepted) is None


def test_broadcast_preview_confirm_and_refusals(db, service, coord, clock):
    bind(db, service, WANG, "华龙区")
    bind(db, service, ZHAO, "濮阳县", "government")
    out = db.call(lambda s: coord.draft(s, ADMIN, "all 请各单位于8月10日前提交<b>自查报告</b>"))
    assert "将发给 2 人，涉及 2 个单位" in text_of(out)
    send = next(b.action for b in buttons(out) if b.label == "立即发送")
    assert db.call(lambda s: s.exec(select(BroadcastRecipient)).all())  # queued, but a draft
    assert db.call(lambda s: coord.due_broadcasts(s, clock())) == []
    confirmed = db.call(lambda s: coord.op(s, ADMIN, send))
    assert "正在发送" in text_of(confirmed)
    assert db.call(lambda s: coord.due_broadcasts(s, clock())) == [send.id]
    again = db.call(lambda s: coord.op(s, ADMIN, send))
    assert "已处理" in text_of(again)

    for args, expected in [
        ("unit:火星区 通知", "不存在"),
        ("role:king 通知", "无法识别"),
        ("open-rectification 通知", "没有符合条件"),
        ("all <b>坏", "格式有误"),
        ("all 请于<br>8月10日前报送", "在“请于<br>8月10日前报送”处，Telegram 不支持标签 <br>"),
        ("all " + "长" * 5000, "过长"),
        ("all", "用法"),
    ]:
        refused = act(db, ADMIN, lambda s, a=args: coord.draft(s, ADMIN, a))
        assert expected in text_of(refused), args
    past = db.call(lambda s: coord.create_broadcast(s, ADMIN, "all", "通知", clock() - dt.timedelta(hours=1)))
    assert isinstance(past, str) and "已过" in past


def test_acknowledge_and_nudge_only_the_silent(db, service, coord, clock):
    bind(db, service, WANG, "华龙区")
    bind(db, service, ZHAO, "濮阳县", "government")
    made = db.call(lambda s: coord.create_broadcast(s, ADMIN, "all", "请确认收到"))

    def mark_sent(s):
        for r in s.exec(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == made.id)).all():
            r.state = "sent"
            s.add(r)

    db.call(mark_sent)
    assert db.call(lambda s: coord.ack(s, WANG, made.id)) == "已确认收到，谢谢！"
    assert db.call(lambda s: coord.ack(s, WANG, made.id)) == "您已于8月3日 09:00确认收到，无需再次确认，谢谢！"
    assert "不是发给您的" in db.call(lambda s: coord.ack(s, ADMIN, made.id))
    page = db.call(lambda s: coord.broadcast_page(s, ADMIN, made.id))
    assert "已确认 1/2" in text_of(page) and "尚未确认的单位：濮阳县" in text_of(page)
    nudge = next(b.action for b in buttons(page) if b.label == "催办未确认单位")
    assert "共 1 人" in text_of(db.call(lambda s: coord.op(s, ADMIN, nudge)))
    chased = db.call(lambda s: s.exec(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id != made.id)).all())
    assert [r.user_id for r in chased] == [ZHAO.id]


def test_nudges_are_listed_under_their_notice_not_as_notices(db, service, coord, clock):
    """A 催办 used to appear in /broadcasts as a notice of its own (“请确认收到8月3日的通知：”,
    确认0/1 forever, with a 催办 of its own): /broadcasts lists the notice once with how many
    催办 it had and when, its page lists them, and a 催办 is never chased again."""
    bind(db, service, WANG, "华龙区")
    bind(db, service, ZHAO, "濮阳县", "government")
    made = db.call(lambda s: coord.create_broadcast(s, ADMIN, "all", "请各单位报送自查报告"))

    def mark_sent(s, bid):
        for r in s.exec(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == bid)).all():
            r.state = "sent"
            s.add(r)
        s.get(Broadcast, bid).status = "done"

    db.call(lambda s: mark_sent(s, made.id))
    db.call(lambda s: coord.ack(s, WANG, made.id))
    page = db.call(lambda s: coord.broadcast_page(s, ADMIN, made.id))
    nudge = next(b.action for b in buttons(page) if b.label == "催办未确认单位")
    clock.advance(hours=1)
    db.call(lambda s: coord.op(s, ADMIN, nudge))
    child = db.call(lambda s: s.exec(select(Broadcast).where(Broadcast.parent_id == made.id)).one().id)
    db.call(lambda s: mark_sent(s, child))

    listing = text_of(db.call(lambda s: coord.broadcasts(s, ADMIN)))
    assert "请确认收到" not in listing
    assert listing.count("确认1/2") == 1 and "已催办1次（最近2020年8月3日 10:00）" in listing, listing
    page = db.call(lambda s: coord.broadcast_page(s, ADMIN, made.id))
    assert "已催办 1 次：2020年8月3日 10:00催办 1 人" in text_of(page)
    # an old button on the 催办 shows and chases its notice, never the 催办 itself
    on_child = db.call(lambda s: coord.broadcast_page(s, ADMIN, child))
    assert "已确认 1/2" in text_of(on_child)
    again = db.call(lambda s: coord.op(s, ADMIN, CoordOp("bc_nudge", child)))
    assert "共 1 人" in text_of(again)
    parents = db.call(lambda s: {b.parent_id for b in s.exec(select(Broadcast).where(Broadcast.kind == "nudge")).all()})
    assert parents == {made.id}


def test_nudge_reaches_the_unknown_and_says_whom_it_left_to_the_sender(db, service, coord, clock):
    """催办 goes to copies that arrived, failed or whose fate is unknown (状态未知 used to be
    skipped without a word); copies still waiting to retry are left to that, and the
    coordinator is told how many."""
    users = [WANG, ZHAO, User(301, "钱主任"), User(401, "孙主任")]
    for user, unit in zip(users, ["华龙区", "濮阳县", "清丰县", "南乐县"]):
        bind(db, service, user, unit)
    made = db.call(lambda s: coord.create_broadcast(s, ADMIN, "all", "请确认收到"))

    def settle(s):
        for user, state in zip(users, ["sent", "unknown", "failed", "queued"]):
            row = s.get(BroadcastRecipient, (made.id, user.id))
            row.state, row.deferrals = state, 1 if state == "queued" else 0
            row.next_attempt_at = clock() + dt.timedelta(minutes=1) if state == "queued" else None
            s.add(row)

    db.call(settle)
    page = db.call(lambda s: coord.broadcast_page(s, ADMIN, made.id))
    assert "状态未知 1 人" in text_of(page) and "1 份正在等待自动重试" in text_of(page)
    nudge = next(b.action for b in buttons(page) if b.label == "催办未确认单位")
    out = db.call(lambda s: coord.op(s, ADMIN, nudge))
    assert "已催办，共 3 人" in text_of(out) and "另有 1 人的通知仍在发送或等待重试" in text_of(out)
    chased = db.call(lambda s: sorted(r.user_id for r in s.exec(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id != made.id)).all()))
    assert chased == sorted(u.id for u in users[:3])


# --- rectification and review ----------------------------------------------------------


def test_rectification_reported_returned_reported_again_closed(db, service, coord, typed, clock):
    bind(db, service, WANG, "华龙区")
    db.call(lambda s: service.person(s, ADMIN))  # the admin becomes a coordinator
    score_all(db, service, WANG)
    submit(db, service, WANG)
    page = db.call(lambda s: coord.rectify(s, WANG))
    assert "第5项第1条：未开展督察" in text_of(page) and "待整改" in text_of(page)
    report = next(b.action for b in buttons(page) if b.label.startswith("报告完成"))
    assert "请简要说明" in text_of(db.call(lambda s: coord.op(s, WANG, report)))
    done = db.call(lambda s: typed.text(s, WANG, "已制定督察计划并开展督察"))
    assert "等待市委依法治市办销号" in text_of(done)
    assert {n.user_id for n in done.notices} == {ADMIN.id}
    back = next(b.action for b in done.notices[0].answer.buttons[0] if b.label == "退回")
    assert "退回意见" in text_of(db.call(lambda s: coord.op(s, ADMIN, back)))
    returned = db.call(lambda s: typed.text(s, ADMIN, "缺少督察记录"))
    assert "已退回" in text_of(returned) and WANG.id in {n.user_id for n in returned.notices}
    assert "退回意见：缺少督察记录" in text_of(db.call(lambda s: coord.rectify(s, WANG)))
    db.call(lambda s: coord.op(s, WANG, report))
    again = db.call(lambda s: typed.text(s, WANG, "补充了督察记录"))
    close = next(b.action for b in again.notices[0].answer.buttons[0] if b.label == "销号")
    assert "已销号" in text_of(db.call(lambda s: coord.op(s, ADMIN, close)))
    assert "已销号" in text_of(db.call(lambda s: coord.rectify(s, WANG)))
    assert db.call(lambda s: coord.op(s, ADMIN, close)).replies  # a second close says its state
    other = bind(db, service, ZHAO, "濮阳县") or ZHAO
    assert "其他单位" in refusal_of(db, other, lambda s: coord.op(s, other, report)).text  # another unit's item
    assert [actor for actor, _ in refusals(db)] == [other.id]  # and audited


def test_files_after_report_done_are_the_items_evidence_and_scoring_takes_typing_back(db, service, coord, typed):
    bind(db, service, WANG, "华龙区")
    score_all(db, service, WANG)
    submit(db, service, WANG)
    report = next(b.action for b in buttons(db.call(lambda s: coord.rectify(s, WANG))) if b.label.startswith("报告完成"))
    db.call(lambda s: coord.op(s, WANG, report))
    # submitted, yet a file sent while reporting is kept, for the item's criterion
    saved = db.call(lambda s: typed.evidence(s, WANG, "document", "F9", "U9", "督察记录.pdf", 2048, None))
    assert "归入第5项第1条" in text_of(saved)
    # a coordinator reopens the assessment; the unit goes back to scoring before writing the note
    db.call(lambda s: service.reopen(s, ADMIN, report.id))
    back = db.call(lambda s: service.navigate(s, WANG, Navigate(report.id, "goto", 1, 0)))
    assert "第1项" in text_of(back)
    out = db.call(lambda s: typed.text(s, WANG, "已制定督察计划"))
    assert "没能识别您的回答" in text_of(out)  # a level in words, not a rectification note
    assert "待整改" in text_of(db.call(lambda s: coord.rectify(s, WANG)))


def test_overdue_items_are_red_and_in_the_digest(db, service, coord, clock):
    bind(db, service, WANG, "华龙区")
    score_all(db, service, WANG)  # deadline 8月20日
    bind(db, service, ZHAO, "濮阳县")
    score_all(db, service, ZHAO)  # a draft never submitted: its deductions are not items yet
    submit(db, service, WANG)
    clock.advance(days=20)  # 2020-08-23
    page = db.call(lambda s: coord.rectify(s, WANG))
    assert "🔴" in text_of(page)
    digest = db.call(lambda s: coord.digest(s))
    assert "逾期整改事项（2）" in digest.text and "华龙区 第5项第1条" in digest.text
    assert "濮阳县" not in digest.text.split("逾期整改事项")[1].split("\n\n")[0]
    assert "未提交自评的单位（1）：濮阳县党委" in digest.text
    labels = [b.label for row in digest.buttons for b in row]
    assert "催办未提交单位" in labels and "催办华龙区" in labels and "催办濮阳县" not in labels


def test_sent_back_assessment_reaches_the_units_users(db, service, coord, typed):
    bind(db, service, WANG, "华龙区")
    db.call(lambda s: service.person(s, ADMIN))  # the admin becomes a coordinator
    score_all(db, service, WANG)
    done = submit(db, service, WANG)
    assessment = next(b.action for b in buttons(done)).assessment
    view = db.call(lambda s: coord.op(s, ADMIN, CoordOp("asm_view", assessment)))
    ret = next(b.action for b in buttons(view) if b.label == "退回修改")
    db.call(lambda s: coord.op(s, ADMIN, ret))
    out = db.call(lambda s: typed.text(s, ADMIN, "第5项请补充说明"))
    assert "已退回华龙区的党委表自评" in text_of(out)
    (notice,) = [n for n in out.notices if n.user_id == WANG.id]
    assert "第5项请补充说明" in notice.answer.text
    resumed = text_of(db.call(lambda s: service.start(s, WANG)))  # open again, with the comment
    assert "全部27项已作答完毕" in resumed and "退回意见：第5项请补充说明" in resumed
    assert "assessment.return" in db.call(lambda s: [e.action for e in s.exec(select(AuditEntry)).all()])


# --- progress ---------------------------------------------------------------------------


def test_progress_table_chart_and_xlsx(db, service, coord):
    bind(db, service, WANG, "华龙区")
    bind(db, service, ZHAO, "濮阳县", "government")
    score_all(db, service, WANG)
    out = db.call(lambda s: coord.progress(s, ADMIN))
    text = text_of(out)
    assert "华龙区·党委表：绑定1人，已答56/56" in text
    assert "濮阳县·政府表：绑定1人，已答0/61，未提交" in text
    # an office nobody joined is said once and plainly (it read 绑定0人，已答0/61，尚无人加入，自评0分)
    assert "⬜ 华龙区·政府表：尚无人加入（请发送邀请）" in text and "绑定0人" not in text, text
    assert "第5项" in text  # the lowest-scoring task
    names = [f.name for f in out.files]
    assert names[0].endswith(".png") and out.files[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    assert names[1].endswith(".xlsx")


# --- reminders: claimed once -----------------------------------------------------------


def test_reminders_are_claimed_once_and_stop_after_submission(db, service, coord, clock):
    from bot.coordination import reminder_copies

    bind(db, service, WANG, "华龙区")
    bind(db, service, ZHAO, "濮阳县", "government")
    at = dt.datetime(2020, 8, 7, 9, 0, tzinfo=SHANGHAI)  # T-3 of the self-check report
    first, missed = db.call(lambda s: coord.due_reminders(s, at))
    keys = {c.occurrence.key for c in first}
    assert any("self_check_report" in k for k in keys)
    assert {c.user_id for c in first if "self_check_report" in c.occurrence.key} == {WANG.id, ZHAO.id}
    # planned once; until a request claims a copy it is offered again (a sender killed while
    # it waited for a send slot leaves it to the next run) ...
    again, _ = db.call(lambda s: coord.due_reminders(s, at))
    assert [c.key for c in again] == [c.key for c in first]
    # ... and each request claims its copy: a restart or a second process sends nothing twice
    claims = [db.call(lambda s, k=c.key: reminder_copies.claim(s, k, at)) for c in first + again]
    assert claims == [True] * len(first) + [False] * len(again)
    assert db.call(lambda s: coord.due_reminders(s, at))[0] == []
    # the earlier phase-start notice (2020-07-31) is older than the grace window: missed, once
    assert any(o.phase.key == "self_check" and o.rule.kind == "phase_start" for o in missed)
    assert db.call(lambda s: coord.due_reminders(s, at))[1] == []
    score_all(db, service, WANG, rectify=False)
    submit(db, service, WANG)
    t1 = dt.datetime(2020, 8, 10, 9, 0, tzinfo=SHANGHAI)  # the deadline morning (T-1 fell on a Sunday: sent Friday)
    later, _ = db.call(lambda s: coord.due_reminders(s, t1))
    assert {c.user_id for c in later if "self_check_report" in c.occurrence.key} == {ZHAO.id}
    rows = db.call(lambda s: s.exec(select(ReminderDelivery).where(ReminderDelivery.user_id == WANG.id)).all())
    assert len({r.key for r in rows}) == len(rows)


def test_a_reminder_waiting_to_retry_is_dropped_once_its_unit_submitted(db, service, coord, clock):
    """Telegram was unreachable at 09:00; by the next attempt the unit has submitted: the
    reminder that it still owes the report is not sent, and not reported as a failure."""
    from bot.coordination import reminder_copies

    bind(db, service, WANG, "华龙区")
    at = dt.datetime(2020, 8, 10, 9, 0, tzinfo=SHANGHAI)  # the deadline morning
    [copy] = [c for c in db.call(lambda s: coord.due_reminders(s, at))[0] if "self_check_report" in c.key]
    assert db.call(lambda s: reminder_copies.claim(s, copy.key, at))
    retry_at = db.call(lambda s: reminder_copies.defer(s, copy.key, "NetworkError: connection refused", at))
    assert retry_at == at + dt.timedelta(seconds=30)
    assert db.call(lambda s: coord.due_reminders(s, at + dt.timedelta(seconds=10)))[0] == []  # not yet
    score_all(db, service, WANG, rectify=False)
    submit(db, service, WANG)
    assert db.call(lambda s: coord.due_reminders(s, at + dt.timedelta(seconds=30)))[0] == []
    row = db.call(lambda s: s.get(ReminderDelivery, copy.key))
    assert row.state == "dropped" and row.attempts == 1


def test_blocked_user_is_inactive_and_not_a_recipient(db, service, coord):
    bind(db, service, WANG, "华龙区")

    def block(s):
        p = s.get(Person, WANG.id)
        p.active = False
        s.add(p)

    db.call(block)
    assert db.call(lambda s: coord.recipients(s, "all")) == []
    assert db.call(lambda s: s.exec(select(CriterionAnswer)).all()) == []


def test_an_old_calendar_is_not_reported_as_missed(db, service, coord):
    """Deployed in 2026 with the notice's 2020 dates: nothing to send, nothing to report."""
    bind(db, service, WANG, "华龙区")
    now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    assert db.call(lambda s: coord.due_reminders(s, now)) == ([], [])
    # but set this round's dates and the week's reminders come
    db.call(lambda s: coord.set_phase(s, ADMIN, "self_check", dt.date(2026, 11, 23), dt.date(2026, 11, 30)))
    to_send, missed = db.call(lambda s: coord.due_reminders(s, now))
    assert {c.user_id for c in to_send} == {WANG.id}
    assert missed  # the phase-start notice of 11月23日 (more than 12 h ago, within the week)
