"""The short load test CI runs: a real server on loopback, concurrent clients on the staff's request mix, no errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from service.bench.load import _server_key, run_load, running_server

SECONDS = 10


@pytest.mark.slow
def test_ten_seconds_of_mixed_load_without_errors(db_url: str, tmp_path: Path, embedding_cache: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARKMATCH_EMBEDDING_CACHE_DIR", str(embedding_cache))
    key = _server_key(db_url)
    with running_server(db_url, tmp_path / "var", workers=1) as base:
        result = asyncio.run(run_load(base, key, clients=10, duration_s=SECONDS))
    summary = result.summary()
    assert summary["all"]["requests"] > 20
    assert summary["all"]["errors"] == 0, [s for s in result.samples if s.status >= 400 or s.status == 0][:5]
    assert set(summary["by_kind"]) == {"recommendations", "candidates", "match", "brief"}


def test_the_load_generator_refuses_addresses_off_this_machine() -> None:
    with pytest.raises(ValueError, match="loopback"):
        asyncio.run(run_load("http://10.0.0.1:8000", "pm_x", clients=1, duration_s=1))
