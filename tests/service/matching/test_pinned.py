"""Rankings and explanations on the starter data are pinned: a speed-up must not change what a user reads.

Each ranked item is pinned by its id, its score and a SHA-256 of its whole JSON (factors with evidence,
paths, helps/drags, reasons, stability, cost table), so a failure names the query and the rank that moved.
Regenerate deliberately, after a change that is meant to alter results, with
``PARKMATCH_REPIN=1 pytest tests/service/matching/test_pinned.py`` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from service.matching.modes import Mode
from service.matching.schemas import ProspectRequest
from service.matching.service import MatchService

pytestmark = pytest.mark.slow

PINS = Path(__file__).with_name("pinned_rankings.json")
PROSPECTS = ("古镇灯饰企业，生产LED吸顶灯，灯体铝压铸，年用铝约3000吨", "Die-cast aluminium lamp bodies for LED lighting")


def _digest(model: BaseModel) -> str:
    return hashlib.sha256(model.model_dump_json().encode()).hexdigest()[:16]


def _pin(items: list[Any], key: str) -> list[list[Any]]:
    return [[getattr(it, key).id if key == "firm" else getattr(it, key).code, it.score, _digest(it)] for it in items]


def _current(engine: MatchService) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {}
    for park in engine.world.destinations:
        for mode in Mode:
            result = engine.candidates(park_id=park.id, mode=mode, top_k=15)
            out[f"candidates park={park.code} mode={mode.value}"] = _pin(result.items, "firm")
        filtered = engine.candidates(park_id=park.id, top_k=10, min_employees=100, max_employees=800, min_score=30)
        out[f"candidates park={park.code} filtered"] = _pin(filtered.items, "firm")
    for firm in engine.world.firms[:: max(1, len(engine.world.firms) // 12)]:
        out[f"recommend firm={firm.id}"] = _pin(engine.recommend(firm_id=firm.id or 0).items, "park")
    for text in PROSPECTS:
        out[f"match {text}"] = _pin(engine.match(ProspectRequest(description=text)).items, "park")
    return out


def test_rankings_and_explanations_match_the_pinned_ones(match_engine: MatchService) -> None:
    current = _current(match_engine)
    if os.environ.get("PARKMATCH_REPIN"):
        PINS.write_text(json.dumps(current, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        pytest.skip("pins rewritten")
    pinned = json.loads(PINS.read_text(encoding="utf-8"))
    assert current.keys() == pinned.keys()
    for query, items in pinned.items():
        got = current[query]
        assert [i[0] for i in got] == [i[0] for i in items], f"{query}: ranking changed"
        for rank, (want, have) in enumerate(zip(items, got, strict=True), start=1):
            assert have[1] == want[1], f"{query}: score of rank {rank} changed"
            assert have[2] == want[2], f"{query}: explanation of rank {rank} ({have[0]}) changed"


def test_ranked_items_are_valid_under_their_own_schema(match_engine: MatchService) -> None:
    # Explanations are built on the hot path; every part must still pass validation byte for byte.
    park = next(p for p in match_engine.world.destinations if p.code == "shuicheng_edz")
    for result in (match_engine.candidates(park_id=park.id, top_k=20),
                   match_engine.recommend(firm_id=match_engine.world.firms[0].id or 0)):
        again = type(result).model_validate(result.model_dump())
        assert again.model_dump_json() == result.model_dump_json()
