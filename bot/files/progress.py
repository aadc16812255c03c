"""Progress dashboard files for the coordinators of 市委依法治市办: a chart (.png) and a sheet (.xlsx).

Pure functions over plain data (:class:`UnitProgress`, :class:`TaskAverage`): no Telegram,
no database, no clock (the caller passes the time to print).

* :func:`progress_chart_png` draws one phone-sized figure: a horizontal bar per unit and
  table showing the completion of its self-assessment (answered / total), the self score
  and the number of bound users, submitted tables in their own colour with a 已提交
  marker; below it the tasks with the lowest averages across units. Chinese labels need a
  CJK font (:func:`has_cjk_font`). Without one every label in the figure becomes ASCII
  (units U1, U2…, tables P/G, tasks P-10 / G-23) and :attr:`ChartResult.legend` carries the
  lines mapping those codes back to the Chinese names, to be sent as text with the photo.
  Rendering uses Matplotlib's Agg canvas directly (no pyplot, no display) and blocks: call
  it in a worker thread from async code.
* :func:`progress_xlsx` writes the same data as a workbook with the sheets 进度 and 低分任务.

Everything a user reads is in the block of constants below.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

# The Agg canvas directly, not pyplot: no display, no global figure registry, no backend switch.
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.common.sanitize import xml_safe

# --- text users read ---------------------------------------------------------------------

TABLE_LABEL = {"party": "党委表", "government": "政府表"}
TABLE_SHORT = {"party": "党委", "government": "政府"}
TABLE_CODE = {"party": "P", "government": "G"}

# Chart, with a CJK font
CHART_SUMMARY = "已提交 {submitted}/{count} 张表　平均完成率 {avg}%"
CHART_UNIT_LABEL = "{unit} {table}"
CHART_BAR_NOTE = "{pct}%　自评 {score} 分　{users}"
CHART_USERS = "{n}人"
CHART_NO_USERS = "未绑定"
CHART_SUBMITTED = "已提交"
CHART_SUBMITTED_NOTE = "已提交　"
CHART_IN_PROGRESS = "填报中"
CHART_LOWEST_TITLE = "平均得分率最低的{n}项任务"
CHART_LOWEST_TITLE_NONE = "平均得分率最低的任务"  # before any task is complete: no count of 0
CHART_TASK_LABEL = "{table}第{no}项"
CHART_TASK_NOTE = "均分 {average}/{points} 分　{units}个单位"
CHART_NO_DATA = "暂无数据"
LEGEND_HEAD_SHORTENED = "图中缩写："
LEGEND_SHORTENED = "{short} = {full}"
LEGEND_TITLE = "标题：{title}"

# Chart, ASCII only (no CJK font): codes explained by the legend lines
ASCII_TITLE = "Self-assessment progress"
ASCII_SUMMARY = "submitted {submitted}/{count} tables, average completion {avg}%"
ASCII_UNIT_LABEL = "U{i} {table}"
ASCII_BAR_NOTE = "{pct}%  score {score}  {users}"
ASCII_USERS = "{n} users"
ASCII_ONE_USER = "1 user"
ASCII_NO_USERS = "no users"
ASCII_SUBMITTED = "submitted"
ASCII_SUBMITTED_NOTE = "SUBMITTED  "
ASCII_IN_PROGRESS = "in progress"
ASCII_LOWEST_TITLE = "{n} tasks with the lowest average (share of points)"
ASCII_LOWEST_TITLE_NONE = "tasks with the lowest average (share of points)"
ASCII_TASK_LABEL = "{table}-{no}"
ASCII_TASK_NOTE = "avg {average}/{points}  {units} units"
ASCII_NO_DATA = "no data"
LEGEND_HEAD_CODES = "图中代号："
# Without a CJK font the picture's words are English; the caption gives them in Chinese.
ASCII_GLOSSARY_HEAD = "进度图（本机没有中文字体，图中文字为英文）："
ASCII_GLOSSARY = (
    ("submitted", "已提交"),
    ("in progress", "填报中"),
    ("score", "自评得分"),
    ("users / no users", "绑定人数 / 未绑定"),
    ("tasks with the lowest average (share of points)", "平均得分率最低的任务"),
    ("avg", "平均分"),
    ("units", "单位数"),
)
ASCII_GLOSSARY_LINE = "{english} = {chinese}"
LEGEND_UNIT = "U{i} = {unit}"
LEGEND_TABLE = "{code} = {label}"
LEGEND_TASK = "{code} = {title}"

# Workbook
XLSX_PROGRESS_SHEET = "进度"
XLSX_LOWEST_SHEET = "低分任务"
XLSX_PROGRESS_TITLE = "各单位自评进度（生成时间：{time}）"
XLSX_LOWEST_TITLE = "平均得分最低的任务（生成时间：{time}）"
XLSX_TIME = "{y}年{m}月{d}日 {hh:02d}:{mm:02d}"
XLSX_PROGRESS_HEADERS = ("单位", "表", "已绑定人数", "已答/总数", "完成率", "是否提交", "提交时间", "自评得分")
XLSX_PROGRESS_WIDTHS = (22, 9, 11, 11, 9, 9, 17, 10)
XLSX_LOWEST_HEADERS = ("表", "项", "任务", "平均得分", "分值", "单位数")
XLSX_LOWEST_WIDTHS = (9, 6, 60, 10, 8, 8)
XLSX_ANSWERED = "{answered}/{total}"
XLSX_YES = "是"
XLSX_NO = "否"
XLSX_FONT = "宋体"
XLSX_PERCENT_FORMAT = "0.0%"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_AVERAGE_FORMAT = "0.00"

DEFAULT_TIMEZONE = "Asia/Shanghai"

# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitProgress:
    """One unit's self-assessment of one table (party or government)."""

    unit: str
    table: str  # "party" | "government"
    users: int  # users bound to this unit and table
    answered: int  # criteria answered
    total: int  # criteria in the table
    submitted_at: dt.datetime | None
    score: float  # self score so far

    def __post_init__(self) -> None:
        _check_table(self.table)

    @property
    def completion(self) -> float:
        """answered / total, clamped to 0–1 (0 when the table has nothing to answer)."""
        if self.total <= 0:
            return 0.0
        return min(max(self.answered / self.total, 0.0), 1.0)


