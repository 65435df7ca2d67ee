"""A read-only in-memory snapshot of everything ranking needs, as objects, arrays and graph records."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from embeddings import Edge, Node
from service.catalog import models as cm
from service.catalog import schemas as cs
from service.firms import service as firm_service
from service.firms.schemas import EnvCategory, FirmRead
from service.matching import constants as c
from service.matching.graph_schema import EdgeType, NodeType, node_id
from service.parks.schemas import ParkRead, RestrictionKind
from service.parks.service import list_parks, to_read
from service.sourcing import Figure

ENV_ORDER: tuple[str, ...] = tuple(e.value for e in EnvCategory)
# Relation kinds between a firm's class and a park's targets, strongest first (index = code in arrays).
RELATIONS: tuple[str, ...] = ("none", "exact", "division_target", "same_group", "supply_chain", "anchor",
                              "same_division")
RELATION_VALUE: dict[str, float] = {
    "none": 0.0, "exact": c.FIT_EXACT, "division_target": c.FIT_SAME_GROUP, "same_group": c.FIT_SAME_GROUP,
    "supply_chain": c.FIT_SUPPLY_CHAIN, "anchor": c.FIT_ANCHOR, "same_division": c.FIT_SAME_DIVISION,
}


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

    @classmethod
    def from_read(cls, firm: FirmRead) -> FirmProfile:
        """Build the profile of a stored firm."""
        return cls(
            id=firm.id, name_zh=firm.name_zh, name_en=firm.name_en, town=firm.town,
            industries=tuple(firm.industries), products=tuple(firm.products),
            description_zh=firm.description_zh, description_en=firm.description_en, employees=firm.employees,
            revenue_10k_yuan=firm.revenue_10k_yuan, land_mu=firm.land_mu, electricity_kwh=firm.electricity_kwh,
            inputs=tuple((i.resource, i.quantity) for i in firm.inputs), env_category=firm.env_category.value,
            expansion=firm.expansion, synthetic=firm.synthetic,
        )

    def text(self) -> str:
        """The text the encoder reads for this firm."""
        parts = [self.name_zh, self.name_en, "、".join(self.products), self.description_zh, self.description_en]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class FirmArrays:
    """Firm features as aligned arrays (one row per firm), so factors score many pairs at once."""

    industry: NDArray[np.float32]  # (n, classes) 1 where the firm is in the class
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


@dataclass(frozen=True)
class ParkArrays:
    """Park features as arrays (one row per park)."""

    affinity: NDArray[np.float32]  # (parks, classes) industry fit of a class for the park
    relation: NDArray[np.int8]  # (parks, classes) index into RELATIONS
    supply: NDArray[np.float32]  # (parks, resources) effective supply strength incl. substitutes
    free_land: NDArray[np.float64]  # nan when unknown
    free_factory_m2: NDArray[np.float64]
    labour_pool: NDArray[np.float64]
    county: NDArray[np.int32]
    wage: NDArray[np.float64]
    power: NDArray[np.float64]
    land_price: NDArray[np.float64]
    logistics: NDArray[np.float64]
    env_banned: NDArray[np.bool_]  # (parks, env categories)
    class_banned: NDArray[np.bool_]  # (parks, classes)


@dataclass(frozen=True)
class World:
    """Catalog, parks, firms and costs loaded once; arrays for scoring; records for the graph."""

    industries: dict[str, cs.Industry]
    resources: dict[str, cs.Resource]
    inputs: dict[str, dict[str, cs.IndustryInput]]
    counties: dict[str, cs.County]
    towns: dict[str, cs.Town]
    pairings: dict[tuple[str, str], cs.Pairing]
    costs: dict[tuple[str, str, str], Figure]
    parks: list[ParkRead]
    firms: list[FirmProfile]
    class_codes: list[str]
    resource_codes: list[str]
    county_codes: list[str]
    town_codes: list[str]
    park_arrays: ParkArrays
    firm_arrays: FirmArrays
    relation_target: dict[tuple[int, int], str]  # (park row, class column) → the park code that matched
    paired: NDArray[np.bool_]  # (towns + 1, counties); the last row stands for an unknown town (index -1)
    firm_row: dict[int, int] = field(default_factory=dict)
    park_row: dict[int, int] = field(default_factory=dict)
    park_by_code: dict[str, int] = field(default_factory=dict)

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

    def cost_figure(self, kind: cs.CostKind, park: ParkRead | None) -> Figure | None:
        """The most specific cost figure: the park's, else its county's, else Liupanshui's; Zhongshan's when park is None."""
        if park is None:
            return self.costs.get((cs.PlaceKind.city.value, "zhongshan", kind.value))
        for key in ((cs.PlaceKind.park.value, park.code), (cs.PlaceKind.county.value, park.county),
                    (cs.PlaceKind.city.value, "liupanshui")):
            figure = self.costs.get((*key, kind.value))
            if figure is not None:
                return figure
        return None

    def data_hash(self) -> str:
        """Fingerprint the data the vectors depend on (texts and links), for the index manifest."""
        digest = hashlib.sha256()
        for park in self.parks:
            digest.update(park.model_dump_json().encode())
        for firm in self.firms:
            digest.update(repr(firm).encode())
        digest.update(",".join(self.class_codes).encode())
        return digest.hexdigest()[:24]


# ---------- building ----------


def _class_codes(industries: dict[str, cs.Industry]) -> list[str]:
    return sorted(code for code, ind in industries.items() if ind.level is cs.IndustryLevel.klass)


def _group(code: str) -> str:
    return code[:4]


def _division(code: str) -> str:
    return code[:3]


def _supply_neighbours(industries: dict[str, cs.Industry], classes: list[str]) -> dict[str, set[str]]:
    """Each class → the codes (classes and groups) it supplies or is supplied by."""
    out: dict[str, set[str]] = {code: set() for code in classes}
    for code, ind in industries.items():
        for down in ind.supplies_to:
            for cls in classes:
                if cls == code or cls.startswith(code) and len(code) >= 4:
                    out[cls].add(down)
                if cls == down or cls.startswith(down) and len(down) >= 4:
                    out[cls].add(code)
    return out


def _relation(cls: str, target: str, neighbours: set[str]) -> str:
    if cls == target or (len(target) == 4 and cls.startswith(target)):
        return "exact"
    if len(target) == 3 and cls.startswith(target):
        return "division_target"
    if len(target) >= 4 and _group(cls) == _group(target):
        return "same_group"
    if target in neighbours or any(target.startswith(n) or n.startswith(target) for n in neighbours if len(n) >= 4):
        return "supply_chain"
    if _division(cls) == _division(target) and len(target) >= 3:
        return "same_division"
    return "none"


def _park_arrays(
    parks: list[ParkRead], industries: dict[str, cs.Industry], classes: list[str], resources: list[str],
    counties: list[str], costs: dict[tuple[str, str, str], Figure],
) -> tuple[ParkArrays, dict[tuple[int, int], str]]:
    neighbours = _supply_neighbours(industries, classes)
    n_p, n_c, n_r = len(parks), len(classes), len(resources)
    relation = np.zeros((n_p, n_c), dtype=np.int8)
    target_of: dict[tuple[int, int], str] = {}
    rank = {name: RELATIONS.index(name) for name in RELATIONS}
    strength = {name: RELATION_VALUE[name] for name in RELATIONS}
    for p, park in enumerate(parks):
        anchors = [a.industry for a in park.anchors if a.industry]
        for j, cls in enumerate(classes):
            best, best_target = "none", ""
            for target in park.target_industries:
                rel = _relation(cls, target, neighbours[cls])
                if strength[rel] > strength[best]:
                    best, best_target = rel, target
            for anchor in anchors:
                rel = _relation(cls, anchor, neighbours[cls])
                if rel in ("exact", "same_group", "supply_chain") and strength["anchor"] > strength[best]:
                    best, best_target = "anchor", anchor
            relation[p, j] = rank[best]
            if best != "none":
                target_of[(p, j)] = best_target
    affinity = np.vectorize(lambda r: RELATION_VALUE[RELATIONS[r]], otypes=[np.float32])(relation)
    res_col = {code: i for i, code in enumerate(resources)}
    supply = np.zeros((n_p, n_r), dtype=np.float32)
    for p, park in enumerate(parks):
        for s in park.supplies:
            if s.resource in res_col:
                supply[p, res_col[s.resource]] = max(supply[p, res_col[s.resource]], s.strength)
        for res in c.COUNTY_PRODUCTS.get(park.county, {}):
            if res in res_col:
                supply[p, res_col[res]] = max(supply[p, res_col[res]], c.COUNTY_PRODUCT_STRENGTH)
    effective = supply.copy()
    for res, subs in c.SUBSTITUTES.items():
        if res not in res_col:
            continue
        for sub, share in subs.items():
            if sub in res_col:
                effective[:, res_col[res]] = np.maximum(effective[:, res_col[res]], share * supply[:, res_col[sub]])

    def fig(value: Figure | None) -> float:
        return float("nan") if value is None else float(value.value)

    def cost(kind: cs.CostKind, park: ParkRead) -> float:
        for key in ((cs.PlaceKind.park.value, park.code), (cs.PlaceKind.county.value, park.county),
                    (cs.PlaceKind.city.value, "liupanshui")):
            figure = costs.get((*key, kind.value))
            if figure is not None:
                return float(figure.value)
        return float("nan")

    env_banned = np.zeros((n_p, len(ENV_ORDER)), dtype=bool)
    class_banned = np.zeros((n_p, n_c), dtype=bool)
    for p, park in enumerate(parks):
        for restriction in park.restrictions:
            if restriction.kind is RestrictionKind.env_category:
                for value in restriction.values:
                    if value in ENV_ORDER:
                        env_banned[p, ENV_ORDER.index(value)] = True
            else:
                for j, cls in enumerate(classes):
                    if any(cls.startswith(v) for v in restriction.values):
                        class_banned[p, j] = True
    county_col = {code: i for i, code in enumerate(counties)}
    arrays = ParkArrays(
        affinity=affinity, relation=relation, supply=effective,
        free_land=np.array([fig(p.free_land_mu) for p in parks], dtype=np.float64),
        free_factory_m2=np.array([fig(p.free_factory_m2) for p in parks], dtype=np.float64),
        labour_pool=np.array([fig(p.labour_pool) for p in parks], dtype=np.float64),
        county=np.array([county_col.get(p.county, -1) for p in parks], dtype=np.int32),
        wage=np.array([cost(cs.CostKind.wage, p) for p in parks]),
        power=np.array([cost(cs.CostKind.power_price, p) for p in parks]),
        land_price=np.array([cost(cs.CostKind.land_price, p) for p in parks]),
        logistics=np.array([cost(cs.CostKind.logistics, p) for p in parks]),
        env_banned=env_banned, class_banned=class_banned,
    )
    return arrays, target_of


def firm_arrays(
    firms: Sequence[FirmProfile], *, classes: list[str], resources: dict[str, cs.Resource], resource_codes: list[str],
    inputs: dict[str, dict[str, cs.IndustryInput]], town_codes: list[str],
) -> FirmArrays:
    """Turn firm profiles into feature arrays; missing numbers are estimated from the industry and size."""
    n, n_c, n_r = len(firms), len(classes), len(resource_codes)
    class_col = {code: i for i, code in enumerate(classes)}
    res_col = {code: i for i, code in enumerate(resource_codes)}
    town_col = {code: i for i, code in enumerate(town_codes)}
    industry = np.zeros((n, n_c), dtype=np.float32)
    demand = np.zeros((n, n_r), dtype=np.float32)
    explicit = np.zeros((n, n_r), dtype=bool)
    cols: dict[str, list[Any]] = {k: [] for k in (
        "employees", "employees_given", "revenue_10k", "revenue_given", "land_mu", "land_given", "kwh", "kwh_given",
        "tonnes", "tonnes_given", "labour_intensity", "env", "expansion", "town")}
    # Labour and land have their own factors; resource fit is about materials and energy, power included
    # (its intensity is high only for energy-heavy industries, where a power-plant park matters).
    own_factor = {code for code, r in resources.items() if r.category in (cs.ResourceCategory.labour,
                                                                          cs.ResourceCategory.land)}
    for i, firm in enumerate(firms):
        labour = 0.0
        kwh_per_million: list[float] = []
        land_per_million: list[float] = []
        for code in firm.industries:
            if code in class_col:
                industry[i, class_col[code]] = 1.0
            for res, inp in inputs.get(code, {}).items():
                if res == "labour":
                    labour = max(labour, inp.intensity)
                if res == "electricity" and inp.per_million_yuan is not None:
                    kwh_per_million.append(inp.per_million_yuan)
                if res == "land" and inp.per_million_yuan is not None:
                    land_per_million.append(inp.per_million_yuan)
                if res in res_col and res not in own_factor:
                    demand[i, res_col[res]] = max(demand[i, res_col[res]], inp.intensity)
        tonnes = 0.0
        for res, qty in firm.inputs:
            if res in res_col and res not in own_factor:
                explicit[i, res_col[res]] = True
                demand[i, res_col[res]] = max(demand[i, res_col[res]], 0.8)
            unit = resources[res].unit if res in resources else ""
            if unit == "t" and res not in ("coal", "coke"):
                tonnes += qty
        employees_given = firm.employees is not None
        employees = float(firm.employees) if firm.employees is not None else 100.0
        revenue_given = firm.revenue_10k_yuan is not None
        revenue = firm.revenue_10k_yuan if firm.revenue_10k_yuan is not None else employees * c.REVENUE_10K_PER_EMPLOYEE
        kwh_given = firm.electricity_kwh is not None
        if firm.electricity_kwh is not None:
            kwh = firm.electricity_kwh
        elif kwh_per_million:
            kwh = max(kwh_per_million) * revenue / 100.0
        else:
            kwh = revenue * c.KWH_PER_10K_YUAN
        land_given = firm.land_mu is not None
        if firm.land_mu is not None:
            land = firm.land_mu
        elif land_per_million:
            land = min(max(land_per_million) * revenue / 100.0, employees * 1.0)
        else:
            land = employees * c.LAND_MU_PER_EMPLOYEE
        cols["employees"].append(employees)
        cols["employees_given"].append(employees_given)
        cols["revenue_10k"].append(revenue)
        cols["revenue_given"].append(revenue_given)
        cols["land_mu"].append(land)
        cols["land_given"].append(land_given)
        cols["kwh"].append(kwh)
        cols["kwh_given"].append(kwh_given)
        cols["tonnes"].append(tonnes if tonnes > 0 else revenue * c.TONNES_PER_10K_YUAN)
        cols["tonnes_given"].append(tonnes > 0)
        cols["labour_intensity"].append(labour)
        cols["env"].append(ENV_ORDER.index(firm.env_category) if firm.env_category in ENV_ORDER else 2)
        cols["expansion"].append(firm.expansion)
        cols["town"].append(town_col.get(firm.town or "", -1))
    return FirmArrays(
        industry=industry, demand=demand, explicit=explicit,
        employees=np.array(cols["employees"], dtype=np.float64),
        employees_given=np.array(cols["employees_given"], dtype=bool),
        revenue_10k=np.array(cols["revenue_10k"], dtype=np.float64),
        revenue_given=np.array(cols["revenue_given"], dtype=bool),
        land_mu=np.array(cols["land_mu"], dtype=np.float64),
        land_given=np.array(cols["land_given"], dtype=bool),
        kwh=np.array(cols["kwh"], dtype=np.float64), kwh_given=np.array(cols["kwh_given"], dtype=bool),
        tonnes=np.array(cols["tonnes"], dtype=np.float64), tonnes_given=np.array(cols["tonnes_given"], dtype=bool),
        labour_intensity=np.array(cols["labour_intensity"], dtype=np.float64),
        env=np.array(cols["env"], dtype=np.int8), expansion=np.array(cols["expansion"], dtype=bool),
        town=np.array(cols["town"], dtype=np.int32),
    )


def build_world(
    *, industries: Iterable[cs.Industry], resources: Iterable[cs.Resource], inputs: Iterable[cs.IndustryInput],
    counties: Iterable[cs.County], towns: Iterable[cs.Town], pairings: Iterable[cs.Pairing],
    costs: Iterable[cs.CostFigure], parks: Sequence[ParkRead], firms: Sequence[FirmProfile],
) -> World:
    """Assemble a world from validated records (the database loader and tests both come through here)."""
    ind = {i.code: i for i in industries}
    res = {r.code: r for r in resources}
    inp: dict[str, dict[str, cs.IndustryInput]] = {}
    for item in inputs:
        inp.setdefault(item.industry, {})[item.resource] = item
    cty = {k.code: k for k in counties}
    twn = {t.code: t for t in towns}
    pairs = {(p.town, p.county): p for p in pairings}
    cost_map = {(f.place_kind.value, f.place, f.kind.value): f.figure for f in costs}
    classes = _class_codes(ind)
    res_codes = sorted(res)
    county_codes = sorted(cty)
    town_codes = sorted(twn)
    park_list = sorted(parks, key=lambda p: p.id)
    park_arrays, target_of = _park_arrays(park_list, ind, classes, res_codes, county_codes, cost_map)
    firm_list = list(firms)
    farrays = firm_arrays(firm_list, classes=classes, resources=res, resource_codes=res_codes, inputs=inp,
                          town_codes=town_codes)
    return World(
        industries=ind, resources=res, inputs=inp, counties=cty, towns=twn, pairings=pairs, costs=cost_map,
        parks=park_list, firms=firm_list, class_codes=classes, resource_codes=res_codes, county_codes=county_codes,
        town_codes=town_codes, park_arrays=park_arrays, firm_arrays=farrays, relation_target=target_of,
        paired=np.array([[(t, k) in pairs for k in county_codes] for t in town_codes] + [[False] * len(county_codes)],
                        dtype=bool).reshape(len(town_codes) + 1, len(county_codes)),
        firm_row={f.id: i for i, f in enumerate(firm_list) if f.id is not None},
        park_row={p.id: i for i, p in enumerate(park_list)},
        park_by_code={p.code: i for i, p in enumerate(park_list)},
    )


def load_world(*, session: Session, firms: Sequence[FirmProfile] | None = None) -> World:
    """Load the snapshot from the database (firms can be supplied instead, e.g. a synthetic benchmark set)."""
    industries = [
        cs.Industry(code=r.code, name_zh=r.name_zh, name_en=r.name_en, keywords_zh=r.keywords_zh,
                    keywords_en=r.keywords_en, supplies_to=r.supplies_to)
        for r in session.scalars(select(cm.Industry))
    ]
    resources = [
        cs.Resource(code=r.code, name_zh=r.name_zh, name_en=r.name_en, category=cs.ResourceCategory(r.category),
                    unit=r.unit, description_zh=r.description_zh, description_en=r.description_en)
        for r in session.scalars(select(cm.Resource))
    ]
    inputs = [
        cs.IndustryInput(industry=r.industry_code, resource=r.resource_code, intensity=r.intensity,
                         per_million_yuan=r.per_million_yuan, estimate=r.estimate, source=r.source)
        for r in session.scalars(select(cm.IndustryInput))
    ]
    counties = [
        cs.County(code=r.code, name_zh=r.name_zh, name_en=r.name_en, city=r.city, description_zh=r.description_zh,
                  description_en=r.description_en)
        for r in session.scalars(select(cm.County))
    ]
    towns = [
        cs.Town.model_validate({"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "city": r.city,
                                "clusters_zh": r.clusters_zh, "clusters_en": r.clusters_en,
                                "cluster_industries": r.cluster_industries, "includes": r.includes,
                                "sources": r.sources})
        for r in session.scalars(select(cm.Town))
    ]
    pairings = [
        cs.Pairing.model_validate({"town": r.town_code, "county": r.county_code, "since": r.since,
                                   "description_zh": r.description_zh, "description_en": r.description_en,
                                   "source": r.source})
        for r in session.scalars(select(cm.Pairing))
    ]
    costs = [
        cs.CostFigure.model_validate({"place_kind": r.place_kind, "place": r.place, "kind": r.kind,
                                      "figure": r.figure})
        for r in session.scalars(select(cm.CostFigure))
    ]
    rows, _ = list_parks(session=session, limit=100_000)
    parks = [to_read(p, k) for p, k in rows]
    if firms is None:
        firms = [FirmProfile.from_read(f) for f in firm_service.all_firms(session=session)]
    return build_world(industries=industries, resources=resources, inputs=inputs, counties=counties, towns=towns,
                       pairings=pairings, costs=costs, parks=parks, firms=firms)


def profile_arrays(world: World, profiles: Sequence[FirmProfile]) -> FirmArrays:
    """Feature arrays for profiles that are not (yet) in the world, such as a prospect."""
    return firm_arrays(profiles, classes=world.class_codes, resources=world.resources,
                       resource_codes=world.resource_codes, inputs=world.inputs, town_codes=world.town_codes)


def with_firm(world: World, firm: FirmProfile) -> World:
    """Return a world in which one firm is added or replaced, without rebuilding the rest."""
    assert firm.id is not None
    row = profile_arrays(world, [firm])
    firms = list(world.firms)
    rows = dict(world.firm_row)
    if firm.id in rows:
        i = rows[firm.id]
        firms[i] = firm
        arrays = FirmArrays(**{f.name: _replace_row(getattr(world.firm_arrays, f.name), i, getattr(row, f.name))
                               for f in dataclasses.fields(FirmArrays)})
    else:
        rows[firm.id] = len(firms)
        firms.append(firm)
        arrays = FirmArrays.concat([world.firm_arrays, row])
    return dataclasses.replace(world, firms=firms, firm_arrays=arrays, firm_row=rows)


def without_firm(world: World, firm_id: int) -> World:
    """Return a world without one firm (unknown ids leave it unchanged)."""
    if firm_id not in world.firm_row:
        return world
    i = world.firm_row[firm_id]
    firms = world.firms[:i] + world.firms[i + 1:]
    rows = {f.id: n for n, f in enumerate(firms) if f.id is not None}
    return dataclasses.replace(world, firms=firms, firm_arrays=world.firm_arrays.delete(i), firm_row=rows)


def _replace_row(array: NDArray[Any], row: int, value: NDArray[Any]) -> NDArray[Any]:
    out = array.copy()
    out[row] = value[0]
    return out


# ---------- graph records ----------


def park_text(world: World, park: ParkRead) -> str:
    """The text the encoder reads for a park: names, positioning, anchors and what it supplies and targets."""
    targets = "、".join(world.industry_name(code) for code in park.target_industries)
    supplies = "、".join(world.resource_name(s.resource) for s in park.supplies)
    anchors = "；".join(f"{a.name_zh}：{a.description_zh}" for a in park.anchors)
    products = "、".join(world.resource_name(r) for r in c.COUNTY_PRODUCTS.get(park.county, {}))
    parts = [park.name_zh, park.name_en, park.positioning_zh, park.positioning_en, targets, supplies, anchors,
             products, world.county_name(park.county)]
    return "\n".join(p for p in parts if p)


def industry_text(ind: cs.Industry) -> str:
    return " ".join([ind.name_zh, ind.name_en, " ".join(ind.keywords_zh), " ".join(ind.keywords_en)]).strip()


def graph_records(world: World) -> tuple[list[Node], list[Edge]]:
    """Turn the world into the embeddings library's plain graph records (ids like ``park:3``)."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    for code, ind in world.industries.items():
        nodes.append(Node(node_id(NodeType.INDUSTRY, code), NodeType.INDUSTRY, industry_text(ind),
                          {"name_zh": ind.name_zh, "name_en": ind.name_en}))
    for code, ind in world.industries.items():
        if ind.parent and ind.parent in world.industries:
            edges.append(Edge(node_id(NodeType.INDUSTRY, code), node_id(NodeType.INDUSTRY, ind.parent),
                              EdgeType.SUBCLASS_OF))
        for down in ind.supplies_to:
            if down in world.industries and down != code:
                edges.append(Edge(node_id(NodeType.INDUSTRY, code), node_id(NodeType.INDUSTRY, down),
                                  EdgeType.SUPPLIES_INDUSTRY))
    for code, res in world.resources.items():
        nodes.append(Node(node_id(NodeType.RESOURCE, code), NodeType.RESOURCE,
                          f"{res.name_zh} {res.name_en} {res.description_zh} {res.description_en}",
                          {"name_zh": res.name_zh, "name_en": res.name_en}))
    for code, by_res in world.inputs.items():
        for res_code, item in by_res.items():
            if code in world.industries and res_code in world.resources and item.intensity > 0:
                edges.append(Edge(node_id(NodeType.INDUSTRY, code), node_id(NodeType.RESOURCE, res_code),
                                  EdgeType.CONSUMES, item.intensity))
    for code, county in world.counties.items():
        nodes.append(Node(node_id(NodeType.COUNTY, code), NodeType.COUNTY,
                          f"{county.name_zh} {county.name_en} {county.description_zh} {county.description_en}",
                          {"name_zh": county.name_zh, "name_en": county.name_en}))
    for code, town in world.towns.items():
        nodes.append(Node(node_id(NodeType.TOWN, code), NodeType.TOWN,
                          f"{town.name_zh} {town.name_en} {town.clusters_zh} {town.clusters_en}",
                          {"name_zh": town.name_zh, "name_en": town.name_en}))
    for town_code, county_code in world.pairings:
        if town_code in world.towns and county_code in world.counties:
            edges.append(Edge(node_id(NodeType.TOWN, town_code), node_id(NodeType.COUNTY, county_code),
                              EdgeType.PAIRED_WITH))
    for park in world.parks:
        pid = node_id(NodeType.PARK, park.id)
        nodes.append(Node(pid, NodeType.PARK, park_text(world, park),
                          {"name_zh": park.name_zh, "name_en": park.name_en, "code": park.code}))
        if park.county in world.counties:
            edges.append(Edge(pid, node_id(NodeType.COUNTY, park.county), EdgeType.IN_COUNTY))
        for code in dict.fromkeys(park.target_industries):
            if code in world.industries:
                edges.append(Edge(pid, node_id(NodeType.INDUSTRY, code), EdgeType.TARGETS))
        supplied: dict[str, float] = {}
        for s in park.supplies:
            supplied[s.resource] = max(supplied.get(s.resource, 0.0), s.strength)
        for res_code in c.COUNTY_PRODUCTS.get(park.county, {}):
            supplied[res_code] = max(supplied.get(res_code, 0.0), c.COUNTY_PRODUCT_STRENGTH)
        for res_code, strength in supplied.items():
            if res_code in world.resources and strength > 0:
                edges.append(Edge(pid, node_id(NodeType.RESOURCE, res_code), EdgeType.SUPPLIES, strength))
        for anchor in park.anchors:
            aid = node_id(NodeType.ANCHOR_ENTERPRISE, anchor.code)
            nodes.append(Node(aid, NodeType.ANCHOR_ENTERPRISE,
                              f"{anchor.name_zh} {anchor.name_en} {anchor.description_zh} {' '.join(anchor.products)}",
                              {"name_zh": anchor.name_zh, "name_en": anchor.name_en}))
            edges.append(Edge(aid, pid, EdgeType.LOCATED_IN))
        for policy in park.policies:
            pol = node_id(NodeType.POLICY, f"{park.code}.{policy.code}")
            nodes.append(Node(pol, NodeType.POLICY, f"{policy.title_zh} {policy.title_en} {policy.text_zh}",
                              {"name_zh": policy.title_zh, "name_en": policy.title_en}))
            edges.append(Edge(pol, pid, EdgeType.APPLIES_TO))
    for firm in world.firms:
        nodes_, edges_ = firm_records(world, firm)
        nodes += nodes_
        edges += edges_
    return _dedupe_nodes(nodes), edges


