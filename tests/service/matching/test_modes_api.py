"""Market, labour and joint development over HTTP with the real encoder: buyers find bases, employers find
counties, bases and counties find Zhongshan firms, and a product lists its buyers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.matching.service import MatchService
from tests.service.ui.conftest import World, api_client, ui_world

pytestmark = pytest.mark.slow
__all__ = ["ui_world"]  # the shared starter database and engine (a session fixture)

KIWI_TRADER = "中山一家水果批发商，主营猕猴桃，每年采购几百吨，想在六盘水找猕猴桃产地长期直采。"


@pytest.fixture
def api(ui_world: World) -> Iterator[TestClient]:
    with api_client(ui_world) as client:
        yield client


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _factor(item: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in item["factors"] if f["name"] == name)


def _supplies(engine: MatchService, code: str, resource: str) -> bool:
    world = engine.world
    row = world.dest_by_code[code]
    return bool(world.dest_arrays.supply[row, world.resource_col()[resource]] > 0)


def _dest_id(engine: MatchService, code: str) -> int:
    return engine.world.destinations[engine.world.dest_by_code[code]].id


@pytest.mark.parametrize("text", [KIWI_TRADER, "A Zhongshan fruit trader wants a steady supply of fresh kiwifruit."])
def test_a_kiwifruit_trader_gets_shuicheng_or_liuzhi_kiwifruit_sources_first(api: TestClient, ui_world: World,
                                                                             text: str) -> None:
    body = _ok(api.post("/api/v1/match", json={"description": text, "mode": "market", "top_k": 5}))
    items = body["items"]
    first = items[0]
    assert first["park"]["county"] in {"shuicheng", "liuzhi"}
    assert _supplies(ui_world.engine, first["park"]["code"], "kiwifruit")
    # No industrial park is offered to a buyer, and what comes first supplies what it buys.
    kinds = {d.code: d.kind for d in ui_world.engine.world.destinations}
    assert {kinds[i["park"]["code"]] for i in items} <= {"agri_base", "processing_centre", "co_built_park"}
    assert all(_supplies(ui_world.engine, i["park"]["code"], "kiwifruit") for i in items[:3])
    supply = _factor(first, "supply_match")
    assert supply["value"] > 0 and supply["weight"] == max(f["weight"] for f in first["factors"])
    # The buyer reads season and cold chain, the estimate marked as one.
    assert "冷链约 20 小时" in supply["evidence"]["phrase_zh"] and "cold chain" in supply["evidence"]["phrase_en"]
    assert "估算" in supply["evidence"]["phrase_zh"]
    # A buyer moves nothing: its money is the freight of what it buys, not a relocation's wage and land saving.
    cost = first["cost"]
    assert cost["model"] == "supply" and {line["item"] for line in cost["lines"]} == {"freight"}
    assert "运费" in first["reason_zh"] and "净节省" not in first["reason_zh"] and "saving" not in first["reason_en"]


def test_an_employer_needing_200_assembly_workers_gets_counties_with_their_labour_facts(
        api: TestClient, ui_world: World) -> None:
    body = _ok(api.post("/api/v1/match", json={
        "description": "南头家电企业春节后需要招 200 名装配工", "mode": "labour",
        "vacancies": [{"count": 200, "role_zh": "装配工", "months": [2, 3]}]}))
    world = ui_world.engine.world
    labour = {d.code: d for d in world.destinations if d.kind == "labour_source"}
    codes = [i["park"]["code"] for i in body["items"]]
    assert codes and set(codes) <= set(labour)
    assert len({i["park"]["county"] for i in body["items"]}) == len(codes)  # one item per county
    for item in body["items"]:
        evidence = _factor(item, "labour_supply")["evidence"]
        assert evidence["numbers"][0]["figure"]["value"] == 200  # the openings, as stated
        outflow = next(n for n in evidence["numbers"] if n["label_zh"] == "每年外出务工")
        dest = labour[item["park"]["code"]]
        assert outflow["figure"]["value"] == dest.outflow.value and outflow["figure"]["estimate"] is True
        # The money of a placement is the workers' pay over their county's, at the wages on record.
        pay = item["cost"]["lines"]
        assert item["cost"]["model"] == "labour" and [line["item"] for line in pay] == ["pay_gain"]
        gap = pay[0]["origin"]["value"] - pay[0]["destination"]["value"]
        assert pay[0]["quantity"]["value"] == 200 and item["cost"]["net_yuan"] == pytest.approx(200 * 12 * gap)
        assert "名工人每年合计比在当地多挣" in item["reason_zh"] and "净节省" not in item["reason_zh"]
    placed = [i for i in body["items"] if labour[i["park"]["code"]].placed_east is not None]
    assert placed, "a county with sourced placements is listed"
    for item in placed:
        numbers = _factor(item, "labour_supply")["evidence"]["numbers"]
        east = next(n for n in numbers if n["label_zh"] == "经协作到东部就业")
        assert east["figure"]["source"] and not east["figure"]["estimate"]


def test_a_bad_vacancy_is_refused_naming_the_field(api: TestClient) -> None:
    response = api.post("/api/v1/match", json={"description": "招工", "mode": "labour",
                                               "vacancies": [{"count": 0, "role_zh": "装配工"}]})
    assert response.status_code == 422
    assert "vacancies" in response.text and "count" in response.text


def test_a_county_lists_the_zhongshan_employers_hiring_and_bars_firms_that_are_not(
        api: TestClient, ui_world: World) -> None:
    engine = ui_world.engine
    county = _dest_id(engine, "panzhou_labour")
    body = _ok(api.get(f"/api/v1/parks/{county}/candidates",
                       params={"mode": "labour", "top_k": 10, "include_excluded": "true"}))
    world = engine.world
    hiring = {f.id for f in world.firms if f.vacancies}
    assert body["items"] and {i["firm"]["id"] for i in body["items"]} <= hiring
    assert body["excluded"] and all(r["code"] == "not_hiring" for e in body["excluded"] for r in e["reasons"])
    # The pairing weighs in: an employer from the paired town (小榄 ↔ 盘州) ranks first.
    assert body["items"][0]["firm"]["town"] == "xiaolan"


def test_a_base_lists_the_zhongshan_buyers_of_its_products(api: TestClient, ui_world: World) -> None:
    engine = ui_world.engine
    base = _dest_id(engine, "dayong_kiwi_park")
    body = _ok(api.get(f"/api/v1/parks/{base}/candidates", params={"mode": "market", "top_k": 10}))
    world = engine.world
    kiwi_buyers = {f.id for f in world.firms if any(r == "kiwifruit" for r, _ in f.buys)}
    assert body["items"][0]["firm"]["id"] in kiwi_buyers
    assert not any(i["firm"]["id"] in {f.id for f in world.firms if f.industries[0].startswith("C387")}
                   for i in body["items"]), "a lamp maker is no buyer of kiwifruit"


def test_a_product_lists_its_buyers_stated_first_with_their_best_supplier(api: TestClient, ui_world: World) -> None:
    body = _ok(api.get("/api/v1/products/猕猴桃/buyers"))
    assert body["product"]["code"] == "kiwifruit" and body["product"]["season_zh"].endswith("（估算）")
    assert {"dayong_kiwi_park", "shuicheng_national_agri_park"} <= {s["destination"]["code"] for s in body["suppliers"]}
    bases = [b["basis"] for b in body["items"]]
    assert bases[0] == "stated" and bases == sorted(bases, key=lambda b: b != "stated")
    world = ui_world.engine.world
    by_id = {f.id: f for f in world.firms}
    for item in body["items"]:
        firm = by_id[item["firm"]["id"]]
        stated = dict(firm.buys).get("kiwifruit")
        if item["basis"] == "stated":
            assert stated is not None
            assert (item["quantity"] or {}).get("value", 0) == stated
        assert item["best_supplier"] is None or _supplies(ui_world.engine, item["best_supplier"]["code"], "kiwifruit")
    stated_scores = [b["score"] for b in body["items"] if b["basis"] == "stated"]
    assert stated_scores == sorted(stated_scores, reverse=True)
    assert _ok(api.get("/api/v1/products/kiwifruit/buyers"))["items"] == body["items"]


def test_an_unknown_product_is_a_404_in_both_languages(api: TestClient) -> None:
    response = api.get("/api/v1/products/榴莲/buyers")
    assert response.status_code == 404
    assert "未知产品 榴莲" in response.json()["detail"] and "unknown product" in response.json()["detail"]


def test_joint_development_weighs_the_township_pairing_of_the_firms_town(api: TestClient) -> None:
    text = "水果加工企业，总部和研发留在中山，想在六盘水建樱桃原料基地。"
    paired = _ok(api.post("/api/v1/match", json={"description": text, "mode": "joint_development", "town": "cuiheng"}))
    other = _ok(api.post("/api/v1/match", json={"description": text, "mode": "joint_development", "town": "guzhen"}))
    top = paired["items"][0]
    assert top["park"]["code"] == "faer_cherry_base"
    ties = _factor(top, "cooperation_ties")
    assert "发耳" in ties["evidence"]["phrase_zh"] and ties["value"] == 1.0
    other_top = next(i for i in other["items"] if i["park"]["code"] == "faer_cherry_base")
    assert other_top["score"] < top["score"]


def test_market_recommends_each_stated_buyer_its_best_supplier_and_not_a_firm_that_only_resembles_one(
    api: TestClient, ui_world: World
) -> None:
    # Market scores sit lower than relocation's: one bar for every mode left a canteen buying mushrooms from a
    # mushroom project "not recommended". A garment maker's nearest base is no supplier of what it makes.
    world = ui_world.engine.world
    stated = [f for f in world.firms if f.buys and not f.synthetic] + [
        f for f in world.firms if f.name_zh.startswith(("中山市食安团餐", "中山市维果饮品", "中山市果鲜农产品"))]
    assert len(stated) >= 3
    for firm in stated:
        first = _ok(api.get(f"/api/v1/firms/{firm.id}/recommendations", params={"mode": "market", "top_k": 3}))["items"][0]
        assert first["recommended"], (firm.name_zh, first["score"], first["reason_zh"][:80])
        assert any(_supplies(ui_world.engine, first["park"]["code"], r) for r, _ in firm.buys), firm.name_zh
    garment = next(f for f in world.firms if f.industries[0].startswith("C18") and f.synthetic)
    items = _ok(api.get(f"/api/v1/firms/{garment.id}/recommendations", params={"mode": "market"}))["items"]
    assert not any(i["recommended"] for i in items), [(i["park"]["name_zh"], i["score"]) for i in items]
