"""The three brief renderers, read back by real readers: python-docx, pypdf and plain text."""

from __future__ import annotations

import io

import docx
import pypdf

from service.briefs import render_docx, render_md, render_pdf
from tests.service.briefs.sample import WAGE_SOURCE, sample_brief

FIRM = "中山市澜灯照明科技有限公司"
PARK = "水城经济开发区"


def _docx_text(data: bytes) -> tuple[str, list[list[str]], list[str]]:
    document = docx.Document(io.BytesIO(data))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    east_asian = [r.element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
                  for p in document.paragraphs for r in p.runs if r.element.rPr is not None and r.element.rPr.rFonts is not None]
    return paragraphs, rows, east_asian


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_word_brief_has_names_cost_table_estimates_and_east_asian_font() -> None:
    paragraphs, rows, fonts = _docx_text(render_docx.render(sample_brief(), "zh"))
    assert FIRM in paragraphs and PARK in paragraphs
    cost_rows = [r for r in rows if r[0] == "工资"]
    assert cost_rows, "the cost table has a wage row"
    assert cost_rows[0][1] == "8,831 元/月" and cost_rows[0][2] == "5,200 元/月（估算）"
    assert cost_rows[0][3] == "约 350 万元/年（估算）"  # 3,485,000 as a person writes it
    assert WAGE_SOURCE in cost_rows[0][4]
    assert any(r[0] == "物流" and "（估算）" in r[3] for r in rows)
    assert "标注（估算）的数值没有公开出处" in paragraphs
    assert fonts and set(fonts) == {render_docx.EAST_ASIAN_FONT}


def test_pdf_brief_has_names_cost_table_and_estimates() -> None:
    data = render_pdf.render(sample_brief(), "zh")
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert FIRM in text and PARK in text
    assert "成本比较" in text and "8,831 元/月" in text and "5,200 元/月（估算）" in text
    assert "约 290 万元/年（估算）" in text
    assert "产业契合" in text  # the factor chart's labels are drawn as text


def test_markdown_brief_has_names_cost_table_and_estimates() -> None:
    text = render_md.render(sample_brief(), "zh").decode("utf-8")
    assert text.startswith(f"# {FIRM} × {PARK}")
    assert "| 工资 | 8,831 元/月 | 5,200 元/月（估算） | 约 350 万元/年（估算） |" in text
    assert "## 九、下一步\n" in text


def test_english_briefs_mark_estimates_and_units_in_english() -> None:
    data = sample_brief()
    md = render_md.render(data, "en").decode("utf-8")
    assert "5,200 yuan a month (estimate)" in md and "（估算）" not in md
    assert "about 3.5 million yuan a year (estimate)" in md and "25 mu" in md and "120 workers" in md
    assert "# Zhongshan Landeng Lighting × Shuicheng Economic Development Zone" in md and FIRM not in md
    pdf = _pdf_text(render_pdf.render(data, "en"))
    assert "(estimate)" in pdf and "Shuicheng Economic Development Zone" in pdf
    paragraphs, rows, _ = _docx_text(render_docx.render(data, "en"))
    assert "Cost comparison" in paragraphs and any("(estimate)" in cell for row in rows for cell in row)


def test_markup_in_a_firm_name_prints_as_text() -> None:
    data = sample_brief(firm_name="<script>alert(1)</script>&灯饰")
    assert "&lt;script&gt;" in render_md.render(data, "zh").decode("utf-8")
    assert "<script>alert(1)</script>&灯饰" in _pdf_text(render_pdf.render(data, "zh"))
    assert "<script>alert(1)</script>&灯饰" in _docx_text(render_docx.render(data, "zh"))[0]
