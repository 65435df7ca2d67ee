"""A bulk import through the API refreshes the rankings in one batch: every imported firm ranks once the
import has answered."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app
from service.matching import constants as c
from service.matching.service import MatchService

pytestmark = pytest.mark.slow


def _csv(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name_zh", "town", "industries", "products", "employees", "land_mu"])
    for i in range(count):
        writer.writerow([f"中山市批量导入灯饰第{i}号有限公司", "guzhen", "C3872", f"铝压铸灯体{i}号;LED吸顶灯",
                         50 + i % 300, 5 + i % 40])
    return out.getvalue().encode()


def test_an_import_past_the_one_by_one_size_ranks_every_firm_when_it_answers(
    app_settings: Settings, keys: dict[str, str],
) -> None:
    count = c.FIRM_REFRESH_ONE_BY_ONE_MAX + 50
    settings = app_settings.model_copy(update={"engine_at_startup": True})
    with TestClient(create_app(settings), headers={"X-API-Key": keys["editor"]}) as api:
        service: MatchService = api.app.state.match_service  # type: ignore[attr-defined]
        before = len(service.world.firms)
        park = next(d.id for d in service.world.destinations if d.code == "shuicheng_edz")
        response = api.post("/api/v1/import/firms", files={"file": ("批量.csv", _csv(count), "text/csv")})
        assert response.status_code == 200, response.text
        created = response.json()["firm_ids"]
        assert len(created) == count
        # Rankable the moment the import answered: no wait, no restart.
        service = api.app.state.match_service  # type: ignore[attr-defined]
        assert len(service.world.firms) == before + count
        for firm_id in (created[0], created[-1]):
            ranked = api.get(f"/api/v1/firms/{firm_id}/recommendations")
            assert ranked.status_code == 200 and ranked.json()["items"], ranked.text
        leads = api.get(f"/api/v1/parks/{park}/candidates", params={"top_k": 200, "industry": "C3872"}).json()
        assert {it["firm"]["id"] for it in leads["items"]} & set(created)
