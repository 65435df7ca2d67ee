"""The park view over destinations: the functions the matching loader calls keep their answers, and the
starter load, the API and the CLI all write the change log through the same service code."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from service.changes import Changed
from service.cli import app
from service.config import get_settings
from service.database import make_engine, make_session_factory, unit_of_work
from service.dataset.files import DATA_DIR, read_catalog
from service.destinations import service as destinations
from service.destinations.schemas import DestinationKind, DestinationRead
from service.events import changes_since, latest_change_id
from service.parks import service as park_service
from service.parks.schemas import ParkRead, ParkUpdate


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def test_the_loader_functions_answer_the_starter_parks(factory: sessionmaker[Session]) -> None:
    catalog, problems = read_catalog(DATA_DIR)
    assert problems == []
    with unit_of_work(factory) as session:
        rows, total = park_service.list_parks(session=session, limit=100_000)
        parks = [park_service.to_read(p, c) for p, c in rows]
        listed = destinations.list_destinations(session=session, kind=DestinationKind.park)
    assert total == len(parks) == len(catalog.parks) == 7
    assert all(isinstance(p, ParkRead) for p in parks) and all(isinstance(d, DestinationRead) for d in listed)
    assert [p.id for p in parks] == [d.id for d in listed] == sorted(p.id for p in parks)
    by_code = {r.code: r for r in catalog.parks}
    for park in parks:
        record = by_code[park.code]
        # Everything the data file says comes back unchanged: the file's record is a subset of the read.
        assert park.model_dump(include=set(type(record).model_fields)) == record.model_dump()
        assert park.county_name_zh


def test_saving_the_starter_parks_again_changes_nothing_and_logs_nothing(factory: sessionmaker[Session]) -> None:
    catalog, _ = read_catalog(DATA_DIR)
    with unit_of_work(factory) as session:
        start = latest_change_id(session)
        assert park_service.save_records(session=session, records=catalog.parks) == 0
    changed = catalog.parks[0].model_copy(update={"name_en": "Renamed in the data file"})
    with unit_of_work(factory) as session:
        assert park_service.save_records(session=session, records=[changed, *catalog.parks[1:]]) == 1
        park_id = park_service.get_by_code(session=session, code=changed.code).id
        entries = changes_since(session, after=start)
    assert [e.change for e in entries] == [Changed("destination", (park_id,))]


def test_park_only_fields_change_through_the_park_view(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session:
        park = park_service.list_parks(session=session, limit=1)[0][0][0]
        updated = park_service.update(session=session, park_id=park.id, changes=ParkUpdate(
            level="national", free_factory_m2={"value": 1.0, "unit": "m²", "estimate": True}))
        destination = destinations.get(session=session, destination_id=park.id)
    assert updated.level == "national" and updated.free_factory_m2 is not None
    assert destination.details.kind == "park"
    assert destination.details.model_dump(include={"level"}) == {"level": "national"}


def test_a_missing_park_is_the_destination_not_found_class(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session, pytest.raises(park_service.ParkNotFound) as err:
        park_service.get(session=session, park_id=999_999)
    assert isinstance(err.value, destinations.DestinationNotFound)
    assert err.value.message == "园区 999999 不存在 / park 999999 not found"


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_a_cli_import_writes_one_change_row_for_the_batch(cli_db: str, factory: sessionmaker[Session],
                                                          tmp_path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["企业名称", "镇街", "行业代码", "员工人数"])
    writer.writerows([[f"中山市命令行导入{n}有限公司", "古镇", "C3872", "20"] for n in range(3)])
    path = tmp_path / "firms.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    with unit_of_work(factory) as session:
        start = latest_change_id(session)
    result = CliRunner().invoke(app, ["import", "firms", str(path)])
    assert result.exit_code == 0, result.output
    with unit_of_work(factory) as session:
        entries = changes_since(session, after=start)
    assert len(entries) == 1 and entries[0].change.entity == "firm" and len(entries[0].change.ids) == 3
