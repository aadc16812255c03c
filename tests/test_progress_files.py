"""Progress dashboard files: the chart (.png) with and without a CJK font, and the workbook."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import struct
import subprocess
import warnings

import matplotlib.colors
import matplotlib.text
import openpyxl
import pytest
from matplotlib import font_manager

from bot.files import progress as pf
from bot.files.progress import (
    ChartResult,
    CjkFont,
    TaskAverage,
    UnitProgress,
    chart_size,
    has_cjk_font,
    progress_chart_png,
    progress_xlsx,
)

SUBMITTED = dt.datetime(2020, 8, 3, 1, 30, tzinfo=dt.timezone.utc)  # 09:30 in Shanghai
GENERATED = dt.datetime(2020, 8, 5, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Shanghai
LONG_UNIT = "某某经济技术开发区管理委员会"
LONG_TITLE = "将履行推进法治建设第一责任人职责情况列入年终述职内容，并在述职报告中专门说明法治建设情况和下一步工作安排"

ROWS = [
    UnitProgress("东城区", "party", 3, 40, 40, SUBMITTED, 92.5),
    UnitProgress("东城区", "government", 2, 11, 44, None, 30),
    UnitProgress("西湖县", "party", 0, 0, 40, None, 0),
    UnitProgress("西湖县", "government", 1, 30, 44, None, 61.25),
]
LOWEST = [
    TaskAverage("party", 10, "党委理论学习中心组专题学法", 1.25, 5, 4),
    TaskAverage("government", 23, "建立健全行政规范性文件合法性审核机制", 2.5, 6, 3),
]
TITLE = "各县（区）自评进度"


def fontconfig_chinese_fonts() -> list[str]:
    """Chinese fonts as fontconfig sees them, independently of the code under test."""
    if shutil.which("fc-list") is None:
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=60).stdout
    return sorted({line.strip().rstrip(":") for line in out.splitlines() if line.strip()})


ZH_FONTS = fontconfig_chinese_fonts()
needs_cjk_font = pytest.mark.skipif(
    not ZH_FONTS, reason="no Chinese font installed (apt-get install fonts-wqy-microhei)"
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def drawn_texts(fig) -> list[str]:
    """Every non-empty text in the figure after a draw (tick labels are only set when drawn)."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]


def draw_recording_glyph_warnings(fig) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.fixture
def no_cjk(monkeypatch):
    monkeypatch.setattr(pf, "_find_cjk_font", lambda: None)


@pytest.fixture
def stand_in_cjk(monkeypatch):
    """The CJK code path on any machine: DejaVu Sans plays the CJK font (its glyphs are missing)."""
    path = font_manager.findfont("DejaVu Sans")
    monkeypatch.setattr(pf, "_find_cjk_font", lambda: CjkFont("DejaVu Sans", path, True))


# --- PNG ------------------------------------------------------------------------------------


def test_png_is_valid_and_of_the_expected_size():
    result = progress_chart_png(ROWS, LOWEST, TITLE)
    assert isinstance(result, ChartResult)
    width, height = png_size(result.png)
    assert (width, height) == chart_size(len(ROWS), len(LOWEST))
    assert width == 1200
    assert 900 < height < 2000
    assert result.png.endswith(b"IEND\xaeB`\x82")
    PIL = pytest.importorskip("PIL.Image")
    with PIL.open(io.BytesIO(result.png)) as img:
        img.verify()
        assert img.size == (width, height)


