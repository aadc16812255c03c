"""Reminders, digest and nudges tell the truth (issue 8): a sent reminder is never reported as
missed, a nudge says what the unit actually owes, units nobody joined are named, and a
scheduled notice whose moment passed while the bot was down is held for the coordinator."""

from __future__ import annotations

import datetime as dt

from test_coordination import ADMIN, SHANGHAI, WANG, ZHAO, bind, buttons, score_all, submit, text_of

from bot.common.callbacks import CoordOp
from bot.storage.models import Broadcast


def test_a_reminder_sent_in_the_morning_is_not_reported_missed_in_the_evening(db, service, coord):
    bind(db, service, WANG, "华龙区")
    db.call(lambda s: coord.set_phase(s, ADMIN, "self_check", dt.date(2026, 12, 1), dt.date(2026, 12, 10)))
    morning = dt.datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)  # the deadline morning (T-0)
    from bot.coordination import reminder_copies

    sent, _ = db.call(lambda s: coord.due_reminders(s, morning))
    assert any("self_check_report" in c.key for c in sent)
    assert all(db.call(lambda s, k=c.key: reminder_copies.claim(s, k, morning)) for c in sent)  # the dispatcher's requests
    evening = dt.datetime(2026, 12, 10, 21, 1, tzinfo=SHANGHAI)  # 12 h and a minute later
    again, missed = db.call(lambda s: coord.due_reminders(s, evening))
    assert again == []
    assert not [o for o in missed if o.deliverable and o.deliverable.key == "self_check_report"]


def test_a_reminder_nobody_got_is_still_reported_missed(db, service, coord):
    bind(db, service, WANG, "华龙区")
    db.call(lambda s: coord.set_phase(s, ADMIN, "self_check", dt.date(2026, 12, 1), dt.date(2026, 12, 10)))
    evening = dt.datetime(2026, 12, 10, 21, 1, tzinfo=SHANGHAI)  # the bot was down all day
    _, missed = db.call(lambda s: coord.due_reminders(s, evening))
    assert [o for o in missed if o.deliverable and o.deliverable.key == "self_check_report" and o.rule.days_before == 0]


def test_the_digest_nudge_beside_overdue_items_does_not_ask_a_submitted_unit_to_submit(db, service, coord, clock):
    bind(db, service, WANG, "华龙区")
    score_all(db, service, WANG)  # task 5 at zero, deadline 8月20日
    submit(db, service, WANG)
    clock.advance(days=20)  # 2020-08-23: the item is overdue
    digest = db.call(lambda s: coord.digest(s))
    press = next(b.action for row in digest.buttons for b in row if b.label == "催办华龙区")
    db.call(lambda s: coord.op(s, ADMIN, press))
    texts_sent = db.call(lambda s: [b.text for b in s.exec(__import__("sqlmodel").select(Broadcast)).all()])
    assert texts_sent and all("自评尚未提交" not in t for t in texts_sent)
    assert any("逾期" in t and "第5项" in t for t in texts_sent)


def test_a_nudge_to_a_unit_that_owes_nothing_is_not_sent(db, service, coord):
    bind(db, service, WANG, "华龙区")
    score_all(db, service, WANG, rectify=False)
    done = submit(db, service, WANG)
    assessment = next(b.action for b in buttons(done)).assessment
    out = db.call(lambda s: coord.op(s, ADMIN, CoordOp("nudge_unit", assessment)))
    assert "无需催办" in text_of(out)
    assert db.call(lambda s: s.exec(__import__("sqlmodel").select(Broadcast)).all()) == []


def test_the_digest_names_units_nobody_has_joined(db, service, coord):
    digest = db.call(lambda s: coord.digest(s))
    assert "各单位均已提交" not in digest.text
    assert "尚无人绑定" in digest.text and "华龙区" in digest.text and "范县" in digest.text
    bind(db, service, ZHAO, "范县", "government")
    digest = db.call(lambda s: coord.digest(s))
    line = next(l for l in digest.text.splitlines() if "尚无人绑定" in l)
    # 范县 has joined through its government office: its party office still needs its invite
    assert "范县党委" in line and "范县、" not in line and "华龙区" in line


def test_progress_lists_every_unit_including_those_nobody_joined(db, service, coord):
    import io

    from openpyxl import load_workbook

    bind(db, service, WANG, "华龙区")
    out = db.call(lambda s: coord.progress(s, ADMIN))
    text = text_of(out)
    assert "华龙区·党委表：绑定1人" in text
    # the other office of a unit one of whose offices joined is listed too, right after it
    assert "华龙区·党委表：绑定1人" in text.splitlines()[1] and "华龙区·政府表：尚无人加入（请发送邀请）" in text.splitlines()[2]
    assert "台前县·政府表：尚无人加入（请发送邀请）" in text
    assert "濮阳市城乡一体化示范区·党委表" in text
    sheet = load_workbook(io.BytesIO(out.files[1].data)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert any("台前县" in c for c in cells)


def test_a_calendar_set_after_a_reminders_moment_says_so_and_reports_no_downtime(db, service, coord, clock):
    """Shifted on 12月2日 to start on 12月1日: the coordinator is told at once that the 12月1日 start
    notice will not go out; later runs do not report it as missed 因机器人停机 (the bot was not down)."""
    bind(db, service, WANG, "华龙区")
    clock.now = dt.datetime(2026, 12, 2, 23, 0, tzinfo=SHANGHAI)
    out = text_of(db.call(lambda s: coord.shift(s, None, dt.date(2026, 12, 1))))
    assert "调整前已经过去，不会补发" in out
    assert "2026年12月1日 09:00" in out and "今天起进入自查阶段" in out
    assert out.index("不会补发") < out.index("督察时间安排")  # before the calendar, not lost below it
    clock.now = dt.datetime(2026, 12, 7, 9, 1, tzinfo=SHANGHAI)
    sent, missed = db.call(lambda s: coord.due_reminders(s, clock.now))
    assert {c.user_id for c in sent} == {WANG.id}  # T-3 goes out
    assert missed == []


def test_a_missed_reminders_text_is_cut_with_an_ellipsis(db, service, coord):
    bind(db, service, WANG, "华龙区")
    db.call(lambda s: coord.set_phase(s, ADMIN, "self_check", dt.date(2026, 12, 1), dt.date(2026, 12, 10)))
    evening = dt.datetime(2026, 12, 1, 21, 1, tzinfo=SHANGHAI)  # the phase's start notice, long, was missed
    _, missed = db.call(lambda s: coord.due_reminders(s, evening))
    report = coord.missed_report(missed).text
    cut = [line for line in report.splitlines()[1:] if line.startswith("·")]
    assert cut and all(line.endswith(("…", "。")) for line in cut), cut


def test_the_digest_names_the_office_that_has_not_submitted(db, service, coord):
    """华龙区's party office submitted, its government office did not: the digest names 华龙区政府,
    not the whole of 华龙区 (as 尚无人绑定 names 范县党委)."""
    liu = type(WANG)(102, "刘主任")
    bind(db, service, WANG, "华龙区")
    bind(db, service, liu, "华龙区", role="government")
    bind(db, service, ZHAO, "范县", role="government")
    score_all(db, service, WANG)
    submit(db, service, WANG)
    digest = db.call(lambda s: coord.digest(s)).text
    assert "未提交自评的单位（2）：华龙区政府、范县政府" in digest, digest
    assert "范县党委" in digest.split("尚无人绑定的单位")[1]
