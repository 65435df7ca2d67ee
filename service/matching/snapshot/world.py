"""World, FirmProfile, DestinationProfile and their feature arrays: what ranking reads once the snapshot is built."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from service.catalog import schemas as cs
from service.destinations.schemas import KIND_LABELS, DestinationKind
from service.firms.schemas import EnvCategory
from service.parks.schemas import Anchor, Location, Policy, Restriction, Supply
from service.sourcing import Figure, Source

ENV_ORDER: tuple[str, ...] = tuple(e.value for e in EnvCategory)
# Relocation cues a prospect's text can state (retrieval.text_figures reads them), in array column order,
# with how explanations name them; and how anything read from the text is marked wherever it is shown.
CUE_LABELS: dict[str, tuple[str, str]] = {
    "rent_rising": ("厂房租金上涨", "factory rent rising"), "land_shortage": ("用地不足", "short of land"),
    "hiring_difficulty": ("招工难", "hard to hire"), "expansion": ("有扩产计划", "plans to expand"),
    "southwest_customers": ("客户在西南", "customers in the southwest"),
}
CUE_CODES: tuple[str, ...] = tuple(CUE_LABELS)
READ_FROM_TEXT: tuple[str, str] = ("从描述中读取", "read from your text")
# Relation kinds between a firm's class and a destination's targets, strongest first (index = code in arrays).
RELATIONS: tuple[str, ...] = ("none", "exact", "division_target", "same_group", "supply_chain", "anchor",
                              "same_division")
# Industry fit by relation: the destination targets the class itself or a parent code of it (exact), its
# division (as strong as the same group), a class of the same group, a supply-chain neighbour, an anchor
# enterprise's supply-chain neighbour, or a class of the same division.
RELATION_VALUE: dict[str, float] = {
    "none": 0.0, "exact": 1.0, "division_target": 0.7, "same_group": 0.7, "supply_chain": 0.6, "anchor": 0.6,
    "same_division": 0.4,
}


@dataclass(frozen=True)
class Opening:
    """Jobs a firm hires for (hashable, so a prospect's profile can key a memo)."""

    count: int
    role_zh: str
    role_en: str = ""
    skills: tuple[str, ...] = ()
    months: tuple[int, ...] = ()  # empty: all year
    estimate: bool = False


@dataclass(frozen=True)
class FirmProfile:
    """One firm as ranking sees it: a stored firm (id set) or a prospect from a query (id None)."""

    id: int | None
    name_zh: str
    name_en: str = ""
    town: str | None = None
    industries: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    description_zh: str = ""
    description_en: str = ""
    employees: int | None = None
    revenue_10k_yuan: float | None = None
    land_mu: float | None = None
    electricity_kwh: float | None = None
    inputs: tuple[tuple[str, float], ...] = ()
    env_category: str = EnvCategory.registration.value
    expansion: bool = False
    synthetic: bool = False
    buys: tuple[tuple[str, float], ...] = ()  # (resource, yearly quantity in its unit; 0 when unknown)
    vacancies: tuple[Opening, ...] = ()
    # Relocation cues read from a prospect's own text (codes of retrieval.text_figures.CUES); none for stored firms.
    cues: tuple[str, ...] = ()

    def text(self) -> str:
        """The text the encoder reads for this firm."""
        parts = [self.name_zh, self.name_en, "、".join(self.products), self.description_zh, self.description_en,
                 "、".join(v.role_zh for v in self.vacancies)]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class DestinationProfile:
    """One destination as ranking sees it, whatever its kind (industrial park first): identity, place,
    positioning, what it supplies and has free, and its restrictions. ``details`` keeps the kind's own fields."""

    id: int
    kind: str
    code: str
    name_zh: str
    name_en: str
    county: str
    township: str | None = None
    level: str = ""
    location: Location | None = None
    positioning_zh: str = ""
    positioning_en: str = ""
    target_industries: tuple[str, ...] = ()
    free_land_mu: Figure | None = None
    free_factory_m2: Figure | None = None
    line_floor_m2: Figure | None = None  # workshop floor for a production line (measured in seats, not land)
    labour_pool: Figure | None = None
    supplies: tuple[Supply, ...] = ()
    restrictions: tuple[Restriction, ...] = ()
    anchors: tuple[Anchor, ...] = ()
    policies: tuple[Policy, ...] = ()
    sources: tuple[Source, ...] = ()
    # Target industry → the source that states it; a target missing here is assumed by the dataset, never official.
    sourced_targets: Mapping[str, Source] = field(default_factory=dict, compare=False)
    products: tuple[str, ...] = ()  # what an agricultural base grows or a processing centre makes (display names)
    partner_town: str | None = None  # the origin town a co-built park was built with
    volume: Figure | None = None  # how much a base grows (area) or a centre processes (capacity)
    # A labour source: workers leaving each year, placed in the east, trained; local skills, peak months,
    # earlier placements with named employers (zh, en, workers or None, source url).
    outflow: Figure | None = None
    placed_east: Figure | None = None
    trained: Figure | None = None
    skills: tuple[str, ...] = ()
    peak_months: tuple[int, ...] = ()
    placements: tuple[tuple[str, str, Figure | None, str], ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)
    fingerprint: str = ""  # a digest of the stored record: the vectors depend on it

    def label(self, lang: str = "zh") -> str:
        """What the destination is, in words: 园区 / park, 帮扶车间 / workshop, …"""
        return kind_label(self.kind, lang)


def kind_label(kind: str, lang: str = "zh") -> str:
    """The name of a destination kind in Chinese or English (the code itself for an unknown kind)."""
    try:
        zh, en = KIND_LABELS[DestinationKind(kind)]
    except ValueError:
        return kind
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class FirmArrays:
    """Firm features as aligned arrays (one row per firm), so factors score many pairs at once."""

    industry: NDArray[np.bool_]  # (n, classes) the firm is in the class (bool: a quarter of float32's memory at 1M firms)
    demand: NDArray[np.float32]  # (n, resources) 0–1 how much the firm leans on each resource
    explicit: NDArray[np.bool_]  # (n, resources) the firm listed the input itself
    employees: NDArray[np.float64]
    employees_given: NDArray[np.bool_]
    revenue_10k: NDArray[np.float64]
    revenue_given: NDArray[np.bool_]
    land_mu: NDArray[np.float64]
    land_given: NDArray[np.bool_]
    kwh: NDArray[np.float64]
    kwh_given: NDArray[np.bool_]
    tonnes: NDArray[np.float64]  # yearly tonnage shipped back to the market (estimate)
    tonnes_given: NDArray[np.bool_]
    labour_intensity: NDArray[np.float64]
    env: NDArray[np.int8]
    expansion: NDArray[np.bool_]
    town: NDArray[np.int32]  # -1 when unknown
    buys: NDArray[np.float32]  # (n, resources) yearly quantity the firm states it buys (0: none or unknown)
    buys_unsized: NDArray[np.bool_]  # (n, resources) the firm buys the resource but gives no quantity
    openings: NDArray[np.float64]  # jobs the firm hires for (0: none listed)
    hiring_months: NDArray[np.bool_]  # (n, 12) months it hires in (all True when the vacancies give none)
    roles: NDArray[np.object_]  # tuple of the roles and skills each firm's vacancies name
    stored: NDArray[np.bool_]  # a stored firm (False: a prospect asking, which is hiring or buying by asking)
    cues: NDArray[np.bool_]  # (n, len(CUE_CODES)) relocation cues read from the firm's own text

    def __len__(self) -> int:
        return int(self.employees.shape[0])

    def take(self, rows: NDArray[np.intp] | Sequence[int]) -> FirmArrays:
        """Gather rows (repeats allowed) into a new batch."""
        idx = np.asarray(rows, dtype=np.intp)
        return FirmArrays(**{f.name: getattr(self, f.name)[idx] for f in dataclasses.fields(self)})

    @staticmethod
    def concat(parts: Sequence[FirmArrays]) -> FirmArrays:
        return FirmArrays(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                             for f in dataclasses.fields(FirmArrays)})

    def delete(self, row: int) -> FirmArrays:
        return FirmArrays(**{f.name: np.delete(getattr(self, f.name), row, axis=0)
                             for f in dataclasses.fields(self)})

    def replace_rows(self, rows: Sequence[int], value: FirmArrays) -> FirmArrays:
        """A copy with ``rows`` replaced by the rows of ``value``, in order."""
        idx = np.asarray(rows, dtype=np.intp)

        def put(name: str) -> NDArray[Any]:
            out: NDArray[Any] = getattr(self, name).copy()
            out[idx] = getattr(value, name)
            return out
        return FirmArrays(**{f.name: put(f.name) for f in dataclasses.fields(self)})


