"""File exports of a unit's self-assessment: the score sheet (.xlsx) and the self-check report (.docx).

Pure functions over an :class:`~bot.scoring.scores.AssessmentSnapshot` and the notice's
:class:`~bot.common.rubric.Campaign`: no Telegram, no database, no clock (the caller passes the
date or time to print). Each function returns the file's bytes, ready to send as a
document; :func:`export_filename` names it.

* :func:`score_sheet_xlsx` fills in the notice's 打分表 (主要职责 / 工作任务 / 落实单位 /
  检查标准 / 得分 / 备注) for one unit, printable on landscape A4.
* :func:`self_check_report_docx` drafts the 自查报告 the notice asks for (自查阶段): a
  short 基本情况, the scores by duty, the problem list (存在问题) and the rectification
  table (整改措施 with 责任领导、责任单位、责任人、完成时限, 工作要求（三）). The notice
  wants problems and measures to fill at least 60% of the report, so the draft comes
  back with that share and with warnings in Chinese for whatever still needs work.

Everything a user reads is in the block of constants below.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from bot.common.sanitize import xml_safe
from bot.files import docx_kit as kit
from bot.common.format import fmt_points
from bot.common.rubric import Campaign, Criterion, Table, Task
from scheduler.calendar import RoundCalendar
from bot.scoring.scores import (
    AnswerRecord,
    AssessmentSnapshot,
    Deduction,
    Rectification,
)

# --- text users read ---------------------------------------------------------------------

SHEET_NAME = {"party": "党委表", "government": "政府表"}
KIND_LABEL = {"score_sheet": "打分表", "self_check_report": "自查报告"}
KIND_SUFFIX = {"score_sheet": ".xlsx", "self_check_report": ".docx"}
UNNAMED_UNIT = "未命名单位"

# Score sheet (打分表)
XLSX_HEADERS = ("主要职责", "工作任务", "落实单位", "检查标准", "得分", "备注")
XLSX_INFO_LINE = "单位：{unit}　　责任人：{responsible}　　生成时间：{time}"
XLSX_TIME = "{y}年{m}月{d}日 {hh:02d}:{mm:02d}"
XLSX_DUTY = "{no}. {text}"
XLSX_TASK = "{no}. {text}（{points}分）"
XLSX_UNIT_SEP = "、"
XLSX_CRITERION = "（{i}）{text}（{points}分）"
XLSX_CHECK_METHOD = "检查方式：{text}"
XLSX_NOTE_DEDUCTION = "标准{i}：{label}，扣{lost}分"
XLSX_NOTE_PROBLEM = "；问题：{problem}"
XLSX_NOTE_UNANSWERED = "尚有{n}条标准未自评"
XLSX_NOTE_STALE = "标准{i}：⚠ 标准已变更，需重新确认"
XLSX_NOTE_EVIDENCE = "佐证材料：{files}"
XLSX_EVIDENCE_FILE = "{name}（{kb}KB）"
XLSX_EVIDENCE_UNNAMED = {"photo": "图片", "document": "文件"}
XLSX_NOTE_CAP = "（本项以{points}分封顶）"
XLSX_TOTAL_LABEL = "合计（满分{full}分）"
XLSX_TOTAL_NOTE = "已完成{done}/{count}项"
XLSX_FOOTER = "第 &P 页，共 &N 页"

# Self-check report (自查报告)
REPORT_TITLE = {
    "party": "{unit}关于党政主要负责人履行推进法治建设第一责任人职责情况的自查报告",
    "government": "{unit}关于党政主要负责人履行推进法治建设第一责任人职责及法治政府建设情况的自查报告",
}
REPORT_DATE = "{y}年{m}月{d}日"
HEADING_BASIC = "一、基本情况"
HEADING_SCORES = "二、得分情况"
HEADING_PROBLEMS = "三、存在问题"
HEADING_MEASURES = "四、整改措施"
BASIC_TEXT = (
    "根据《{notice}》（{doc_no}）要求，{unit}对照《{table_title}》（{table_name}，责任人：{responsible}）"
    "逐项开展自查。全表共{tasks}项工作任务、{criteria}条检查标准，已完成自评{tasks_done}项任务"
    "（{criteria_done}条标准），自评得分{total}分（满分{full}分）；共有{deductions}条检查标准未得满分，"
    "合计扣{lost}分。"
)
# With this round's calendar: when the self-check ran and when the report is due.
BASIC_ROUND = "按照{round}督察时间安排，自查阶段为{window}，自查报告应于{due}前报送{to}。"
BASIC_INCOMPLETE = "尚有{n}条检查标准未完成自评，上述得分暂不完整。"
BASIC_PLACEHOLDER = "【请在此补充本单位推进法治建设的主要工作、经验做法和实际数据。】"
SCORE_HEADERS = ("主要职责", "满分", "得分", "扣分")
SCORE_DUTY = "{no}. {text}"
SCORE_TOTAL = "合计"
PROBLEM_LINE = "（{n}）{title}（第{no}项）：{text}，扣{lost}分。"
PROBLEM_FALLBACK = "检查标准“{criterion}”自评为“{label}”"
NO_PROBLEMS = "经自查，本次自评未发现扣分项。"
MEASURE_HEADERS = ("序号", "问题", "整改措施", "责任领导", "责任单位", "责任人", "完成时限")
TO_BE_DECIDED = "待定"
FIELD_MEASURE = "整改措施"
FIELD_LEADER = "责任领导"
FIELD_UNIT = "责任单位"
FIELD_PERSON = "责任人"
FIELD_DEADLINE = "完成时限"
FIELD_SEP = "、"
WARN_SHARE = "问题及整改措施内容占报告篇幅的{pct}%，低于通知要求的60%，请补充问题分析和整改措施。"
WARN_MISSING = "整改措施第{n}条（第{task}项第{criterion}条）缺少：{fields}，可在 /review 中补充。"
WARN_INCOMPLETE = "自评尚未完成：已完成{done}/{count}项工作任务（{cdone}/{ctotal}条检查标准），报告中的得分和问题清单不完整。"
WARN_STALE = "有{n}条检查标准已变更，原答案需重新确认后才计入报告。"

# Fonts (names as Chinese Word installs them)
XLSX_FONT = "宋体"

# --- layout constants ----------------------------------------------------------------------

MIN_PROBLEM_SHARE = 0.6  # 所列举问题及整改措施的内容不少于报告篇幅的60%
XLSX_WIDTHS = (26, 34, 16, 50, 8, 30)  # columns A..F, in Excel character units
XLSX_TITLE_ROW, XLSX_INFO_ROW, XLSX_HEADER_ROW = 1, 2, 3
XLSX_FONT_SIZE = 10
XLSX_LINE_HEIGHT = 13.5  # points per wrapped line at XLSX_FONT_SIZE
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
_TOP_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")

_UNSAFE_FILENAME = re.compile(r"[^\w（）()·.]+")


@dataclass
class ReportDraft:
    """A generated self-check report with the checks the notice asks for."""

    data: bytes
    problem_share: float  # share of the body's characters in 三、存在问题 and 四、整改措施, 0..1
    warnings: list[str] = field(default_factory=list)


# --- shared helpers --------------------------------------------------------------------------


def export_filename(unit: str, table_key: str, kind: str, today: dt.date) -> str:
    """File name for an export, e.g. ``华龙区-党委表-打分表-20200809.xlsx``.

    ``kind`` is ``score_sheet`` or ``self_check_report``. Characters that are unsafe in
    file names (path separators, quotes, spaces, ``-`` itself) are dropped from the parts.
    """
    if kind not in KIND_LABEL:
        raise ValueError(f"unknown export kind {kind!r}; expected one of {', '.join(KIND_LABEL)}")
    unit_part = _safe(unit) or UNNAMED_UNIT
    table_part = SHEET_NAME.get(table_key) or _safe(table_key) or "表"
    return f"{unit_part}-{table_part}-{KIND_LABEL[kind]}-{today:%Y%m%d}{KIND_SUFFIX[kind]}"


def _safe(text: str) -> str:
    # Keep letters, digits, CJK, _ and brackets; never a leading dot (hidden file); cap the length.
    cleaned = _UNSAFE_FILENAME.sub("", unicodedata.normalize("NFC", text or "")).strip(".")
    return cleaned[:40]


def _cn_date(day: dt.date) -> str:
    return REPORT_DATE.format(y=day.year, m=day.month, d=day.day)


def _label(criterion: Criterion, answer: AnswerRecord) -> str:
    """The label of the level chosen; falls back to the points when the index is out of range."""
    if 0 <= answer.level < len(criterion.levels):
        return criterion.levels[answer.level].label
    return f"{fmt_points(answer.points)}分"


def _clean(text: str | None) -> str:
    """User text without surrounding blanks or trailing sentence punctuation (we add our own)."""
    return (text or "").strip().rstrip("。；;，,.！!").strip()


def _task_lost(snapshot: AssessmentSnapshot, task: Task) -> float:
    """Points actually lost on a task: what the answered criteria could give (capped) minus the score."""
    answered_full = sum(
        c.points for i, c in enumerate(task.criteria) if snapshot.answered((task.no, i))
    )
    return task.capped(answered_full) - snapshot.task_score(task)


def _display_width(text: str) -> int:
    # CJK and full-width characters take two Excel character units.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrapped_lines(text: str, width: float) -> int:
    usable = max(width - 1.5, 1)
    return sum(max(1, math.ceil(_display_width(line) / usable)) for line in str(text).split("\n"))


# --- score sheet (.xlsx) ---------------------------------------------------------------------


def score_sheet_xlsx(snapshot: AssessmentSnapshot, campaign: Campaign, generated_at: dt.datetime) -> bytes:
    """The unit's 打分表 as an .xlsx file: one row per task, scores and notes filled in."""
    table = snapshot.table
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME.get(table.key, table.name)[:31]
    ncols = len(XLSX_HEADERS)
    last_col = get_column_letter(ncols)
    font = Font(name=XLSX_FONT, size=XLSX_FONT_SIZE)
    bold = Font(name=XLSX_FONT, size=XLSX_FONT_SIZE, bold=True)

    for i, width in enumerate(XLSX_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    # Title and info lines, each merged across the sheet.
    ws.cell(XLSX_TITLE_ROW, 1, table.title).font = Font(name=XLSX_FONT, size=16, bold=True)
    ws.cell(XLSX_TITLE_ROW, 1).alignment = _CENTER_WRAP
    ws.merge_cells(f"A{XLSX_TITLE_ROW}:{last_col}{XLSX_TITLE_ROW}")
    ws.row_dimensions[XLSX_TITLE_ROW].height = 42
    info = XLSX_INFO_LINE.format(
        unit=snapshot.unit, responsible=table.responsible, time=_sheet_time(generated_at, campaign)
    )
    ws.cell(XLSX_INFO_ROW, 1, xml_safe(info)).font = font
    ws.cell(XLSX_INFO_ROW, 1).alignment = Alignment(wrap_text=True, vertical="center", horizontal="left")
    ws.merge_cells(f"A{XLSX_INFO_ROW}:{last_col}{XLSX_INFO_ROW}")
    ws.row_dimensions[XLSX_INFO_ROW].height = 22

    for col, header in enumerate(XLSX_HEADERS, start=1):
        cell = ws.cell(XLSX_HEADER_ROW, col, header)
        cell.font = bold
        cell.alignment = _CENTER_WRAP
    ws.row_dimensions[XLSX_HEADER_ROW].height = 22

    # One row per task; the duty cell is merged over its tasks afterwards.
    row = XLSX_HEADER_ROW + 1
    duty_rows: dict[int, list[int]] = {}
    heights: dict[int, float] = {}
    for task in table.tasks:
        values = (
            None,
            XLSX_TASK.format(no=task.no, text=task.text, points=fmt_points(task.points)),
            XLSX_UNIT_SEP.join(task.units),
            _criteria_text(task),
            _score_value(snapshot, task),
            _task_note(snapshot, task),
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, xml_safe(value))
            cell.font = font
            cell.alignment = _TOP_CENTER if col == 5 else _TOP_WRAP
        heights[row] = max(
            _wrapped_lines(v, XLSX_WIDTHS[c]) for c, v in enumerate(values) if v not in (None, "")
        ) * XLSX_LINE_HEIGHT + 4
        duty_rows.setdefault(task.duty, []).append(row)
        row += 1

    for duty in table.duties:
        rows = duty_rows.get(duty.no)
        if not rows:
            continue
        text = XLSX_DUTY.format(no=duty.no, text=duty.text)
        cell = ws.cell(rows[0], 1, xml_safe(text))
        cell.font = font
        cell.alignment = _TOP_WRAP
        if len(rows) > 1:
            ws.merge_cells(start_row=rows[0], start_column=1, end_row=rows[-1], end_column=1)
        # Excel does not grow rows for a merged cell's text: give the span's last row the rest.
        needed = _wrapped_lines(text, XLSX_WIDTHS[0]) * XLSX_LINE_HEIGHT + 4
        have = sum(heights[r] for r in rows)
        if needed > have:
            heights[rows[-1]] += needed - have

    for r, height in heights.items():
        ws.row_dimensions[r].height = min(height, 409)  # Excel's maximum row height

    # Totals row.
    total_row = row
    ws.cell(total_row, 1, XLSX_TOTAL_LABEL.format(full=fmt_points(table.total_points))).font = bold
    ws.cell(total_row, 1).alignment = _CENTER_WRAP
    ws.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=4)
    total_cell = ws.cell(total_row, 5, _number(snapshot.total))
    total_cell.font = bold
    total_cell.alignment = _CENTER_WRAP
    note = ws.cell(total_row, 6, XLSX_TOTAL_NOTE.format(done=snapshot.tasks_done, count=len(table.tasks)))
    note.font = bold
    note.alignment = _TOP_WRAP
    ws.row_dimensions[total_row].height = 24

    for r in range(XLSX_HEADER_ROW, total_row + 1):
        for c in range(1, ncols + 1):
            ws.cell(r, c).border = _BORDER

    # Printing: frozen header, header repeated on every page, landscape A4, one page wide.
    ws.freeze_panes = ws.cell(XLSX_HEADER_ROW + 1, 1).coordinate
    ws.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
    ws.print_area = f"A1:{last_col}{total_row}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = XLSX_FOOTER

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_time(generated_at: dt.datetime, campaign: Campaign) -> str:
    # An aware time is shown in the campaign's time zone; a naive one as given.
    if generated_at.tzinfo is not None:
        generated_at = generated_at.astimezone(ZoneInfo(campaign.timezone))
    return XLSX_TIME.format(
        y=generated_at.year, m=generated_at.month, d=generated_at.day, hh=generated_at.hour, mm=generated_at.minute
    )


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _score_value(snapshot: AssessmentSnapshot, task: Task) -> int | float | None:
    if not any(snapshot.answered((task.no, i)) for i in range(len(task.criteria))):
        return None
    return _number(snapshot.task_score(task))


