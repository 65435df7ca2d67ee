"""Several stateless workers over one PostgreSQL: mixed load with writes going on, zero errors, every worker serving."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest

from service.bench.load import _server_key, run_load, running_server
from tests.conftest import POSTGRES_URL

pytestmark = [pytest.mark.slow, pytest.mark.postgres,
              pytest.mark.skipif(not POSTGRES_URL, reason="需要 PARKMATCH_TEST_POSTGRES_URL / needs PostgreSQL")]

WORKERS = 2
SECONDS = 15


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_workers_over_postgresql_take_mixed_load_and_edits_without_an_error(
    db_url: str, keys: dict[str, str], tmp_path: Path, embedding_cache: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert db_url.startswith("postgresql")
    monkeypatch.setenv("PARKMATCH_EMBEDDING_CACHE_DIR", str(embedding_cache))
    key = _server_key(db_url)
    # Both workers encode the starter data on first start (a fresh embedding cache): minutes on a busy machine.
    with running_server(db_url, tmp_path / "var", workers=WORKERS, startup_timeout_s=900) as base:
        editor = {"X-API-Key": keys["editor"]}
        firms = httpx.get(f"{base}/api/v1/firms", params={"limit": 5}, headers=editor, timeout=10).json()["items"]
        edits: list[int] = []
        stop = threading.Event()

        def edit() -> None:  # writes while the load runs: each reaches the other worker through the change log
            n = 0
            while not stop.wait(0.5):
                firm = firms[n % len(firms)]
                edits.append(httpx.patch(f"{base}/api/v1/firms/{firm['id']}", headers=editor, timeout=30,
                                         json={"employees": 100 + n}).status_code)
                n += 1

        writer = threading.Thread(target=edit)
        writer.start()
        try:
            result = asyncio.run(run_load(base, key, clients=10, duration_s=SECONDS))
        finally:
            stop.set()
            writer.join()
        served_by = set()
        deadline = time.monotonic() + 10
        while len(served_by) < WORKERS and time.monotonic() < deadline:
            served_by.add(httpx.get(f"{base}/health", timeout=5).json()["process"])
        last = firms[(len(edits) - 1) % len(firms)]
        deadline = time.monotonic() + 3  # the change log is polled every 0.5 s
        while True:  # twelve new connections in a row reach both workers
            seen = {httpx.get(f"{base}/api/v1/firms/{last['id']}/recommendations", headers=editor,
                              timeout=10).json()["firm"]["employees"] for _ in range(12)}
            if seen == {100 + len(edits) - 1} or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    summary = result.summary()
    assert summary["all"]["requests"] > 50
    assert summary["all"]["errors"] == 0, [s for s in result.samples if s.status >= 400 or s.status == 0][:5]
    assert edits and set(edits) == {200}, edits
    assert len(served_by) == WORKERS, "every worker process answered"
    assert seen == {100 + len(edits) - 1}, "every worker ranks the last edit"