@dataclass(frozen=True)
class DestinationArrays:
    """Destination features as arrays (one row per destination)."""

    kind: NDArray[np.int16]  # index into World.kind_codes
    affinity: NDArray[np.float32]  # (destinations, classes) industry fit of a class for the destination
    relation: NDArray[np.int8]  # (destinations, classes) index into RELATIONS
    supply: NDArray[np.float32]  # (destinations, resources) effective supply strength incl. substitutes
    free_land: NDArray[np.float64]  # nan when unknown
    free_factory_m2: NDArray[np.float64]
    line_floor_m2: NDArray[np.float64]  # nan unless the destination offers workshop floor for a line
    labour_pool: NDArray[np.float64]
    county: NDArray[np.int32]
    wage: NDArray[np.float64]
    power: NDArray[np.float64]
    land_price: NDArray[np.float64]
    logistics: NDArray[np.float64]
    env_banned: NDArray[np.bool_]  # (destinations, env categories)
    class_banned: NDArray[np.bool_]  # (destinations, classes)


@dataclass(frozen=True)
class RegionPair:
    """The East–West pairing the data describes: origin city (firms' towns), destination city (counties),
    and the citywide facts explanations quote, each with its source. Read from data/, not code."""

    origin_city: str
    destination_city: str
    origin_zh: str
    origin_en: str
    market_zh: str  # where goods made at a destination are shipped back to
    market_en: str
    destination_zh: str
    destination_en: str
    pairing_zh: str
    pairing_en: str
    pairing_source: str
    labour_outflow_zh: str
    labour_outflow_en: str
    labour_outflow: Figure | None
    county_products: Mapping[str, Mapping[str, str]]  # county → resource → source note
    county_projects: Mapping[str, str]  # county → source of earlier cooperation projects
    county_product_strength: float
    substitutes: Mapping[str, Mapping[str, float]]  # resource → substitute → share of the demand it covers
    fallback_wage: Figure  # monthly wage assumed when the origin city has no wage figure (an estimate)
    # Market cooperation: cold-chain hours from a county to the origin city, and each product's season.
    cold_chain: Mapping[str, Figure] = field(default_factory=dict)  # county → hours ("" = any county)
    seasons: Mapping[str, Season] = field(default_factory=dict)  # resource → months it is picked or sold
    # Labour cooperation: citywide placements and agreements (each with its source) every county shares.
    labour_facts: tuple[tuple[str, str, str], ...] = ()  # (zh, en, source)


