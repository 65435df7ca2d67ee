"""The factor chart as one PNG, drawn once with Pillow and placed in both the PDF and the Word brief."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from service.briefs import fonts
from service.briefs import outline as o

DPI = 200
WIDTH_MM = 170.0  # the text width of an A4 page with 20 mm margins
ROW_MM = 6.5
LABEL_MM = 42.0
VALUE_MM = 12.0
FONT_PT = 8.5
BAR = "#2E75B6"
TRACK = "#EEF2F7"
INK = "#1A1A1A"


@dataclass(frozen=True)
class Png:
    data: bytes
    width_mm: float
    height_mm: float


def _px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def render(block: o.Chart) -> Png:
    """Horizontal bars, one per factor: label, a 0–100 track with the value filled, and the value."""
    height_mm = ROW_MM * len(block.bars) + 2.0
    image = Image.new("RGB", (_px(WIDTH_MM), _px(height_mm)), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(fonts.font_path()), size=round(FONT_PT / 72 * DPI), index=fonts.SUBFONT)
    bar_mm = WIDTH_MM - LABEL_MM - VALUE_MM
    for i, bar in enumerate(block.bars):
        top = 1.0 + i * ROW_MM
        middle = _px(top + ROW_MM / 2)
        draw.text((0, middle), bar.label, font=font, fill=INK, anchor="lm")
        box = (_px(LABEL_MM), _px(top + 1.1), _px(LABEL_MM + bar_mm), _px(top + ROW_MM - 1.1))
        draw.rectangle(box, fill=TRACK)
        filled = max(bar.value, 0.003) * (box[2] - box[0])
        draw.rectangle((box[0], box[1], box[0] + round(filled), box[3]), fill=BAR)
        draw.text((_px(WIDTH_MM), middle), f"{bar.value * 100:.0f}", font=font, fill=INK, anchor="rm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, dpi=(DPI, DPI))
    return Png(data=buffer.getvalue(), width_mm=WIDTH_MM, height_mm=height_mm)
