"""Building blocks for the official-style .docx files (公文 layout): A4, 仿宋 body at 三号,
黑体 headings, 宋体 titles, bordered tables whose header row repeats on every page.

Public so every report (the self-check report, the 督察报告, the 整改报告) can share one look.
"""

from __future__ import annotations

from collections.abc import Iterable

from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from bot.common.sanitize import xml_safe

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"


def set_run_font(rpr_owner, name: str) -> None:
    """Set Latin and East Asian font names, dropping theme fonts that would override them."""
    rfonts = rpr_owner.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attr), name)


def setup(doc: DocumentObject) -> None:
    """A4 portrait with 公文 margins; Normal and Heading 1 styles in Chinese fonts."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    set_run_font(normal.element, BODY_FONT)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    heading = doc.styles["Heading 1"]
    heading.font.size = Pt(16)
    heading.font.bold = False
    heading.font.color.rgb = RGBColor(0, 0, 0)
    set_run_font(heading.element, HEADING_FONT)
    heading.paragraph_format.space_before = Pt(6)
    heading.paragraph_format.space_after = Pt(0)
    heading.paragraph_format.first_line_indent = Pt(32)


def landscape_section(doc: DocumentObject) -> None:
    """Start a new page in A4 landscape (for wide annex tables)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(20), Mm(20)


def run(paragraph, text: str, font: str = BODY_FONT, size: float = 16, bold: bool = False):
    r = paragraph.add_run(xml_safe(text))  # stored text may predate input cleaning
    r.font.size = Pt(size)
    r.font.bold = bold
    set_run_font(r._element, font)
    return r


def title(doc: DocumentObject, text: str) -> None:
    par = doc.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.line_spacing = Pt(36)
    par.paragraph_format.space_after = Pt(12)
    run(par, text, TITLE_FONT, 22, bold=True)


def centered(doc: DocumentObject, text: str, size: float = 16) -> None:
    par = doc.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(par, text, BODY_FONT, size)


def heading(doc: DocumentObject, text: str) -> None:
    doc.add_heading(xml_safe(text), level=1)


def body(doc: DocumentObject, text: str, bold: bool = False) -> None:
    par = doc.add_paragraph()
    par.paragraph_format.first_line_indent = Pt(32)  # two characters
    run(par, text, BODY_FONT, 16, bold=bold)


def grid(
    doc: DocumentObject,
    headers: Iterable[str],
    rows: list[tuple[str, ...]],
    widths_mm: tuple[float, ...],
    font_size: float = 12,
    bold_last: bool = False,
) -> None:
    """A bordered table; short cells centred; the header row repeats on every page."""
    headers = tuple(headers)
    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, values in enumerate((headers, *rows)):
        bold = r == 0 or (bold_last and r == len(rows))
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = Mm(widths_mm[c])
            par = cell.paragraphs[0]
            par.paragraph_format.line_spacing = 1.0
            par.paragraph_format.first_line_indent = None
            if r == 0 or (c > 0 and len(value) <= 12):
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run(par, value, BODY_FONT, font_size, bold=bold)
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))
