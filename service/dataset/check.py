"""Check the starter dataset: valid records, cross-references, sources and minimum counts."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from service.catalog.schemas import TownKind, industry_level, industry_parent
from service.catalog.words import town_words
from service.dataset import standard
from service.dataset.files import DATA_DIR, FIRMS_FILE, Catalog, read_catalog
from service.destinations.schemas import KIND_LABELS, CoBuiltParkDetails, DestinationKind
from service.errors import Problem
from service.firms.columns import BY_KEY, header_key, row_to_fields
from service.firms.schemas import FirmCreate
from service.sourcing import unlisted_targets

__all__ = ["MINIMUM_COUNTS", "CheckReport", "check_dataset", "main", "read_firms"]

# What the starter dataset must hold at least: (count key, minimum, file, Chinese label).
MINIMUM_COUNTS: dict[str, tuple[int, str, str]] = {
    "parks": (7, "parks.yaml", "园区"),
    "destinations": (35, "destinations.yaml", "目的地（含园区）"),
    "counties": (4, "counties.yaml", "县区"),
    "towns": (23, "towns.yaml", "镇街"),
    "industry_classes": (1380, "industries.yaml", "行业小类"),
    "resources": (15, "resources.yaml", "资源"),
    "firms": (400, FIRMS_FILE, "企业"),
}


@dataclass
class CheckReport:
    """The outcome of a dataset check: every problem found and how many records of each kind."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_firms(path: Path) -> tuple[list[FirmCreate], list[int], list[Problem]]:
    """Read a firm CSV (UTF-8, Chinese or English headers); return firms, their row numbers and problems."""
    problems: list[Problem] = []
    firms: list[FirmCreate] = []
    rows: list[int] = []
    name = path.name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        return [], [], [Problem(file=name, message="文件不存在 / file not found")]
    with handle:
        reader = csv.DictReader(handle)
        headers = reader.fieldnames or []
        keys = {header: header_key(header) for header in headers}
        for header, key in keys.items():
            if key is None:
                problems.append(Problem(file=name, row=1, column=header, message="未知列 / unknown column"))
        column_names = {key: header for header, key in keys.items() if key}
        for missing in ("name_zh", "town", "industries", "employees"):
            if missing not in column_names:
                problems.append(
                    Problem(
                        file=name, row=1, column=BY_KEY[missing].zh,
                        message=f"缺少必填列 / missing required column {missing}",
                    )
                )
        for number, raw in enumerate(reader, start=2):
            cells: dict[str, str] = {}
            for header, value in raw.items():
                key = keys.get(header) if header is not None else None
                if key:  # extra cells beyond the header (header None) and unknown columns are skipped
                    cells[key] = value if isinstance(value, str) else ""
            fields, cell_errors = row_to_fields(cells)
            for key, message in cell_errors:
                problems.append(Problem(file=name, row=number, column=column_names.get(key, key), message=message))
            if cell_errors:
                continue
            try:
                firms.append(FirmCreate(**fields))
                rows.append(number)
            except ValidationError as exc:
                problems.extend(Problem.from_validation(exc, file=name, row=number, column_names=column_names))
    return firms, rows, problems


def _duplicates(codes: Iterable[str]) -> set[str]:
    return {code for code, n in Counter(codes).items() if n > 1}