@dataclass(frozen=True)
class TaskAverage:
    """One task's average self score across the units that answered it."""

    table: str  # "party" | "government"
    no: int
    title: str
    average: float
    points: float  # the task's full marks
    units: int  # units the average is over

    def __post_init__(self) -> None:
        _check_table(self.table)

    @property
    def share(self) -> float:
        """average / points, clamped to 0–1."""
        if self.points <= 0:
            return 0.0
        return min(max(self.average / self.points, 0.0), 1.0)


def _check_table(table: str) -> None:
    if table not in TABLE_LABEL:
        raise ValueError(f"unknown table {table!r}: expected one of {sorted(TABLE_LABEL)}")


@dataclass(frozen=True)
class ChartResult:
    png: bytes
    legend: list[str] = field(default_factory=list)  # send as text with the photo when not empty
    cjk: bool = True  # False: the labels are ASCII codes explained by `legend`


# --- fonts ----------------------------------------------------------------------------------

# Families known to cover Simplified Chinese, best first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Source Han Sans",
    "Sarasa Gothic SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "AR PL SungtiL GB",
    "AR PL KaitiM GB",
    "AR PL New Sung",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
)
# Font files by name, for fonts installed after Matplotlib's font cache was built.
CJK_FILE_PATTERN = re.compile(
    r"notosans(mono)?cjk|notoserifcjk|notosanssc|sourcehansans|sourcehanserif|wqy|wenquanyi|"
    r"droidsansfallback|uming|ukai|gbsn|gkai|bsmi|bkai|sarasa|msyh|simhei|simsun|pingfang|hiragino",
    re.IGNORECASE,
)
# Characters a usable font must have (units are 县/区/市, tables 党委/政府).
CJK_PROBE = "中县区党委政府已提交"


