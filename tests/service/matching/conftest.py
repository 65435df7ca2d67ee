"""One matching engine per session, built on the starter data with the real USE encoder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import Settings
from service.database import make_engine, make_session_factory
from service.matching.service import MatchService


@pytest.fixture(scope="session")
def match_engine(loaded_template: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
                 embedding_cache: Path) -> Iterator[MatchService]:
    # Building encodes every node once (seconds); queries never write, so every test shares one engine.
    var = tmp_path_factory.mktemp("matching-var")
    settings = Settings(database_url=loaded_template["sqlite"], var_dir=Path(var), embedding_cache_dir=embedding_cache)
    engine = make_engine(settings.database_url)
    yield MatchService.build(session_factory=make_session_factory(engine), settings=settings, persist_index=False)
    engine.dispose()
