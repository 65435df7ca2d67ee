"""Read the starter dataset files in data/ into validated records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from service.catalog.schemas import (
    CostFigure,
    County,
    Industry,
    IndustryInput,
    IndustryInputDefault,
    Pairing,
    Resource,
    Town,
)
from service.config import DATA_DIR as DATA_DIR
from service.destinations.schemas import DestinationCreate
from service.errors import Problem
from service.parks.schemas import ParkRecord

# One file per kind; the order is the order of loading (references point backwards).
FILES: dict[str, type[BaseModel]] = {
    "industries.yaml": Industry,
    "resources.yaml": Resource,
    "industry_inputs.yaml": IndustryInput,
    "industry_input_defaults.yaml": IndustryInputDefault,
    "counties.yaml": County,
    "towns.yaml": Town,
    "pairings.yaml": Pairing,
    "parks.yaml": ParkRecord,
    "destinations.yaml": DestinationCreate,  # destinations of the other kinds (workshops, agricultural bases, …)
    "costs.yaml": CostFigure,
}
FIRMS_FILE = "firms.csv"
# Buyers (market cooperation) and employers with vacancies (labour cooperation), imported after the firms:
# a CSV, and a JSON file, whose vacancies keep English roles and skills that a cell cannot hold.
BUYERS_FILE = "buyers.csv"
EMPLOYERS_FILE = "employers.json"

M = TypeVar("M", bound=BaseModel)
# The C loader reads the 2,000-record industry catalogue about ten times faster than the Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Catalog:
    """Every record of the starter dataset except firms."""

    industries: list[Industry] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    industry_inputs: list[IndustryInput] = field(default_factory=list)
    industry_input_defaults: list[IndustryInputDefault] = field(default_factory=list)
    # Derived, not read: the family default of every class that has no inputs of its own.
    default_inputs: list[IndustryInput] = field(default_factory=list)
    counties: list[County] = field(default_factory=list)
    towns: list[Town] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)
    parks: list[ParkRecord] = field(default_factory=list)
    destinations: list[DestinationCreate] = field(default_factory=list)
    costs: list[CostFigure] = field(default_factory=list)


def _parse(text: str) -> Any:
    """Parse a data file: a generated file written as JSON lines (valid YAML too) takes the fast JSON path."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    if body.lstrip().startswith("[\n{"):
        try:
            return json.loads(body)
        except json.JSONDecodeError:
            pass  # not JSON after all: let the YAML parser report where it is wrong
    return yaml.load(text, Loader=_LOADER)  # a safe loader


def _read_yaml(path: Path, problems: list[Problem]) -> list[Any]:
    try:
        loaded = _parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(file=path.name, message="文件不存在 / file not found"))
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(file=path.name, message=f"YAML 格式错误 / invalid YAML: {exc}"))
        return []
    if loaded is None:
        return []
    if not isinstance(loaded, list):
        problems.append(Problem(file=path.name, message="文件应为记录列表 / file must be a list of records"))
        return []
    return loaded


def _validate(model: type[M], items: list[Any], file: str, problems: list[Problem]) -> list[M]:
    adapter = TypeAdapter(model)
    records: list[M] = []
    for index, item in enumerate(items, start=1):
        try:
            records.append(adapter.validate_python(item))
        except ValidationError as exc:
            problems.extend(Problem.from_validation(exc, file=file, row=index))
    return records


def read_catalog(data_dir: Path = DATA_DIR) -> tuple[Catalog, list[Problem]]:
    """Read and validate every catalog file; return the records and all problems found."""
    problems: list[Problem] = []
    catalog = Catalog()
    for filename, model in FILES.items():
        records = _validate(model, _read_yaml(data_dir / filename, problems), filename, problems)
        setattr(catalog, filename.removesuffix(".yaml"), records)
    catalog.default_inputs = family_defaults(catalog)
    return catalog, problems


def family_defaults(catalog: Catalog) -> list[IndustryInput]:
    """Estimated inputs for every class without its own: its group's default, else its division's."""
    by_family = {d.family: d for d in catalog.industry_input_defaults}
    own = {i.industry for i in catalog.industry_inputs}
    inputs: list[IndustryInput] = []
    for industry in catalog.industries:
        code = industry.code
        if len(code) != 5 or code in own:
            continue
        default = by_family.get(code[:4]) or by_family.get(code[:3])
        if default is not None:
            inputs.extend(default.inputs_for(code))
    return inputs
