"""Shared fixtures: real databases (SQLite always, PostgreSQL when PARKMATCH_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.database import make_engine, make_session_factory, unit_of_work
from service.dataset.files import DATA_DIR
from service.dataset.load import load_starter
from service.migrate import upgrade

POSTGRES_URL = os.environ.get("PARKMATCH_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
if os.environ.get("PARKMATCH_REQUIRE_POSTGRES") == "1" and not POSTGRES_URL:
    # CI sets this so that a missing server fails the run instead of silently halving it.
    raise pytest.UsageError("PARKMATCH_REQUIRE_POSTGRES=1 but PARKMATCH_TEST_POSTGRES_URL is not set")


def _pg_admin_url() -> str:
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database="postgres").render_as_string(hide_password=False)


def _pg_create(name: str, template: str | None = None) -> str:
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    admin.dispose()
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _pg_drop(name: str) -> None:
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend with the starter dataset loaded, copied by each test that needs it."""
    templates: dict[str, str] = {}
    sqlite_path = tmp_path_factory.mktemp("template") / "loaded.db"
    urls = {"sqlite": f"sqlite:///{sqlite_path}"}
    pg_name = None
    if POSTGRES_URL:
        pg_name = f"pm_template_{uuid.uuid4().hex[:8]}"
        urls["postgres"] = _pg_create(pg_name)
    for backend, url in urls.items():
        engine = make_engine(url)
        upgrade(engine)
        with unit_of_work(make_session_factory(engine)) as session:
            load_starter(session=session, data_dir=DATA_DIR)
        engine.dispose()
        templates[backend] = url if backend == "sqlite" else pg_name or ""
    yield templates
    if pg_name:
        _pg_drop(pg_name)


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the whole run: the real encoder runs once per distinct text."""
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of saved ranking indexes for the run: a start over data an earlier test saw loads its index."""
    return tmp_path_factory.mktemp("ranking-index")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, loaded_template: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """A fresh database with the starter data, on the backend under test."""
    if backend == "sqlite":
        source = Path(loaded_template["sqlite"].removeprefix("sqlite:///"))
        target = tmp_path / "parkmatch.db"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    name = f"pm_test_{uuid.uuid4().hex[:8]}"
    url = _pg_create(name, template=loaded_template["postgres"])
    yield url
    _pg_drop(name)


@pytest.fixture
def sessions() -> Iterator[Callable[[str], sessionmaker[Session]]]:
    """Sessions on a database by URL, each on its own engine (as each process has), disposed when the test ends."""
    engines: list[Engine] = []

    def open_sessions(url: str) -> sessionmaker[Session]:
        engines.append(make_engine(url))
        return make_session_factory(engines[-1])

    yield open_sessions
    for engine in engines:
        engine.dispose()


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database (no schema) on the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"pm_empty_{uuid.uuid4().hex[:8]}"
    url = _pg_create(name)
    yield url
    _pg_drop(name)


# Peak memory per test: the tests whose run raised this process's peak RSS most are listed at the end, so a
# test that holds gigabytes shows up by name (the whole suite shares one process, as CI runs it).
_PEAK_STEPS: list[tuple[float, str]] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        return (yield)
    finally:
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        if grown_mb >= 200:
            _PEAK_STEPS.append((grown_mb, item.nodeid))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _PEAK_STEPS:
        return
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    terminalreporter.section(f"peak memory 内存峰值: {peak_mb:,.0f} MB; tests that raised it by 200 MB or more")
    for grown_mb, nodeid in sorted(_PEAK_STEPS, reverse=True)[:15]:
        terminalreporter.write_line(f"+{grown_mb:,.0f} MB  {nodeid}")
