"""Factors stay in [0, 1] with evidence; weights steer the ranking; invalid weights are refused."""

from __future__ import annotations

import numpy as np
import pytest

from service.matching import constants as c
from service.matching.modes import InvalidWeights, Mode, parse_weights, resolve_weights
from service.matching.schemas import ProspectRequest
from service.matching.scoring import FACTOR_NAMES, FACTORS
from service.matching.service import MatchService

pytestmark = pytest.mark.slow


def test_every_factor_is_registered_in_range_and_has_bilingual_evidence(match_engine: MatchService) -> None:
    assert set(FACTORS) == set(FACTOR_NAMES)
    for firm in match_engine.world.firms[:40]:
        result = match_engine.recommend(firm_id=firm.id or 0, top_k=3)
        for item in result.items:
            assert [f.name for f in item.factors] == list(FACTOR_NAMES)
            for row in item.factors:
                assert 0.0 <= row.value <= 1.0
                assert row.evidence.phrase_zh and row.evidence.phrase_en
                # Contributions are score points: weight × value on the 0–100 scale of the score.
                assert row.contribution == pytest.approx(row.weight * row.value * 100, abs=0.1)
            assert item.score == pytest.approx(sum(f.contribution for f in item.factors), abs=0.05)
            assert item.reason_zh and item.reason_en and 0.0 <= item.stability <= 1.0
            assert {line.item for line in item.cost.lines} == {"wage", "power", "land", "logistics"}
            assert all(line.origin is None or line.origin.source or line.origin.estimate
                       for line in item.cost.lines)


def test_aluminium_lamp_maker_shows_resource_evidence_and_paths(match_engine: MatchService) -> None:
    result = match_engine.match(ProspectRequest(description="古镇灯饰企业，生产LED吸顶灯，灯体铝压铸，年用铝约3000吨", town="guzhen"))
    top = result.items[0]
    assert top.park.code == "shuicheng_edz"
    resource = next(f for f in top.factors if f.name == "resource_fit")
    assert resource.value > 0.3 and "铝" in resource.evidence.phrase_zh
    assert 1 <= len(top.paths) <= c.PATHS_PER_ITEM
    assert any("C3872" in code for code in (i.code for i in result.industries))


def test_raising_a_weight_moves_the_ranking_its_way(match_engine: MatchService) -> None:
    request = ProspectRequest(description="PCB印制电路板企业，电镀工序耗电大", top_k=7)
    base = match_engine.match(request)
    leaning = match_engine.match(request.model_copy(update={"weights": {"cooperation_ties": 5.0}}))
    paired = {p.county for p in match_engine.world.destinations if any(k == p.county for _, k in match_engine.world.pairings)}

    def ties_rank(result: object) -> float:
        items = result.items  # type: ignore[attr-defined]
        ranks = [it.rank for it in items if next(f.value for f in it.factors if f.name == "cooperation_ties")
                 == max(next(f.value for f in x.factors if f.name == "cooperation_ties") for x in items)]
        return float(np.mean(ranks))

    assert ties_rank(leaning) <= ties_rank(base)
    assert paired  # the data has at least one town–county pairing


def test_same_query_twice_gives_the_same_answer(match_engine: MatchService) -> None:
    request = ProspectRequest(description="A cotton spinning mill with 400 workers", employees=400)
    assert match_engine.match(request).model_dump() == match_engine.match(request).model_dump()
    firm_id = match_engine.world.firms[5].id or 0
    assert match_engine.recommend(firm_id=firm_id) == match_engine.recommend(firm_id=firm_id)


@pytest.mark.parametrize("text", ["bogus:0.3", "industry_fit:-1", "industry_fit", "industry_fit:abc"])
def test_invalid_weights_are_refused_with_a_422_error(text: str) -> None:
    with pytest.raises(InvalidWeights) as caught:
        resolve_weights(mode=Mode.relocation, overrides=parse_weights(text))
    assert caught.value.status_code == 422 and " / " in caught.value.message


def test_all_zero_weights_are_refused() -> None:
    with pytest.raises(InvalidWeights):
        resolve_weights(mode=Mode.market, overrides=dict.fromkeys(FACTOR_NAMES, 0.0))


def test_presets_are_normalised() -> None:
    for mode in Mode:
        assert sum(resolve_weights(mode=mode).values()) == pytest.approx(1.0)
