"""Ranking properties over the starter data: bounded scores, determinism and monotone weights."""

from __future__ import annotations

import math

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from service.matching import constants as c
from service.matching.modes import MODES, Mode
from service.matching.schemas import ProspectRequest, RankedBase
from service.matching.scoring import FACTOR_NAMES
from service.matching.service import MatchService
from tests.properties.strategies import IN_CI, factor_names, modes, prospects, valid_overrides

# Scores and contributions (points on 0–100) are rounded to 2 places; a sum of 8 can be off by 8 × 0.005.
ROUNDING = 8 * 5e-3


def _check_bounded(items: list[RankedBase]) -> None:
    for item in items:
        assert math.isfinite(item.score) and 0.0 <= item.score <= 100.0, item.score
        assert 0.0 <= item.stability <= 1.0
        assert [f.name for f in item.factors] == list(FACTOR_NAMES)
        for factor in item.factors:
            assert math.isfinite(factor.value) and 0.0 <= factor.value <= 1.0, (factor.name, factor.value)
            assert 0.0 <= factor.weight <= 1.0 and factor.contribution >= 0.0
        assert abs(sum(f.contribution for f in item.factors) - item.score) <= ROUNDING
    assert [i.rank for i in items] == list(range(1, len(items) + 1))
    assert all(a.score >= b.score for a, b in zip(items, items[1:], strict=False)), "best first"


@settings(max_examples=40, deadline=None, derandomize=IN_CI)
@given(request=prospects())
def test_prospect_scores_and_factor_values_stay_in_the_unit_interval(prop_engine: MatchService,
                                                                      request: ProspectRequest) -> None:
    result = prop_engine.match(request)
    _check_bounded(list(result.items))
    assert math.isclose(sum(result.weights.values()), 1.0, abs_tol=1e-9)
    parks = {i.park.id for i in result.items} | {e.park.id for e in result.excluded or []}
    ranked_kinds = MODES[request.mode].destination_kinds
    expected = sum(1 for d in prop_engine.world.destinations if d.kind in ranked_kinds)
    assert len(parks) == expected, "every destination of the mode's kinds is either ranked or excluded with a reason"


@pytest.mark.slow
@settings(max_examples=15, deadline=None, derandomize=IN_CI)
@given(data=st.data(), mode=modes)
def test_stored_firm_and_park_scores_stay_in_the_unit_interval(prop_engine: MatchService, data: st.DataObject,
                                                               mode: Mode) -> None:
    world = prop_engine.world
    weights = data.draw(valid_overrides(mode))
    firm = data.draw(st.sampled_from(world.firms))
    _check_bounded(list(prop_engine.recommend(firm_id=firm.id or 0, mode=mode, weights=weights, top_k=c.MAX_TOP_K).items))
    park = data.draw(st.sampled_from(world.destinations))
    _check_bounded(list(prop_engine.candidates(park_id=park.id, mode=mode, weights=weights, top_k=c.MAX_TOP_K).items))


@settings(max_examples=15, deadline=None, derandomize=IN_CI)
@given(request=prospects(top_k=10), data=st.data())
def test_the_same_query_twice_gives_the_same_answer(prop_engine: MatchService, request: ProspectRequest,
                                                    data: st.DataObject) -> None:
    assert prop_engine.match(request).model_dump() == prop_engine.match(request).model_dump()
    park = data.draw(st.sampled_from(prop_engine.world.destinations))
    first = prop_engine.candidates(park_id=park.id, mode=request.mode, weights=request.weights, top_k=20)
    again = prop_engine.candidates(park_id=park.id, mode=request.mode, weights=request.weights, top_k=20)
    assert first.model_dump() == again.model_dump()


def _leader(items: list[RankedBase], factor: str) -> int | None:
    """Index of the one item with the highest value on the factor, None when no single item leads clearly."""
    values = [next(f.value for f in item.factors if f.name == factor) for item in items]
    if not values:
        return None
    best = max(values)
    rest = [v for v in values if v != best]
    # Displayed values are rounded to 4 places: a lead of one unit in the last place may be a tie.
    if values.count(best) > 1 or (rest and best - max(rest) <= 1e-4):
        return None
    return values.index(best)


def _raised(weights: dict[str, float], factor: str, delta: float) -> dict[str, float]:
    return {**weights, factor: weights[factor] + delta}


@settings(max_examples=40, deadline=None, derandomize=IN_CI)
@given(request=prospects(), factor=factor_names, delta=st.floats(min_value=0.01, max_value=5.0))
def test_raising_a_weight_never_lowers_the_park_that_leads_on_it(prop_engine: MatchService, request: ProspectRequest,
                                                                 factor: str, delta: float) -> None:
    before = prop_engine.match(request)
    lead = _leader(list(before.items), factor)
    event("a single leader" if lead is not None else "no single leader")
    if lead is None:
        return
    park = before.items[lead].park.id
    after = prop_engine.match(request.model_copy(update={"weights": _raised(before.weights, factor, delta)}))
    ranks = {i.park.id: i.rank for i in after.items}
    assert ranks[park] <= before.items[lead].rank, (factor, before.items[lead].rank, ranks[park])


@settings(max_examples=25, deadline=None, derandomize=IN_CI)
@given(data=st.data(), mode=modes, factor=factor_names, delta=st.floats(min_value=0.01, max_value=5.0),
       town=st.sampled_from(["guzhen", "xiaolan", "shaxi", "torch_zone"]))
def test_raising_a_weight_never_lowers_the_firm_that_leads_on_it(prop_engine: MatchService, data: st.DataObject,
                                                                 mode: Mode, factor: str, delta: float,
                                                                 town: str) -> None:
    park = data.draw(st.sampled_from(prop_engine.world.destinations))
    weights = data.draw(valid_overrides(mode))
    # One town keeps every ranked firm in the answer (fewer than top_k), so the leader is the true leader.
    before = prop_engine.candidates(park_id=park.id, mode=mode, weights=weights, town=town, top_k=c.MAX_TOP_K)
    assert len(before.items) < c.MAX_TOP_K
    lead = _leader(list(before.items), factor)
    event("a single leader" if lead is not None else "no single leader")
    if lead is None:
        return
    firm = before.items[lead].firm.id
    after = prop_engine.candidates(park_id=park.id, mode=mode, weights=_raised(before.weights, factor, delta),
                                   town=town, top_k=c.MAX_TOP_K)
    ranks = {i.firm.id: i.rank for i in after.items}
    assert ranks[firm] <= before.items[lead].rank, (factor, before.items[lead].rank, ranks[firm])
