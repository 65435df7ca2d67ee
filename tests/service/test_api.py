"""The read-only HTTP API over a real database: health, listing, filters, errors in both languages."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_lists_every_liupanshui_park_with_county(client: TestClient) -> None:
    page = client.get("/api/v1/parks").json()
    assert page["total"] >= 7
    names = {p["name_zh"] for p in page["items"]}
    assert {"水城经济开发区", "红果经济开发区", "盘北经济开发区"} <= {n.split("（")[0].split("(")[0] for n in names} | names
    assert {p["county"] for p in page["items"]} == {"zhongshan_district", "shuicheng", "panzhou", "liuzhi"}


def test_firm_filters_and_paging(client: TestClient) -> None:
    page = client.get("/api/v1/firms", params={"town": "guzhen", "limit": 5}).json()
    assert page["total"] > 5 and len(page["items"]) == 5
    assert all(f["town"] == "guzhen" for f in page["items"])
    lighting = client.get("/api/v1/firms", params={"industry": "C387", "limit": 500}).json()
    assert lighting["total"] > 0
    assert all(any(c.startswith("C387") for c in f["industries"]) for f in lighting["items"])
    by_size = client.get("/api/v1/firms", params={"sort": "employees", "desc": True, "limit": 3}).json()["items"]
    assert by_size[0]["employees"] >= by_size[1]["employees"] >= by_size[2]["employees"]


def test_unknown_id_is_404_in_the_requested_language(client: TestClient) -> None:
    zh = client.get("/api/v1/parks/99999")
    assert zh.status_code == 404 and zh.json()["error"] == "not_found" and "不存在" in zh.json()["detail"]
    en = client.get("/api/v1/firms/99999", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert en.status_code == 404 and en.json()["detail"] == "firm 99999 not found"


def test_bad_parameter_is_422_naming_the_field(client: TestClient) -> None:
    response = client.get("/api/v1/firms", params={"limit": 0})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error" and "limit" in body["detail"]
    sneaky = client.get("/api/v1/firms", params={"industry": "C38' OR 1=1 --"})
    assert sneaky.status_code == 422


def test_injection_in_search_word_is_just_a_word(client: TestClient) -> None:
    response = client.get("/api/v1/firms", params={"q": "'; DROP TABLE firms; --"})
    assert response.status_code == 200 and response.json()["total"] == 0
    assert client.get("/api/v1/firms").json()["total"] >= 400
