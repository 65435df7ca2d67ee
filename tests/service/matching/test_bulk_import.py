"""A bulk import through the API refreshes the rankings in one batch: every imported firm ranks once the
import has answered, on a provisional vector while its new text is encoded in the background."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.database import unit_of_work
from service.firms import service as firm_service
from service.firms.schemas import FirmUpdate
from service.main import create_app
from service.matching import constants as c
from service.matching.service import MatchService
from service.matching.snapshot.graph import firm_records

pytestmark = pytest.mark.slow
HELD_COUNT = c.FIRM_REFRESH_ONE_BY_ONE_MAX + 5  # past the one-by-one size: the import goes the bulk way


def _csv(count: int, tag: str = "") -> bytes:
    """``count`` firms; a new ``tag`` makes every text new to the encoder's cache (shared by the session)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name_zh", "town", "industries", "products", "employees", "land_mu"])
    for i in range(count):
        writer.writerow([f"中山市批量导入{tag}灯饰第{i}号有限公司", "guzhen", "C3872", f"铝压铸灯体{i}号;LED吸顶灯",
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


def _import_held(api: TestClient, service: MatchService, monkeypatch: pytest.MonkeyPatch, count: int) -> list[int]:
    """Import ``count`` firms with texts new to the encoder, the background encoding held back to look."""
    monkeypatch.setattr(service.backfill, "wake", lambda: None)
    response = api.post("/api/v1/import/firms", files={"file": ("批量.csv", _csv(count, uuid.uuid4().hex[:8]), "text/csv")})
    assert response.status_code == 200, response.text
    return list(response.json()["firm_ids"])


def _encode_held(api: TestClient, service: MatchService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the held background encoding run, and wait until every firm ranks on its encoded text."""
    monkeypatch.undo()
    service.backfill.wake()
    assert service.backfill.join(timeout=120)
    done = api.get("/api/v1/ranking/status").json()
    assert done["state"] == "current" and done["provisional_firms"] == 0


def test_new_texts_of_an_import_rank_provisionally_until_encoded_then_on_their_text(
    app_settings: Settings, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The import answers without waiting for its new texts to be encoded (50,000 take minutes): those firms rank
    # on their industries, town and products, say so, and move to their encoded text once the background is done.
    count = c.FIRM_REFRESH_ONE_BY_ONE_MAX + 20
    settings = app_settings.model_copy(update={"engine_at_startup": True})
    with TestClient(create_app(settings), headers={"X-API-Key": keys["editor"]}) as api:
        service: MatchService = api.app.state.match_service  # type: ignore[attr-defined]
        assert api.get("/api/v1/ranking/status").json()["state"] == "current"
        created = _import_held(api, service, monkeypatch, count)
        status = api.get("/api/v1/ranking/status").json()
        assert status["state"] == "provisional" and status["provisional_firms"] == count
        assert "暂按" in status["message_zh"] and "for now" in status["message_en"]
        items = api.get(f"/api/v1/firms/{created[-1]}/recommendations").json()["items"]
        assert items and all(it["provisional"] for it in items)
        pending = [x for x in items[0]["sentences"] if "后台编码" in x["text_zh"]]
        assert len(pending) == 1 and pending[0]["basis"] == "estimate" and "estimated" in pending[0]["text_en"]
        assert "估计" in items[0]["reason_zh"]
        brief = api.get("/api/v1/briefs", params={"firm_id": created[-1], "park_id": items[0]["park"]["id"],
                                                  "format": "md"})
        assert brief.status_code == 200 and "估计：文本编码完成后重算" in brief.text  # the brief says it is an estimate
        # A lead list marks exactly the imported firms on it.
        park = items[0]["park"]["id"]
        leads = api.get(f"/api/v1/parks/{park}/candidates", params={"top_k": 200}).json()["items"]
        assert {it["firm"]["id"] for it in leads if it["provisional"]} == {it["firm"]["id"] for it in leads} & set(created)

        _encode_held(api, service, monkeypatch)
        after = api.get(f"/api/v1/firms/{created[-1]}/recommendations").json()["items"]
        assert after and not any(it["provisional"] for it in after)
        assert not any("后台编码" in x["text_zh"] for x in after[0]["sentences"])
        # The vector it ends on is the one a single new firm gets: its encoded text mixed with its neighbours.
        state = service.state
        firm = state.world.firms[state.world.firm_row[created[-1]]]
        nodes = [e.target for e in firm_records(state.world, firm)[1]]
        expected = service.retrieval.local_vector(firm.text(), nodes)
        assert np.allclose(state.firm_vecs[state.world.firm_row[created[-1]]], expected, atol=1e-6)


@dataclass
class HeldImport:
    """A running server that has just imported firms past the one-by-one size, their encoding held back."""

    api: TestClient
    service: MatchService
    created: list[int]
    settings: Settings


@pytest.fixture
def held_import(app_settings: Settings, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldImport]:
    settings = app_settings.model_copy(update={"engine_at_startup": True})
    with TestClient(create_app(settings), headers={"X-API-Key": keys["editor"]}) as api:
        service: MatchService = api.app.state.match_service  # type: ignore[attr-defined]
        created = _import_held(api, service, monkeypatch, HELD_COUNT)
        yield HeldImport(api=api, service=service, created=created, settings=settings)
        _encode_held(api, service, monkeypatch)


def test_an_edit_during_the_background_run_ranks_that_firm_on_its_text_at_once(held_import: HeldImport) -> None:
    api, created = held_import.api, held_import.created
    edited = api.patch(f"/api/v1/firms/{created[0]}", json={"products": ["铝合金路灯灯杆"]})
    assert edited.status_code == 200, edited.text
    assert not any(it["provisional"] for it in api.get(f"/api/v1/firms/{created[0]}/recommendations").json()["items"])
    assert all(it["provisional"] for it in api.get(f"/api/v1/firms/{created[1]}/recommendations").json()["items"])
    assert api.get("/api/v1/ranking/status").json()["provisional_firms"] == HELD_COUNT - 1


def test_an_edit_read_first_by_the_change_follower_still_ranks_on_its_text(
    held_import: HeldImport, sessions: Callable[[str], sessionmaker[Session]],
) -> None:
    # The follower can read the import's entry from the change log after an edit is committed but before the
    # edit's own notification is applied: that bulk read sees the edited text, new to the encoder, and ranks the
    # firm provisionally. The notification arriving second finds the profile current, and must still encode it.
    api, service, created = held_import.api, held_import.service, held_import.created
    with unit_of_work(sessions(held_import.settings.database_url)) as session:  # another engine: not notified here
        firm_service.update(session=session, firm_id=created[0],
                            changes=FirmUpdate(products=[f"铝合金路灯灯杆 {uuid.uuid4().hex[:6]}"]))
    service.firms_changed_in_bulk(created)  # the follower, with the import's entry
    assert created[0] in service.state.provisional
    service.firms_changed([created[0]])  # the edit's notification
    items = api.get(f"/api/v1/firms/{created[0]}/recommendations").json()["items"]
    assert items and not any(it["provisional"] for it in items)
    assert api.get("/api/v1/ranking/status").json()["provisional_firms"] == HELD_COUNT - 1