def _check_catalog(catalog: Catalog) -> list[Problem]:
    problems: list[Problem] = []

    def bad(file: str, row: int, column: str, zh: str, en: str) -> None:
        problems.append(Problem(file=file, row=row, column=column, message=f"{zh} / {en}"))

    industries = {i.code for i in catalog.industries}
    resources = {r.code for r in catalog.resources}
    counties = {c.code for c in catalog.counties}
    towns = {t.code for t in catalog.towns}
    parks = {p.code for p in catalog.parks}

    def industry_ref(file: str, row: int, column: str, code: str) -> None:
        if code not in industries:
            bad(file, row, column, f"行业代码 {code} 不在行业目录中", f"industry code {code} is not in industries.yaml")

    # Duplicates.
    for file, codes in (
        ("industries.yaml", [i.code for i in catalog.industries]),
        ("resources.yaml", [r.code for r in catalog.resources]),
        ("counties.yaml", [c.code for c in catalog.counties]),
        ("towns.yaml", [t.code for t in catalog.towns]),
        ("parks.yaml", [p.code for p in catalog.parks]),
    ):
        for dup in sorted(_duplicates(codes)):
            row = codes.index(dup, codes.index(dup) + 1) + 1
            bad(file, row, "code", f"代码 {dup} 重复", f"duplicate code {dup}")

    # Industries: hierarchy and supply-chain links.
    for row, industry in enumerate(catalog.industries, start=1):
        parent = industry_parent(industry.code)
        if parent is not None and parent not in industries:
            bad(
                "industries.yaml", row, "code",
                f"{industry.code} 缺少上级 {parent}", f"{industry.code} has no parent record {parent}",
            )
        for target in industry.supplies_to:
            industry_ref("industries.yaml", row, "supplies_to", target)

    # Inputs.
    seen_inputs: set[tuple[str, str]] = set()
    for row, item in enumerate(catalog.industry_inputs, start=1):
        industry_ref("industry_inputs.yaml", row, "industry", item.industry)
        if item.resource not in resources:
            bad("industry_inputs.yaml", row, "resource", f"资源 {item.resource} 不存在", f"unknown resource {item.resource}")
        if (item.industry, item.resource) in seen_inputs:
            bad(
                "industry_inputs.yaml", row, "resource",
                f"{item.industry} 的 {item.resource} 重复", f"duplicate input {item.resource} for {item.industry}",
            )
        seen_inputs.add((item.industry, item.resource))
        if not item.estimate and not item.source:
            bad("industry_inputs.yaml", row, "source", "非估算值须注明出处", "a figure that is not an estimate needs a source")

    # Counties and towns need sources.
    for row, county in enumerate(catalog.counties, start=1):
        if not county.sources:
            bad("counties.yaml", row, "sources", "县区至少需要一个出处", "a county needs at least one source")
    for row, town in enumerate(catalog.towns, start=1):
        for code in town.cluster_industries:
            industry_ref("towns.yaml", row, "cluster_industries", code)
            if code in industries and industry_level(code).value != "class":
                bad("towns.yaml", row, "cluster_industries", f"{code} 应为小类", f"{code} must be a four-digit class")

    # Every name or alias resolves to one town only.
    owner: dict[str, str] = {}
    for row, town in enumerate(catalog.towns, start=1):
        for word in sorted(town_words(town.code, town.name_zh, town.name_en, town.aliases, town.includes)):
            if owner.setdefault(word, town.code) != town.code:
                bad("towns.yaml", row, "aliases", f"名称 {word} 同时指向 {owner[word]} 和 {town.code}",
                    f"the name {word} would resolve to both {owner[word]} and {town.code}")
        if town.kind is None:
            bad("towns.yaml", row, "kind", "须注明街道（subdistrict）或镇（town）", "kind must be subdistrict or town")

    for row, pairing in enumerate(catalog.pairings, start=1):
        if pairing.town not in towns:
            bad("pairings.yaml", row, "town", f"镇街 {pairing.town} 不存在", f"unknown town {pairing.town}")
        if pairing.county not in counties:
            bad("pairings.yaml", row, "county", f"县区 {pairing.county} 不存在", f"unknown county {pairing.county}")
        for member in pairing.members:
            if member not in towns:
                bad("pairings.yaml", row, "members", f"镇街 {member} 不存在", f"unknown town {member}")
        if not pairing.group_zh and not pairing.township_zh:
            bad("pairings.yaml", row, "group_zh", "须注明组团或结对乡镇", "name the town group or the paired township")

    # Every class has at least labour, land and electricity, its own or its family's default.
    has = {(i.industry, i.resource) for i in [*catalog.industry_inputs, *catalog.default_inputs]}
    for row, industry in enumerate(catalog.industries, start=1):
        if industry_level(industry.code).value != "class":
            continue
        missing = [r for r in ("labour", "land", "electricity") if (industry.code, r) not in has]
        if missing:
            bad("industry_input_defaults.yaml", row, "family",
                f"{industry.code} 缺少投入强度 {', '.join(missing)}：请在 industry_inputs.yaml 或其中类/大类默认值中补上",
                f"{industry.code} has no {', '.join(missing)} input: add it to industry_inputs.yaml or a family default")
    for row, default in enumerate(catalog.industry_input_defaults, start=1):
        industry_ref("industry_input_defaults.yaml", row, "family", default.family)
        if len(default.family) not in (3, 4):
            bad("industry_input_defaults.yaml", row, "family", f"{default.family} 应为大类或中类",
                f"{default.family} must be a division or a group")

    # Parks.
    for row, park in enumerate(catalog.parks, start=1):
        if park.county not in counties:
            bad("parks.yaml", row, "county", f"县区 {park.county} 不存在", f"unknown county {park.county}")
        for code in park.target_industries:
            industry_ref("parks.yaml", row, "target_industries", code)
        for index, anchor in enumerate(park.anchors):
            if anchor.industry:
                industry_ref("parks.yaml", row, f"anchors.{index}.industry", anchor.industry)
        for index, supply in enumerate(park.supplies):
            column = f"supplies.{index}.resource"
            if supply.resource not in resources:
                bad("parks.yaml", row, column, f"资源 {supply.resource} 不存在", f"unknown resource {supply.resource}")
        for index, restriction in enumerate(park.restrictions):
            if restriction.kind.value == "industry":
                for code in restriction.values:
                    industry_ref("parks.yaml", row, f"restrictions.{index}.values", code)
        for index, policy in enumerate(park.policies):
            if not policy.estimate and policy.source is None:
                bad(
                    "parks.yaml", row, f"policies.{index}",
                    "政策须注明出处或标为未证实（estimate: true）", "a policy needs a source or estimate: true",
                )
        if not park.sources:
            bad("parks.yaml", row, "sources", "园区至少需要一个出处", "a park needs at least one source")
        if park.location is None:
            bad("parks.yaml", row, "location", "缺少位置", "missing location")

    for row, park in enumerate(catalog.parks, start=1):
        for code in unlisted_targets(list(park.target_industries), list(park.sources)):
            bad("parks.yaml", row, "sources.targets", f"出处所列目标行业 {code} 不在 target_industries 中",
                f"sources[].targets names {code}, which target_industries does not list")
        for index, relation in enumerate(park.relations):
            if relation.park not in parks or relation.park == park.code:
                bad("parks.yaml", row, f"relations.{index}.park", f"相关园区 {relation.park} 不存在",
                    f"unknown related park {relation.park}")


    # Costs: the place exists; one record per place and kind.
    places = {"city": {"zhongshan"}, "county": counties, "park": parks}
    seen_costs: set[tuple[str, str, str]] = set()
    for row, cost in enumerate(catalog.costs, start=1):
        if cost.place not in places[cost.place_kind.value]:
            bad(
                "costs.yaml", row, "place",
                f"{cost.place_kind.value} {cost.place} 不存在", f"unknown {cost.place_kind.value} {cost.place}",
            )
        key = (cost.place_kind.value, cost.place, cost.kind.value)
        if key in seen_costs:
            bad("costs.yaml", row, "kind", f"{cost.place} 的 {cost.kind.value} 重复", f"duplicate {cost.kind.value} for {cost.place}")
        seen_costs.add(key)
    return problems


