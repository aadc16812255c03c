"""The rectification phase's deliverable (issue 8): the unit's 整改报告 (.docx) lists every
item with its problem, measure, leader, unit, person, deadline, state and evidence, and what is
still open; it is submitted like the self-check, and its reminders stop for units that did."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from dbfixtures import refusal_of
from test_coordination import ADMIN, SHANGHAI, WANG, ZHAO, bind, buttons, score_all, submit, text_of
from typer.testing import CliRunner


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_rectification_report_is_made_submitted_and_stops_its_reminders(db, service, coord):
    bind(db, service, WANG, "华龙区")
    bind(db, service, ZHAO, "范县")
    db.call(lambda s: service.start(s, WANG))
    score_all(db, service, WANG)  # task 5 at zero: 未开展督察 / 开展督察 / 副书记 / 依法治县办 / 李四 / 8月20日
    submit(db, service, WANG)
    score_all(db, service, ZHAO)
    submit(db, service, ZHAO)
    page = db.call(lambda s: coord.rectify(s, WANG))
    get = next(b.action for b in buttons(page) if b.label == "整改报告")
    (f,) = db.call(lambda s: coord.op(s, WANG, get)).files
    assert f.name.startswith("华龙区-党委表-整改报告") and f.name.endswith(".docx")
    text = docx_text(f.data)
    for expected in ("华龙区党委表整改报告", "第5项第1条", "未开展督察", "开展督察", "副书记", "依法治县办", "李四", "8月20日", "待整改", "三、尚未完成的事项"):
        assert expected in text, expected

    ask = next(b.action for b in buttons(page) if b.label == "提交整改报告")
    question = db.call(lambda s: coord.op(s, WANG, ask))
    assert "仍有2项尚未完成" in text_of(question)
    confirm = next(b.action for b in buttons(question) if b.label == "确认提交整改报告")
    assert refusal_of(db, ADMIN, lambda s: coord.op(s, ADMIN, confirm)).text  # a coordinator has no unit's report to submit
    done = db.call(lambda s: coord.op(s, WANG, confirm))
    assert "已提交华龙区党委表的整改报告" in text_of(done) and done.files
    assert "草稿" in f.caption and "草稿" not in done.files[0].caption  # the submitted version is no draft
    assert "提交的版本" in done.files[0].caption
    assert {n.user_id for n in done.notices} == {ADMIN.id}
    assert "无需重复提交" in text_of(db.call(lambda s: coord.op(s, WANG, confirm)))

    # T-1 of the rectification report: only the unit that has not submitted it is reminded
    db.call(lambda s: coord.set_phase(s, ADMIN, "rectification", dt.date(2026, 12, 21), dt.date(2027, 1, 8)))
    due = dt.datetime(2027, 1, 7, 9, 0, tzinfo=SHANGHAI)
    sent, _ = db.call(lambda s: coord.due_reminders(s, due))
    report_reminders = {c.user_id for c in sent if c.occurrence.deliverable and c.occurrence.deliverable.key == "rectification_report"}
    assert report_reminders == {ZHAO.id}


def test_the_report_lists_feedback_evidence_and_says_overdue(db, service, coord, clock):
    """The 整改报告 never listed the evidence of a 督察反馈 item, and an item past its
    deadline read only 待整改: its files are listed, and it says 已逾期（时限8月20日）."""
    from sqlmodel import select

    from bot.storage.models import Assessment, Evidence, RectificationItem

    bind(db, service, WANG, "华龙区")
    db.call(lambda s: service.start(s, WANG))
    score_all(db, service, WANG)  # task 5 at zero, deadline 8月20日
    submit(db, service, WANG)

    def feedback_with_a_file(s):
        a = s.exec(select(Assessment).where(Assessment.unit == "华龙区")).one()
        s.add(RectificationItem(
            round=a.round, unit="华龙区", table_key="party", task_no=9, criterion=0, problem="督察发现会前学法未落实",
            measure="建立会前学法制度", deadline=dt.date(2020, 9, 30), state="reported", created_by="刘组长", updated_by="王科长",
        ))
        s.add(Evidence(
            assessment_id=a.id, task_no=9, criterion=0, kind="document", file_id="F-9", file_unique_id="U-9",
            file_name="会前学法制度.pdf", added_by="王科长", added_by_id=WANG.id, stage="rectification",
        ))

    db.call(feedback_with_a_file)
    clock.advance(days=22)  # 8月25日: task 5's item is overdue
    page = db.call(lambda s: coord.rectify(s, WANG))
    get = next(b.action for b in buttons(page) if b.label == "整改报告")
    (f,) = db.call(lambda s: coord.op(s, WANG, get)).files
    doc = Document(io.BytesIO(f.data))
    rows = {row.cells[1].text: [c.text for c in row.cells] for t in doc.tables for row in t.rows}
    feedback = next(cells for label, cells in rows.items() if "督察反馈" in label)
    assert feedback[-1] == "会前学法制度.pdf"
    overdue = rows["第5项第1条"]
    assert overdue[-2] == "已逾期（时限8月20日）"
    section = [p.text for p in doc.paragraphs]
    assert any("第5项第1条" in line and "状态：已逾期（时限8月20日）" in line for line in section), section


def test_ducha_export_writes_the_rectification_report(tmp_path, monkeypatch):
    from bot.shells.cli import app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    out = tmp_path / "zg.docx"
    result = CliRunner().invoke(app, ["export", "--unit", "华龙区", "--table", "party", "--report", "rectification", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "华龙区党委表整改报告" in docx_text(out.read_bytes())
    bad = CliRunner().invoke(app, ["export", "--unit", "华龙区委", "--table", "party", "--report", "rectification"])
    assert bad.exit_code == 2 and "没有名为“华龙区委”的单位" in bad.output
