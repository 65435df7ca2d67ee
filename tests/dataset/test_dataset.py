"""The shipped starter dataset: it passes its own check, regenerates byte for byte, and looks real."""

from __future__ import annotations

import csv
import shutil
import statistics
from pathlib import Path

import pytest
import yaml

from service.catalog.schemas import CostKind
from service.dataset.check import check_dataset, main, read_firms
from service.dataset.files import DATA_DIR, FIRMS_FILE, Catalog, read_catalog
from service.dataset.synthetic import DEFAULT_SEED, NAME_MARK_EN, NAME_MARK_ZH, generate, write_csv
from service.firms.schemas import EnvCategory, FirmCreate


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    records, problems = read_catalog(DATA_DIR)
    assert problems == []
    return records


@pytest.fixture(scope="module")
def firms() -> list[FirmCreate]:
    records, _, problems = read_firms(DATA_DIR / FIRMS_FILE)
    assert problems == []
    return records


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("eval"))
    return target


def _edit_yaml(path: Path, edit: object) -> None:
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(records)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_shipped_dataset_passes_the_check_with_the_required_counts() -> None:
    report = check_dataset(DATA_DIR)

    assert report.ok, "\n".join(str(p) for p in report.problems)
    assert report.counts["parks"] >= 7
    assert report.counts["counties"] == 4
    assert report.counts["towns"] >= 14
    assert report.counts["industry_classes"] >= 60
    assert report.counts["resources"] >= 15
    assert report.counts["firms"] >= 400


def test_regenerating_with_the_same_seed_gives_the_same_bytes(catalog: Catalog, tmp_path: Path) -> None:
    shipped = (DATA_DIR / FIRMS_FILE).read_bytes()
    count = shipped.count(b"\n") - 1  # minus the header line

    write_csv(generate(catalog, seed=DEFAULT_SEED, count=count), tmp_path / "firms.csv")

    assert (tmp_path / "firms.csv").read_bytes() == shipped


def test_another_seed_gives_other_firms(catalog: Catalog) -> None:
    first = generate(catalog, seed=1, count=20)
    second = generate(catalog, seed=2, count=20)

    assert [f.name_zh for f in first] != [f.name_zh for f in second]


def test_firm_sizes_are_heavy_tailed(firms: list[FirmCreate]) -> None:
    employees = sorted(f.employees for f in firms)
    median = statistics.median(employees)
    top_5_percent = employees[int(len(employees) * 0.95)]

    assert median < 100
    assert top_5_percent > 5 * median
    assert sum(e >= 1000 for e in employees) >= 3
    assert sum(10 <= e <= 80 for e in employees) > len(employees) / 2


def test_every_firm_is_synthetic_and_visibly_fictional(firms: list[FirmCreate]) -> None:
    for firm in firms:
        assert firm.synthetic is True
        assert firm.credit_code is None
        assert firm.name_zh.endswith(NAME_MARK_ZH), firm.name_zh
        assert firm.name_en.endswith(NAME_MARK_EN), firm.name_en
    assert len({f.name_zh for f in firms}) == len(firms)


def test_firm_inputs_follow_their_industry_and_resource_units(catalog: Catalog, firms: list[FirmCreate]) -> None:
    units = {r.code: r.unit for r in catalog.resources}
    by_industry: dict[str, dict[str, float | None]] = {}
    for item in [*catalog.industry_inputs, *catalog.default_inputs]:
        by_industry.setdefault(item.industry, {})[item.resource] = item.per_million_yuan

    for firm in firms:
        intensities = by_industry[firm.industries[0]]
        assert firm.inputs, firm.name_zh
        for item in firm.inputs:
            assert item.resource in intensities, (firm.industries[0], item.resource)
            assert item.unit == units[item.resource]
        # Power per 1M yuan of revenue stays within a factor of three of the industry figure.
        assert firm.revenue_10k_yuan and firm.electricity_kwh
        kwh_per_million = firm.electricity_kwh / (firm.revenue_10k_yuan / 100)
        expected = intensities["electricity"]
        assert expected is not None
        assert expected / 3 < kwh_per_million < expected * 3, firm.name_zh