def firm_records(world: World, firm: FirmProfile) -> tuple[list[Node], list[Edge]]:
    """The node and edges of one firm."""
    assert firm.id is not None
    fid = node_id(NodeType.FIRM, firm.id)
    nodes = [Node(fid, NodeType.FIRM, firm.text(), {"name_zh": firm.name_zh, "name_en": firm.name_en})]
    edges = [Edge(fid, node_id(NodeType.INDUSTRY, code), EdgeType.IN_INDUSTRY)
             for code in dict.fromkeys(firm.industries) if code in world.industries]
    if firm.town in world.towns:
        edges.append(Edge(fid, node_id(NodeType.TOWN, firm.town), EdgeType.LOCATED_IN))
    # Firms that make the same product meet at its node; one node per product name, however many makers.
    for product in dict.fromkeys(p.strip() for p in firm.products if p.strip()):
        pid = node_id(NodeType.PRODUCT, product_key(product))
        nodes.append(Node(pid, NodeType.PRODUCT, product, {"name_zh": product, "name_en": product}))
        edges.append(Edge(fid, pid, EdgeType.MAKES))
    return nodes, edges


def product_key(name: str) -> str:
    """A stable node key for a product name: case and spacing do not make two products."""
    return "_".join(name.lower().split())


def _dedupe_nodes(nodes: list[Node]) -> list[Node]:
    # The same anchor may be listed under two parks; the graph wants each id once.
    seen: dict[str, Node] = {}
    for node in nodes:
        seen.setdefault(node.id, node)
    return list(seen.values())