@dataclass(frozen=True)
class Season:
    """When a product is picked or ready to sell, with its source or an estimate note."""

    months: tuple[int, ...]
    note_zh: str
    note_en: str
    source: str | None = None  # None: an estimate

    def text(self, lang: str = "zh") -> str:
        if not self.months or len(self.months) == 12:
            return "全年" if lang == "zh" else "all year"
        if lang == "zh":
            return "、".join(f"{m}月" for m in self.months)
        names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
        return ", ".join(names[m - 1] for m in self.months)


@dataclass(frozen=True)
class World:
    """Catalogue, destinations, firms and costs loaded once; arrays for scoring."""

    industries: dict[str, cs.Industry]
    resources: dict[str, cs.Resource]
    inputs: dict[str, dict[str, cs.IndustryInput]]
    counties: dict[str, cs.County]
    towns: dict[str, cs.Town]
    pairings: dict[tuple[str, str], cs.Pairing]
    costs: dict[tuple[str, str, str], Figure]
    region: RegionPair
    destinations: list[DestinationProfile]
    firms: list[FirmProfile]
    class_codes: list[str]
    resource_codes: list[str]
    county_codes: list[str]
    town_codes: list[str]
    kind_codes: list[str]
    dest_arrays: DestinationArrays
    firm_arrays: FirmArrays
    relation_target: dict[tuple[int, int], str]  # (destination row, class column) → the code that matched
    paired: NDArray[np.bool_]  # (towns + 1, counties) county-wide pairings; the last row: an unknown town
    township_paired: NDArray[np.bool_]  # (towns + 1, counties) a pairing with one township of the county
    firm_row: dict[int, int] = field(default_factory=dict)
    dest_row: dict[int, int] = field(default_factory=dict)
    dest_by_code: dict[str, int] = field(default_factory=dict)

    # ---------- look-ups ----------

    def class_col(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.class_codes)}

    def resource_col(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.resource_codes)}

    def industry_name(self, code: str, lang: str = "zh") -> str:
        ind = self.industries.get(code)
        if ind is None:
            return code
        return ind.name_zh if lang == "zh" else ind.name_en

    def resource_name(self, code: str, lang: str = "zh") -> str:
        res = self.resources.get(code)
        if res is None:
            return code
        return res.name_zh if lang == "zh" else res.name_en

    def town_name(self, code: str | None, lang: str = "zh") -> str:
        town = self.towns.get(code or "")
        if town is None:
            return code or ("未知镇街" if lang == "zh" else "unknown town")
        return town.name_zh if lang == "zh" else town.name_en

    def county_name(self, code: str, lang: str = "zh") -> str:
        county = self.counties.get(code)
        if county is None:
            return code
        return county.name_zh if lang == "zh" else county.name_en

    def cost_figure(self, kind: cs.CostKind, dest: DestinationProfile | None) -> Figure | None:
        """The most specific cost figure: the destination's, else its county's, else its city's; the origin
        city's when dest is None."""
        if dest is None:
            return self.costs.get((cs.PlaceKind.city.value, self.region.origin_city, kind.value))
        return place_cost(self.costs, kind, dest, self.region.destination_city)

    def data_hash(self) -> str:
        """Fingerprint the data the vectors depend on (texts and links), for the index manifest."""
        digest = hashlib.sha256()
        for dest in self.destinations:
            digest.update(dest.fingerprint.encode())
        for firm in self.firms:
            digest.update(repr(firm).encode())
        digest.update(",".join(self.class_codes).encode())
        return digest.hexdigest()[:24]


def place_cost(costs: Mapping[tuple[str, str, str], Figure], kind: cs.CostKind, dest: DestinationProfile,
               city: str) -> Figure | None:
    """A destination's cost figure of one kind: its own, else its county's, else its city's."""
    for key in ((cs.PlaceKind.park.value, dest.code), (cs.PlaceKind.county.value, dest.county),
                (cs.PlaceKind.city.value, city)):
        figure = costs.get((*key, kind.value))
        if figure is not None:
            return figure
    return None
