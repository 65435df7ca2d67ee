"""The CJK font briefs are set in: WenQuanYi Micro Hei, installed with the project, embedded in every PDF."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

# WenQuanYi Micro Hei 0.2.0-beta (Apache-2.0, per the font's own name table) ships in the
# paperang-p2-fonts-cjk wheel. It has TrueType outlines, which reportlab can subset and embed (the Noto/Source
# Han OTFs on PyPI are CFF, which it cannot), and covers GB2312 plus •·²−、；.
FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"
SUBFONT = 0  # the proportional face; 1 is the monospaced one
PDF_FONT = "WenQuanYiMicroHei"


def font_path() -> Path:
    """Where the installed font file is."""
    return Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))


@cache
def pdf_font() -> str:
    """Register the font with reportlab once and return its name; PDFs embed the glyphs they use."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(PDF_FONT, str(font_path()), subfontIndex=SUBFONT))
    return PDF_FONT
