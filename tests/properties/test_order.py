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
from service.matching.schemas import ProspectRequest
from service.matching.service import MatchService
from service.matching.snapshot import loader as loader_module
from service.matching.snapshot.build import build_world
from service.matching.snapshot.loader import load_world
from tests.properties.strategies import IN_CI

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def records(property_settings: Settings) -> dict[str, Any]:
    """The validated records load_world hands to build_world, captured once."""
    engine = make_engine(property_settings.database_url)
    with mock.patch.object(loader_module, "build_world", wraps=build_world) as spy:
        with unit_of_work(make_session_factory(engine)) as session:
            load_world(session=session, data_dir=property_settings.data_dir)
    engine.dispose()
    return {name: list(value) if isinstance(value, list | tuple) else value
            for name, value in spy.call_args.kwargs.items()}


def _engine(records: dict[str, Any], like: MatchService) -> MatchService:
    return MatchService.for_world(build_world(**records), encoder=like.encoder, hops=like.retrieval.hops,
                                  alpha=like.retrieval.alpha)


def _shuffled(records: dict[str, Any], seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    return {name: rng.sample(items, len(items)) if isinstance(items, list) else items
            for name, items in records.items()}


@settings(max_examples=4, deadline=None, derandomize=IN_CI)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), n_firms=st.integers(min_value=20, max_value=40),
       description=st.sampled_from(["古镇灯饰企业，LED吸顶灯，铝压铸", "rice cooker and small appliance maker",
                                    "刺梨饮料加工", "lithium battery cathode 磷酸铁锂"]))
def test_ranking_is_independent_of_record_order(prop_engine: MatchService, records: dict[str, list[Any]],
                                                seed: int, n_firms: int, description: str) -> None:
    rng = random.Random(seed)
    subset = {**records, "firms": sorted(rng.sample(records["firms"], n_firms), key=lambda f: f.id)}
    ordered, reordered = _engine(subset, prop_engine), _engine(_shuffled(subset, seed), prop_engine)

    def parks_for(engine: MatchService, firm_id: int) -> list[tuple[int, float]]:
        return [(i.park.id, i.score) for i in engine.recommend(firm_id=firm_id, top_k=50).items]

    def firms_for(engine: MatchService, park_id: int) -> list[tuple[int | None, float]]:
        return [(i.firm.id, i.score) for i in engine.candidates(park_id=park_id, top_k=200).items]

    for firm in subset["firms"][:5]:
        assert parks_for(ordered, firm.id) == parks_for(reordered, firm.id)
    for park in subset["destinations"]:
        assert firms_for(ordered, park.id) == firms_for(reordered, park.id)
    prospect = ProspectRequest(description=description, top_k=50)
    assert ([(i.park.id, i.score) for i in ordered.match(prospect).items]
            == [(i.park.id, i.score) for i in reordered.match(prospect).items])
