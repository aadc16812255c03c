"""Score sheet (.xlsx) and self-check report (.docx) exports, checked by opening the files."""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from openpyxl.cell.cell import MergedCell

from bot.files.reports import (
    ReportDraft,
    export_filename,
    score_sheet_xlsx,
    self_check_report_docx,
)
from bot.scoring.scores import (
    AnswerRecord,
    AssessmentSnapshot,
    EvidenceRecord,
    Rectification,
    criterion_fingerprint,
)

WHEN = dt.datetime(2020, 8, 9, 9, 0)
TODAY = dt.date(2020, 8, 9)
HEADINGS = ["一、基本情况", "二、得分情况", "三、存在问题", "四、整改措施"]
PROBLEM_1_1 = "常委会会议记录未完整记载研究法治问题的情况"
PROBLEM_5_0 = "今年以来未开展法治建设督察工作"
PROBLEM_7_0 = "第一责任人职责履行情况尚未纳入巡察范围"


def answer(table, task_no: int, crit: int, level: int, *, rect: Rectification | None = None, fingerprint=None):
    criterion = table.task(task_no).criteria[crit]
    return AnswerRecord(
        task_no=task_no,
        criterion=crit,
        level=level,
        points=criterion.levels[level].points,
        answered_by="李秘书",
        answered_at=WHEN,
        fingerprint=criterion_fingerprint(criterion) if fingerprint is None else fingerprint,
        rectification=rect or Rectification(),
    )


def full_rect(problem: str, **kw) -> Rectification:
    values = dict(problem=problem, measure="制定整改方案并逐项落实", leader="王副书记", unit="县委办公室", person="赵科长")
    values.update(kw)
    return Rectification(**values)


@pytest.fixture
def party(rubric):
    return rubric.tables["party"]


@pytest.fixture
def mixed(party) -> AssessmentSnapshot:
    """Party table, partly answered: full, partial and zero answers, one stale, one evidence file."""
    answers = [
        answer(party, 1, 0, 0),  # 2 of 2
        answer(
            party, 1, 1, 1,  # 1 of 2, rectification partly filled
            rect=Rectification(problem=PROBLEM_1_1 + "。", measure="规范会议记录", leader="张书记", unit="县委办公室"),
        ),
        answer(party, 1, 2, 2),  # 0 of 2, rectification skipped
        answer(party, 2, 0, 0),
        answer(party, 2, 1, 0),
        answer(party, 2, 2, 0),
        answer(party, 3, 0, 0, fingerprint="000000000000"),  # stale: answered under another criterion
        answer(party, 3, 1, 0),
        answer(party, 5, 0, 1, rect=full_rect(PROBLEM_5_0, deadline=dt.date(2020, 9, 5))),
        answer(party, 5, 1, 0),
        answer(party, 7, 0, 1, rect=full_rect(PROBLEM_7_0, deadline_text="2020年底前")),
    ]
    evidence = [
        EvidenceRecord(
            id=1, task_no=1, criterion=0, kind="document", file_id="F1", file_name="常委会会议记录.pdf",
            size=1500, caption=None, added_by="李秘书", added_at=WHEN,
        )
    ]
    return AssessmentSnapshot(
        id=1, unit="华龙区", table=party, round="2020", status="open", rubric_version="v",
        answers={(a.task_no, a.criterion): a for a in answers}, evidence=evidence,
    )


def complete(table, unit: str = "华龙区", deductions: dict | None = None) -> AssessmentSnapshot:
    """Every criterion answered at full marks, except the (task, criterion) -> (level, rect) given."""
    deductions = deductions or {}
    answers = {}
    for task in table.tasks:
        for i in range(len(task.criteria)):
            level, rect = deductions.get((task.no, i), (0, None))
            answers[(task.no, i)] = answer(table, task.no, i, level, rect=rect)
    return AssessmentSnapshot(
        id=2, unit=unit, table=table, round="2020", status="open", rubric_version="v", answers=answers
    )


def sheet(snapshot, rubric, when=WHEN):
    wb = openpyxl.load_workbook(io.BytesIO(score_sheet_xlsx(snapshot, rubric.campaign, when)))
    assert len(wb.worksheets) == 1
    return wb.active


def task_row(no: int) -> int:
    return 3 + no  # title, info line, header, then task 1


