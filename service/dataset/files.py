"""Read the starter dataset files in data/ into validated records."""

from __future__ import annotations

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
    "counties.yaml": County,
    "towns.yaml": Town,
    "pairings.yaml": Pairing,
    "parks.yaml": ParkRecord,
    "destinations.yaml": DestinationCreate,  # destinations of the other kinds (workshops, agricultural bases, …)
    "costs.yaml": CostFigure,
}
FIRMS_FILE = "firms.csv"

M = TypeVar("M", bound=BaseModel)


@dataclass
class Catalog:
    """Every record of the starter dataset except firms."""

    industries: list[Industry] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    industry_inputs: list[IndustryInput] = field(default_factory=list)
    counties: list[County] = field(default_factory=list)
    towns: list[Town] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)
    parks: list[ParkRecord] = field(default_factory=list)
    destinations: list[DestinationCreate] = field(default_factory=list)
    costs: list[CostFigure] = field(default_factory=list)


def _read_yaml(path: Path, problems: list[Problem]) -> list[Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    return catalog, problems