def test_size_depends_only_on_the_counts(no_cjk, monkeypatch):
    ascii_png = progress_chart_png(ROWS, LOWEST, TITLE).png
    long_rows = [dataclasses.replace(r, unit=LONG_UNIT * 3) for r in ROWS]
    long_png = progress_chart_png(long_rows, LOWEST, LONG_TITLE).png

    # More bars make a taller chart; only LOWEST_SHOWN tasks are drawn.
    more = progress_chart_png(ROWS * 3, LOWEST, TITLE).png
    assert png_size(more)[1] > png_size(ascii_png)[1]
    many_tasks = [TaskAverage("party", i, f"task {i}", 1, 5, 2) for i in range(1, 9)]
    assert png_size(progress_chart_png(ROWS, many_tasks, TITLE).png) == chart_size(len(ROWS), pf.LOWEST_SHOWN)
    # Exact pixel heights, however the inches round.
    assert png_size(progress_chart_png(ROWS[:3], LOWEST[:1], TITLE).png) == chart_size(3, 1)
    assert png_size(progress_chart_png(ROWS[:1], LOWEST[:1], TITLE).png) == chart_size(1, 1) == (1200, 626)

    # Chinese labels (any font) take the same room as the ASCII codes.
    path = font_manager.findfont("DejaVu Sans")
    monkeypatch.setattr(pf, "_find_cjk_font", lambda: CjkFont("DejaVu Sans", path, True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the stand-in font has no Chinese glyphs
        cjk_png = progress_chart_png(long_rows, LOWEST, LONG_TITLE).png
    assert png_size(ascii_png) == png_size(long_png) == png_size(cjk_png)


def test_empty_inputs_still_draw(no_cjk):
    fig, legend, cjk = pf._render([], [], "")
    texts = drawn_texts(fig)
    assert texts.count(pf.ASCII_NO_DATA) == 2
    assert pf.ASCII_LOWEST_TITLE_NONE in texts and not any(t.startswith("0 tasks") for t in texts)  # no "0 tasks"
    assert legend == [] and cjk is False
    assert png_size(progress_chart_png([], [], "").png) == chart_size(0, 0)


# --- without a CJK font ----------------------------------------------------------------------


def test_without_cjk_font_every_label_is_ascii_and_the_legend_maps_codes(no_cjk):
    assert has_cjk_font() is False
    rows = ROWS + [UnitProgress(LONG_UNIT, "party", 1, 5, 40, None, 2)]
    lowest = LOWEST + [TaskAverage("party", 3, LONG_TITLE, 0.5, 4, 5)]
    fig, legend, cjk = pf._render(rows, lowest, TITLE)
    assert cjk is False
    texts = drawn_texts(fig)
    non_ascii = [t for t in texts if not t.isascii()]
    assert non_ascii == []
    assert draw_recording_glyph_warnings(fig) == []
    # Units are U1, U2… in order of appearance, tables P/G, tasks P-10 / G-23.
    for label in ("U1 P", "U1 G", "U2 P", "U2 G", "U3 P", "P-10", "G-23", "P-3"):
        assert label in texts
    assert pf.ASCII_TITLE in texts
    assert any(t.startswith("SUBMITTED") for t in texts)
    assert any("no users" in t for t in texts)  # 西湖县's party table has nobody bound

    assert legend[0] == pf.LEGEND_HEAD_CODES
    for line in (
        "U1 = 东城区",
        "U2 = 西湖县",
        f"U3 = {LONG_UNIT}",
        "P = 党委表",
        "G = 政府表",
        "P-10 = 党委理论学习中心组专题学法",
        "G-23 = 建立健全行政规范性文件合法性审核机制",
        f"P-3 = {LONG_TITLE}",
    ):
        assert line in legend

    result = progress_chart_png(rows, lowest, TITLE)
    assert result.cjk is False and result.legend == legend


def test_only_the_first_five_tasks_are_drawn(no_cjk):
    tasks = [TaskAverage("party", i, f"任务{i}", 1, 5, 2) for i in range(1, 9)]
    fig, legend, _ = pf._render(ROWS, tasks, TITLE)
    texts = drawn_texts(fig)
    assert [f"P-{i}" in texts for i in range(1, 9)] == [True] * 5 + [False] * 3
    assert "P-5 = 任务5" in legend and not any(line.startswith("P-6") for line in legend)
    assert len(fig.axes[1].patches) == 2 * pf.LOWEST_SHOWN


def test_ascii_title_is_kept_without_cjk_font(no_cjk):
    fig, _, _ = pf._render(ROWS, LOWEST, "Progress 2020-08-05")
    assert "Progress 2020-08-05" in drawn_texts(fig)


# --- with a CJK font -------------------------------------------------------------------------


def test_cjk_labels_with_a_stand_in_font(stand_in_cjk):
    rows = ROWS + [UnitProgress(LONG_UNIT, "government", 2, 44, 44, None, 70)]
    lowest = LOWEST + [TaskAverage("government", 5, LONG_TITLE, 1, 4, 5)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig, legend, cjk = pf._render(rows, lowest, TITLE)
        texts = drawn_texts(fig)
    assert cjk is True
    for label in ("东城区 党委", "东城区 政府", "西湖县 党委", "党委第10项", "政府第23项", TITLE):
        assert label in texts
    assert any(t.startswith("已提交") for t in texts)
    assert "党委理论学习中心组专题学法" in texts
    # Only the shortened labels are explained, in full.
    short_unit = pf._clip(LONG_UNIT, pf.UNIT_MAX_WIDTH)
    assert short_unit.endswith("…") and f"{short_unit} 政府" in texts
    assert legend == [
        pf.LEGEND_HEAD_SHORTENED,
        f"{short_unit} = {LONG_UNIT}",
        f"政府表第5项 = {LONG_TITLE}",
    ]
    assert not any(t.startswith("U1") for t in texts)


def test_cjk_legend_is_empty_when_nothing_was_shortened(stand_in_cjk):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = progress_chart_png(ROWS, LOWEST, TITLE)
    assert result.cjk is True and result.legend == []


def test_submitted_bars_have_their_own_colour(no_cjk):
    fig, _, _ = pf._render(ROWS, LOWEST, TITLE)
    ax = fig.axes[0]
    bars = ax.patches[len(ROWS):]  # the grey 100% tracks come first
    assert [round(b.get_width(), 3) for b in bars] == [100.0, 25.0, 0.0, round(3000 / 44, 3)]
    colours = [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
    assert colours == [pf.COLOR_SUBMITTED] + [pf.COLOR_IN_PROGRESS] * 3
    assert pf.COLOR_SUBMITTED != pf.COLOR_IN_PROGRESS


@needs_cjk_font
def test_installed_cjk_font_renders_chinese_without_missing_glyphs():
    assert has_cjk_font(), f"fontconfig lists {ZH_FONTS} but no CJK font was found"
    result = progress_chart_png(ROWS, LOWEST, TITLE)
    assert result.cjk is True and result.legend == []
    fig, _, _ = pf._render(ROWS, LOWEST, TITLE)
    assert draw_recording_glyph_warnings(fig) == []
    texts = drawn_texts(fig)
    assert "东城区 党委" in texts and "西湖县 政府" in texts and TITLE in texts
    font = pf._find_cjk_font()
    families = {tuple(t.get_fontfamily()) for t in fig.findobj(matplotlib.text.Text) if not t.get_text().isascii()}
    assert families and all(f[0] == font.family for f in families)


@needs_cjk_font
def test_cjk_font_is_found_by_file_when_the_font_cache_lags(monkeypatch):
    installed = pf._find_cjk_font()
    assert installed is not None
    stale = [e for e in font_manager.fontManager.ttflist if e.fname != installed.path]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    pf._find_cjk_font.cache_clear()
    try:
        found = pf._find_cjk_font()
        assert found is not None and found.path.endswith(
            (".ttf", ".ttc", ".otf", ".TTF", ".TTC", ".OTF")
        )
        assert found.family in {e.name for e in font_manager.fontManager.ttflist}  # registered again
        assert found.path in ZH_FONTS
    finally:
        pf._find_cjk_font.cache_clear()


def test_no_cjk_font_anywhere_means_none(monkeypatch):
    latin = [e for e in font_manager.fontManager.ttflist if "DejaVu" in e.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [e.fname for e in latin])
    pf._find_cjk_font.cache_clear()
    try:
        assert pf._find_cjk_font() is None
        assert has_cjk_font() is False
    finally:
        pf._find_cjk_font.cache_clear()


def test_clip_counts_chinese_characters_double():
    assert pf._clip("东城区", 16) == "东城区"
    short = pf._clip(LONG_UNIT, 16)
    assert short.endswith("…") and pf._width(short) <= 16 and LONG_UNIT.startswith(short[:-1])
    assert pf._clip("abcdefghijklmnopqrstuvwxyz", 16) == "abcdefghijklmno…"


def test_unknown_table_is_rejected():
    with pytest.raises(ValueError):
        UnitProgress("东城区", "department", 1, 0, 1, None, 0)
    with pytest.raises(ValueError):
        TaskAverage("党委", 1, "x", 1, 1, 1)


# --- workbook --------------------------------------------------------------------------------


def open_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_progress_sheet():
    wb = open_xlsx(progress_xlsx(ROWS, LOWEST, GENERATED))
    assert wb.sheetnames == ["进度", "低分任务"]
    ws = wb["进度"]
    assert ws["A1"].value == "各单位自评进度（生成时间：2020年8月5日 10:00）"
    assert [c.value for c in ws[2]] == ["单位", "表", "已绑定人数", "已答/总数", "完成率", "是否提交", "提交时间", "自评得分"]
    assert [c.value for c in ws[3]] == ["东城区", "党委表", 3, "40/40", 1, "是", dt.datetime(2020, 8, 3, 9, 30), 92.5]
    assert [c.value for c in ws[4]] == ["东城区", "政府表", 2, "11/44", 0.25, "否", None, 30]
    assert ws["E6"].value == pytest.approx(30 / 44)
    assert ws["E3"].number_format == "0.0%" and ws["E6"].number_format == "0.0%"
    assert ws["G3"].number_format == "yyyy-mm-dd hh:mm"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:H6"
    assert ws.column_dimensions["A"].width >= 15 and ws.column_dimensions["G"].width >= 16
    assert ws.max_row == 6


def test_xlsx_lowest_sheet():
    ws = open_xlsx(progress_xlsx(ROWS, LOWEST, GENERATED))["低分任务"]
    assert [c.value for c in ws[2]] == ["表", "项", "任务", "平均得分", "分值", "单位数"]
    assert [c.value for c in ws[3]] == ["党委表", 10, "党委理论学习中心组专题学法", 1.25, 5, 4]
    assert [c.value for c in ws[4]] == ["政府表", 23, "建立健全行政规范性文件合法性审核机制", 2.5, 6, 3]
    assert ws["D3"].number_format == "0.00"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:F4"
    assert ws.column_dimensions["C"].width >= 40 and ws["C3"].alignment.wrap_text


def test_xlsx_naive_times_are_kept_and_empty_inputs_work():
    naive = dt.datetime(2020, 8, 3, 17, 5)
    rows = [UnitProgress("南山县", "government", 1, 0, 0, naive, 0)]
    wb = open_xlsx(progress_xlsx(rows, [], dt.datetime(2020, 8, 5, 8, 0)))
    ws = wb["进度"]
    assert ws["A1"].value.endswith("2020年8月5日 08:00）")
    assert ws["G3"].value == naive and ws["F3"].value == "是"
    assert ws["E3"].value is None  # nothing to answer: no rate rather than a made-up 0%
    assert wb["低分任务"].max_row == 2
