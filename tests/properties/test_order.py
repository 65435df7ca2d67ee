"""Ranking does not depend on the order in which records arrive (catalogue, parks or firms)."""

from __future__ import annotations

import random
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.matching import world as world_module
from service.matching.engine import MatchEngine
from service.matching.schemas import ProspectRequest
from service.matching.world import build_world, load_world
from tests.properties.strategies import IN_CI

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def records(property_settings: Settings) -> dict[str, list[Any]]:
    """The validated records load_world hands to build_world, captured once."""
    engine = make_engine(property_settings.database_url)
    with mock.patch.object(world_module, "build_world", wraps=build_world) as spy:
        with unit_of_work(make_session_factory(engine)) as session:
            load_world(session=session)
    engine.dispose()
    return {name: list(value) for name, value in spy.call_args.kwargs.items()}


def _engine(records: dict[str, list[Any]], like: MatchEngine) -> MatchEngine:
    return MatchEngine(world=build_world(**records), encoder=like.encoder, hops=like.hops, alpha=like.alpha)


def _shuffled(records: dict[str, list[Any]], seed: int) -> dict[str, list[Any]]:
    rng = random.Random(seed)
    return {name: rng.sample(items, len(items)) for name, items in records.items()}


@settings(max_examples=4, deadline=None, derandomize=IN_CI)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), n_firms=st.integers(min_value=20, max_value=40),
       description=st.sampled_from(["古镇灯饰企业，LED吸顶灯，铝压铸", "rice cooker and small appliance maker",
                                    "刺梨饮料加工", "lithium battery cathode 磷酸铁锂"]))
def test_ranking_is_independent_of_record_order(prop_engine: MatchEngine, records: dict[str, list[Any]],
                                                seed: int, n_firms: int, description: str) -> None:
    rng = random.Random(seed)
    subset = {**records, "firms": sorted(rng.sample(records["firms"], n_firms), key=lambda f: f.id)}
    ordered, reordered = _engine(subset, prop_engine), _engine(_shuffled(subset, seed), prop_engine)

    def parks_for(engine: MatchEngine, firm_id: int) -> list[tuple[int, float]]:
        return [(i.park.id, i.score) for i in engine.recommend(firm_id=firm_id, top_k=50).items]

    def firms_for(engine: MatchEngine, park_id: int) -> list[tuple[int | None, float]]:
        return [(i.firm.id, i.score) for i in engine.candidates(park_id=park_id, top_k=200).items]

    for firm in subset["firms"][:5]:
        assert parks_for(ordered, firm.id) == parks_for(reordered, firm.id)
    for park in subset["parks"]:
        assert firms_for(ordered, park.id) == firms_for(reordered, park.id)
    prospect = ProspectRequest(description=description, top_k=50)
    assert ([(i.park.id, i.score) for i in ordered.match(prospect).items]
            == [(i.park.id, i.score) for i in reordered.match(prospect).items])
