"""The app's firm index is saved with a manifest; a missing, corrupt or stale one is caught, logged and rebuilt."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from embeddings import VectorIndex
from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.firms import service as firm_service
from service.firms.schemas import FirmCreate
from service.main import create_app
from service.matching.service import MatchService

pytestmark = pytest.mark.slow

INDEX_LOGGER = "embeddings.index"


@pytest.fixture
def settings(db_url: str, tmp_path: Path, embedding_cache: Path) -> Settings:
    return Settings(database_url=db_url, var_dir=tmp_path / "var", embedding_cache_dir=embedding_cache,
                    engine_at_startup=True)


def _start(settings: Settings, key: str) -> tuple[MatchService, dict[str, Any]]:
    """Start the service (as a restart would), and return its engine and what users would see."""
    with TestClient(create_app(settings), headers={"X-API-Key": key}) as client:
        engine: MatchService = client.app.state.match_service  # type: ignore[attr-defined]
        seen: dict[str, Any] = {}
        for park in engine.world.destinations:
            response = client.get(f"/api/v1/parks/{park.id}/candidates", params={"top_k": 30})
            assert response.status_code == 200, response.text
            seen[f"park {park.code}"] = response.json()
        for firm in engine.world.firms[:5]:
            response = client.get(f"/api/v1/firms/{firm.id}/recommendations")
            assert response.status_code == 200, response.text
            seen[f"firm {firm.id}"] = response.json()
    return engine, seen


def _rebuilds(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == INDEX_LOGGER and r.getMessage().startswith("index_rebuild")]


def _folder(settings: Settings) -> Path:
    return settings.index_dir / "firms"


def test_the_engine_saves_its_index_with_a_manifest_and_reuses_it(
    settings: Settings, keys: dict[str, str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=INDEX_LOGGER)
    engine, first = _start(settings, keys["viewer"])
    folder = _folder(settings)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["fingerprint"] == engine.encoder.fingerprint
    assert manifest["data_hash"].startswith(engine.world.data_hash())
    assert manifest["count"] == len(engine.world.firms) and (folder / "index.faiss").stat().st_size > 0
    assert [r.__dict__["reason"] for r in _rebuilds(caplog)] == ["missing"]  # the first start builds it

    caplog.clear()
    built = (folder / "index.faiss").stat().st_mtime_ns
    _, second = _start(settings, keys["viewer"])
    assert _rebuilds(caplog) == [], "an intact, current index is loaded, not rebuilt"
    assert (folder / "index.faiss").stat().st_mtime_ns == built
    assert second == first


def _delete(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()


def _garbage_index(folder: Path) -> None:
    (folder / "index.faiss").write_bytes(b"\x00garbage" * 512)


def _garbage_manifest(folder: Path) -> None:
    (folder / "manifest.json").write_text("{ not json", encoding="utf-8")


def _truncated_index(folder: Path) -> None:
    data = (folder / "index.faiss").read_bytes()
    (folder / "index.faiss").write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(("damage", "reason"), [
    (_delete, "missing"), (_garbage_index, "checksum"), (_garbage_manifest, "manifest"), (_truncated_index, "checksum"),
])
def test_a_damaged_index_is_detected_logged_rebuilt_and_results_are_unchanged(
    settings: Settings, keys: dict[str, str], caplog: pytest.LogCaptureFixture, damage: Any, reason: str,
) -> None:
    engine, before = _start(settings, keys["viewer"])
    folder = _folder(settings)
    damage(folder)

    caplog.clear()
    caplog.set_level(logging.INFO, logger=INDEX_LOGGER)
    _, after = _start(settings, keys["viewer"])
    records = _rebuilds(caplog)
    assert [r.__dict__["reason"] for r in records] == [reason]
    assert str(folder) in records[0].__dict__["directory"]
    assert after == before
    # The rebuilt files are whole again: they load under the same checks a restart applies.
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    index = VectorIndex.load(folder, expected_fingerprint=engine.encoder.fingerprint,
                             expected_data_hash=manifest["data_hash"])
    assert sorted(int(i) for i in index.ids()) == sorted(f.id or 0 for f in engine.world.firms)


def test_a_firm_added_behind_the_services_back_makes_the_index_stale(
    settings: Settings, keys: dict[str, str], caplog: pytest.LogCaptureFixture,
) -> None:
    first, _ = _start(settings, keys["viewer"])
    db = make_engine(settings.database_url)
    with unit_of_work(make_session_factory(db)) as session:
        added = firm_service.create(session=session, firm=FirmCreate(
            name_zh="中山市直写铝压铸灯具有限公司", name_en="Direct-write Die-cast Lamps", town="guzhen",
            industries=["C3872"], description_zh="铝压铸灯体、LED吸顶灯", employees=90, land_mu=12))
    db.dispose()

    caplog.set_level(logging.INFO, logger=INDEX_LOGGER)
    second, seen = _start(settings, keys["viewer"])
    assert [r.__dict__["reason"] for r in _rebuilds(caplog)] == ["data_hash"]
    assert added.id in {int(i) for i in second.index.ids()}
    assert added.id not in {int(i) for i in first.index.ids()}
    assert len(second.index) == len(first.index) + 1
    assert any(it["firm"]["id"] == added.id for it in seen["park shuicheng_edz"]["items"])
