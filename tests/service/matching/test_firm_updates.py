"""Firms added, changed or deleted through the API reach the running engine and its index, without a rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from embeddings import VectorIndex
from service.config import Settings
from service.main import create_app
from service.matching import constants as c
from service.matching.service import MatchService

pytestmark = pytest.mark.slow

LAMP_FIRM: dict[str, Any] = {
    "name_zh": "中山市新铝光照明有限公司", "name_en": "Zhongshan New Aluminium Light Co., Ltd.", "town": "guzhen",
    "industries": ["C3872"], "products": ["LED吸顶灯", "压铸铝灯体"],
    "description_zh": "生产LED吸顶灯与压铸铝灯体，年用铝锭约2000吨，计划扩产。",
    "description_en": "Makes LED ceiling lamps and die-cast aluminium lamp bodies; about 2,000 t of aluminium ingot a year.",
    "employees": 260, "land_mu": 30, "electricity_kwh": 3_000_000, "expansion": True,
    "inputs": [{"resource": "aluminium_ingot", "quantity": 2000, "unit": "t"}],
}


@pytest.fixture
def live(db_url: str, tmp_path: Path, embedding_cache: Path, keys: dict[str, str],
         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, list[int]]]:
    """The running app (engine built at start-up) and a counter of index builds made after start-up."""
    settings = Settings(database_url=db_url, var_dir=tmp_path / "var", embedding_cache_dir=embedding_cache,
                        engine_at_startup=True)
    with TestClient(create_app(settings), headers={"X-API-Key": keys["editor"]}) as client:
        builds: list[int] = []
        real = VectorIndex.build.__func__  # type: ignore[attr-defined]

        def counted(cls: type[VectorIndex], *args: Any, **kwargs: Any) -> VectorIndex:
            builds.append(1)
            index: VectorIndex = real(cls, *args, **kwargs)
            return index

        monkeypatch.setattr(VectorIndex, "build", classmethod(counted))
        yield client, builds


def _engine(client: TestClient) -> MatchService:
    engine: MatchService = client.app.state.match_service  # type: ignore[attr-defined]
    return engine


def _candidates(client: TestClient, park_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/parks/{park_id}/candidates", params={"top_k": c.MAX_TOP_K})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_posted_lamp_firm_joins_the_aluminium_parks_candidates_and_leaves_on_delete(
    live: tuple[TestClient, list[int]],
) -> None:
    client, builds = live
    engine, index = _engine(client), _engine(client).index
    park = next(p.id for p in engine.world.destinations if p.code == "shuicheng_edz")
    before = _candidates(client, park)

    created = client.post("/api/v1/firms", json=LAMP_FIRM)
    assert created.status_code == 201, created.text
    firm_id = created.json()["id"]
    ranked = _candidates(client, park)
    mine = [it for it in ranked if it["firm"]["id"] == firm_id]
    assert mine, "the new firm is ranked for the aluminium park"
    assert mine[0]["rank"] <= len(ranked) // 2, "an aluminium lamp maker ranks in the upper half there"
    assert firm_id in {int(i) for i in engine.index.ids()}
    # The new firm is reachable by the vector channel too: it is among the park's nearest firms.
    _, nearest = engine.index.search(engine.state.dest_vecs[engine.world.dest_row[park]][None, :], 50)
    assert firm_id in {int(i) for i in nearest[0]}
    recs = client.get(f"/api/v1/firms/{firm_id}/recommendations")
    assert recs.status_code == 200 and "shuicheng_edz" in [it["park"]["code"] for it in recs.json()["items"][:3]]

    assert client.delete(f"/api/v1/firms/{firm_id}").status_code == 204
    assert all(it["firm"]["id"] != firm_id for it in _candidates(client, park))
    assert firm_id not in {int(i) for i in engine.index.ids()}
    assert client.get(f"/api/v1/firms/{firm_id}/recommendations").status_code == 404
    assert _candidates(client, park) == before, "after the delete the park sees exactly what it saw before"

    assert _engine(client) is engine and engine.index is index, "the engine and its index were updated in place"
    assert builds == [], "no index was rebuilt"


def test_a_changed_firm_is_re_ranked_in_place(live: tuple[TestClient, list[int]]) -> None:
    client, builds = live
    engine = _engine(client)
    park = next(p.id for p in engine.world.destinations if p.code == "shuicheng_edz")
    firm_id = client.post("/api/v1/firms", json=LAMP_FIRM).json()["id"]
    row = engine.world.firm_row[firm_id]
    vector = engine.state.firm_vecs[row].copy()

    # It turns out to make garments: the aluminium park should now care much less about it.
    changed = client.patch(f"/api/v1/firms/{firm_id}", json={
        "industries": ["C1811"], "products": ["衬衫"], "inputs": [], "description_zh": "机织服装、衬衫加工",
        "description_en": "Woven garments and shirts"})
    assert changed.status_code == 200, changed.text
    assert engine.world.firms[engine.world.firm_row[firm_id]].industries == ("C1811",)
    assert not np.allclose(engine.state.firm_vecs[engine.world.firm_row[firm_id]], vector)
    rank = {it["firm"]["id"]: it["rank"] for it in _candidates(client, park)}
    assert firm_id not in rank or rank[firm_id] > len(rank) // 2
    assert _engine(client) is engine and builds == []


def test_a_renamed_firm_shows_its_new_name_in_the_evidence_paths(live: tuple[TestClient, list[int]]) -> None:
    client, builds = live
    firm_id = client.post("/api/v1/firms", json=LAMP_FIRM).json()["id"]
    url = f"/api/v1/firms/{firm_id}/recommendations"
    before = client.get(url).json()["items"][0]["paths"]
    assert before and before[0]["labels_zh"][0] == LAMP_FIRM["name_zh"]

    renamed = client.patch(f"/api/v1/firms/{firm_id}", json={"name_zh": "中山市铝光新名照明有限公司",
                                                              "name_en": "Alu-Light Renamed Co."})
    assert renamed.status_code == 200, renamed.text
    after = client.get(url).json()["items"][0]["paths"]
    assert [p["nodes"] for p in after] == [p["nodes"] for p in before]  # same paths, so a cache would be hit
    assert {p["labels_zh"][0] for p in after} == {"中山市铝光新名照明有限公司"}
    assert {p["labels_en"][0] for p in after} == {"Alu-Light Renamed Co."}
    assert after[0]["text_zh"].startswith("中山市铝光新名照明有限公司 → ")
    assert builds == []