def _criteria_text(task: Task) -> str:
    lines = [
        XLSX_CRITERION.format(i=i, text=c.text, points=fmt_points(c.points))
        for i, c in enumerate(task.criteria, start=1)
    ]
    lines.append(XLSX_CHECK_METHOD.format(text=task.check_method))
    return "\n".join(lines)


def _task_note(snapshot: AssessmentSnapshot, task: Task) -> str:
    lines: list[str] = []
    for i, criterion in enumerate(task.criteria):
        key = (task.no, i)
        answer = snapshot.answers.get(key)
        if answer is None:
            continue
        if snapshot.is_stale(key):
            lines.append(XLSX_NOTE_STALE.format(i=i + 1))
        elif answer.points < criterion.points:
            line = XLSX_NOTE_DEDUCTION.format(
                i=i + 1, label=_label(criterion, answer), lost=fmt_points(criterion.points - answer.points)
            )
            problem = _clean(answer.rectification.problem)
            if problem:
                line += XLSX_NOTE_PROBLEM.format(problem=problem)
            lines.append(line)
    unanswered = sum(1 for i in range(len(task.criteria)) if not snapshot.answered((task.no, i)))
    if 0 < unanswered < len(task.criteria):
        lines.append(XLSX_NOTE_UNANSWERED.format(n=unanswered))
    files = [e for e in snapshot.evidence if e.task_no == task.no]
    if files:
        listed = XLSX_UNIT_SEP.join(
            XLSX_EVIDENCE_FILE.format(
                name=e.file_name or XLSX_EVIDENCE_UNNAMED.get(e.kind, XLSX_EVIDENCE_UNNAMED["document"]),
                kb=max(1, math.ceil(e.size / 1024)) if e.size > 0 else 0,
            )
            for e in sorted(files, key=lambda e: (e.criterion, e.id))
        )
        lines.append(XLSX_NOTE_EVIDENCE.format(files=listed))
    if task.criteria_points > task.points:
        lines.append(XLSX_NOTE_CAP.format(points=fmt_points(task.points)))
    return "\n".join(lines)


