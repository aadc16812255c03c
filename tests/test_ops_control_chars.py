"""Control characters in what people send never break a unit's files, nor the database.

Through Telegram (the fake Bot API): evidence named ``会议纪要\\x01.pdf`` and a problem text
with ``\\x0b``, then /files. And directly: rows stored before input was cleaned (raw SQL)
still export.
"""

from __future__ import annotations

import datetime as dt

import io
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import text
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import FakeBotAPI  # noqa: E402
from test_scoring_e2e import Office, keyboard  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot.common.callbacks import PickLevel  # noqa: E402
from bot.common.reply import User  # noqa: E402
from bot.common.sanitize import clean_line, clean_text, xml_safe  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.storage.models import CriterionAnswer, Evidence, Person  # noqa: E402


def sheet_text(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_the_cleaner_keeps_length_and_text():
    assert clean_text("问题\x0b说明\x00") == "问题 说明 "
    assert clean_text("第一行\r\n第二行\t完") == "第一行\r\n第二行\t完"
    assert clean_line("会议纪要\x01.pdf") == "会议纪要.pdf"
    assert clean_line("  王\n科长  ", limit=2) == "王 "[:2]
    assert xml_safe("a\x01b\x1fc\td") == "abc\td" and xml_safe(3) == 3


@pytest.mark.asyncio
async def test_control_characters_sent_through_telegram_do_not_break_files(engine, db):
    service = SelfCheck(engine.rubric)
    code = db.call(lambda s: service.create_invite(s, "清丰县", "party", 1, None)).code
    async with FakeBotAPI() as api, running_bot(api, engine, db, service):
        office = Office(api, api.user(501, "清丰\x01县委办", last_name="王\x00"))
        (bound,) = await office.say(f"/start {code}")
        assert "已加入“清丰县”" in bound["text"]
        await office.say("/score")
        lowest = [b["text"] for b in keyboard(office.last()) if "·" in b["text"]][-1]
        await office.press(lowest)
        await office.say("会议记录\x0b不完整\x00，缺少签字")  # the problem
        mark = api.mark()
        api.send_document(office.user, "会议纪要\x01.pdf", b"%PDF-1.4 minutes", caption="第一次\x02会议")
        await api.wait_for(lambda c: c.method == "sendMessage" and c.params.get("chat_id") == 501, since=mark)

        stored = db.call(lambda s: (s.exec(select(CriterionAnswer)).one(), s.exec(select(Evidence)).one(), s.get(Person, 501)))
        answer, evidence, person = stored
        assert answer.problem == "会议记录 不完整 ，缺少签字"
        assert evidence.file_name == "会议纪要.pdf" and evidence.caption == "第一次 会议"
        assert "\x01" not in person.name and "\x00" not in person.name

        mark = api.mark()
        api.send_text(office.user, "/files")
        docs = await api.wait_for("sendDocument", count=2, since=mark)
        files = {d.params["document"].filename.rsplit(".", 1)[1]: api.file(d.result["document"]["file_id"]).data for d in docs}
        assert "会议纪要.pdf" in sheet_text(files["xlsx"])
        assert "会议记录 不完整" in docx_text(files["docx"])


def test_rows_stored_before_cleaning_still_export(engine, db):
    service = SelfCheck(engine.rubric)
    user = User(601, "范县政府办")
    code = db.call(lambda s: service.create_invite(s, "范县", "government", 1, None)).code
    db.call(lambda s: service.bind(s, user, code))
    out = db.call(lambda s: service.start(s, user))
    lowest = [b.action for row in out.replies[-1].buttons for b in row if isinstance(b.action, PickLevel)][-1]
    db.call(lambda s: service.pick_level(s, user, lowest))
    db.call(lambda s: service.text(s, user, "制度不健全"))
    db.call(lambda s: service.evidence(s, user, "document", "f1", "u1", "会议纪要.pdf", 3, None))
    # what an older version could have stored: controls written with raw SQL, past every guard
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE answers SET problem = :p, answered_by = :w"), dict(p="制度\x0b不健全\x1f", w="范县\x01政府办"))
        conn.execute(text("UPDATE evidence SET file_name = :n, caption = :c"), dict(n="会议纪要\x01.pdf", c="说明\x02"))
        stored = conn.execute(text("SELECT problem FROM answers")).scalar_one()
    assert "\x0b" in stored
    for kind in ("xlsx", "docx"):
        outcome = db.call(lambda s, k=kind: service.export(s, service.find_assessment(s, "范县", "government"), k))
        data = outcome.files[0].data
        body = sheet_text(data) if kind == "xlsx" else docx_text(data)
        assert "制度不健全" in body
        if kind == "xlsx":
            assert "会议纪要.pdf" in body



def test_the_inspection_report_survives_stored_control_characters(engine):
    """The 督察报告 is built from the shared 公文 blocks: a group name, a member's name or
    a unit stored before input cleaning must not stop the file (python-docx refuses them)."""
    from test_reports import complete

    from bot.files.inspection_report import InspectionReport, inspection_report_docx

    table = engine.rubric.table("party")
    report = InspectionReport(
        own=complete(table, unit="范县\x01"), unit=None, campaign=engine.rubric.campaign, group="第一\x0b督察组",
        members=("张\x02三",), period="2026年12月11日至12月20日", submitted=None,
        rectification_due=dt.date(2027, 1, 5), today=dt.date(2026, 12, 21),
    )
    body = docx_text(inspection_report_docx(report))
    assert "第一督察组" in body and "张三" in body and "范县实地督察报告" in body


def test_the_rectification_report_survives_stored_control_characters():
    """The 整改报告 shares the 公文 building blocks: text stored before input cleaning (a
    problem with \\x0b, an evidence name with \\x01) must not stop the file."""
    from bot.files.rectification_report import ReportItem, rectification_report_docx

    item = ReportItem(
        label="第5项第1条", problem="制度\x0b不健全", measure="修订\x1f制度", leader="张\x02三", resp_unit="司法局",
        person="李四", deadline="2027年1月5日", state="待整改", done=False, closed=False, evidence=("会议纪要\x01.pdf",),
    )
    body = docx_text(rectification_report_docx("范县\x01", "政府表", "2026年", [item], dt.date(2026, 12, 2)))
    assert "制度不健全" in body and "修订制度" in body and "会议纪要.pdf" in body