def report(snapshot, rubric) -> tuple[ReportDraft, docx.document.Document]:
    draft = self_check_report_docx(snapshot, rubric.campaign, TODAY)
    return draft, docx.Document(io.BytesIO(draft.data))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def cells(table: DocxTable) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


# --- score sheet ---------------------------------------------------------------------------


def test_sheet_has_title_info_line_and_headers_in_order(mixed, rubric):
    ws = sheet(mixed, rubric)
    assert ws.title == "党委表"
    assert ws["A1"].value == mixed.table.title
    info = ws["A2"].value
    assert "华龙区" in info and "责任人：县（区）党委主要负责人" in info and "生成时间：2020年8月9日 09:00" in info
    assert [c.value for c in ws[3]] == ["主要职责", "工作任务", "落实单位", "检查标准", "得分", "备注"]


def test_aware_generation_time_is_shown_in_the_campaign_time_zone(mixed, rubric):
    ws = sheet(mixed, rubric, dt.datetime(2020, 8, 9, 2, 30, tzinfo=dt.timezone.utc))
    assert "生成时间：2020年8月9日 10:30" in ws["A2"].value


def test_task_rows_carry_task_units_and_criteria(mixed, rubric):
    ws = sheet(mixed, rubric)
    assert ws.cell(task_row(1), 2).value == (
        "1. 县（区）常委会每半年至少听取一次法治建设工作汇报，及时研究解决本地法治建设的重大问题。（6分）"
    )
    assert ws.cell(task_row(2), 3).value == (
        "县（区）委依法治县（区）办、县（区）委立法协调小组、县（区）委执法协调小组、"
        "县（区）委司法协调小组、县（区）委守法普法协调小组"
    )
    lines = ws.cell(task_row(1), 4).value.split("\n")
    assert lines[0].startswith("（1）听取工作汇报2次及以上得2分") and lines[0].endswith("（2分）")
    assert lines[1] == "（2）研究法治问题的记录完整得2分，不完整扣1分，没有记录不得分。（2分）"
    assert lines[2].startswith("（3）解决问题的措施得力")
    assert lines[3] == "检查方式：查看相关会议记录、文件资料。"


def test_score_cells_are_numbers_and_empty_when_unanswered(mixed, rubric):
    ws = sheet(mixed, rubric)
    assert ws.cell(task_row(1), 5).value == 3  # 2 + 1 + 0
    assert ws.cell(task_row(2), 5).value == 6
    assert ws.cell(task_row(3), 5).value == 2  # the stale answer does not count
    assert ws.cell(task_row(4), 5).value is None  # nothing answered
    assert ws.cell(task_row(7), 5).value == 0  # answered, scored zero: not empty


def test_notes_list_levels_problems_evidence_and_stale_answers(mixed, rubric):
    ws = sheet(mixed, rubric)
    note1 = ws.cell(task_row(1), 6).value.split("\n")
    assert note1 == [
        f"标准2：记录不完整，扣1分；问题：{PROBLEM_1_1}",
        "标准3：没有措施，扣2分",
        "佐证材料：常委会会议记录.pdf（2KB）",
    ]
    assert ws.cell(task_row(2), 6).value in (None, "")  # full marks: nothing to note
    assert ws.cell(task_row(3), 6).value.split("\n") == ["标准1：⚠ 标准已变更，需重新确认", "尚有1条标准未自评"]


def test_totals_row_sums_the_scores_and_counts_completed_tasks(mixed, rubric):
    ws = sheet(mixed, rubric)
    last = task_row(27) + 1
    assert ws.max_row == last
    assert ws.cell(last, 1).value == "合计（满分100分）"
    assert ws.cell(last, 5).value == 13  # 3 + 6 + 2 + 2 + 0
    assert ws.cell(last, 6).value == "已完成4/27项"
    assert f"A{last}:D{last}" in {str(r) for r in ws.merged_cells.ranges}


def test_duty_cells_are_merged_over_their_tasks(mixed, rubric, party):
    ws = sheet(mixed, rubric)
    merged = {str(r) for r in ws.merged_cells.ranges}
    spans = {1: (1, 6), 2: (7, 11), 3: (12, 14), 4: (15, 17), 5: (18, 25), 6: (26, 27)}
    for duty, (first, last) in spans.items():
        assert f"A{task_row(first)}:A{task_row(last)}" in merged, duty
        assert ws.cell(task_row(first), 1).value == f"{duty}. {party.duty(duty).text}"