# --- self-check report (.docx) ---------------------------------------------------------------


def self_check_report_docx(
    snapshot: AssessmentSnapshot, campaign: Campaign, today: dt.date, calendar: RoundCalendar | None = None
) -> ReportDraft:
    """Draft the 自查报告 with its problem list and rectification table, and check it.

    With ``calendar`` (this round's), 基本情况 names the round's self-check dates and due date."""
    table = snapshot.table
    deductions = snapshot.deductions()
    doc = Document()
    kit.setup(doc)

    title = REPORT_TITLE.get(table.key, REPORT_TITLE["party"]).format(unit=snapshot.unit)
    doc.core_properties.title = xml_safe(title)
    doc.core_properties.author = xml_safe(snapshot.unit)
    kit.title(doc, title)
    date_par = doc.add_paragraph()
    date_par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    date_par.paragraph_format.first_line_indent = None
    kit.run(date_par, _cn_date(today))

    # 一、基本情况
    kit.heading(doc, HEADING_BASIC)
    lost_total = sum(_task_lost(snapshot, t) for t in table.tasks)
    basic = BASIC_TEXT.format(
        notice=campaign.title,
        doc_no=campaign.doc_no,
        unit=snapshot.unit,
        table_title=table.title,
        table_name=table.name,
        responsible=table.responsible,
        tasks=len(table.tasks),
        criteria=snapshot.criteria_total,
        tasks_done=snapshot.tasks_done,
        criteria_done=snapshot.criteria_done,
        total=fmt_points(snapshot.total),
        full=fmt_points(table.total_points),
        deductions=len(deductions),
        lost=fmt_points(lost_total),
    )
    if not snapshot.complete:
        basic += BASIC_INCOMPLETE.format(n=snapshot.criteria_total - snapshot.criteria_done)
    if calendar is not None and not calendar.template:
        phase, report = calendar.deliverable("self_check_report")
        if report.due is not None:
            basic += BASIC_ROUND.format(round=calendar.name, window=calendar.window(phase), due=calendar.day(report.due), to=report.to)
    kit.body(doc, basic)
    kit.body(doc, BASIC_PLACEHOLDER)

    # 二、得分情况
    kit.heading(doc, HEADING_SCORES)
    _score_table(doc, snapshot)

    # 三、存在问题
    kit.heading(doc, HEADING_PROBLEMS)
    if deductions:
        for n, d in enumerate(deductions, start=1):
            kit.body(
                doc,
                PROBLEM_LINE.format(
                    n=n, title=d.task.title, no=d.task.no, text=_problem_text(d), lost=fmt_points(d.lost)
                ),
            )
    else:
        kit.body(doc, NO_PROBLEMS)

    # 四、整改措施
    kit.heading(doc, HEADING_MEASURES)
    _measure_table(doc, deductions)

    share = _problem_share(doc)
    warnings: list[str] = []
    if not snapshot.complete:
        warnings.append(
            WARN_INCOMPLETE.format(
                done=snapshot.tasks_done,
                count=len(table.tasks),
                cdone=snapshot.criteria_done,
                ctotal=snapshot.criteria_total,
            )
        )
    stale = snapshot.stale_keys()
    if stale:
        warnings.append(WARN_STALE.format(n=len(stale)))
    if share < MIN_PROBLEM_SHARE:
        warnings.append(WARN_SHARE.format(pct=math.floor(share * 100 + 0.5)))
    for n, d in enumerate(deductions, start=1):
        missing = _missing_fields(d.answer.rectification)
        if missing:
            warnings.append(
                WARN_MISSING.format(n=n, task=d.task.no, criterion=d.criterion_index + 1, fields=FIELD_SEP.join(missing))
            )

    buf = io.BytesIO()
    doc.save(buf)
    return ReportDraft(data=buf.getvalue(), problem_share=share, warnings=warnings)


