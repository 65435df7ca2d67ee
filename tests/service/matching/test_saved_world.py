"""The world saved beside the index: a start with no change since reads no firm rows and ranks exactly as a
start that reads them; a change committed anywhere, another database, or a damaged file means the rows are read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from embeddings import make_encoder
from service.config import Settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.firms import service as firm_service
from service.firms.schemas import FirmUpdate
from service.matching.retrieval.index import SNAPSHOT_FOLDER
from service.matching.service import MatchService
from service.matching.snapshot import saved
from service.matching.snapshot.saved import WORLD_FILE, WORLD_MANIFEST

pytestmark = pytest.mark.slow


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.events.append({"event": event, **fields})

    warning = info

    def take(self) -> list[str]:
        out = [e["event"] for e in self.events]
        self.events.clear()
        return out


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(saved, "log", recorder)
    return recorder


def _settings(url: str, var: Path, cache: Path) -> Settings:
    return Settings(database_url=url, var_dir=var, embedding_cache_dir=cache)


class Statements:
    """Every SQL statement an engine runs."""

    def __init__(self, engine: Engine) -> None:
        self.sql: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.sql.append(" ".join(statement.split()).lower())

    def reading(self, table: str) -> list[str]:
        return [s for s in self.sql if f"from {table} " in f"{s} " or f"from {table}\n" in s]


@pytest.fixture
def build(embedding_cache: Path) -> Iterator[Any]:
    engines: list[Engine] = []

    def _build(settings: Settings) -> tuple[MatchService, Statements]:
        engine = make_engine(settings.database_url)
        engines.append(engine)
        seen = Statements(engine)
        service = MatchService.build(session_factory=make_session_factory(engine), settings=settings,
                                     encoder=make_encoder("use", cache_dir=embedding_cache))
        return service, seen

    yield _build
    for engine in engines:
        engine.dispose()


def _seen(service: MatchService) -> list[object]:
    out: list[object] = [service.candidates(park_id=d.id, top_k=10).model_dump() for d in service.world.destinations[:6]]
    out += [service.recommend(firm_id=f.id or 0, top_k=5).model_dump() for f in service.world.firms[:8]]
    return out


def _rename(url: str, firm_id: int, name: str) -> None:
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        firm_service.update(session=session, firm_id=firm_id, changes=FirmUpdate(name_zh=name))
    engine.dispose()


def test_a_second_start_reads_no_firm_rows_and_ranks_the_same(
    db_url: str, tmp_path: Path, embedding_cache: Path, logs: Recorder, build: Any,
) -> None:
    settings = _settings(db_url, tmp_path / "var", embedding_cache)
    first, read_first = build(settings)
    assert read_first.reading("firms"), "the first start reads the firms"
    folder = settings.index_dir / SNAPSHOT_FOLDER
    assert (folder / WORLD_FILE).stat().st_size > 0 and (folder / WORLD_MANIFEST).is_file()
    assert logs.take() == ["world_snapshot_unused"]

    second, read_second = build(settings)
    assert logs.take() == ["world_snapshot_loaded"]
    assert read_second.reading("firms") == [] and read_second.reading("parks") == []
    assert _seen(second) == _seen(first)


def test_a_change_committed_elsewhere_is_in_the_next_start(
    db_url: str, tmp_path: Path, embedding_cache: Path, logs: Recorder, build: Any,
) -> None:
    settings = _settings(db_url, tmp_path / "var", embedding_cache)
    first, _ = build(settings)
    firm = first.world.firms[3]
    _rename(db_url, firm.id or 0, "改名后的灯饰企业")
    logs.take()

    second, read = build(settings)
    assert logs.take() == ["world_snapshot_unused"] and read.reading("firms")
    assert second.recommend(firm_id=firm.id or 0).firm.name_zh == "改名后的灯饰企业"


def test_a_world_saved_for_one_database_is_never_used_for_another(
    loaded_template: dict[str, str], tmp_path: Path, embedding_cache: Path, logs: Recorder, build: Any,
) -> None:
    # Two copies of one database, each with one different edit: their change logs stand at the same id and count.
    source = Path(loaded_template["sqlite"].removeprefix("sqlite:///"))
    urls = []
    for name, firm_name in (("a.db", "甲灯饰企业"), ("b.db", "乙灯饰企业")):
        shutil.copyfile(source, tmp_path / name)
        urls.append(f"sqlite:///{tmp_path / name}")
        _rename(urls[-1], 5, firm_name)
    var = tmp_path / "var"  # one var folder for both, as when a user points the service at another database
    a, _ = build(_settings(urls[0], var, embedding_cache))
    b, read = build(_settings(urls[1], var, embedding_cache))
    assert read.reading("firms")
    assert a.recommend(firm_id=5).firm.name_zh == "甲灯饰企业" and b.recommend(firm_id=5).firm.name_zh == "乙灯饰企业"
    again, _ = build(_settings(urls[0], var, embedding_cache))
    assert again.recommend(firm_id=5).firm.name_zh == "甲灯饰企业"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "manifest"])
def test_a_damaged_saved_world_is_read_again_from_the_database(
    db_url: str, tmp_path: Path, embedding_cache: Path, logs: Recorder, build: Any, damage: str,
) -> None:
    settings = _settings(db_url, tmp_path / "var", embedding_cache)
    first, _ = build(settings)
    folder = settings.index_dir / SNAPSHOT_FOLDER
    if damage == "garbage":
        (folder / WORLD_FILE).write_bytes(b"\x80\x05not a world")
    elif damage == "truncated":
        blob = (folder / WORLD_FILE).read_bytes()
        (folder / WORLD_FILE).write_bytes(blob[: len(blob) // 2])
    else:
        (folder / WORLD_MANIFEST).write_text("{ not json", encoding="utf-8")
    logs.take()

    second, read = build(settings)
    assert logs.take() == ["world_snapshot_unused"] and read.reading("firms")
    assert _seen(second) == _seen(first)


def test_the_database_facts_read_with_sqlite3_are_those_read_through_sqlalchemy(db_url: str, backend: str) -> None:
    def through_sqlalchemy() -> saved.DatabaseFacts:
        engine = make_engine(db_url)
        with unit_of_work(make_session_factory(engine)) as session:
            facts = saved.database_facts(session)
        engine.dispose()
        return facts

    before = through_sqlalchemy()
    if backend != "sqlite":
        assert saved.sqlite_facts(db_url) is None  # another database is always read through SQLAlchemy
        return
    assert saved.sqlite_facts(db_url) == before
    _rename(db_url, 5, "改名后的灯饰企业")
    after = through_sqlalchemy()
    assert after.head != before.head and max(after.recent_ids) > max(before.recent_ids)
    assert saved.sqlite_facts(db_url) == after


def test_no_facts_for_a_database_that_is_not_there_and_none_is_made(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert saved.sqlite_facts(f"sqlite:///{missing}") is None and not missing.exists()
    assert saved.sqlite_facts("sqlite:///:memory:") is None
    empty = tmp_path / "empty.db"
    make_engine(f"sqlite:///{empty}").connect().close()  # a file without the schema
    assert saved.sqlite_facts(f"sqlite:///{empty}") is None


def _cli(args: list[str], settings: Settings) -> tuple[Any, bool]:
    """Run a parkmatch command in a new process: its JSON output, and whether it imported SQLAlchemy."""
    script = ("import sys\nfrom service.cli import app\nsys.argv = ['parkmatch', *sys.argv[1:]]\n"
              "try:\n    app()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
              "print('sqlalchemy' in sys.modules, file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARKMATCH_")}
    env.update(PARKMATCH_DATABASE_URL=settings.database_url, PARKMATCH_VAR_DIR=str(settings.var_dir),
               PARKMATCH_EMBEDDING_CACHE_DIR=str(settings.embedding_cache_dir))
    done = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr.strip().splitlines()[-1] == "True"


def test_a_ranking_command_over_a_saved_state_answers_without_sqlalchemy_and_sees_a_later_change(
    db_url: str, backend: str, tmp_path: Path, embedding_cache: Path, build: Any,
) -> None:
    settings = _settings(db_url, tmp_path / "var", embedding_cache)
    first, _ = build(settings)
    expected = first.recommend(firm_id=5, top_k=5).model_dump(mode="json")
    out, loaded = _cli(["recommend", "--firm", "5", "--top-k", "5", "--json"], settings)
    assert out == expected
    assert loaded is (backend != "sqlite")  # SQLite: the change log is read with sqlite3, no row of data at all
    _rename(db_url, 5, "改名后的灯饰企业")
    out, loaded = _cli(["recommend", "--firm", "5", "--top-k", "5", "--json"], settings)
    assert out["firm"]["name_zh"] == "改名后的灯饰企业" and loaded


def test_a_service_opened_from_the_saved_state_connects_when_it_follows_a_change(
    db_url: str, backend: str, tmp_path: Path, embedding_cache: Path, build: Any,
) -> None:
    settings = _settings(db_url, tmp_path / "var", embedding_cache)
    build(settings)
    opened = MatchService.open_saved(settings, encoder=make_encoder("use", cache_dir=embedding_cache))
    if backend != "sqlite":
        assert opened is None
        return
    assert opened is not None and opened._sessions is None  # noqa: SLF001  (no connection until one is needed)
    _rename(db_url, 5, "改名后的灯饰企业")
    assert opened.poll_changes() == 1
    assert opened.recommend(firm_id=5).firm.name_zh == "改名后的灯饰企业"
