"""Range checks the API and the CLI share: a bad top_k or min_score is refused with one bilingual message."""

from __future__ import annotations

import pytest

from service.matching import constants as c
from service.matching.errors import InvalidParameter
from service.matching.limits import check_min_score, check_top_k


@pytest.mark.parametrize("value", [0, -3, c.MAX_TOP_K + 1])
def test_a_list_length_outside_its_range_is_refused_naming_the_field(value: int) -> None:
    with pytest.raises(InvalidParameter) as caught:
        check_top_k(value)
    assert caught.value.status_code == 422
    assert "top_k" in caught.value.message and f"1–{c.MAX_TOP_K}" in caught.value.message
    assert f"收到 {value}" in caught.value.message and f"got {value}" in caught.value.message


@pytest.mark.parametrize("value", [-1, 100.5, 150, float("nan"), float("inf")])
def test_a_minimum_score_off_the_0_to_100_scale_is_refused(value: float) -> None:
    with pytest.raises(InvalidParameter) as caught:
        check_min_score(value)
    assert "min_score" in caught.value.message and "0–100" in caught.value.message


@pytest.mark.parametrize("value", [0, 0.6, 60, 100])
def test_values_on_the_scale_pass_unchanged(value: float) -> None:
    assert check_min_score(value) == value
    assert check_top_k(1) == 1 and check_top_k(c.MAX_TOP_K) == c.MAX_TOP_K
