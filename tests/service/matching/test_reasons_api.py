"""What a prospect's text says and why a destination is named, over the real app and the real encoder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app

pytestmark = pytest.mark.slow

LAMPS = "古镇灯饰企业，生产LED吸顶灯，员工300人，用地50亩，年用铝3000吨，厂房租金上涨，招工难"
LAMPS_EN = ("Guzhen LED luminaire maker, 300 workers, needs 50 mu, uses 3,000 t of aluminium a year; "
            "rents are rising and it is hard to hire")


@pytest.fixture
def api(app_settings: Settings, keys: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings.model_copy(update={"engine_at_startup": True})),
                    headers={"X-API-Key": keys["viewer"]}) as client:
        yield client


def _match(api: TestClient, **body: Any) -> Any:
    response = api.post("/api/v1/match", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _read(body: Any, field: str) -> dict[str, Any]:
    return next(f for f in body["read_from_text"] if f["field"] == field)


def _factor(item: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in item["factors"] if f["name"] == name)


def test_figures_and_cues_in_the_text_feed_the_profile_and_a_stated_field_wins(api: TestClient) -> None:
    for text in (LAMPS, LAMPS_EN):
        body = _match(api, description=text, top_k=3)
        assert body["prospect"]["employees"] == 300, "the text's 300 workers, not an assumed size"
        assert body["prospect"]["land_mu"] == 50
        assert _read(body, "employees")["value"] == 300 and _read(body, "employees")["used"]
        tonnage = _read(body, "input")
        assert (tonnage["resource"], tonnage["value"], tonnage["used"]) == ("aluminium_ingot", 3000, True)
        assert all(f["provenance_zh"] == "从描述中读取" and f["provenance_en"] == "read from your text"
                   and f["quote"] in text for f in body["read_from_text"])
        assert [c["code"] for c in body["cues"]] == ["rent_rising", "hiring_difficulty"]
        assert any(r["code"] == "aluminium_ingot" and r["source"] == "text" for r in body["resources"])
        readiness = _factor(body["items"][0], "relocation_readiness")["evidence"]
        assert "从描述中读取" in readiness["phrase_zh"] and "read from your text" in readiness["phrase_en"]
        labour = _factor(body["items"][0], "labour_fit")["evidence"]["numbers"][0]["figure"]
        assert labour["value"] == pytest.approx(300 * 0.8), "workers needed follow the text's head count"
    stated = _match(api, description=LAMPS, employees=120, top_k=1)
    assert stated["prospect"]["employees"] == 120
    assert not _read(stated, "employees")["used"], "a field stated in the request wins over the text"
    calm = _match(api, description="古镇灯饰企业，生产LED吸顶灯，员工300人", top_k=1)
    assert (_factor(calm["items"][0], "relocation_readiness")["value"]
            < _factor(body["items"][0], "relocation_readiness")["value"]), "stated cues raise readiness"
