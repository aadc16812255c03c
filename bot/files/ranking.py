"""The city's summary of the field inspection: the ranking workbook (.xlsx) and a chart (.png)
of each unit's self-score beside its inspection score.

Pure functions over :class:`~bot.inspection.compare.Ranking`: no database, no clock (the
caller passes the time to print), no Telegram. The chart labels units in Chinese with the
CJK font the progress chart uses; without one, units become codes U1, U2 … explained by
:attr:`ChartResult.legend` lines to send beside the picture (never boxes).
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.files.progress import ChartResult, cjk_font
from bot.inspection.compare import Ranking, RankRow

# --- text users read ---------------------------------------------------------------------
TABLE_LABEL = {"party": "党委表", "government": "政府表"}
TABLE_SHORT = {"party": "党委", "government": "政府"}
STATUS = {"none": "未开始", "open": "督察中", "submitted": "已提交", "released": "已反馈"}
SHEET_RANKING = "督察排名"
SHEET_TASKS = "扣分较多的任务"
TITLE_RANKING = "{round}实地督察得分排名（生成时间：{time}）"
TITLE_TASKS = "{round}各单位被扣分最多的任务（生成时间：{time}）"
HEADERS_RANKING = ("排名", "单位", "打分表", "督察组", "自评得分", "督察得分", "差值（自评−督察）", "说明", "状态")
WIDTHS_RANKING = (7, 24, 9, 14, 10, 10, 16, 12, 9)
HEADERS_TASKS = ("打分表", "项", "任务", "被扣分单位数", "合计扣分", "本项分值")
WIDTHS_TASKS = (9, 6, 40, 14, 11, 10)
HIGHER, LOWER, SAME = "自评偏高", "自评偏低", "一致"
TIME = "{y}年{m}月{d}日 {hh:02d}:{mm:02d}"
FONT = "宋体"

CHART_TITLE = "{round}自评与督察得分对比"
CHART_SELF = "自评得分"
CHART_OWN = "督察得分"
CHART_LABEL = "{rank}. {unit}·{table}"
CHART_NO_DATA = "暂无已提交的督察结果"
ASCII_TITLE = "Self-score vs inspection score"
ASCII_SELF = "self-score"
ASCII_OWN = "inspection"
ASCII_LABEL = "{rank}. U{i} {table}"
ASCII_NO_DATA = "no submitted inspections yet"
LEGEND_HEAD = "图中代号："
LEGEND_UNIT = "U{i} = {unit}"
LEGEND_TABLES = "P = 党委表，G = 政府表"
TABLE_CODE = {"party": "P", "government": "G"}

COLOR_SELF = "#90a4ae"
COLOR_OWN = "#c62828"
DPI = 150


def _local(when: dt.datetime, tz: str) -> dt.datetime:
    return when.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if when.tzinfo else when


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def _kind(d: float | None) -> str:
    if d is None:
        return ""
    return SAME if d == 0 else (HIGHER if d > 0 else LOWER)


def ranking_xlsx(ranking: Ranking, round_: str, generated_at: dt.datetime, timezone: str = "Asia/Shanghai") -> bytes:
    """Sheet 督察排名 (one row per unit and table, ranked within each table) and sheet
    扣分较多的任务 (the tasks most often marked down across units)."""
    wb = Workbook()
    when = _local(generated_at, timezone)
    wb.properties.created = generated_at.astimezone(dt.timezone.utc).replace(tzinfo=None) if generated_at.tzinfo else generated_at
    time_text = TIME.format(y=when.year, m=when.month, d=when.day, hh=when.hour, mm=when.minute)
    ws = wb.active
    ws.title = SHEET_RANKING
    _head(ws, TITLE_RANKING.format(round=round_, time=time_text), HEADERS_RANKING, WIDTHS_RANKING)
    font = Font(name=FONT, size=11)
    for i, r in enumerate(ranking.rows, start=3):
        values = (
            r.rank, r.unit, TABLE_LABEL[r.table], r.group, _number(r.self_total), _number(r.own_total),
            _number(r.difference), _kind(r.difference), STATUS.get(r.status, r.status),
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(i, col, value)
            cell.font = font
            cell.alignment = Alignment(horizontal="left" if col in (2, 4) else "center", vertical="center", wrap_text=True)
    _tail(ws, len(HEADERS_RANKING), len(ranking.rows))
    ws = wb.create_sheet(SHEET_TASKS)
    _head(ws, TITLE_TASKS.format(round=round_, time=time_text), HEADERS_TASKS, WIDTHS_TASKS)
    for i, t in enumerate(ranking.tasks, start=3):
        values = (TABLE_LABEL[t.table], t.no, t.title, t.units, _number(t.lost), _number(t.points))
        for col, value in enumerate(values, start=1):
            cell = ws.cell(i, col, value)
            cell.font = font
            cell.alignment = Alignment(horizontal="left" if col == 3 else "center", vertical="center", wrap_text=True)
    _tail(ws, len(HEADERS_TASKS), len(ranking.tasks))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _head(ws, title: str, headers: tuple[str, ...], widths: tuple[int, ...]) -> None:
    ws.cell(1, 1, title).font = Font(name=FONT, size=13, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.row_dimensions[1].height = 24
    for col, (header, width) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(2, col, header)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width


def _tail(ws, ncols: int, nrows: int) -> None:
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(ncols)}{2 + max(nrows, 1)}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def ranking_chart_png(ranking: Ranking, round_: str) -> ChartResult:
    """Two bars per unit and table, self-score and inspection score (0–100), ranked units
    first. Blocks (Matplotlib): call it off the event loop."""
    rows: list[RankRow] = [r for r in ranking.rows if r.own_total is not None]
    font = cjk_font()
    cjk = font is not None
    family = [font.family, "DejaVu Sans"] if font else ["DejaVu Sans"]
    codes: dict[str, int] = {}
    for r in rows:
        codes.setdefault(r.unit, len(codes) + 1)
    height_in = 1.3 + max(len(rows), 1) * 0.62 + 0.6
    fig = Figure(figsize=(8, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0.26, 0.6 / height_in, 0.7, 1 - 1.5 / height_in])
    weight = "bold" if font is None or font.bold else "normal"  # no faux bold (and no warning)
    fig.text(0.03, 1 - 0.2 / height_in, CHART_TITLE.format(round=round_) if cjk else ASCII_TITLE, va="top",
             fontfamily=family, fontsize=14, fontweight=weight)
    ax.set_xlim(0, 100)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if not rows:
        ax.set_yticks([])
        ax.text(50, 0.5, CHART_NO_DATA if cjk else ASCII_NO_DATA, ha="center", va="center", fontfamily=family, fontsize=11)
        ax.set_ylim(0, 1)
    else:
        ys = range(len(rows))
        selfs = [r.self_total or 0 for r in rows]
        owns = [r.own_total or 0 for r in rows]
        ax.barh([y - 0.18 for y in ys], selfs, height=0.34, color=COLOR_SELF, label=CHART_SELF if cjk else ASCII_SELF)
        ax.barh([y + 0.18 for y in ys], owns, height=0.34, color=COLOR_OWN, label=CHART_OWN if cjk else ASCII_OWN)
        for y, r in zip(ys, rows):
            if r.self_total is not None:
                ax.text(r.self_total + 0.8, y - 0.18, _fmt(r.self_total), va="center", fontsize=8, fontfamily=family)
            ax.text((r.own_total or 0) + 0.8, y + 0.18, _fmt(r.own_total or 0), va="center", fontsize=8, fontfamily=family)
        labels = [
            CHART_LABEL.format(rank=r.rank, unit=r.unit, table=TABLE_SHORT[r.table]) if cjk
            else ASCII_LABEL.format(rank=r.rank, i=codes[r.unit], table=TABLE_CODE[r.table])
            for r in rows
        ]
        ax.set_yticks(list(ys), labels, fontfamily=family, fontsize=10)
        ax.set_ylim(len(rows) - 0.5, -0.6)
        # the legend above the bars, under the title, never over a bar
        fig.legend(loc="upper right", bbox_to_anchor=(0.97, 1 - 0.55 / height_in), ncol=2,
                   prop={"family": family, "size": 9}, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    legend = [] if cjk or not rows else [LEGEND_HEAD, *(LEGEND_UNIT.format(i=i, unit=u) for u, i in codes.items()), LEGEND_TABLES]
    return ChartResult(png=buf.getvalue(), legend=legend, cjk=cjk)


def _fmt(v: float) -> str:
    v = round(float(v), 2)
    return str(int(v)) if v.is_integer() else f"{v:g}"
