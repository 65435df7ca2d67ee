"""data/destinations.yaml: destinations beyond industrial parks, sourced, counted and checked like the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from service.dataset.check import check_dataset, main
from service.dataset.files import DATA_DIR, read_catalog
from service.destinations.schemas import DestinationKind
from service.errors import ImportRejected

FILE = "destinations.yaml"


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("eval"))
    return target


def _edit(path: Path, edit: object) -> None:
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(records)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_every_kind_is_in_the_starter_data_with_at_least_35_destinations() -> None:
    report = check_dataset(DATA_DIR)
    assert report.ok, "\n".join(str(p) for p in report.problems)
    assert report.counts["destinations"] >= 35 and report.counts["parks"] == 7
    for kind in DestinationKind:
        if kind is not DestinationKind.park:
            assert report.counts[f"destinations.{kind.value}"] >= 1, kind


def test_every_destination_has_county_sources_a_map_estimate_and_sourced_or_estimated_numbers() -> None:
    catalog, problems = read_catalog(DATA_DIR)
    assert problems == []
    for dest in catalog.destinations:
        assert dest.county and dest.sources and all(s.url for s in dest.sources), dest.code
        assert dest.location is not None and dest.location.estimate, dest.code
        figures = [f.figure.model_dump() for f in dest.facts] + [
            v for v in dest.details.model_dump().values() if isinstance(v, dict) and "value" in v]
        for figure in figures:
            assert figure["estimate"] or (figure["source"] and figure["as_of"]), dest.code
    workshops = [d for d in catalog.destinations if d.kind is DestinationKind.workshop]
    assert all(d.details.community for d in workshops)  # type: ignore[union-attr]


def test_the_high_tech_zone_and_its_predecessor_point_to_each_other_with_a_source() -> None:
    catalog, _ = read_catalog(DATA_DIR)
    parks = {p.code: p for p in catalog.parks}
    (forward,) = parks["lps_hitech"].relations
    (back,) = parks["zhongshan_edz"].relations
    assert (forward.relation.value, forward.park) == ("predecessor", "zhongshan_edz")
    assert (back.relation.value, back.park) == ("successor", "lps_hitech")
    assert forward.source.url.startswith("https://m.fx361.cc")


def test_a_bad_destination_is_reported_in_both_languages_with_file_record_and_field(data_copy: Path) -> None:
    def break_it(records: list[dict[str, object]]) -> None:
        records[0]["details"]["households"]["value"] = "many"  # type: ignore[index]
        records[1]["county"] = "atlantis"
        records[2]["details"]["partner_town"] = "guzhen"  # type: ignore[index]

    _edit(data_copy / FILE, break_it)
    report = check_dataset(data_copy)
    mine = [p for p in report.problems if p.file == FILE]
    assert {p.row for p in mine} >= {1, 2, 3}
    first = next(p for p in mine if p.row == 1)
    assert first.column and "households" in first.column and " / " in first.message
    county = next(p for p in mine if p.row == 2)
    assert county.column == "county" and county.message == "县区 atlantis 不存在 / unknown county atlantis"


def test_a_duplicate_code_across_kinds_is_refused_and_the_load_is_all_or_nothing(data_copy: Path) -> None:
    _edit(data_copy / FILE, lambda records: records[0].update(code="shuicheng_edz"))
    report = check_dataset(data_copy)
    assert any(p.file == FILE and p.column == "code" and "shuicheng_edz" in p.message for p in report.problems)


def test_the_check_prints_the_counts_per_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(DATA_DIR)]) == 0
    out = capsys.readouterr().out
    assert "destinations.workshop" in out and "destinations.agri_base" in out


def test_a_bad_destination_stops_the_whole_starter_load(data_copy: Path, empty_db_url: str) -> None:
    from service.database import make_engine, make_session_factory, unit_of_work
    from service.dataset.load import load_starter
    from service.migrate import upgrade

    _edit(data_copy / FILE, lambda records: records[0].update(kind="spaceport"))
    engine = make_engine(empty_db_url)
    upgrade(engine)
    with pytest.raises(ImportRejected) as caught, unit_of_work(make_session_factory(engine)) as session:
        load_starter(session=session, data_dir=data_copy)
    assert any(p.file == FILE for p in caught.value.problems)
    engine.dispose()
