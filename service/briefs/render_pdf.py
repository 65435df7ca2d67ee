"""Render a brief as PDF with reportlab and its built-in CJK font (pure function of BriefData)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RlTable

from service.briefs import outline as o
from service.briefs.schemas import BriefData
from service.textguard import neutralise_model

# A CID font the PDF viewer supplies: no font file is shipped or downloaded, and it covers GB2312 Chinese.
FONT = "STSong-Light"
ACCENT = colors.HexColor("#1F4E79")
BAR = colors.HexColor("#2E75B6")
TRACK = colors.HexColor("#EEF2F7")
CONTENT_WIDTH = A4[0] - 36 * mm


def _register() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _style(name: str, size: float, *, bold: bool = False, colour: colors.Color = colors.black,
           space_before: float = 0, leading: float | None = None) -> ParagraphStyle:
    # CID fonts have no bold face; headings are set apart by size and colour instead.
    del bold
    return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=leading or size * 1.45, textColor=colour,
                          alignment=TA_LEFT, wordWrap="CJK", spaceBefore=space_before, spaceAfter=size * 0.35)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # Paragraph parses markup; escaping keeps a firm name like <script> as plain text.
    return Paragraph(escape(text), style)


def _chart(block: o.Chart) -> Drawing:
    """Horizontal factor bars drawn with reportlab graphics."""
    row_h, label_w, value_w = 6.5 * mm, 42 * mm, 12 * mm
    bar_w = CONTENT_WIDTH - label_w - value_w
    height = row_h * len(block.bars) + 4 * mm
    drawing = Drawing(CONTENT_WIDTH, height)
    for i, bar in enumerate(block.bars):
        y = height - (i + 1) * row_h
        drawing.add(String(0, y + 1.6 * mm, bar.label, fontName=FONT, fontSize=8.5))
        drawing.add(Rect(label_w, y + 0.8 * mm, bar_w, row_h - 2.2 * mm, fillColor=TRACK, strokeColor=None))
        drawing.add(Rect(label_w, y + 0.8 * mm, max(bar_w * bar.value, 0.5), row_h - 2.2 * mm, fillColor=BAR,
                         strokeColor=None))
        drawing.add(String(label_w + bar_w + 2 * mm, y + 1.6 * mm, f"{bar.value * 100:.0f}", fontName=FONT,
                           fontSize=8.5))
    return drawing


def render(data: BriefData, lang: str = "zh") -> bytes:
    """Return the brief as a PDF file."""
    data = neutralise_model(data)  # a control character stored before input was checked
    _register()
    title = _style("title", 17, colour=ACCENT)
    subtitle = _style("subtitle", 8.5, colour=colors.HexColor("#595959"))
    heading = _style("heading", 12.5, colour=ACCENT, space_before=8)
    heading.keepWithNext = 1  # never leave a section title alone at the foot of a page
    body = _style("body", 9.5)
    strong = _style("strong", 10, colour=colors.HexColor("#111111"))
    cell = _style("cell", 8, leading=10.5)
    head_cell = _style("head", 8, leading=10.5, colour=ACCENT)

    story: list[Flowable] = []
    for block in o.build(data, lang):
        if isinstance(block, o.Title):
            story += [_p(block.text, title), _p(block.subtitle, subtitle)]
        elif isinstance(block, o.Heading):
            story.append(_p(block.text, heading))
        elif isinstance(block, o.Para):
            story.append(_p(block.text, strong if block.strong else body))
        elif isinstance(block, o.Bullets):
            story.append(ListFlowable([ListItem(_p(item, body), leftIndent=10) for item in block.items],
                                      bulletType="bullet", start="•", leftIndent=10, bulletFontName=FONT))
        elif isinstance(block, o.Table):
            widths = block.widths or [1.0] * len(block.header)
            total = sum(widths)
            rows = [[_p(h, head_cell) for h in block.header]] + [[_p(c, cell) for c in r] for r in block.rows]
            table = RlTable(rows, colWidths=[CONTENT_WIDTH * w / total for w in widths], repeatRows=1)
            table.setStyle(TableStyle([
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
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                                 bottomMargin=16 * mm, title=f"洽谈简报 {data.firm.name_zh} × {data.park.name_zh}",
                                 author="ParkMatch", subject="Negotiation brief 洽谈简报")
    document.build(story)
    return buffer.getvalue()
