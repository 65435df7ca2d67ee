"""Directions, hard constraints, firm refresh and the portfolio plan on the starter data."""

from __future__ import annotations

import numpy as np
import pytest

from service.matching.modes import Mode
from service.matching.plan import make_plan
from service.matching.schemas import PlanRequest, ProspectRequest
from service.matching.scoring.ranker import stability
from service.matching.service import MatchService
from service.matching.snapshot.world import FirmProfile

pytestmark = pytest.mark.slow


def test_park_candidates_respect_filters_and_minimum_score(match_engine: MatchService) -> None:
    park = match_engine.world.destinations[0]
    result = match_engine.candidates(park_id=park.id, town="guzhen", min_employees=20, min_score=20, top_k=20)
    assert result.items
    for item in result.items:
        assert item.firm.town == "guzhen" and (item.firm.employees or 0) >= 20 and item.score >= 20
    assert [i.rank for i in result.items] == list(range(1, len(result.items) + 1))
    assert all(a.score >= b.score for a, b in zip(result.items, result.items[1:], strict=False))


class _Forgetful(dict):  # type: ignore[type-arg]
    """A memo that keeps nothing."""

    def __setitem__(self, key: object, value: object) -> None:
        pass


@pytest.mark.parametrize(("mode", "weights"), [
    (Mode.relocation, {"cost_advantage": 0.6, "industry_fit": 0.1}),
    (Mode.joint_development, None),
    (Mode.market, {"semantic_fit": 1.0}),
])
def test_remembered_evidence_ranks_and_explains_exactly_as_a_first_query(
    match_engine: MatchService, mode: Mode, weights: dict[str, float] | None,
) -> None:
    """Pairs explained once are kept with the data; a later query under other weights must not see a difference."""
    firm = match_engine.world.firms[5]
    park = match_engine.world.destinations[1]

    prospect = "古镇灯饰企业，LED 吸顶灯，灯体铝压铸"

    def answers() -> tuple[str, str, str]:
        recs = match_engine.recommend(firm_id=firm.id or 0, mode=mode, weights=weights, include_excluded=True)
        cands = match_engine.candidates(park_id=park.id, mode=mode, weights=weights, top_k=30)
        matched = match_engine.match(ProspectRequest(description=prospect, mode=mode, weights=weights, top_k=7))
        return recs.model_dump_json(), cands.model_dump_json(), matched.model_dump_json()

    state = match_engine.state
    memos = ("evidence", "prospects", "prospect_evidence")
    for name in memos:
        object.__setattr__(state, name, _Forgetful())
    try:
        first = answers()  # every pair explained and the prospect inferred from scratch
    finally:
        for name in memos:
            object.__setattr__(state, name, {})
    # Fill the memos under the default mode and weights, then ask again under the others.
    match_engine.recommend(firm_id=firm.id or 0)
    match_engine.candidates(park_id=park.id, top_k=30)
    match_engine.match(ProspectRequest(description=prospect, top_k=3))
    assert state.evidence and state.prospects and state.prospect_evidence
    assert answers() == first
    recs = match_engine.recommend(firm_id=firm.id or 0, mode=mode, weights=weights)
    for item in recs.items:
        assert sum(f.contribution for f in item.factors) == pytest.approx(item.score, abs=0.05)


def test_short_land_excludes_a_park_with_a_stated_reason(match_engine: MatchService) -> None:
    request = ProspectRequest(description="铝型材挤压企业", land_mu=700, include_excluded=True)
    result = match_engine.match(request)
    assert result.excluded
    shown = {it.park.code for it in result.items}
    for entry in result.excluded:
        assert entry.park.code not in shown
        assert any(r.code == "land_short" and "亩" in r.reason_zh and "mu" in r.reason_en for r in entry.reasons)


def test_restricted_eia_category_excludes_with_the_park_reason(match_engine: MatchService) -> None:
    world = match_engine.world
    restricted = [p for p in world.destinations if any(r.kind.value == "env_category" for r in p.restrictions)]
    firm = next(f for f in world.firms if f.env_category == "report")
    result = match_engine.recommend(firm_id=firm.id or 0, include_excluded=True)
    excluded = {e.park.code: e for e in result.excluded or []}
    for park in restricted:
        assert park.code in excluded
        assert any(r.code == "env_category" for r in excluded[park.code].reasons)


def test_market_mode_ignores_land_and_finds_the_product_county(match_engine: MatchService) -> None:
    result = match_engine.match(ProspectRequest(description="饮料企业采购刺梨原汁", mode=Mode.market, land_mu=5000))
    assert result.items and result.items[0].park.county == "panzhou"


def test_refreshing_one_firm_updates_its_ranking_in_place(match_engine: MatchService) -> None:
    world = match_engine.world
    before = len(world.firms)
    new = FirmProfile(id=999_001, name_zh="测试铝压铸企业", town="guzhen", industries=("C3392",),
                      description_zh="铝合金压铸件，使用铝液", employees=120, land_mu=10)
    match_engine.refresh_firm(firm_id=new.id or 0, profile=new)
    try:
        assert len(match_engine.world.firms) == before + 1
        assert match_engine.recommend(firm_id=999_001).items[0].park.code == "shuicheng_edz"
        ranked = match_engine.candidates(park_id=world.destinations[world.dest_by_code["shuicheng_edz"]].id, top_k=200)
        assert 999_001 in {i.firm.id for i in ranked.items}
    finally:
        match_engine.refresh_firm(firm_id=999_001, profile=None)
    assert len(match_engine.world.firms) == before


def test_plan_respects_land_and_beats_or_equals_greedy(match_engine: MatchService) -> None:
    result = make_plan(engine=match_engine, request=PlanRequest())
    assert result.total_score >= result.greedy_total_score - 1e-9
    for use in result.parks:
        assert use.free_land_mu is None or use.used_land_mu <= use.free_land_mu + 1e-6
    placed = {a.firm.id for a in result.assignments}
    assert len(placed) == len(result.assignments)
    assert len(placed) + len(result.unassigned) == len(match_engine.world.firms)
    assert all(u.reason_zh and u.reason_en for u in result.unassigned)


def test_plan_honours_the_per_park_cap(match_engine: MatchService) -> None:
    result = make_plan(engine=match_engine, request=PlanRequest(max_firms_per_park=5))
    assert max(use.firms for use in result.parks) <= 5
    assert result.total_score >= result.greedy_total_score - 1e-9


def test_stability_is_one_for_a_dominant_item() -> None:
    matrix = np.array([[1.0, 1.0], [0.0, 0.0], [0.1, 0.0], [0.0, 0.1]])
    stab = stability(matrix, np.array([0.5, 0.5]), np.arange(4))
    assert stab[0] == 1.0


def test_remembered_prospects_are_told_apart(match_engine: MatchService) -> None:
    lamp = ProspectRequest(description="古镇灯饰企业，LED 吸顶灯，灯体铝压铸", top_k=7)
    garment = ProspectRequest(description="休闲服装与牛仔裤生产，用工 300 人", employees=300, top_k=7)
    match_engine.match(lamp)
    remembered = match_engine.match(garment).model_dump_json()
    state = match_engine.state
    memos = ("prospects", "prospect_evidence")
    for name in memos:
        object.__setattr__(state, name, _Forgetful())
    try:
        fresh = match_engine.match(garment).model_dump_json()
    finally:
        for name in memos:
            object.__setattr__(state, name, {})
    assert remembered == fresh
    assert remembered != match_engine.match(lamp).model_dump_json()