def _problem_text(d: Deduction) -> str:
    """The user's problem text, or what the criterion asks and the level chosen when skipped."""
    problem = _clean(d.answer.rectification.problem)
    if problem:
        return problem
    return PROBLEM_FALLBACK.format(criterion=_clean(d.criterion.text), label=_label(d.criterion, d.answer))


def _deadline_text(r: Rectification) -> str:
    if r.deadline is not None:
        return _cn_date(r.deadline)
    return (r.deadline_text or "").strip()


def _missing_fields(r: Rectification) -> list[str]:
    checks = (
        (FIELD_MEASURE, r.measure),
        (FIELD_LEADER, r.leader),
        (FIELD_UNIT, r.unit),
        (FIELD_PERSON, r.person),
        (FIELD_DEADLINE, _deadline_text(r)),
    )
    return [name for name, value in checks if not (value or "").strip()]


def _score_table(doc: Document, snapshot: AssessmentSnapshot) -> None:
    table = snapshot.table
    rows: list[tuple[str, ...]] = []
    lost_sum = 0.0
    for no, score, full in snapshot.duty_subtotals():
        lost = sum(_task_lost(snapshot, t) for t in table.tasks if t.duty == no)
        lost_sum += lost
        rows.append((_duty_short(table, no), fmt_points(full), fmt_points(score), fmt_points(lost)))
    rows.append((SCORE_TOTAL, fmt_points(table.total_points), fmt_points(snapshot.total), fmt_points(lost_sum)))
    kit.grid(doc, SCORE_HEADERS, rows, widths_mm=(100, 22, 22, 22), bold_last=True)


