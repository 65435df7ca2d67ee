"""Properties of the text guard: whatever text comes in is refused or kept exactly, and whatever text is stored
can be written to every export format."""

from __future__ import annotations

import io

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pydantic import ValidationError

from service.firms.exporter import neutralise as export_cell
from service.firms.schemas import FirmCreate
from service.textguard import CONTROL, control_problem, neutralise

# Any code point, surrogates included: a JSON body may carry "\ud800", and a database may hold anything.
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=ANY_TEXT)
def test_neutralised_text_holds_no_control_character_and_keeps_its_length(text: str) -> None:
    cleaned = neutralise(text)
    assert control_problem(cleaned) is None and len(cleaned) == len(text)
    assert neutralise(cleaned) == cleaned
    assert (cleaned == text) == (CONTROL.search(text) is None)


@settings(max_examples=200, deadline=None)
@given(name=ANY_TEXT.filter(lambda s: s.strip()))
def test_a_name_is_refused_exactly_when_it_holds_a_control_character(name: str) -> None:
    body = {"name_zh": name[:200], "town": "guzhen", "industries": ["C3872"], "employees": 1}
    try:
        firm = FirmCreate.model_validate(body)
    except ValidationError as exc:
        assert CONTROL.search(name[:200]) is not None, exc
        return
    assert CONTROL.search(name[:200]) is None and firm.name_zh == name[:200].strip()


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_any_stored_text_can_be_written_to_xlsx_and_docx(texts: list[str]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append([export_cell(t) for t in texts])
    book.save(io.BytesIO())
    document = Document()
    for text in texts:
        document.add_paragraph().add_run(neutralise(text))
    document.save(io.BytesIO())


@pytest.mark.parametrize("kept", ["\t", "\n", "\r", "\u00a0", "\u3000", "\ufffd", "😀"])
def test_tabs_line_breaks_spaces_and_emoji_are_kept(kept: str) -> None:
    assert neutralise(f"灯{kept}饰") == f"灯{kept}饰"
