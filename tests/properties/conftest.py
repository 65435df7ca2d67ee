"""Fixtures for the property suites: one matching engine over the starter data, shared by the session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import Settings
from service.database import make_engine, make_session_factory
from service.matching.service import MatchService


@pytest.fixture(scope="session")
def property_settings(loaded_template: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
                      embedding_cache: Path) -> Settings:
    """Settings over a private copy of the starter database, with one embedding cache for the session."""
    root = tmp_path_factory.mktemp("properties")
    source = Path(loaded_template["sqlite"].removeprefix("sqlite:///"))
    shutil.copyfile(source, root / "parkmatch.db")
    return Settings(database_url=f"sqlite:///{root / 'parkmatch.db'}", var_dir=root / "var",
                    embedding_cache_dir=embedding_cache)


@pytest.fixture(scope="session")
def prop_engine(property_settings: Settings) -> Iterator[MatchService]:
    # Building encodes every node once (seconds); queries never write, so every property shares one engine.
    engine = make_engine(property_settings.database_url)
    yield MatchService.build(session_factory=make_session_factory(engine), settings=property_settings,
                            persist_index=False)
    engine.dispose()