def test_lighting_towns_export_more_than_cured_meat(firms: list[FirmCreate]) -> None:
    def mean_export(town: str) -> float:
        return statistics.mean(f.export_share or 0 for f in firms if f.town == town)

    assert mean_export("guzhen") > mean_export("huangpu") + 0.2


def test_plating_and_dyeing_firms_need_a_full_eia_report(firms: list[FirmCreate]) -> None:
    heavy = [f for f in firms if {"C3360", "C1713"} & set(f.industries)]

    assert heavy, "the sample should hold a few plating or dyeing firms"
    assert all(f.env_category is EnvCategory.report for f in heavy)


def test_every_park_and_town_has_a_source_and_every_cost_is_sourced_or_estimated(catalog: Catalog) -> None:
    assert all(p.sources for p in catalog.parks)
    assert all(t.sources for t in catalog.towns)
    for cost in catalog.costs:
        assert cost.figure.estimate or (cost.figure.source and cost.figure.as_of)
    zhongshan = {c.kind: c.figure for c in catalog.costs if c.place == "zhongshan"}
    assert zhongshan[CostKind.wage].value == 5370 and not zhongshan[CostKind.wage].estimate
    assert zhongshan[CostKind.land_price].value == 590400 and not zhongshan[CostKind.land_price].estimate


def test_shuicheng_supplies_the_sourced_liquid_aluminium(catalog: Catalog) -> None:
    park = next(p for p in catalog.parks if p.code == "shuicheng_edz")
    supply = next(s for s in park.supplies if s.resource == "liquid_aluminium")

    assert supply.capacity is not None and supply.capacity.value == 145000 and supply.capacity.source
    assert park.free_land_mu is not None and park.free_land_mu.estimate  # supplied land is not free land


def test_a_figure_without_source_is_reported_with_file_row_and_field(data_copy: Path) -> None:
    def strip_source(towns: list[dict[str, object]]) -> None:
        figure = towns[0]["facts"][0]["figure"]  # type: ignore[index]
        del figure["source"]

    _edit_yaml(data_copy / "towns.yaml", strip_source)

    report = check_dataset(data_copy)

    assert not report.ok
    problem = next(p for p in report.problems if p.file == "towns.yaml")
    assert problem.row == 1
    assert problem.column is not None and problem.column.startswith("facts.0.figure")
    assert "estimate" in problem.message


def test_a_dangling_industry_code_is_reported(data_copy: Path) -> None:
    _edit_yaml(data_copy / "parks.yaml", lambda parks: parks[2]["target_industries"].append("C9999"))

    report = check_dataset(data_copy)

    problem = next(p for p in report.problems if "C9999" in p.message)
    assert (problem.file, problem.row, problem.column) == ("parks.yaml", 3, "target_industries")


def test_a_class_without_its_group_is_reported(data_copy: Path) -> None:
    _edit_yaml(data_copy / "industries.yaml", lambda rows: rows.remove(next(r for r in rows if r["code"] == "C387")))

    report = check_dataset(data_copy)

    assert any(p.file == "industries.yaml" and "C387" in p.message for p in report.problems)


def test_a_firm_input_in_the_wrong_unit_is_reported(data_copy: Path) -> None:
    path = data_copy / FIRMS_FILE
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("主要投入 inputs")
    first_input = rows[1][column].split(";")[0]
    resource, quantity, _unit = first_input.split(":")
    rows[1][column] = f"{resource}:{quantity}:kg"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    report = check_dataset(data_copy)

    problem = next(p for p in report.problems if p.file == FIRMS_FILE)
    assert (problem.row, problem.column) == (2, "主要投入")
    assert "kg" in problem.message


def test_too_few_parks_is_reported(data_copy: Path) -> None:
    _edit_yaml(data_copy / "parks.yaml", lambda parks: parks.__delitem__(slice(3, None)))

    report = check_dataset(data_copy)

    assert any(p.file == "parks.yaml" and "3 < 7" in p.message for p in report.problems)


def test_the_check_command_exits_1_on_problems(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(DATA_DIR)]) == 0
    (data_copy / "counties.yaml").unlink()

    assert main(["--data-dir", str(data_copy)]) == 1
    assert "counties.yaml" in capsys.readouterr().out