DESTINATIONS_FILE = "destinations.yaml"


def _record_rows(path: Path) -> dict[str, int]:
    """Code → position of its record in a YAML list file, so a problem names the record even when an earlier
    record failed validation (and so is missing from the catalog)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(loaded, list):
        return {}
    return {str(r["code"]): n for n, r in enumerate(loaded, start=1) if isinstance(r, dict) and "code" in r}


def _check_destinations(catalog: Catalog, rows: dict[str, int]) -> list[Problem]:
    """destinations.yaml: known references, codes unique across parks and destinations, sources and location."""
    problems: list[Problem] = []
    file = DESTINATIONS_FILE

    def bad(_file: str, row: int, column: str, zh: str, en: str) -> None:
        problems.append(Problem(file=file, row=row, column=column, message=f"{zh} / {en}"))

    industries = {i.code for i in catalog.industries}
    resources = {r.code for r in catalog.resources}
    counties = {c.code for c in catalog.counties}
    towns = {t.code for t in catalog.towns}
    seen = {p.code for p in catalog.parks}
    for index, dest in enumerate(catalog.destinations, start=1):
        row = rows.get(dest.code, index)
        zh, en = KIND_LABELS[dest.kind]
        if dest.kind is DestinationKind.park:
            bad(file, row, "kind", "园区写在 parks.yaml 中", "parks belong in parks.yaml")
        if dest.code in seen:
            bad(file, row, "code", f"代码 {dest.code} 重复（代码在所有目的地中唯一）",
                f"duplicate code {dest.code} (codes are unique across every kind)")
        seen.add(dest.code)
        if dest.county not in counties:
            bad(file, row, "county", f"县区 {dest.county} 不存在", f"unknown county {dest.county}")
        for code in dest.target_industries:
            if code not in industries:
                bad(file, row, "target_industries", f"行业代码 {code} 不在行业目录中",
                    f"industry code {code} is not in industries.yaml")
        for index, supply in enumerate(dest.supplies):
            if supply.resource not in resources:
                bad(file, row, f"supplies.{index}.resource", f"资源 {supply.resource} 不存在",
                    f"unknown resource {supply.resource}")
        details = dest.details
        if isinstance(details, CoBuiltParkDetails):
            if details.partner_town not in towns:
                bad(file, row, "details.partner_town", f"镇街 {details.partner_town} 不存在",
                    f"unknown town {details.partner_town}")
            if details.partner_county and details.partner_county not in counties:
                bad(file, row, "details.partner_county", f"县区 {details.partner_county} 不存在",
                    f"unknown county {details.partner_county}")
        for index, policy in enumerate(getattr(details, "subsidies", [])):
            if not policy.estimate and policy.source is None:
                bad(file, row, f"details.subsidies.{index}", "补贴须注明出处或标为未证实（estimate: true）",
                    "a subsidy needs a source or estimate: true")
        if not dest.sources:
            bad(file, row, "sources", f"{zh}至少需要一个出处", f"a {en} needs at least one source")
        if dest.location is None:
            bad(file, row, "location", "缺少位置", "missing location")
    return problems


def _check_firms(catalog: Catalog, firms: list[FirmCreate], rows: list[int]) -> list[Problem]:
    problems: list[Problem] = []
    industries = {i.code for i in catalog.industries}
    units = {r.code: r.unit for r in catalog.resources}
    towns = {t.code for t in catalog.towns} | {t.name_zh for t in catalog.towns}
    for firm, row in zip(firms, rows, strict=True):
        def bad(column: str, zh: str, en: str, row: int = row) -> None:
            problems.append(Problem(file=FIRMS_FILE, row=row, column=BY_KEY[column].zh, message=f"{zh} / {en}"))

        if firm.town not in towns:
            bad("town", f"镇街 {firm.town} 不存在", f"unknown town {firm.town}")
        for code in firm.industries:
            if code not in industries:
                bad("industries", f"行业代码 {code} 不在行业目录中", f"industry code {code} is not in industries.yaml")
            elif industry_level(code).value != "class":
                bad("industries", f"{code} 应为小类", f"{code} must be a four-digit class")
        for item in firm.inputs:
            if item.resource not in units:
                bad("inputs", f"资源 {item.resource} 不存在", f"unknown resource {item.resource}")
            elif item.unit != units[item.resource]:
                bad(
                    "inputs",
                    f"{item.resource} 的单位应为 {units[item.resource]}，实为 {item.unit!r}",
                    f"unit of {item.resource} must be {units[item.resource]}, got {item.unit!r}",
                )
    return problems


def check_dataset(data_dir: Path = DATA_DIR) -> CheckReport:
    """Check every file in data_dir and return the problems found and the record counts."""
    catalog, problems = read_catalog(data_dir)
    problems.extend(standard.stale(data_dir))
    problems.extend(_check_catalog(catalog))
    problems.extend(_check_destinations(catalog, _record_rows(data_dir / DESTINATIONS_FILE)))
    firms, rows, firm_problems = read_firms(data_dir / FIRMS_FILE)
    problems.extend(firm_problems)
    problems.extend(_check_firms(catalog, firms, rows))
    numbers = standard.counts(catalog.industries)
    own_inputs = {i.industry for i in catalog.industry_inputs}
    all_inputs = own_inputs | {i.industry for i in catalog.default_inputs}
    counts = {
        "industries": len(catalog.industries),
        "sections": numbers["sections"],
        "divisions": numbers["divisions"],
        "groups": numbers["groups"],
        "industry_classes": numbers["classes"],
        "classes_with_keywords": numbers["classes_with_keywords"],
        "classes_with_inputs": sum(1 for i in catalog.industries if len(i.code) == 5 and i.code in all_inputs),
        "classes_with_own_inputs": sum(1 for i in catalog.industries if len(i.code) == 5 and i.code in own_inputs),
        "industry_inputs": len(catalog.industry_inputs),
        "industry_inputs_from_family_defaults": len(catalog.default_inputs),
        "resources": len(catalog.resources),
        "counties": len(catalog.counties),
        "towns": len(catalog.towns),
        "subdistricts": sum(1 for t in catalog.towns if t.kind is TownKind.subdistrict),
        "towns_zhen": sum(1 for t in catalog.towns if t.kind is TownKind.town),
        "towns_with_clusters": sum(1 for t in catalog.towns if t.cluster_industries),
        "town_aliases": sum(len(t.aliases) for t in catalog.towns),
        "pairings": len(catalog.pairings),
        "pairings_township": sum(1 for p in catalog.pairings if p.township_zh),
        "parks": len(catalog.parks),
        **{f"destinations.{kind.value}": sum(1 for d in catalog.destinations if d.kind is kind)
           for kind in DestinationKind if kind is not DestinationKind.park},
        "destinations": len(catalog.parks) + len(catalog.destinations),
        "costs": len(catalog.costs),
        "firms": len(firms),
    }
    for key, (minimum, file, label) in MINIMUM_COUNTS.items():
        if counts[key] < minimum:
            problems.append(
                Problem(
                    file=file,
                    message=f"{label}数量不足：{counts[key]} < {minimum} / too few {key}: {counts[key]} < {minimum}",
                )
            )
    return CheckReport(problems=problems, counts=counts)


def main(argv: list[str] | None = None) -> int:
    """Print the dataset's counts and problems as tables; return 1 when there are problems."""
    import argparse

    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(
        prog="python -m service.dataset.check", description="检查启动数据集 / Check the starter dataset"
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="数据目录 / data directory")
    args = parser.parse_args(argv)
    report = check_dataset(args.data_dir)
    console = Console()
    counts = Table(title="记录数 / Record counts")
    counts.add_column("类别 / Kind")
    counts.add_column("数量 / Count", justify="right")
    counts.add_column("最少 / Minimum", justify="right")
    for key, value in report.counts.items():
        minimum = MINIMUM_COUNTS.get(key)
        counts.add_row(key, str(value), str(minimum[0]) if minimum else "")
    console.print(counts)
    if report.ok:
        console.print("[green]数据集检查通过 / dataset check passed[/green]")
        return 0
    table = Table(title=f"问题 / Problems ({len(report.problems)})")
    for column in ("文件 / File", "行 / Row", "字段 / Field", "问题 / Problem"):
        table.add_column(column)
    for problem in report.problems:
        table.add_row(
            problem.file or "", "" if problem.row is None else str(problem.row), problem.column or "", problem.message
        )
    console.print(table)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
