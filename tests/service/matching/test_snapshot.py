"""The ranking index (encoded texts, propagated vectors, graph, BM25, faiss) is saved once and loaded by later
starts; a change of data, model or code, or a damaged file, is noticed, logged with its reason and rebuilt."""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy.orm import Session, sessionmaker

from embeddings import CachedEncoder, Encoder, Segmenter, make_encoder
from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.matching.retrieval import index as index_module
from service.matching.retrieval.index import SNAPSHOT_FILE, SNAPSHOT_FOLDER, SNAPSHOT_MANIFEST
from service.matching.service import MatchService
from service.parks import service as park_service
from service.parks.schemas import ParkUpdate

pytestmark = pytest.mark.slow
Sessions = Callable[[str], sessionmaker[Session]]  # the shared `sessions` fixture


class Counting:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.texts = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.texts += len(texts)
        return self.inner.encode(texts)


@pytest.fixture
def settings(db_url: str, tmp_path: Path, embedding_cache: Path) -> Settings:
    return Settings(database_url=db_url, var_dir=tmp_path / "var", embedding_cache_dir=embedding_cache)


class Recorder:
    """Stands in for the module's logger: keeps each event with its fields, in order."""

    def __init__(self) -> None:
        self.records: list[dict[str, object]] = []

    def _record(self, level: str, event: str, **fields: object) -> None:
        self.records.append({"event": event, "level": level, **fields})

    def info(self, event: str, **fields: object) -> None:
        self._record("info", event, **fields)

    def warning(self, event: str, **fields: object) -> None:
        self._record("warning", event, **fields)

    def readouterr(self) -> None:
        self.records.clear()


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(index_module, "log", recorder)
    return recorder


def _events(logs: Recorder) -> list[dict[str, object]]:
    out = list(logs.records)
    logs.records.clear()
    return out


def _build(settings: Settings, encoder: Encoder, sessions: Sessions) -> MatchService:
    """A service as a new process starts it: on its own engine."""
    return MatchService.build(session_factory=sessions(settings.database_url), settings=settings, encoder=encoder)


def _seen(service: MatchService) -> list[object]:
    """What users would see: lead lists of every destination and parks for a few firms."""
    out: list[object] = [service.candidates(park_id=d.id, top_k=20).model_dump() for d in service.world.destinations]
    out += [service.recommend(firm_id=f.id or 0).model_dump() for f in service.world.firms[:5]]
    return out


def test_a_second_start_loads_the_saved_index_and_encodes_nothing(
    settings: Settings, logs: Recorder, sessions: Sessions,
) -> None:
    first = _build(settings, make_encoder("use", cache_dir=settings.cache_dir), sessions)
    assert [e["event"] for e in _events(logs)] == ["index_snapshot_rebuild", "index_snapshot_built"]
    folder = settings.index_dir / SNAPSHOT_FOLDER
    assert (folder / SNAPSHOT_FILE).stat().st_size > 0 and (folder / SNAPSHOT_MANIFEST).is_file()

    # No embedding cache at all this time: whatever the second start needs comes from the saved index.
    counting = Counting(make_encoder("use"))
    second = _build(settings, counting, sessions)
    assert counting.texts == 0
    assert [e["event"] for e in _events(logs)] == ["index_snapshot_loaded"]
    assert _seen(second) == _seen(first)


def test_a_changed_park_makes_the_saved_index_stale(settings: Settings, logs: Recorder, sessions: Sessions) -> None:
    first = _build(settings, make_encoder("use", cache_dir=settings.cache_dir), sessions)
    park = next(d for d in first.world.destinations if d.kind == "park")
    engine = make_engine(settings.database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        park_service.update(session=session, park_id=park.id, changes=ParkUpdate(
            # A text no earlier test can have put in the run's shared embedding cache.
            positioning_zh=f"新能源电池、储能与铝压铸零部件基地（{uuid.uuid4().hex[:8]}）",
            positioning_en="New-energy batteries and storage"))
    engine.dispose()
    logs.readouterr()

    counting = Counting(make_encoder("use"))
    second = _build(settings, CachedEncoder(counting, settings.cache_dir), sessions)
    rebuilt = _events(logs)
    assert rebuilt[0]["event"] == "index_snapshot_rebuild" and rebuilt[0]["reason"] == "stale"
    assert 0 < counting.texts < 5, "only the changed park's text is new to the embedding cache"
    row = second.world.dest_row[park.id]
    assert not np.allclose(second.state.dest_vecs[row], first.state.dest_vecs[row])
    third = _build(settings, CachedEncoder(counting, settings.cache_dir), sessions)
    assert [e["event"] for e in _events(logs)] == ["index_snapshot_loaded"]
    assert _seen(third) == _seen(second)


def test_a_reload_saves_the_index_it_builds_so_the_next_start_loads_it(
    settings: Settings, logs: Recorder, sessions: Sessions,
) -> None:
    # A catalogue change or a bulk import reloads the running service; a restart after it must not build again.
    running = _build(settings, make_encoder("use", cache_dir=settings.cache_dir), sessions)
    park = next(d for d in running.world.destinations if d.kind == "park")
    engine = make_engine(settings.database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        park_service.update(session=session, park_id=park.id, changes=ParkUpdate(
            positioning_zh=f"铝精深加工与汽车轻量化零部件（{uuid.uuid4().hex[:8]}）", positioning_en="Aluminium parts"))
    engine.dispose()
    logs.readouterr()
    running.reload()
    assert [e["event"] for e in _events(logs)] == ["index_snapshot_rebuild", "index_snapshot_built"]
    counting = Counting(make_encoder("use"))
    restarted = _build(settings, counting, sessions)
    assert [e["event"] for e in _events(logs)] == ["index_snapshot_loaded"] and counting.texts == 0
    assert _seen(restarted) == _seen(running)


@pytest.mark.parametrize("damage", ["garbage", "manifest"])
def test_a_damaged_saved_index_is_rebuilt_and_rankings_are_unchanged(
    settings: Settings, logs: Recorder, damage: str, sessions: Sessions,
) -> None:
    first = _build(settings, make_encoder("use", cache_dir=settings.cache_dir), sessions)
    folder = settings.index_dir / SNAPSHOT_FOLDER
    blob = folder / SNAPSHOT_FILE
    if damage == "garbage":
        blob.write_bytes(pickle.dumps({"not": "an index"}))
    else:
        (folder / SNAPSHOT_MANIFEST).write_text("{ not json", encoding="utf-8")
    logs.readouterr()

    second = _build(settings, make_encoder("use", cache_dir=settings.cache_dir), sessions)
    rebuilt = _events(logs)
    assert rebuilt[0]["event"] == "index_snapshot_rebuild" and rebuilt[0]["reason"] == "corrupt"
    assert _seen(second) == _seen(first)


def test_an_unpickled_segmenter_keeps_the_words_it_was_taught() -> None:
    taught = Segmenter()
    taught.add_words(["铝壳体灯罩"])
    copy = pickle.loads(pickle.dumps(taught))
    assert copy.tokenize("生产铝壳体灯罩") == taught.tokenize("生产铝壳体灯罩")
    assert "铝壳体灯罩" in copy.tokenize("生产铝壳体灯罩")
    assert "铝壳体灯罩" not in Segmenter().tokenize("生产铝壳体灯罩")