@dataclass(frozen=True)
class CjkFont:
    family: str
    path: str
    bold: bool = False  # the family has a bold face (else bold text is drawn regular, without a warning)


def has_cjk_font() -> bool:
    """Whether charts can show Chinese text (a CJK font is installed and usable)."""
    return _find_cjk_font() is not None


def cjk_font() -> CjkFont | None:
    """The CJK font charts use (family, file, bold face), or None: other charts share it."""
    return _find_cjk_font()


@functools.cache
def _find_cjk_font() -> CjkFont | None:
    """The best installed CJK font, registered with Matplotlib's font manager; None if none.

    Looks for the known families in the font manager's list first, then at the system's font
    files (the font cache may predate a font installed later): known file names first, then
    any file that has the Chinese characters we draw. Cached for the process: restart after
    installing a font.
    """
    entries: dict[str, list[str]] = {}
    for entry in font_manager.fontManager.ttflist:
        entries.setdefault(entry.name, []).append(entry.fname)
    for family in CJK_FAMILIES:
        for path in entries.get(family, ()):
            if _covers(path):
                return CjkFont(family, path, _has_bold(family))
    try:
        files = sorted(set(font_manager.findSystemFonts()))
    except Exception:  # pragma: no cover - a broken fontconfig must not break the chart
        files = []
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    by_name = [f for f in files if CJK_FILE_PATTERN.search(Path(f).name)]
    others = [f for f in files if not CJK_FILE_PATTERN.search(Path(f).name)]
    for path in by_name + others:
        if not _covers(path):
            continue
        try:
            if path not in known:
                font_manager.fontManager.addfont(path)
            family = font_manager.FontProperties(fname=path).get_name()
        except Exception:  # pragma: no cover - an unreadable file
            continue
        return CjkFont(family, path, _has_bold(family))
    return None


def _has_bold(family: str) -> bool:
    for entry in font_manager.fontManager.ttflist:
        if entry.name == family:
            weight = entry.weight
            if isinstance(weight, str):
                weight = font_manager.weight_dict.get(weight, 400)
            if weight >= 600:
                return True
    return False


def _covers(path: str) -> bool:
    try:
        font = font_manager.get_font(path)
        return all(font.get_char_index(ord(ch)) for ch in CJK_PROBE)
    except Exception:
        return False


# --- chart ----------------------------------------------------------------------------------

DPI = 150
WIDTH_PX = 1200
LOWEST_SHOWN = 5

# Layout, in inches: fixed, so the size depends only on how many bars there are.
LEFT_IN = 1.95  # y labels
RIGHT_IN = 0.3
HEAD_IN = 1.35  # title, summary line, colour legend
ROW_IN = 0.4  # one unit/table bar
AXIS_IN = 0.42  # x tick labels
GAP_IN = 0.6  # heading of the second panel
TASK_ROW_IN = 0.78  # one task: its title above its bar
BOTTOM_IN = 0.2

TITLE_PT = 15
TEXT_PT = 11
NOTE_PT = 10
TICK_PT = 10

UNIT_MAX_WIDTH = 16  # display columns (a Chinese character takes 2)
TITLE_MAX_WIDTH = 62
TASK_TITLE_MAX_WIDTH = 74
NOTE_INSIDE_FROM = 0.58  # completion from which the note goes inside its bar

COLOR_SUBMITTED = "#2e7d32"
COLOR_IN_PROGRESS = "#1565c0"
COLOR_LOW = "#c62828"
COLOR_TRACK = "#e6e6e6"
COLOR_TEXT = "#212121"
COLOR_MUTED = "#616161"


