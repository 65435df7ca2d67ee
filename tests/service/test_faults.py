"""Faults: a killed import leaves the database as it was; a locked database answers 503 with Retry-After."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from service.firms.columns import COLUMNS


def big_import_file(path: Path, rows: int) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.zh for c in COLUMNS])
    for i in range(rows):
        cells = {"name_zh": f"中山市断电测试{i:06d}有限公司", "town": "guzhen", "industries": "C3872",
                 "employees": str(10 + i % 300), "products": "LED灯;铝灯体",
                 "description_zh": "研发、生产、销售：LED灯饰。" * 5, "inputs": "aluminium_ingot:12:t"}
        writer.writerow([cells.get(c.key, "") for c in COLUMNS])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def firm_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM firms")).scalar_one())
        links = int(conn.execute(text("SELECT count(*) FROM firm_industries")).scalar_one())
    engine.dispose()
    return n * 1_000_000 + links


def writing_started(url: str, db_file: Path | None) -> bool:
    """True once the import transaction has begun writing (WAL grows / PostgreSQL runs an INSERT)."""
    if db_file is not None:
        wal = db_file.with_name(db_file.name + "-wal")
        return wal.exists() and wal.stat().st_size > 4_000_000
    engine = create_engine(url)
    with engine.connect() as conn:
        busy = conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND query ILIKE 'INSERT%'")).scalar_one()
    engine.dispose()
    return bool(busy)


@pytest.mark.slow
def test_sigkill_during_import_leaves_database_unchanged(db_url: str, tmp_path: Path) -> None:
    before = firm_rows(db_url)
    source = tmp_path / "many.csv"
    big_import_file(source, 40_000)
    db_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None
    env = {**os.environ, "PARKMATCH_DATABASE_URL": db_url, "PARKMATCH_MAX_IMPORT_MB": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "import", "firms", str(source)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None and not writing_started(db_url, db_file):
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be interrupted: " + proc.stderr.read().decode()[-500:]  # type: ignore[union-attr]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert firm_rows(db_url) == before
    if db_file is not None:
        with sqlite3.connect(db_file) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_locked_database_gives_503_and_retry(client: TestClient, keys: dict[str, str], db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite file locking; PostgreSQL uses row locks and waits")
    locker = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post("/api/v1/firms", headers={"X-API-Key": keys["editor"]}, json={
            "name_zh": "中山市锁库测试有限公司", "town": "guzhen", "industries": ["C3872"], "employees": 3})
    finally:
        locker.rollback()
        locker.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2" and response.json()["error"] == "database_unavailable"
    retry = client.post("/api/v1/firms", headers={"X-API-Key": keys["editor"]}, json={
        "name_zh": "中山市锁库测试有限公司", "town": "guzhen", "industries": ["C3872"], "employees": 3})
    assert retry.status_code == 201


@pytest.mark.slow
def test_init_while_serving_leaves_data_and_answers_intact(db_url: str, tmp_path: Path, keys: dict[str, str],
                                                          embedding_cache: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from service.bench.load import running_server

    monkeypatch.setenv("PARKMATCH_EMBEDDING_CACHE_DIR", str(embedding_cache))
    before = firm_rows(db_url)
    env = {**os.environ, "PARKMATCH_DATABASE_URL": db_url, "PARKMATCH_VAR_DIR": str(tmp_path / "var-init")}
    headers = {"X-API-Key": keys["viewer"]}
    with running_server(db_url, tmp_path / "var") as base:
        init = subprocess.Popen([sys.executable, "-m", "service.cli", "init"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        statuses = []
        while init.poll() is None:
            statuses.append(httpx.get(f"{base}/api/v1/parks", headers=headers, timeout=30).status_code)
            statuses.append(httpx.get(f"{base}/api/v1/firms", params={"limit": 5}, headers=headers,
                                      timeout=30).status_code)
        assert init.returncode == 0, init.stderr.read().decode()[-1000:]  # type: ignore[union-attr]
        after_parks = httpx.get(f"{base}/api/v1/parks", headers=headers, timeout=30).json()["total"]
    assert statuses and set(statuses) <= {200, 503}, statuses  # a brief lock may be a 503 with Retry-After
    assert statuses.count(200) >= len(statuses) // 2
    assert after_parks == 7
    assert firm_rows(db_url) == before
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
