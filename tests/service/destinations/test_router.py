"""/api/v1/destinations over HTTP: every kind in one table, one change-log row per change, parks as a view."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.events import changes_since, latest_change_id
from service.main import create_app

WORKSHOP = {
    "code": "yuezhao_workshop", "kind": "workshop", "name_zh": "月照社区帮扶车间",
    "name_en": "Yuezhao community workshop", "county": "zhongshan_district", "township": "月照街道",
    "target_industries": ["C1811"],
    "labour_pool": {"value": 300, "unit": "人", "estimate": True},
    "details": {"community": "月照社区", "households": {"value": 1200, "unit": "户", "estimate": True}},
}


STARTER_WORKSHOPS = 7  # data/destinations.yaml
STARTER_DESTINATIONS = 39  # the 7 parks, 28 destinations of other kinds and 4 labour sources


def _log(db_url: str, after: int) -> list[tuple[str, tuple[int, ...], bool]]:
    engine = make_engine(db_url)
    with unit_of_work(make_session_factory(engine)) as session:
        entries = changes_since(session, after=after)
    engine.dispose()
    return [(e.change.entity, e.change.ids, e.change.deleted) for e in entries]


def _latest(db_url: str) -> int:
    engine = make_engine(db_url)
    with unit_of_work(make_session_factory(engine)) as session:
        latest = latest_change_id(session)
    engine.dispose()
    return latest


@pytest.fixture
def editor(client: TestClient, keys: dict[str, str]) -> dict[str, str]:
    return {"X-API-Key": keys["editor"]}


def test_kind_park_lists_the_seven_starter_parks_with_their_park_ids(client: TestClient) -> None:
    destinations = client.get("/api/v1/destinations", params={"kind": "park"}).json()
    parks = client.get("/api/v1/parks").json()
    assert destinations["total"] == parks["total"] == 7
    assert [d["id"] for d in destinations["items"]] == [p["id"] for p in parks["items"]]
    assert {d["kind"] for d in destinations["items"]} == {"park"}
    for destination, park in zip(destinations["items"], parks["items"], strict=True):
        assert destination["details"]["level"] == park["level"]
        assert destination["details"]["anchors"] == park["anchors"]
        assert destination["free_land_mu"] == park["free_land_mu"]
    assert {p["code"] for p in parks["items"]}.isdisjoint(
        d["code"] for d in client.get("/api/v1/destinations", params={"kind": "workshop"}).json()["items"])


def test_a_park_created_renamed_and_deleted_through_parks_logs_one_row_per_change(
    client: TestClient, editor: dict[str, str], db_url: str,
) -> None:
    start = _latest(db_url)
    created = client.post("/api/v1/parks", headers=editor, json={
        "code": "logged_park", "name_zh": "日志园区", "name_en": "Logged park", "county": "shuicheng",
        "level": "provincial"})
    assert created.status_code == 201, created.text
    park_id = created.json()["id"]
    renamed = client.patch(f"/api/v1/parks/{park_id}", headers=editor, json={"name_zh": "改名园区", "level": "national"})
    assert renamed.json()["name_zh"] == "改名园区" and renamed.json()["level"] == "national"
    assert client.delete(f"/api/v1/parks/{park_id}", headers=editor).status_code == 204
    assert client.get(f"/api/v1/parks/{park_id}").status_code == 404
    assert _log(db_url, start) == [("destination", (park_id,), False), ("destination", (park_id,), False),
                                   ("destination", (park_id,), True)]


def test_a_park_created_renamed_and_deleted_through_destinations_logs_one_row_per_change(
    client: TestClient, editor: dict[str, str], db_url: str,
) -> None:
    start = _latest(db_url)
    created = client.post("/api/v1/destinations", headers=editor, json={
        "code": "dest_park", "kind": "park", "name_zh": "目的地园区", "name_en": "Destination park",
        "county": "shuicheng", "details": {"level": "municipal"}})
    assert created.status_code == 201, created.text
    park_id = created.json()["id"]
    assert client.get(f"/api/v1/parks/{park_id}").json()["level"] == "municipal"  # the park view sees it
    renamed = client.patch(f"/api/v1/destinations/{park_id}", headers=editor, json={"name_en": "Renamed park"})
    assert renamed.status_code == 200 and client.get(f"/api/v1/parks/{park_id}").json()["name_en"] == "Renamed park"
    unchanged = client.patch(f"/api/v1/destinations/{park_id}", headers=editor, json={"name_en": "Renamed park"})
    assert unchanged.status_code == 200  # no change, no row
    assert client.delete(f"/api/v1/destinations/{park_id}", headers=editor).status_code == 204
    assert _log(db_url, start) == [("destination", (park_id,), False), ("destination", (park_id,), False),
                                   ("destination", (park_id,), True)]


def test_a_rolled_back_request_leaves_no_change_row(
    app_settings: Settings, keys: dict[str, str], db_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing_audit(**_: Any) -> None:
        raise RuntimeError("audit log unavailable")

    # The change and its event are written; then the request fails before its unit of work commits.
    monkeypatch.setattr("service.parks.router.audit", failing_audit)
    start = _latest(db_url)
    with TestClient(create_app(app_settings), raise_server_exceptions=False,
                    headers={"X-API-Key": keys["editor"]}) as client:
        response = client.post("/api/v1/parks", json={"code": "rolled_back", "name_zh": "回滚园区",
                                                      "name_en": "Rolled-back park", "county": "shuicheng"})
        assert response.status_code == 500
        assert client.get("/api/v1/parks", params={"q": "rolled_back"}).json()["total"] == 0
    assert _log(db_url, start) == []


def test_a_workshop_is_a_destination_but_not_a_park(client: TestClient, editor: dict[str, str]) -> None:
    created = client.post("/api/v1/destinations", headers=editor, json=WORKSHOP)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["kind"] == "workshop" and body["details"]["kind"] == "workshop"
    assert body["details"]["households"]["value"] == 1200 and body["township"] == "月照街道"
    assert body["county_name_zh"]
    workshop_id = body["id"]
    assert client.get("/api/v1/destinations", params={"kind": "workshop"}).json()["total"] == STARTER_WORKSHOPS + 1
    assert client.get("/api/v1/destinations").json()["total"] == STARTER_DESTINATIONS + 1
    assert workshop_id not in [p["id"] for p in client.get("/api/v1/parks").json()["items"]]
    missing = client.get(f"/api/v1/parks/{workshop_id}", headers={"Accept-Language": "zh"})
    assert missing.status_code == 404 and missing.json()["detail"] == f"园区 {workshop_id} 不存在"
    # Details are merged; the kind stays.
    patched = client.patch(f"/api/v1/destinations/{workshop_id}", headers=editor,
                           json={"details": {"labour_available": {"value": 150, "unit": "人", "estimate": True}}})
    assert patched.status_code == 200, patched.text
    details = patched.json()["details"]
    assert details["labour_available"]["value"] == 150 and details["community"] == "月照社区"
    # Feedback has one foreign key for every kind.
    firm_id = client.get("/api/v1/firms", params={"limit": 1}).json()["items"][0]["id"]
    feedback = client.post("/api/v1/feedback", headers=editor,
                           json={"firm_id": firm_id, "park_id": workshop_id, "status": "contacted"})
    assert feedback.status_code == 201, feedback.text


@pytest.mark.parametrize(("change", "field"), [
    ({**WORKSHOP, "details": {"kind": "agri_base", "products": ["刺梨"]}}, "kind"),
    ({**WORKSHOP, "details": {"households": 1200}}, "details"),
    ({**WORKSHOP, "details": {"community": "x", "households": {"value": 5, "unit": "户"}}}, "details"),
    ({**WORKSHOP, "kind": "spaceport"}, "kind"),
])
def test_details_must_match_their_kind(client: TestClient, editor: dict[str, str], change: dict[str, Any],
                                       field: str) -> None:
    response = client.post("/api/v1/destinations", headers=editor, json=change)
    assert response.status_code == 422, response.text
    body = response.json()
    said = body["detail"] + " ".join(f"{p['column']} {p['message']}" for p in body["problems"])
    assert field in said


def test_a_bad_details_patch_is_refused_naming_the_field(client: TestClient, editor: dict[str, str]) -> None:
    park_id = client.get("/api/v1/parks").json()["items"][0]["id"]
    response = client.patch(f"/api/v1/destinations/{park_id}", headers=editor, json={"details": {"level": "galactic"}})
    assert response.status_code == 422 and response.json()["error"] == "invalid_destination"
    assert "level" in response.json()["detail"]
    kind = client.patch(f"/api/v1/destinations/{park_id}", headers=editor, json={"details": {"kind": "workshop"}})
    assert kind.status_code == 422 and kind.json()["problems"][0]["column"] == "details.kind"


def test_a_code_is_unique_across_kinds(client: TestClient, editor: dict[str, str]) -> None:
    park_code = client.get("/api/v1/parks").json()["items"][0]["code"]
    response = client.post("/api/v1/destinations", headers={**editor, "Accept-Language": "en"},
                           json={**WORKSHOP, "code": park_code})
    assert response.status_code == 409 and response.json()["error"] == "conflict"
    zh, en = client.post("/api/v1/destinations", headers={**editor, "Accept-Language": "zh"},
                         json={**WORKSHOP, "code": park_code}).json()["detail"], response.json()["detail"]
    assert park_code in zh and "代码" in zh and park_code in en


def test_an_unknown_destination_is_404_in_both_languages(client: TestClient) -> None:
    zh = client.get("/api/v1/destinations/999999", headers={"Accept-Language": "zh"}).json()
    en = client.get("/api/v1/destinations/999999", headers={"Accept-Language": "en"}).json()
    assert zh == {"error": "not_found", "detail": "目的地 999999 不存在"}
    assert en == {"error": "not_found", "detail": "destination 999999 not found"}


def test_openapi_documents_the_kinds_and_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/destinations"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert {"park", "workshop", "agri_base"} <= set(examples)
    mapping = spec["components"]["schemas"]["DestinationCreate"]["properties"]["details"]["discriminator"]["mapping"]
    assert set(mapping) == {"park", "workshop", "agri_base", "processing_centre", "co_built_park", "labour_source"}



@pytest.mark.parametrize("kind", ["workshop", "agri_base"])
def test_the_starter_workshops_and_agricultural_bases_are_listed_with_their_sources(
    client: TestClient, kind: str,
) -> None:
    page = client.get("/api/v1/destinations", params={"kind": kind, "limit": 100}).json()
    assert page["total"] >= 7 and len(page["items"]) == page["total"]
    for item in page["items"]:
        assert item["kind"] == item["details"]["kind"] == kind
        assert item["sources"] and all(s["url"] for s in item["sources"]), item["code"]
        assert item["county_name_zh"] and item["location"]["estimate"] is True, item["code"]
    by_code = {item["code"]: item for item in page["items"]}
    if kind == "workshop":
        yutang = by_code["yutang_workshop"]["details"]
        assert yutang["community"] == "鱼塘社区" and yutang["residents"]["value"] == 9731
        assert yutang["residents"]["source"].startswith("http") and yutang["labour_available"]["estimate"] is True
        assert yutang["subsidies"][0]["source"]["url"].startswith("http")
        assert by_code["jinqiu_workshop"]["details"]["workshop_m2"]["value"] == 3400
    else:
        tianfu = by_code["tianfu_cili_park"]
        assert tianfu["details"]["products"][0] == "刺梨" and tianfu["details"]["area_mu"]["value"] == 31200
        assert tianfu["township"] == "盘关镇"
        assert {s["resource"] for s in by_code["putian_cattle_farm"]["supplies"]} == {"beef_cattle"}


def test_a_sourced_target_must_be_a_target(client: TestClient, editor: dict[str, str]) -> None:
    body = {**WORKSHOP, "code": "stray_target", "sources": [{"url": "https://example.org", "targets": ["C1829"]}]}
    refused = client.post("/api/v1/destinations", headers=editor, json=body)
    assert refused.status_code == 422
    assert "C1829" in refused.text and "target_industries" in refused.text