def _duty_short(table: Table, no: int) -> str:
    # The duty's first clause names it; the full text is on the score sheet.
    text = table.duty(no).text
    first = re.split(r"[，。；]", text, maxsplit=1)[0]
    return SCORE_DUTY.format(no=no, text=first or text)


def _measure_table(doc: Document, deductions: list[Deduction]) -> None:
    rows = []
    for n, d in enumerate(deductions, start=1):
        r = d.answer.rectification
        rows.append(
            (
                str(n),
                f"{d.task.title}（第{d.task.no}项）：{_problem_text(d)}",
                _clean(r.measure) or TO_BE_DECIDED,
                (r.leader or "").strip() or TO_BE_DECIDED,
                (r.unit or "").strip() or TO_BE_DECIDED,
                (r.person or "").strip() or TO_BE_DECIDED,
                _deadline_text(r) or TO_BE_DECIDED,
            )
        )
    kit.grid(doc, MEASURE_HEADERS, rows, widths_mm=(12, 44, 44, 18, 18, 16, 22), font_size=10.5)


# --- docx building blocks ------------------------------------------------------------------


def _problem_share(doc: Document) -> float:
    """Characters (blanks excluded) under 三 and 四 divided by all characters of the body."""
    total = problems = 0
    in_problems = False
    for child in doc.element.body.iterchildren():
        if child.tag not in (qn("w:p"), qn("w:tbl")):
            continue
        text = "".join(t.text or "" for t in child.iter(qn("w:t")))
        if child.tag == qn("w:p"):
            if text == HEADING_PROBLEMS:
                in_problems = True
            elif text in (HEADING_BASIC, HEADING_SCORES):
                in_problems = False
        count = sum(1 for ch in text if not ch.isspace())
        total += count
        if in_problems:
            problems += count
    return problems / total if total else 0.0