def test_sheet_is_printable(mixed, rubric):
    ws = sheet(mixed, rubric)
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert [ws.column_dimensions[c].width for c in "ABCDEF"] == [26, 34, 16, 50, 8, 30]
    for row in ws.iter_rows(min_row=4, max_row=task_row(27)):
        for cell in row:
            if not isinstance(cell, MergedCell):  # a merged range takes the first cell's alignment
                assert cell.alignment.wrap_text is True, cell.coordinate
                assert cell.alignment.vertical == "top", cell.coordinate
            b = cell.border
            # Inside a merged range only the outer edges are drawn.
            sides = (b.left, b.right) if isinstance(cell, MergedCell) else (b.left, b.right, b.top, b.bottom)
            assert all(side.style == "thin" for side in sides), cell.coordinate
    assert ws.cell(task_row(6), 1).border.bottom.style == "thin"  # bottom edge of duty 1's merged cell
    # Rows tall enough for their wrapped text: task 2's long unit list needs several lines.
    assert ws.row_dimensions[task_row(2)].height > 50


def test_capped_task_says_so_in_its_note(rubric):
    gov = rubric.tables["government"]
    snap = complete(gov)
    ws = sheet(snap, rubric)
    assert ws.title == "政府表"
    assert ws.cell(task_row(1), 5).value == 7  # criteria add up to 8, the task is worth 7
    assert ws.cell(task_row(1), 6).value == "（本项以7分封顶）"
    assert ws.cell(task_row(30) + 1, 5).value == 100
    assert ws.cell(task_row(30) + 1, 6).value == "已完成30/30项"


# --- self-check report -----------------------------------------------------------------------


def test_report_title_date_and_headings_in_order(mixed, rubric):
    _, doc = report(mixed, rubric)
    paras = texts(doc)
    assert paras[0] == "华龙区关于党政主要负责人履行推进法治建设第一责任人职责情况的自查报告"
    assert paras[1] == "2020年8月9日"
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS


def test_government_report_title_names_rule_of_law_government(rubric):
    _, doc = report(complete(rubric.tables["government"], unit="清丰县"), rubric)
    assert doc.paragraphs[0].text == "清丰县关于党政主要负责人履行推进法治建设第一责任人职责及法治政府建设情况的自查报告"


def test_basic_section_is_generated_from_the_data_with_a_placeholder(mixed, rubric):
    _, doc = report(mixed, rubric)
    paras = texts(doc)
    start = paras.index("一、基本情况")
    basic, placeholder = paras[start + 1], paras[start + 2]
    assert "（濮治市办〔2020〕8号）" in basic and "党委主要负责人打分表" in basic
    assert "全表共27项工作任务" in basic and "已完成自评4项任务" in basic
    assert "自评得分13分（满分100分）" in basic and "共有4条检查标准未得满分，合计扣7分" in basic
    assert placeholder.startswith("【") and placeholder.endswith("】") and "工作" in placeholder


def test_duty_table_has_a_row_per_duty_and_a_total(mixed, rubric):
    _, doc = report(mixed, rubric)
    rows = cells(doc.tables[0])
    assert rows[0] == ["主要职责", "满分", "得分", "扣分"]
    assert len(rows) == 1 + 6 + 1
    assert rows[1] == ["1. 充分发挥党委在推进本地法治建设的领导核心作用", "29", "13", "5"]
    assert rows[2][2:] == ["0", "2"]  # duty 2: task 7 answered at zero
    assert rows[-1] == ["合计", "100", "13", "7"]


def test_problem_list_is_numbered_largest_first_with_fallback_for_skipped_text(mixed, rubric):
    _, doc = report(mixed, rubric)
    paras = texts(doc)
    body = paras[paras.index("三、存在问题") + 1 : paras.index("四、整改措施")]
    assert body == [
        "（1）常委会听取法治建设汇报（第1项）：检查标准“解决问题的措施得力得2分，措施过于简单扣1分，"
        "没有措施不得分”自评为“没有措施”，扣2分。",
        f"（2）法治建设督察和追责问责（第5项）：{PROBLEM_5_0}，扣2分。",
        f"（3）第一责任人职责纳入巡察（第7项）：{PROBLEM_7_0}，扣2分。",
        f"（4）常委会听取法治建设汇报（第1项）：{PROBLEM_1_1}，扣1分。",
    ]