def progress_chart_png(rows: list[UnitProgress], lowest: list[TaskAverage], title: str) -> ChartResult:
    """The progress chart as PNG bytes, WIDTH_PX wide at DPI; see :func:`chart_size`."""
    fig, legend, cjk = _render(rows, lowest, title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return ChartResult(png=buf.getvalue(), legend=legend, cjk=cjk)


def chart_size(rows: int, lowest: int) -> tuple[int, int]:
    """(width, height) in pixels of the chart for so many bars and low tasks (at most LOWEST_SHOWN)."""
    lowest = min(lowest, LOWEST_SHOWN)
    height_in = (
        HEAD_IN + max(rows, 1) * ROW_IN + AXIS_IN + GAP_IN + max(lowest, 1) * TASK_ROW_IN + AXIS_IN + BOTTOM_IN
    )
    return WIDTH_PX, math.ceil(height_in * DPI)


@dataclass
class _Labels:
    cjk: bool
    family: list[str]
    bold: str = "bold"
    legend: list[str] = field(default_factory=list)

    def text(self, size: float, bold: bool = False, **kw) -> dict:
        return {"fontfamily": self.family, "fontsize": size, "fontweight": self.bold if bold else "normal", **kw}


def _render(rows: list[UnitProgress], lowest: list[TaskAverage], title: str) -> tuple[Figure, list[str], bool]:
    """Build the figure (on an Agg canvas) without saving it: (figure, legend lines, cjk)."""
    font = _find_cjk_font()
    if font is None:
        labels = _Labels(cjk=False, family=["DejaVu Sans"])
    else:
        labels = _Labels(cjk=True, family=[font.family, "DejaVu Sans"], bold="bold" if font.bold else "normal")
    rows = list(rows)
    shown = list(lowest)[:LOWEST_SHOWN]

    width_px, height_px = chart_size(len(rows), len(shown))
    # A quarter pixel more: Agg truncates width*dpi, and px/dpi*dpi may fall just short
    # (Matplotlib 3.8+ allows for that itself; older versions lose a pixel row).
    fig = Figure(figsize=((width_px + 0.25) / DPI, (height_px + 0.25) / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    w_in, h_in = width_px / DPI, height_px / DPI

    def box(top_in: float, height_in: float) -> list[float]:
        return [LEFT_IN / w_in, 1 - (top_in + height_in) / h_in, (w_in - LEFT_IN - RIGHT_IN) / w_in, height_in / h_in]

    # Title and summary.
    if labels.cjk:
        shown_title = _clip(title, TITLE_MAX_WIDTH)
        if shown_title != title:
            labels.legend.append(LEGEND_TITLE.format(title=title))
    else:
        shown_title = title if title.isascii() and title.strip() else ASCII_TITLE
    fig.text(0.2 / w_in, 1 - 0.15 / h_in, shown_title, va="top", ha="left", color=COLOR_TEXT,
             **labels.text(TITLE_PT, bold=True))
    submitted = sum(1 for r in rows if r.submitted_at is not None)
    avg = math.floor(100 * sum(r.completion for r in rows) / len(rows)) if rows else 0
    summary = (CHART_SUMMARY if labels.cjk else ASCII_SUMMARY).format(submitted=submitted, count=len(rows), avg=avg)
    fig.text(0.2 / w_in, 1 - 0.6 / h_in, summary, va="top", ha="left", color=COLOR_MUTED, **labels.text(TEXT_PT))

    # Panel 1: completion per unit and table.
    top1 = HEAD_IN
    ax1 = fig.add_axes(box(top1, max(len(rows), 1) * ROW_IN))
    _progress_panel(ax1, rows, labels)
    fig.legend(
        handles=[
            Patch(color=COLOR_SUBMITTED, label=CHART_SUBMITTED if labels.cjk else ASCII_SUBMITTED),
            Patch(color=COLOR_IN_PROGRESS, label=CHART_IN_PROGRESS if labels.cjk else ASCII_IN_PROGRESS),
        ],
        loc="lower left",
        bbox_to_anchor=(LEFT_IN / w_in, 1 - (top1 - 0.02) / h_in),
        ncol=2,
        frameon=False,
        borderaxespad=0,
        prop={"family": labels.family, "size": NOTE_PT},
    )

    # Panel 2: the lowest tasks.
    top2 = top1 + max(len(rows), 1) * ROW_IN + AXIS_IN + GAP_IN
    if shown:
        heading = (CHART_LOWEST_TITLE if labels.cjk else ASCII_LOWEST_TITLE).format(n=len(shown))
    else:
        heading = CHART_LOWEST_TITLE_NONE if labels.cjk else ASCII_LOWEST_TITLE_NONE
    fig.text(0.2 / w_in, 1 - (top2 - GAP_IN + 0.12) / h_in, heading, va="top", ha="left", color=COLOR_TEXT,
             **labels.text(TEXT_PT + 1, bold=True))
    ax2 = fig.add_axes(box(top2, max(len(shown), 1) * TASK_ROW_IN))
    _lowest_panel(ax2, shown, labels)

    if not labels.cjk:
        labels.legend = _code_legend(rows, lowest)
    elif labels.legend:
        labels.legend.insert(0, LEGEND_HEAD_SHORTENED)
    return fig, labels.legend, labels.cjk


def _progress_panel(ax, rows: list[UnitProgress], labels: _Labels) -> None:
    _style_axes(ax)
    if not rows:
        _no_data(ax, labels)
        return
    codes = _unit_codes(rows)
    ys = range(len(rows))
    values = [100 * r.completion for r in rows]
    colors = [COLOR_SUBMITTED if r.submitted_at is not None else COLOR_IN_PROGRESS for r in rows]
    ax.barh(ys, [100] * len(rows), height=0.62, color=COLOR_TRACK, zorder=1)
    ax.barh(ys, values, height=0.62, color=colors, zorder=2)
    ytick = []
    for y, r in zip(ys, rows):
        if labels.cjk:
            unit = _clip(r.unit, UNIT_MAX_WIDTH)
            if unit != r.unit:
                line = LEGEND_SHORTENED.format(short=unit, full=r.unit)
                if line not in labels.legend:
                    labels.legend.append(line)
            ytick.append(CHART_UNIT_LABEL.format(unit=unit, table=TABLE_SHORT[r.table]))
            users = CHART_USERS.format(n=r.users) if r.users > 0 else CHART_NO_USERS
            note = CHART_BAR_NOTE.format(pct=_pct(r), score=_num(r.score), users=users)
            if r.submitted_at is not None:
                note = CHART_SUBMITTED_NOTE + note
        else:
            ytick.append(ASCII_UNIT_LABEL.format(i=codes[r.unit], table=TABLE_CODE[r.table]))
            if r.users <= 0:
                users = ASCII_NO_USERS
            else:
                users = ASCII_ONE_USER if r.users == 1 else ASCII_USERS.format(n=r.users)
            note = ASCII_BAR_NOTE.format(pct=_pct(r), score=_num(r.score), users=users)
            if r.submitted_at is not None:
                note = ASCII_SUBMITTED_NOTE + note
        _bar_note(ax, y, r.completion, note, labels)
    ax.set_yticks(list(ys), ytick, **labels.text(TEXT_PT))
    for tick, r in zip(ax.get_yticklabels(), rows):
        if r.submitted_at is not None:
            tick.set_color(COLOR_SUBMITTED)
    ax.set_ylim(len(rows) - 0.5, -0.5)


def _lowest_panel(ax, tasks: list[TaskAverage], labels: _Labels) -> None:
    _style_axes(ax)
    if not tasks:
        _no_data(ax, labels)
        return
    ys = range(len(tasks))
    ax.barh(ys, [100] * len(tasks), height=0.42, color=COLOR_TRACK, zorder=1)
    ax.barh(ys, [100 * t.share for t in tasks], height=0.42, color=COLOR_LOW, zorder=2)
    ytick = []
    for y, t in zip(ys, tasks):
        if labels.cjk:
            ytick.append(CHART_TASK_LABEL.format(table=TABLE_SHORT[t.table], no=t.no))
            shown = _clip(t.title, TASK_TITLE_MAX_WIDTH)
            if shown != t.title:
                labels.legend.append(
                    LEGEND_SHORTENED.format(short=CHART_TASK_LABEL.format(table=TABLE_LABEL[t.table], no=t.no),
                                            full=t.title)
                )
            # The task's title on its own line above the bar.
            ax.text(0, y - 0.3, shown, va="bottom", ha="left", color=COLOR_TEXT, clip_on=False,
                    **labels.text(NOTE_PT))
            note = CHART_TASK_NOTE.format(average=_num(t.average), points=_num(t.points), units=t.units)
        else:
            ytick.append(ASCII_TASK_LABEL.format(table=TABLE_CODE[t.table], no=t.no))
            note = ASCII_TASK_NOTE.format(average=_num(t.average), points=_num(t.points), units=t.units)
        _bar_note(ax, y, t.share, note, labels)
    ax.set_yticks(list(ys), ytick, **labels.text(TEXT_PT))
    ax.set_ylim(len(tasks) - 0.5, -0.75)


def _style_axes(ax) -> None:
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_locator(MultipleLocator(25))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
    ax.tick_params(axis="x", labelsize=TICK_PT, colors=COLOR_MUTED)
    ax.tick_params(axis="y", length=0, pad=6)
    ax.grid(axis="x", color="#d0d0d0", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#9e9e9e")


def _no_data(ax, labels: _Labels) -> None:
    ax.set_yticks([])
    ax.set_ylim(0, 1)
    ax.text(50, 0.5, CHART_NO_DATA if labels.cjk else ASCII_NO_DATA, ha="center", va="center",
            color=COLOR_MUTED, **labels.text(TEXT_PT))


def _bar_note(ax, y: float, fraction: float, note: str, labels: _Labels) -> None:
    # Long bars carry their note inside (white), short ones just past their end.
    if fraction >= NOTE_INSIDE_FROM:
        ax.text(100 * fraction - 1.2, y, note, va="center", ha="right", color="white", zorder=3,
                **labels.text(NOTE_PT, bold=True))
    else:
        ax.text(100 * fraction + 1.2, y, note, va="center", ha="left", color=COLOR_TEXT, zorder=3,
                **labels.text(NOTE_PT))


def _unit_codes(rows: list[UnitProgress]) -> dict[str, int]:
    codes: dict[str, int] = {}
    for r in rows:
        codes.setdefault(r.unit, len(codes) + 1)
    return codes


def ascii_glossary(title: str) -> list[str]:
    """What an ASCII-only chart says, in Chinese: its title and its English words."""
    lines = [ASCII_GLOSSARY_HEAD, ASCII_GLOSSARY_LINE.format(english=ASCII_TITLE, chinese=title)]
    return lines + [ASCII_GLOSSARY_LINE.format(english=e, chinese=c) for e, c in ASCII_GLOSSARY]


def _code_legend(rows: list[UnitProgress], lowest: list[TaskAverage]) -> list[str]:
    shown = list(lowest)[:LOWEST_SHOWN]
    lines = [LEGEND_UNIT.format(i=i, unit=unit) for unit, i in _unit_codes(rows).items()]
    tables = {r.table for r in rows} | {t.table for t in shown}
    lines += [LEGEND_TABLE.format(code=TABLE_CODE[k], label=TABLE_LABEL[k]) for k in TABLE_LABEL if k in tables]
    lines += [
        LEGEND_TASK.format(code=ASCII_TASK_LABEL.format(table=TABLE_CODE[t.table], no=t.no), title=t.title)
        for t in shown
    ]
    return [LEGEND_HEAD_CODES, *lines] if lines else []


def _pct(r: UnitProgress) -> int:
    # Floor, so 100% means every criterion is answered.
    if r.total <= 0:
        return 0
    return min(max(r.answered * 100 // r.total, 0), 100)


def _num(value: float) -> str:
    value = round(float(value), 2)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _clip(text: str, max_width: int) -> str:
    """text, cut to max_width display columns with an ellipsis when longer."""
    text = " ".join(text.split())
    if _width(text) <= max_width:
        return text
    out, used = [], 1
    for ch in text:
        w = _width(ch)
        if used + w > max_width:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


# --- workbook ------------------------------------------------------------------------------

_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_CENTER = Alignment(horizontal="center", vertical="center")
_LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)


def progress_xlsx(
    rows: list[UnitProgress],
    lowest: list[TaskAverage],
    generated_at: dt.datetime,
    *,
    timezone: str = DEFAULT_TIMEZONE,
) -> bytes:
    """The progress workbook: sheet 进度 (one row per unit and table) and sheet 低分任务.

    Aware times (generated_at, submitted_at) are shown in `timezone`; naive ones as given.
    Row 1 of each sheet is a title line with the generation time, row 2 the header (frozen,
    with an autofilter over the data).
    """
    wb = Workbook()
    when = _local(generated_at, timezone)
    # The file's own creation time is UTC (openpyxl writes it with a Z).
    utc = generated_at.astimezone(dt.timezone.utc) if generated_at.tzinfo is not None else generated_at
    wb.properties.created = utc.replace(tzinfo=None)
    time_text = XLSX_TIME.format(y=when.year, m=when.month, d=when.day, hh=when.hour, mm=when.minute)

    ws = wb.active
    ws.title = XLSX_PROGRESS_SHEET
    _sheet_head(ws, XLSX_PROGRESS_TITLE.format(time=time_text), XLSX_PROGRESS_HEADERS, XLSX_PROGRESS_WIDTHS)
    font = Font(name=XLSX_FONT, size=11)
    for i, r in enumerate(rows, start=3):
        values = (
            r.unit,
            TABLE_LABEL[r.table],
            r.users,
            XLSX_ANSWERED.format(answered=r.answered, total=r.total),
            r.completion if r.total > 0 else None,
            XLSX_YES if r.submitted_at is not None else XLSX_NO,
            _local(r.submitted_at, timezone) if r.submitted_at is not None else None,
            _number(r.score),
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(i, col, xml_safe(value))
            cell.font = font
            cell.alignment = _LEFT_WRAP if col == 1 else _CENTER
        ws.cell(i, 5).number_format = XLSX_PERCENT_FORMAT
        ws.cell(i, 7).number_format = XLSX_TIME_FORMAT
    _sheet_tail(ws, len(XLSX_PROGRESS_HEADERS), len(rows))

    ws = wb.create_sheet(XLSX_LOWEST_SHEET)
    _sheet_head(ws, XLSX_LOWEST_TITLE.format(time=time_text), XLSX_LOWEST_HEADERS, XLSX_LOWEST_WIDTHS)
    for i, t in enumerate(lowest, start=3):
        values = (TABLE_LABEL[t.table], t.no, t.title, round(float(t.average), 2), _number(t.points), t.units)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(i, col, xml_safe(value))
            cell.font = font
            cell.alignment = _LEFT_WRAP if col == 3 else _CENTER
        ws.cell(i, 4).number_format = XLSX_AVERAGE_FORMAT
    _sheet_tail(ws, len(XLSX_LOWEST_HEADERS), len(lowest))

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_head(ws, title: str, headers: tuple[str, ...], widths: tuple[int, ...]) -> None:
    ws.cell(1, 1, xml_safe(title)).font = Font(name=XLSX_FONT, size=13, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.row_dimensions[1].height = 24
    bold = Font(name=XLSX_FONT, size=11, bold=True)
    for col, (header, width) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(2, col, header)
        cell.font = bold
        cell.alignment = _HEADER_ALIGN
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[2].height = 22


def _sheet_tail(ws, ncols: int, nrows: int) -> None:
    last = get_column_letter(ncols)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last}{2 + max(nrows, 1)}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _local(when: dt.datetime, timezone: str) -> dt.datetime:
    # Excel has no time zones: an aware time is written as wall time in `timezone`.
    if when.tzinfo is not None:
        when = when.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return when


def _number(value: float) -> int | float:
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value
