"""The matching routes over the real app and database with a fast hash encoder swapped in through
``dependency_overrides``: what the routes do, independent of what the real model understands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from embeddings import HashEncoder
from service.config import Settings
from service.database import make_engine, make_session_factory
from service.events import subscribe
from service.main import create_app
from service.matching.deps import get_match_service
from service.matching.modes import MODES, Mode
from service.matching.scoring import FACTOR_NAMES
from service.matching.service import MatchService


@pytest.fixture
def fast(app_settings: Settings, keys: dict[str, str]) -> Iterator[tuple[TestClient, MatchService]]:
    """The app with a hash-encoder matching service: built in about a second, no model loaded."""
    engine = make_engine(app_settings.database_url)
    service = MatchService.build(session_factory=make_session_factory(engine), settings=app_settings,
                                 persist_index=False, encoder=HashEncoder())
    app = create_app(app_settings)
    app.dependency_overrides[get_match_service] = lambda: service
    unsubscribe = subscribe(service.on_change)  # this process's commits reach the swapped-in service
    with TestClient(app, headers={"X-API-Key": keys["editor"]}) as client:
        yield client, service
    unsubscribe()
    engine.dispose()


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_each_mode_answers_with_its_own_weights_and_every_registered_factor(
    fast: tuple[TestClient, MatchService],
) -> None:
    client, service = fast
    # A buyer for market cooperation, an employer with vacancies for labour, any firm for the others.
    firms = service.world.firms
    firm_for = {Mode.market: next(f for f in firms if f.buys).id, Mode.labour: next(f for f in firms if f.vacancies).id}
    for mode in Mode:
        firm = firm_for.get(mode, firms[0].id)
        body = _ok(client.get(f"/api/v1/firms/{firm}/recommendations", params={"mode": mode.value}))
        assert body["weights"] == pytest.approx(dict(MODES[mode].weights))
        assert body["items"]
        assert [f["name"] for f in body["items"][0]["factors"]] == list(FACTOR_NAMES)


def test_a_land_hungry_firm_is_excluded_where_production_moves_but_not_in_market_mode(
    fast: tuple[TestClient, MatchService],
) -> None:
    client, service = fast
    # A buyer of kiwifruit: market mode ranks the destinations that supply it, whatever land it would need.
    firm = next(f for f in service.world.firms if any(r == "kiwifruit" for r, _ in f.buys)).id
    assert client.patch(f"/api/v1/firms/{firm}", json={"land_mu": 1_000_000}).status_code == 200
    moving = _ok(client.get(f"/api/v1/firms/{firm}/recommendations",
                            params={"mode": "relocation", "include_excluded": True}))
    assert moving["excluded"] and all(
        "land_short" in {r["code"] for r in item["reasons"]} for item in moving["excluded"])
    assert {i["park"]["id"] for i in moving["items"]}.isdisjoint({e["park"]["id"] for e in moving["excluded"]})
    market = _ok(client.get(f"/api/v1/firms/{firm}/recommendations",
                            params={"mode": "market", "include_excluded": True, "top_k": 50}))
    market_kinds = MODES[Mode.market].destination_kinds
    world = service.world
    kiwi = world.resource_col()["kiwifruit"]
    suppliers = sum(1 for row, d in enumerate(world.destinations)
                    if d.kind in market_kinds and world.dest_arrays.supply[row, kiwi] > 0)
    assert len(market["items"]) >= suppliers > 0
    assert not any(r["code"] == "land_short" for e in market["excluded"] for r in e["reasons"])


def test_a_park_created_renamed_and_deleted_is_ranked_renamed_and_gone_at_once(
    fast: tuple[TestClient, MatchService],
) -> None:
    client, service = fast
    created = client.post("/api/v1/parks", json={
        "code": "fast_test_park", "name_zh": "快速测试园", "name_en": "Fast test park", "county": "shuicheng",
        "target_industries": ["C3872"]})
    assert created.status_code == 201, created.text
    park_id = created.json()["id"]
    leads = _ok(client.get(f"/api/v1/parks/{park_id}/candidates", params={"top_k": 5}))
    assert leads["park"]["name_zh"] == "快速测试园" and leads["items"]
    firm = leads["items"][0]["firm"]["id"]

    assert client.patch(f"/api/v1/parks/{park_id}", json={"name_zh": "快速测试新名园"}).status_code == 200
    ranked = _ok(client.get(f"/api/v1/firms/{firm}/recommendations", params={"top_k": 50}))
    assert {i["park"]["id"]: i["park"]["name_zh"] for i in ranked["items"]}[park_id] == "快速测试新名园"
    assert _ok(client.get(f"/api/v1/parks/{park_id}/candidates"))["park"]["name_zh"] == "快速测试新名园"

    assert client.delete(f"/api/v1/parks/{park_id}").status_code in (200, 204)
    assert client.get(f"/api/v1/parks/{park_id}/candidates").status_code == 404
    ranked = _ok(client.get(f"/api/v1/firms/{firm}/recommendations", params={"top_k": 50}))
    assert park_id not in {i["park"]["id"] for i in ranked["items"]}


def test_a_firm_edit_keeps_every_other_firms_explained_pairs(fast: tuple[TestClient, MatchService]) -> None:
    client, service = fast
    park = service.world.destinations[0].id
    top = _ok(client.get(f"/api/v1/parks/{park}/candidates", params={"top_k": 10}))["items"]
    kept = {k for k in service.state.evidence if k[1] == park}
    assert len(kept) >= 10
    edited = top[0]["firm"]["id"]
    assert client.patch(f"/api/v1/firms/{edited}", json={"employees": 987_654}).status_code == 200
    after = set(service.state.evidence)
    assert {k for k in kept if k[0] != edited} <= after, "other firms' explanations were thrown away"
    assert not any(k[0] == edited for k in after), "the edited firm's explanation was kept"
    assert park in service.state.exact, "the park's exact scores were thrown away instead of patched"
    big = _ok(client.get(f"/api/v1/parks/{park}/candidates",
                         params={"min_employees": 987_654, "include_excluded": True}))
    assert [(i["firm"]["id"], i["firm"]["employees"]) for i in big["items"] + big["excluded"]] == [(edited, 987_654)]
