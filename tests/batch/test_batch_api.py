"""The precomputed lists over HTTP: a batch run's lists are served while fresh, and ranked live after a change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.batch.engines import FirmSource, run_local
from service.batch.scoring import ScoringSpec
from service.batch.store import save_run
from service.changes import Changed
from service.database import unit_of_work
from service.events import latest_change_id, publish
from service.matching.modes import Mode, resolve_weights
from tests.service.ui.conftest import World, api_client, ui_world

pytestmark = pytest.mark.slow
__all__ = ["ui_world"]


@pytest.fixture
def api(ui_world: World) -> Iterator[TestClient]:
    with api_client(ui_world) as client:
        yield client


def test_the_latest_run_is_served_while_fresh_and_a_change_makes_the_lists_live(api: TestClient,
                                                                             ui_world: World) -> None:
    engine = ui_world.engine
    spec = ScoringSpec(world=engine.world, dest_vecs=engine.state.dest_vecs, mode=Mode.relocation,
                       weights=resolve_weights(mode=Mode.relocation), top_n=5)
    result = run_local(FirmSource(world=engine.world, vecs=engine.state.firm_vecs), spec, block=256)
    with unit_of_work(ui_world.engine.session_factory) as session:
        save_run(session, result, mode=Mode.relocation, engine="local", source="database", top_n=5,
                 change_id=latest_change_id(session))
    firm = engine.world.firms[5]
    dest = next(d for d in engine.world.destinations if d.kind == "park")
    stored_firm = result.firm_top["destination_id"][result.firm_top["firm_id"] == firm.id].tolist()
    stored_dest = result.destination_top["firm_id"][result.destination_top["destination_id"] == dest.id].tolist()

    mine = api.get(f"/api/v1/firms/{firm.id}/top", params={"top_k": 5}).json()
    assert mine["basis"] == "precomputed" and [i["id"] for i in mine["items"]] == stored_firm
    assert mine["items"][0]["name_zh"] and 0 < mine["items"][0]["score"] <= 100
    theirs = api.get(f"/api/v1/destinations/{dest.id}/top", params={"top_k": 5}).json()
    assert theirs["basis"] == "precomputed" and [i["id"] for i in theirs["items"]] == stored_dest

    with unit_of_work(ui_world.engine.session_factory) as session:
        publish(session, Changed("firm", (firm.id,)))
    live = api.get(f"/api/v1/firms/{firm.id}/top", params={"top_k": 5}).json()
    assert live["basis"] == "live"
    assert [i["id"] for i in live["items"]] == [it.park.id for it in engine.recommend(firm_id=firm.id, top_k=5).items]
    assert api.get(f"/api/v1/destinations/{dest.id}/top").json()["basis"] == "live", "a firm change reorders leads"
    missing = api.get("/api/v1/destinations/999999/top", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and "destination 999999 not found" in missing.text


def test_explain_adds_the_live_rankings_reason_to_each_listed_pair(api: TestClient, ui_world: World) -> None:
    engine = ui_world.engine
    firm = engine.world.firms[7]
    plain = api.get(f"/api/v1/firms/{firm.id}/top", params={"top_k": 4}).json()
    assert all(item["reason_zh"] is None for item in plain["items"]), "reasons only when asked for"
    explained = api.get(f"/api/v1/firms/{firm.id}/top", params={"top_k": 4, "explain": "true"}).json()
    live = {it.park.id: it for it in engine.recommend(firm_id=firm.id, top_k=4).items}
    assert [i["id"] for i in explained["items"]] == [i["id"] for i in plain["items"]]
    for item in explained["items"]:
        assert item["reason_zh"] == live[item["id"]].reason_zh and item["reason_en"] == live[item["id"]].reason_en
        assert engine.world.destinations[engine.world.dest_row[item["id"]]].name_zh in item["reason_zh"]

    dest = next(d for d in engine.world.destinations if d.kind == "park")
    leads = api.get(f"/api/v1/destinations/{dest.id}/top", params={"top_k": 3, "explain": "true"}).json()
    ranked = {it.firm.id: it.reason_zh for it in engine.candidates(park_id=dest.id, top_k=3).items}
    assert [i["reason_zh"] for i in leads["items"]] == [ranked[i["id"]] for i in leads["items"]]
