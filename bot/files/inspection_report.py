"""The 督察报告 (.docx) an inspection group hands to 市委依法治市办 for one unit's table.

Pure: built from an :class:`InspectionReport` (the inspectors' and the unit's snapshots plus
names and dates the caller reads), no database, no clock, no Telegram. Sections follow
what the city office expects of a group's report: 一、基本情况 (unit, group, members,
dates), 二、得分情况 (inspection score by duty beside the self-score), 三、主要问题 (the
findings, grouped by duty), 四、整改意见, and an annex table of every criterion with the
self-score, the inspection score and the difference.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass

from docx import Document

from bot.common.format import fmt_points
from bot.common.rubric import Campaign
from bot.common.sanitize import xml_safe
from bot.files import docx_kit as kit
from bot.inspection import compare
from bot.scoring.scores import AssessmentSnapshot

# --- text users read ---------------------------------------------------------------------
TITLE = "{unit}实地督察报告"
SUBTITLE = "（{table}　{group}）"
DATE = "{y}年{m}月{d}日"
HEADING_BASIC = "一、基本情况"
HEADING_SCORES = "二、得分情况"
HEADING_PROBLEMS = "三、主要问题"
HEADING_ADVICE = "四、整改意见"
HEADING_ANNEX = "附件：逐项评分对照表"
BASIC_TEXT = (
    "根据《{notice}》（{doc_no}）安排，{group}于{period}对{unit}开展实地督察，对照《{table_title}》"
    "（{table_name}，责任人：{responsible}）逐项核查{criteria}条检查标准，采取{methods}等方式。"
    "督察得分{own}分（满分{full}分），单位自评得分{self_score}；{diff_text}。"
)
BASIC_DIFF = "自评较督察{kind}{diff}分"
BASIC_SAME = "自评与督察得分一致"
BASIC_NO_SELF = "单位本轮未完成自评，无法比较"
BASIC_INCOMPLETE = "尚有{n}条检查标准未评定，上述得分暂不完整。"
INFO_HEADERS = ("项目", "内容")
INFO_ROWS = ("被督察单位", "督察组", "督察组成员", "督察时间", "对照打分表", "督察结果提交")
NOT_SUBMITTED = "尚未提交"
NOT_SCORED = "未自评"
SCORE_HEADERS = ("主要职责", "满分", "自评得分", "督察得分", "差值")
TOTAL = "合计"
DIFF_SUMMARY = "与单位自评相比，共有{n}条检查标准评定不一致，其中自评偏高{high}条、自评偏低{low}条。"
DIFF_SUMMARY_NONE = "督察评定与单位自评逐条一致。"
DUTY_GROUP = "（{cn}）{text}"
PROBLEM_LINE = "{n}. {title}（第{no}项第{i}条，扣{lost}分）：{text}。"
NO_PROBLEMS = "本次督察未发现扣分问题。"
ADVICE_LINE = "{n}. 针对第{no}项第{i}条：{text}。"
ADVICE_DEFAULT = "对照检查标准逐项整改，补齐短板"
ADVICE_TAIL = "请{unit}对照上述问题逐项制定整改措施，明确责任领导、责任单位、责任人及完成时限，于{deadline}前完成整改并报送整改报告。"
ADVICE_TAIL_UNDATED = "请{unit}对照上述问题逐项制定整改措施，明确责任领导、责任单位、责任人及完成时限，按期完成整改并报送整改报告。"
ANNEX_HEADERS = ("项", "检查标准", "满分", "自评", "督察", "差值", "说明")
ANNEX_UNANSWERED = "未评定"
CN_NUMBERS = "一二三四五六七八九十"
FILE_NAME = "{unit}-{table}-督察报告-{day:%Y%m%d}.docx"
TABLE_LABEL = {"party": "党委表", "government": "政府表"}

_UNSAFE = re.compile(r"[^\w（）()·.]+")


@dataclass(frozen=True)
class InspectionReport:
    own: AssessmentSnapshot  # the inspectors' answers
    unit: AssessmentSnapshot | None  # the unit's own self-assessment
    campaign: Campaign
    group: str
    members: tuple[str, ...]
    period: str  # the dates of this round's 实地督察阶段, as officials write them
    submitted: str | None  # when and by whom it was submitted, or None
    rectification_due: dt.date | None
    today: dt.date


def report_filename(unit: str, table_key: str, today: dt.date) -> str:
    safe = _UNSAFE.sub("", unicodedata.normalize("NFC", unit)).strip(".")[:40] or "单位"
    return FILE_NAME.format(unit=safe, table=TABLE_LABEL.get(table_key, "表"), day=today)


def _date(d: dt.date) -> str:
    return DATE.format(y=d.year, m=d.month, d=d.day)


def _diff(d: float | None) -> str:
    if d is None:
        return "—"
    return "0" if d == 0 else f"{'+' if d > 0 else '−'}{fmt_points(abs(d))}"


def inspection_report_docx(r: InspectionReport) -> bytes:
    own, unit, table = r.own, r.unit, r.own.table
    doc = Document()
    kit.setup(doc)
    heading_title = TITLE.format(unit=own.unit)
    doc.core_properties.title = xml_safe(heading_title)
    doc.core_properties.author = xml_safe(r.group)
    kit.title(doc, heading_title)
    kit.centered(doc, SUBTITLE.format(table=TABLE_LABEL[table.key], group=r.group))
    kit.centered(doc, _date(r.today))

    rows = compare.rows(own, unit)
    diffs = compare.differences(rows)
    found = compare.findings(own)

    kit.heading(doc, HEADING_BASIC)
    total_diff = compare.total_difference(own, unit)
    if unit is None:
        diff_text = BASIC_NO_SELF
    elif not total_diff:
        diff_text = BASIC_SAME
    else:
        kind, size = compare.diff_words(total_diff)
        diff_text = BASIC_DIFF.format(kind=kind.removeprefix("自评"), diff=fmt_points(size))
    methods = "、".join(dict.fromkeys(_method(m) for t in table.tasks for m in compare.checklist(t.check_method)))
    basic = BASIC_TEXT.format(
        notice=r.campaign.title, doc_no=r.campaign.doc_no, group=r.group, period=r.period, unit=own.unit,
        table_title=table.title, table_name=table.name, responsible=table.responsible, criteria=own.criteria_total,
        methods=methods, own=fmt_points(own.total), full=fmt_points(table.total_points),
        self_score=f"{fmt_points(unit.total)}分" if unit is not None else NOT_SCORED, diff_text=diff_text,
    )
    if not own.complete:
        basic += BASIC_INCOMPLETE.format(n=own.criteria_total - own.criteria_done)
    kit.body(doc, basic)
    info = (own.unit, r.group, "、".join(r.members) or "—", r.period, f"{table.title}（{table.name}）", r.submitted or NOT_SUBMITTED)
    kit.grid(doc, INFO_HEADERS, list(zip(INFO_ROWS, info)), widths_mm=(36, 120), font_size=12)

    kit.heading(doc, HEADING_SCORES)
    score_rows = []
    for d in compare.duty_rows(own, unit):
        first = re.split(r"[，。；]", d.text, maxsplit=1)[0] or d.text
        theirs = fmt_points(d.unit) if d.unit is not None else NOT_SCORED
        score_rows.append((f"{d.no}. {first}", fmt_points(d.full), theirs, fmt_points(d.own), _diff(None if d.unit is None else d.unit - d.own)))
    score_rows.append(
        (TOTAL, fmt_points(table.total_points), fmt_points(unit.total) if unit is not None else NOT_SCORED, fmt_points(own.total), _diff(total_diff))
    )
    kit.grid(doc, SCORE_HEADERS, score_rows, widths_mm=(86, 18, 20, 20, 16), bold_last=True)
    high = sum(1 for x in diffs if (x.difference or 0) > 0)
    kit.body(doc, DIFF_SUMMARY.format(n=len(diffs), high=high, low=len(diffs) - high) if diffs else DIFF_SUMMARY_NONE)

    kit.heading(doc, HEADING_PROBLEMS)
    if not found:
        kit.body(doc, NO_PROBLEMS)
    n = 0
    for g, duty in enumerate(table.duties):
        mine = [f for f in found if f.task.duty == duty.no]
        if not mine:
            continue
        first = re.split(r"[，。；]", duty.text, maxsplit=1)[0] or duty.text
        kit.body(doc, DUTY_GROUP.format(cn=CN_NUMBERS[g], text=first), bold=True)
        for f in mine:
            n += 1
            kit.body(doc, PROBLEM_LINE.format(n=n, title=f.task.title, no=f.task.no, i=f.index + 1, lost=fmt_points(f.lost), text=f.problem.rstrip("。；;，,")))

    kit.heading(doc, HEADING_ADVICE)
    for n, f in enumerate(found, 1):
        kit.body(doc, ADVICE_LINE.format(n=n, no=f.task.no, i=f.index + 1, text=(f.recommendation or ADVICE_DEFAULT).rstrip("。；;，,")))
    if r.rectification_due:
        kit.body(doc, ADVICE_TAIL.format(unit=own.unit, deadline=_date(r.rectification_due)))
    else:
        kit.body(doc, ADVICE_TAIL_UNDATED.format(unit=own.unit))

    kit.landscape_section(doc)
    kit.heading(doc, HEADING_ANNEX)
    annex = []
    for row in rows:
        mine = fmt_points(row.own.points) if row.own else ANNEX_UNANSWERED
        theirs = fmt_points(row.unit.points) if row.unit else NOT_SCORED
        annex.append(
            (
                f"{row.task.no}.{row.index + 1}",
                f"{row.task.title}：{row.criterion.text}",
                fmt_points(row.criterion.points),
                theirs,
                mine,
                _diff(row.difference),
                row.kind,
            )
        )
    kit.grid(doc, ANNEX_HEADERS, annex, widths_mm=(14, 150, 14, 16, 16, 16, 26), font_size=10.5)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _method(item: str) -> str:
    """A checklist item's way of checking, for the summary sentence (查看资料, 听取汇报 …)."""
    for verb, name in (("听取", "听取汇报"), ("实地", "实地查看"), ("座谈", "座谈了解"), ("根据", "调取有关部门材料")):
        if item.startswith(verb):
            return name
    return "查看资料"
