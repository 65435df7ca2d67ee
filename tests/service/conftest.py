"""Fixtures for the service: an app over a real database, and keys of every role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.auth.service import Role, create_key
from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.main import create_app


@pytest.fixture
def keys(db_url: str) -> dict[str, str]:
    """One live API key per role, plus a revoked one."""
    engine = make_engine(db_url)
    secrets: dict[str, str] = {}
    with unit_of_work(make_session_factory(engine)) as session:
        for role in Role:
            _, secrets[role.value] = create_key(session=session, name=f"test-{role.value}", role=role)
        revoked, secrets["revoked"] = create_key(session=session, name="test-revoked", role=Role.admin)
        from service.auth.service import revoke

        revoke(session=session, key_id=revoked.id)
    engine.dispose()
    return secrets


@pytest.fixture
def app_settings(db_url: str, tmp_path: Path, embedding_cache: Path, shared_index: Path) -> Settings:
    # The matching engine is built on first use, so tests that never rank do not pay for it; when they do, an
    # index saved by an earlier test over the same data is loaded (its key covers every text and link).
    return Settings(database_url=db_url, var_dir=tmp_path / "var", embedding_cache_dir=embedding_cache,
                    index_folder=shared_index, engine_at_startup=False)


@pytest.fixture
def client(app_settings: Settings, keys: dict[str, str]) -> Iterator[TestClient]:
    """A client signed in as a viewer; pass other keys per request."""
    with TestClient(create_app(app_settings), headers={"X-API-Key": keys["viewer"]}) as test_client:
        yield test_client
