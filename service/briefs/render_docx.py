"""Render a brief as an A4 Word document: Heading styles, East-Asian font, the factor chart as a picture."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import _Cell
from docx.text.run import Run

from service.briefs import chart
from service.briefs import outline as o
from service.briefs.schemas import BriefData

EAST_ASIAN_FONT = "Microsoft YaHei"  # Word falls back to 等线/SimSun where YaHei is absent
LATIN_FONT = "Calibri"
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
A4_MM = (210, 297)
MARGIN_MM = 20  # leaves the 170 mm the chart is drawn for
HEADING_SIZES = {0: 18.0, 1: 13.0, 2: 11.5}  # Title, Heading 1, Heading 2


def _font(run: Run, *, size: float | None = None, bold: bool = False, colour: RGBColor | None = None) -> None:
    """Set Latin and East-Asian fonts on a run; without w:eastAsia Word renders Chinese in a fallback face."""
    run.font.name = LATIN_FONT
    r_pr = run.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    if size is not None:
        run.font.size = Pt(size)
    run.bold = bold or None
    if colour is not None:
        run.font.color.rgb = colour


def _shade(cell: _Cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()  # noqa: SLF001  (python-docx has no public handle on a cell's XML)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def _cell_text(cell: _Cell, text: str, *, bold: bool = False, size: float = 9) -> None:
    paragraph = cell.paragraphs[0]
    _font(paragraph.add_run(text), size=size, bold=bold)


def _style_font(style: BaseStyle, *, size: float, bold: bool | None = None, colour: RGBColor | None = None) -> None:
    """Give a style our fonts; theme font attributes would otherwise win over them in Word and LibreOffice."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    style.font.size = Pt(size)  # type: ignore[attr-defined]
    if bold is not None:
        style.font.bold = bold  # type: ignore[attr-defined]
    if colour is not None:
        style.font.color.rgb = colour  # type: ignore[attr-defined]


def _document(title: str) -> DocxDocument:
    """An empty A4 document whose Normal, Title and Heading styles use our fonts."""
    document = Document()
    _style_font(document.styles["Normal"], size=10.5)
    _style_font(document.styles["Title"], size=HEADING_SIZES[0], bold=True, colour=ACCENT)
    for level in (1, 2):
        _style_font(document.styles[f"Heading {level}"], size=HEADING_SIZES[level], bold=True, colour=ACCENT)
    for section in document.sections:
        section.page_width, section.page_height = Mm(A4_MM[0]), Mm(A4_MM[1])
        section.left_margin = section.right_margin = Mm(MARGIN_MM)
        section.top_margin = section.bottom_margin = Cm(1.8)
    document.core_properties.title = title
    return document


def render_blocks(blocks: list[o.Block]) -> bytes:
    """Lay out blocks as a .docx file."""
    document = _document(o.title_of(blocks))
    for block in blocks:
        if isinstance(block, o.Title):
            document.add_heading(block.text, level=0)
            _font(document.add_paragraph().add_run(block.subtitle), size=9, colour=RGBColor(0x59, 0x59, 0x59))
        elif isinstance(block, o.Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, o.Para):
            _font(document.add_paragraph().add_run(block.text), bold=block.strong)
        elif isinstance(block, o.Bullets):
            for item in block.items:
                _font(document.add_paragraph(style="List Bullet").add_run(item))
        elif isinstance(block, o.Table):
            _table(document, block)
        elif isinstance(block, o.Chart):
            _chart(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(data: BriefData, lang: str = "zh") -> bytes:
    """Return the brief as a .docx file."""
    return render_blocks(o.build(data, lang))


def _table(document: DocxDocument, block: o.Table) -> None:
    table = document.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, block.header, strict=True):
        _cell_text(cell, text, bold=True)
        _shade(cell, "DCE6F0")
    for row in block.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            _cell_text(cell, text)
    if block.widths:
        total = sum(block.widths)
        for row in table.rows:
            for cell, width in zip(row.cells, block.widths, strict=True):
                cell.width = Cm(17 * width / total)
    document.add_paragraph()


def _chart(document: DocxDocument, block: o.Chart) -> None:
    """The factor chart as an inline picture: the same PNG the PDF shows."""
    _font(document.add_paragraph().add_run(block.title), size=10, bold=True)
    png = chart.render(block)
    document.add_picture(io.BytesIO(png.data), width=Mm(png.width_mm))
