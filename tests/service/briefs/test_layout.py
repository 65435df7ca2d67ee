"""What a reader of a brief notices: embedded fonts, an A4 page, Heading styles, a real chart, one language."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest

from service.briefs import content, fonts, outline, render_docx, render_md, render_pdf, wording
from service.briefs.schemas import Bi
from tests.service.briefs.sample import sample_brief

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
# Data the starter set has only in Chinese: product lists (FirmRead.products has no English column). An English
# brief may print these; everything else it prints is English.
CHINESE_ONLY = ["LED吸顶灯", "铝制灯体"]


def _fonts(obj: Any) -> list[Any]:
    """Every font dictionary a PDF page uses, descendant CID fonts included."""
    found = []
    for font in (obj.get("/Resources", {}).get("/Font", {}) or {}).values():
        font = font.get_object()
        found.append(font)
        found += [d.get_object() for d in font.get("/DescendantFonts", [])]
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_embeds_every_font_it_uses(lang: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf.render(sample_brief(), lang)))
    fonts = [f for page in reader.pages for f in _fonts(page)]
    assert fonts
    for font in fonts:
        if font.get("/Subtype") == "/Type0":
            continue  # its glyphs live in the descendant font, checked on its own
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font.get("/BaseFont")


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (Debian poppler-utils) is not installed")
def test_pdffonts_lists_every_font_as_embedded(tmp_path: Path) -> None:
    target = tmp_path / "brief.pdf"
    target.write_bytes(render_pdf.render(sample_brief(), "zh"))
    lines = subprocess.run(["pdffonts", str(target)], check=True, capture_output=True, text=True).stdout.splitlines()
    rows = lines[2:]  # after the header and the dashes
    assert rows and all(row.split()[-5] == "yes" for row in rows), "\n".join(lines)


def test_pdf_bullets_and_signs_are_in_the_embedded_font() -> None:
    # The glyphs that showed as ☒ with the viewer-supplied CID font.
    from reportlab.pdfbase.pdfmetrics import getFont

    cmap = getFont(fonts.pdf_font()).face.charToGlyph
    assert all(ord(c) in cmap for c in "•·²−、；（）约钟山区")


def test_word_brief_is_a4_with_heading_styles_and_a_chart_picture() -> None:
    document = docx.Document(io.BytesIO(render_docx.render(sample_brief(), "zh")))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # type: ignore[union-attr]
    styles = [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]
    headings = [(style, text) for style, text in styles if style.startswith("Heading")]
    assert [text for _, text in headings][:2] == ["一、摘要与建议", "二、双方概况"]
    assert {style for style, _ in headings} == {"Heading 1"}
    assert styles[0][0] == "Title"
    pictures = document.inline_shapes
    assert len(pictures) == 1
    blip = pictures[0]._inline.graphic.graphicData.pic.blipFill.blip  # noqa: SLF001  (no public handle on the image)
    image = document.part.related_parts[blip.embed]
    assert image.content_type == "image/png" and image.blob.startswith(b"\x89PNG")


def test_zh_headings_and_table_headers_have_no_latin_words() -> None:
    for block in outline.build(sample_brief(), "zh"):
        texts = [block.text] if isinstance(block, outline.Heading) else (
            block.header if isinstance(block, outline.Table) else [])
        for text in texts:
            assert not re.search(r"[A-Za-z]{2,}", text), text


def test_en_brief_has_no_chinese_but_names_the_data_has_only_in_chinese() -> None:
    text = render_md.render(sample_brief(), "en").decode("utf-8")
    stray = [run for run in CJK.findall(text) if not any(run in name for name in CHINESE_ONLY)]
    assert stray == []


@pytest.mark.parametrize(("value", "unit", "zh", "en"), [
    (201.48, "吨/年", "约 200 吨/年", "about 200 t a year"),
    (831_124.8, "元/年", "约 83 万元/年", "about 0.83 million yuan a year"),
    (54.6, "亩", "约 55 亩", "about 55 mu"),
    (0.55, "元/kWh", "0.55 元/kWh", "0.55 yuan/kWh"),
    (-110_400, "元/年", "约 −11 万元/年", "about −0.11 million yuan a year"),
])
def test_numbers_are_rounded_as_a_person_writes_them(value: float, unit: str, zh: str, en: str) -> None:
    assert wording.amount(value, unit, "zh") == zh
    assert wording.amount(value, unit, "en") == en


def test_english_text_gets_english_units_punctuation_and_no_node_ids() -> None:
    text = wording.tidy("needs 40 亩、80 人；freight 300 元/吨 via firm:429 and park:3", "en")
    assert text == "needs 40 mu, 80 workers; freight 300 yuan/t via the firm and the park"


def test_english_tidying_leaves_chinese_phrases_as_written_and_scales_chinese_multipliers() -> None:
    # A figure quoted from the user's own text and a firm's Chinese name are read back as written.
    text = wording.tidy("read from your text: “员工约400人”; 中山市荣记食品有限公司（样例） buys 刺梨、茶", "en")
    assert text == 'read from your text: "员工约400人"; 中山市荣记食品有限公司（样例） buys 刺梨、茶'
    assert wording.tidy("revenue 3.2 亿元, rent 1,200 元/月, 水城区：base", "en") == (
        "revenue 320 million yuan, rent 1,200 yuan a month, 水城区: base")


def test_zhongshan_district_is_not_read_as_zhongshan_city() -> None:
    assert wording.place(Bi(zh="钟山区", en="Zhongshan District"), "en") == "Zhongshan District (Liupanshui)"
    assert wording.place(Bi(zh="钟山区", en="Zhongshan District"), "zh") == "钟山区"
    assert wording.tidy("In the central Zhongshan District.", "en") == "In the central Zhongshan District (Liupanshui)."
    assert wording.tidy("Hi-tech Zone (Zhongshan District) scores", "en") == "Hi-tech Zone (Zhongshan District, Liupanshui) scores"


def test_engine_words_for_tables_and_graphs_become_plain_words() -> None:
    assert wording.tidy("The cost table puts the saving at 5 yuan. Graph evidence: a → b", "en") == (
        "The cost comparison puts the saving at 5 yuan. Link: a → b")


def test_next_steps_are_for_the_other_party_not_the_software() -> None:
    for status in content.NEXT_STEPS:
        steps = content.next_steps(status)
        assert steps and not any("ParkMatch" in s.zh or "ParkMatch" in s.en for s in steps)


def test_english_scales_chinese_units_with_a_multiplier() -> None:
    assert wording.amount(3.2, "亿元", "en", exact=True) == "320 million yuan"
    assert wording.amount(50, "万吨/年", "en") == "500,000 t a year"
    assert wording.amount(50, "万吨/年", "zh") == "50 万吨/年"
