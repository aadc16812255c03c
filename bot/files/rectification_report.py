"""The unit's 整改报告 (.docx) for the rectification phase: every item with its problem,
measure, responsible leader, unit and person, deadline, state and evidence, and what is still
open. Pure: the caller gathers the items and passes the date to print."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from docx import Document

from bot.files import docx_kit as kit

TITLE = "{unit}{table}整改报告"
HEAD_BASIC = "一、基本情况"
HEAD_ITEMS = "二、整改事项落实情况"
HEAD_OPEN = "三、尚未完成的事项及下一步安排"
BASIC = (
    "根据{round}督察工作安排，{unit}对照{table}自查发现的问题{extra}共梳理整改事项{total}项。"
    "截至{date}，已销号{closed}项，已报告完成待销号{reported}项，尚未完成{owing}项。"
)
EXTRA_INSPECTION = "和督察组反馈的问题"
ITEM_HEADERS = ("序号", "事项", "存在问题", "整改措施", "责任领导", "责任单位", "责任人", "完成时限", "状态", "佐证材料")
ITEM_WIDTHS = (10, 18, 30, 30, 14, 16, 12, 16, 16, 24)
OPEN_LINE = "{n}. {label}：{problem}（完成时限：{deadline}；状态：{state}）"
ALL_DONE = "全部整改事项均已完成或已报告完成。"
NONE = "—"
DATE = "{y}年{m}月{d}日"


@dataclass(frozen=True)
class ReportItem:
    label: str  # 第5项第1条, 【督察反馈】第3项第1条
    problem: str
    measure: str | None
    leader: str | None
    resp_unit: str | None
    person: str | None
    deadline: str | None
    state: str  # as the unit reads it: 待整改, 已销号 …
    done: bool  # closed or reported
    closed: bool
    evidence: tuple[str, ...] = ()
    from_inspection: bool = False


def rectification_report_docx(unit: str, table_label: str, round_name: str, items: list[ReportItem], today: dt.date) -> bytes:
    doc = Document()
    kit.setup(doc)
    kit.title(doc, TITLE.format(unit=unit, table=table_label))
    date = DATE.format(y=today.year, m=today.month, d=today.day)
    closed = sum(i.closed for i in items)
    reported = sum(i.done and not i.closed for i in items)
    owing = [i for i in items if not i.done]
    kit.heading(doc, HEAD_BASIC)
    kit.body(
        doc,
        BASIC.format(
            round=round_name, unit=unit, table=table_label, total=len(items), date=date, closed=closed, reported=reported,
            owing=len(owing), extra=EXTRA_INSPECTION if any(i.from_inspection for i in items) else "",
        ),
    )
    kit.heading(doc, HEAD_ITEMS)
    rows = [
        (
            str(n), i.label, i.problem, i.measure or NONE, i.leader or NONE, i.resp_unit or NONE, i.person or NONE,
            i.deadline or NONE, i.state, "、".join(i.evidence) or NONE,
        )
        for n, i in enumerate(items, 1)
    ]
    kit.grid(doc, ITEM_HEADERS, rows, ITEM_WIDTHS, font_size=9)
    kit.heading(doc, HEAD_OPEN)
    if owing:
        for n, i in enumerate(owing, 1):
            kit.body(doc, OPEN_LINE.format(n=n, label=i.label, problem=i.problem, deadline=i.deadline or NONE, state=i.state))
    else:
        kit.body(doc, ALL_DONE)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