def test_rectification_table_columns_deadlines_and_placeholders(mixed, rubric):
    _, doc = report(mixed, rubric)
    rows = cells(doc.tables[1])
    assert rows[0] == ["序号", "问题", "整改措施", "责任领导", "责任单位", "责任人", "完成时限"]
    assert len(rows) == 1 + 4
    assert rows[1][0] == "1" and rows[1][2:] == ["待定"] * 5  # skipped entirely
    assert rows[2][1] == f"法治建设督察和追责问责（第5项）：{PROBLEM_5_0}"
    assert rows[2][2:] == ["制定整改方案并逐项落实", "王副书记", "县委办公室", "赵科长", "2020年9月5日"]
    assert rows[3][6] == "2020年底前"
    assert rows[4][3:] == ["张书记", "县委办公室", "待定", "待定"]


def _independent_share(doc) -> float:
    """Recount from the opened file: non-blank characters under 三 and 四 over all of the body."""
    total = problems = 0
    inside = False
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text
            if text == "三、存在问题":
                inside = True
        else:
            text = "".join(c.text for row in block.rows for c in row.cells)
        n = len("".join(text.split()))
        total += n
        problems += n if inside else 0
    return problems / total


def test_short_problem_sections_get_the_sixty_percent_warning(rubric, party):
    snap = complete(party, deductions={(1, 1): (1, full_rect("记录不全", deadline=dt.date(2020, 9, 5)))})
    draft, doc = report(snap, rubric)
    assert draft.problem_share == pytest.approx(_independent_share(doc))
    assert 0 < draft.problem_share < 0.6
    pct = int(draft.problem_share * 100 + 0.5)  # rounded half up
    assert draft.warnings == [f"问题及整改措施内容占报告篇幅的{pct}%，低于通知要求的60%，请补充问题分析和整改措施。"]


def test_long_problem_sections_have_no_warning(rubric, party):
    long_problem = "会议记录中研究法治建设问题的内容不完整，" * 12
    long_measure = "建立常委会会议研究法治建设议题的记录规范，明确记录要素和归档要求，" * 10
    snap = complete(
        party,
        deductions={
            (1, 1): (1, full_rect(long_problem, measure=long_measure, deadline=dt.date(2020, 9, 5))),
            (8, 1): (1, full_rect(long_problem, measure=long_measure, deadline_text="2020年10月底前")),
        },
    )
    draft, doc = report(snap, rubric)
    assert draft.problem_share == pytest.approx(_independent_share(doc))
    assert draft.problem_share >= 0.6
    assert draft.warnings == []


def test_missing_rectification_fields_and_incomplete_assessment_are_warned(mixed, rubric):
    draft, _ = report(mixed, rubric)
    # Each names the row of the 整改措施 table and the criterion it came from, and where to fill it in.
    assert "整改措施第1条（第1项第3条）缺少：整改措施、责任领导、责任单位、责任人、完成时限，可在 /review 中补充。" in draft.warnings
    assert "整改措施第4条（第1项第2条）缺少：责任人、完成时限，可在 /review 中补充。" in draft.warnings
    assert not any(w.startswith(("整改措施第2条", "整改措施第3条")) for w in draft.warnings)
    assert any(w.startswith("自评尚未完成：已完成4/27项工作任务") for w in draft.warnings)
    assert "有1条检查标准已变更，原答案需重新确认后才计入报告。" in draft.warnings


def test_report_without_deductions_says_so(rubric, party):
    draft, doc = report(complete(party), rubric)
    paras = texts(doc)
    assert paras[paras.index("三、存在问题") + 1] == "经自查，本次自评未发现扣分项。"
    assert len(doc.tables[1].rows) == 1  # header only
    assert any(w.startswith("问题及整改措施内容占报告篇幅的") for w in draft.warnings)


# --- file names ------------------------------------------------------------------------------


def test_export_filenames():
    assert export_filename("华龙区", "party", "score_sheet", TODAY) == "华龙区-党委表-打分表-20200809.xlsx"
    assert export_filename("清丰县", "government", "self_check_report", TODAY) == "清丰县-政府表-自查报告-20200809.docx"
    assert export_filename('市/司法 局:"a"', "party", "score_sheet", TODAY) == "市司法局a-党委表-打分表-20200809.xlsx"
    assert export_filename("../..", "party", "score_sheet", TODAY) == "未命名单位-党委表-打分表-20200809.xlsx"
    with pytest.raises(ValueError):
        export_filename("华龙区", "party", "pdf", TODAY)
