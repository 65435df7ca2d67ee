"""English class phrases match on word boundaries (a plural allowed) exactly as the regular expression says."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching.retrieval.index import contains_word

CASES = {
    ("led lamps for export", "led lamp"): True,
    ("die-casting of aluminium", "die-casting"): True,
    ("aluminium", "alumin"): False,
    ("glasses", "glass"): True,  # "es"
    ("glassy", "glass"): False,
    ("sub-assembly line", "assembly"): True,  # a hyphen is no letter
    ("reassembly", "assembly"): False,
    ("assemblyes", "assembly"): True,
    ("the lampss", "lamp"): False,
    ("lamp", "lamp"): True,
    ("lamp lamps lampx", "lampx"): True,
    ("xlamp lamp", "lamp"): True,  # the first occurrence fails, a later one holds
    ("café lamp", "caf"): True,  # é is not one of [a-z]: the regular expression accepts it too
}


def _regex(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(phrase)}(?:e?s)?(?![a-z])", text) is not None


def test_the_cases_match_the_regular_expression() -> None:
    for (text, phrase), expected in CASES.items():
        assert contains_word(text, phrase) is expected is _regex(text, phrase), (text, phrase)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="abes- é.", max_size=24), st.text(alphabet="abes- .", min_size=1, max_size=4))
def test_any_text_and_phrase_match_as_the_regular_expression_does(text: str, phrase: str) -> None:
    assert contains_word(text, phrase) == _regex(text, phrase)
