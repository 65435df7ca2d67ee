"""Render a brief as a Word document with python-docx, East-Asian font set (pure function of BriefData)."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from docx.text.run import Run

from service.briefs import outline as o
from service.briefs.schemas import BriefData
from service.textguard import neutralise_model

EAST_ASIAN_FONT = "Microsoft YaHei"  # Word falls back to 等线/SimSun where YaHei is absent
LATIN_FONT = "Calibri"
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
BAR_CELLS = 20


def _font(run: Run, *, size: float | None = None, bold: bool = False, colour: RGBColor | None = None) -> None:
    """Set Latin and East-Asian fonts on a run; without w:eastAsia Word renders Chinese in a fallback face."""
    run.font.name = LATIN_FONT
    r_pr = run._element.get_or_add_rPr()
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
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def _cell_text(cell: _Cell, text: str, *, bold: bool = False, size: float = 9) -> None:
    paragraph = cell.paragraphs[0]
    _font(paragraph.add_run(text), size=size, bold=bold)


def render(data: BriefData, lang: str = "zh") -> bytes:
    """Return the brief as a .docx file."""
    data = neutralise_model(data)  # a control character stored before input was checked
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(1.8)
    document.core_properties.title = f"洽谈简报 {data.firm.name_zh} × {data.park.name_zh}"
    document.core_properties.subject = "ParkMatch negotiation brief"

    for block in o.build(data, lang):
        if isinstance(block, o.Title):
            _font(document.add_paragraph().add_run(block.text), size=18, bold=True, colour=ACCENT)
            _font(document.add_paragraph().add_run(block.subtitle), size=9, colour=RGBColor(0x59, 0x59, 0x59))
        elif isinstance(block, o.Heading):
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.space_before = Pt(10)
            _font(paragraph.add_run(block.text), size=13, bold=True, colour=ACCENT)
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
    """A bar chart as a two-column table with shaded cells, so Word needs no image and stays editable."""
    _font(document.add_paragraph().add_run(block.title), size=10, bold=True)
    table = document.add_table(rows=0, cols=BAR_CELLS + 2)
    for bar in block.bars:
        cells = table.add_row().cells
        _cell_text(cells[0], bar.label, size=8.5)
        filled = round(bar.value * BAR_CELLS)
        for i in range(BAR_CELLS):
            _shade(cells[1 + i], "2E75B6" if i < filled else "EEF2F7")
        _cell_text(cells[-1], f"{bar.value * 100:.0f}", size=8.5)
    for row in table.rows:
        row.cells[0].width = Cm(3.6)
        for cell in row.cells[1:-1]:
            cell.width = Cm(0.55)
        row.cells[-1].width = Cm(1.2)
    document.add_paragraph()
