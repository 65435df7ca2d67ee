"""Render a brief as PDF with reportlab, the CJK font embedded (pure function of BriefData)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RlTable

from service.briefs import chart, fonts
from service.briefs import outline as o
from service.briefs.schemas import BriefData

ACCENT = colors.HexColor("#1F4E79")
MARGIN = 20 * mm  # the same text width as the Word brief, so the chart is drawn for one width
CONTENT_WIDTH = A4[0] - 2 * MARGIN


def _style(name: str, size: float, *, bold: bool = False, colour: colors.Color = colors.black,
           space_before: float = 0, leading: float | None = None) -> ParagraphStyle:
    # The font has no bold face; headings are set apart by size and colour instead.
    del bold
    return ParagraphStyle(name, fontName=fonts.pdf_font(), fontSize=size, leading=leading or size * 1.45, textColor=colour,
                          alignment=TA_LEFT, wordWrap="CJK", spaceBefore=space_before, spaceAfter=size * 0.35)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # Paragraph parses markup; escaping keeps a firm name like <script> as plain text.
    return Paragraph(escape(text), style)


def _chart(block: o.Chart) -> Image:
    """The factor chart: the same PNG the Word brief shows, at the text width."""
    png = chart.render(block)
    return Image(io.BytesIO(png.data), width=png.width_mm * mm, height=png.height_mm * mm)


def render(data: BriefData, lang: str = "zh") -> bytes:
    """Return the brief as a PDF file."""
    return render_blocks(o.build(data, lang))


def render_blocks(blocks: list[o.Block]) -> bytes:
    """Lay out blocks as a PDF file with the font's glyphs embedded."""
    title = _style("title", 17, colour=ACCENT)
    subtitle = _style("subtitle", 8.5, colour=colors.HexColor("#595959"))
    headings = {1: _style("heading1", 12.5, colour=ACCENT, space_before=8),
                2: _style("heading2", 11, colour=ACCENT, space_before=6)}
    for heading in headings.values():
        heading.keepWithNext = 1  # never leave a section title alone at the foot of a page
    body = _style("body", 9.5)
    strong = _style("strong", 10, colour=colors.HexColor("#111111"))
    cell = _style("cell", 8, leading=10.5)
    head_cell = _style("head", 8, leading=10.5, colour=ACCENT)

    story: list[Flowable] = []
    for block in blocks:
        if isinstance(block, o.Title):
            story += [_p(block.text, title), _p(block.subtitle, subtitle)]
        elif isinstance(block, o.Heading):
            story.append(_p(block.text, headings.get(block.level, headings[2])))
        elif isinstance(block, o.Para):
            story.append(_p(block.text, strong if block.strong else body))
        elif isinstance(block, o.Bullets):
            story.append(ListFlowable([ListItem(_p(item, body), leftIndent=10) for item in block.items],
                                      bulletType="bullet", start="•", leftIndent=10,
                                      bulletFontName=fonts.pdf_font()))
        elif isinstance(block, o.Table):
            widths = block.widths or [1.0] * len(block.header)
            total = sum(widths)
            rows = [[_p(h, head_cell) for h in block.header]] + [[_p(c, cell) for c in r] for r in block.rows]
            table = RlTable(rows, colWidths=[CONTENT_WIDTH * w / total for w in widths], repeatRows=1)
            table.setStyle(TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), fonts.pdf_font()),  # the cell default, else Helvetica unembedded
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#B7C3D0")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]))
            story += [table, Spacer(1, 3 * mm)]
        elif isinstance(block, o.Chart):
            story += [KeepTogether([_p(block.title, strong), _chart(block)]), Spacer(1, 2 * mm)]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
                                 bottomMargin=16 * mm, title=o.title_of(blocks), author="ParkMatch",
                                 # else each page starts in Helvetica, a font the file names but does not embed
                                 initialFontName=fonts.pdf_font())
    document.build(story)
    return buffer.getvalue()
