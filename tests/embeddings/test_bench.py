"""The benchmark runs end to end at a tiny size and reports every figure the docs quote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embeddings import bench


def test_bench_texts_are_bilingual_and_varied() -> None:
    texts = bench.bench_texts(200)
    assert len(texts) == 200
    assert any("中山市" in t for t in texts) and any(" manufacturer of " in t for t in texts)
    assert len(set(texts)) > 150


@pytest.mark.slow
def test_bench_runs_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = bench.run(sizes=(3000,), queries=10, json_path=out, texts=300, brute_force_queries=5)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["encoder"]["texts_per_s"] > 0
    row = saved["sizes"][0]
    assert row["size"] == 3000 and row["index_kind"] == "flat"
    assert row["recall_at_100"] == 1.0  # exact index agrees with brute force
    assert row["p50_ms"] > 0 and row["numpy_p50_ms"] > 0 and row["index_process_peak_rss_mb"] > 0
    assert result["machine"]["nproc"] >= 1
