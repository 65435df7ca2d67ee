"""Read the region pair (origin and destination cities, citywide facts, county products) from the data folder."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, Field

from service.matching.snapshot.world import RegionPair, Season
from service.schema import Schema
from service.sourcing import Figure

REGION_FILE = "region.yaml"


class _Text(Schema):
    model_config = ConfigDict(extra="forbid")

    text_zh: str
    text_en: str
    source: str | None = None
    figure: Figure | None = None


class _City(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str
    name_zh: str
    name_en: str
    market_zh: str | None = None
    market_en: str | None = None


class _Season(Schema):
    model_config = ConfigDict(extra="forbid")

    months: list[int] = Field(default_factory=list)
    note_zh: str
    note_en: str
    source: str | None = None


class _LabourFact(Schema):
    model_config = ConfigDict(extra="forbid")

    text_zh: str
    text_en: str
    source: str


class _RegionFile(Schema):
    model_config = ConfigDict(extra="forbid")

    origin: _City
    destination: _City
    fallback_wage: Figure
    pairing: _Text
    labour_outflow: _Text
    county_product_strength: float = Field(ge=0, le=1)
    county_products: dict[str, dict[str, str]] = Field(default_factory=dict)
    county_projects: dict[str, str] = Field(default_factory=dict)
    substitutes: dict[str, dict[str, float]] = Field(default_factory=dict)
    cold_chain: dict[str, Figure] = Field(default_factory=dict)
    seasons: dict[str, _Season] = Field(default_factory=dict)
    labour_facts: list[_LabourFact] = Field(default_factory=list)


def load_region(data_dir: Path) -> RegionPair:
    """The region pair of the dataset in ``data_dir`` (validated; a missing or wrong file raises)."""
    import yaml  # only a world read from the database needs the file (a saved world names its digest)

    raw = yaml.safe_load((data_dir / REGION_FILE).read_text(encoding="utf-8"))
    spec = _RegionFile.model_validate(raw)
    return RegionPair(
        origin_city=spec.origin.code, destination_city=spec.destination.code,
        origin_zh=spec.origin.name_zh, origin_en=spec.origin.name_en,
        market_zh=spec.origin.market_zh or spec.origin.name_zh, market_en=spec.origin.market_en or spec.origin.name_en,
        destination_zh=spec.destination.name_zh, destination_en=spec.destination.name_en,
        pairing_zh=spec.pairing.text_zh, pairing_en=spec.pairing.text_en, pairing_source=spec.pairing.source or "",
        labour_outflow_zh=spec.labour_outflow.text_zh, labour_outflow_en=spec.labour_outflow.text_en,
        labour_outflow=spec.labour_outflow.figure, county_products=spec.county_products,
        county_projects=spec.county_projects, county_product_strength=spec.county_product_strength,
        substitutes=spec.substitutes, fallback_wage=spec.fallback_wage, cold_chain=spec.cold_chain,
        seasons={code: Season(months=tuple(s.months), note_zh=s.note_zh, note_en=s.note_en, source=s.source)
                 for code, s in spec.seasons.items()},
        labour_facts=tuple((f.text_zh, f.text_en, f.source) for f in spec.labour_facts),
    )
