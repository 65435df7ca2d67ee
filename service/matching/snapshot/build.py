"""Build a World from validated records, and derive worlds with one firm or destination added, changed or gone."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from service.catalog import schemas as cs
from service.matching import assumptions as a
from service.matching.snapshot.world import (
    CUE_CODES,
    ENV_ORDER,
    RELATION_VALUE,
    RELATIONS,
    DestinationArrays,
    DestinationProfile,
    FirmArrays,
    FirmProfile,
    RegionPair,
    World,
    place_cost,
)
from service.parks.schemas import RestrictionKind
from service.sourcing import Figure


def _class_codes(industries: dict[str, cs.Industry]) -> list[str]:
    return sorted(code for code, ind in industries.items() if ind.level is cs.IndustryLevel.klass)


def _group(code: str) -> str:
    return code[:4]


def _division(code: str) -> str:
    return code[:3]


def _supply_neighbours(industries: dict[str, cs.Industry], classes: list[str]) -> dict[str, set[str]]:
    """Each class → the codes (classes and groups) it supplies or is supplied by."""
    out: dict[str, set[str]] = {code: set() for code in classes}
    by_group: dict[str, list[str]] = {}
    for cls in classes:
        by_group.setdefault(_group(cls), []).append(cls)

    def under(code: str) -> list[str]:
        """The classes a code covers: itself if a class, a group's classes (a code of four or more characters
        covers the classes it prefixes; codes are four or five long at that depth)."""
        covered = [code] if code in out else []
        return covered + by_group.get(code, []) if len(code) == 4 else covered

    for code, ind in industries.items():
        for down in ind.supplies_to:
            for cls in under(code):
                out[cls].add(down)
            for cls in under(down):
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


class RelationRows:
    """Each target code's relation (as an index into RELATIONS) to every class, computed once per code."""

    def __init__(self, classes: list[str], neighbours: dict[str, set[str]]) -> None:
        self.codes = np.array(classes)
        self.group = np.array([_group(c) for c in classes])
        self.division = np.array([_division(c) for c in classes])
        # Only classes with supply-chain neighbours can be a supply-chain match: the rest are never looked at.
        self.linked = [(j, neighbours[c]) for j, c in enumerate(classes) if neighbours[c]]
        self._rows: dict[str, NDArray[np.int8]] = {}

    def row(self, target: str) -> NDArray[np.int8]:
        got = self._rows.get(target)
        if got is None:
            got = self._rows[target] = self._compute(target)
        return got

    def _compute(self, target: str) -> NDArray[np.int8]:
        """_relation(cls, target, neighbours) for every class at once, tested in the same order."""
        n = len(target)
        chain = np.zeros(len(self.codes), dtype=bool)
        for j, near in self.linked:
            chain[j] = target in near or any(target.startswith(m) or m.startswith(target) for m in near if len(m) >= 4)
        tests = [
            ("exact", (self.codes == target) | ((self.group == target) if n == 4 else False)),
            ("division_target", (self.division == target) if n == 3 else False),
            ("same_group", (self.group == target[:4]) if n >= 4 else False),
            ("supply_chain", chain),
            ("same_division", (self.division == target[:3]) if n >= 3 else False),
        ]
        conditions = [np.broadcast_to(np.asarray(test, dtype=bool), self.codes.shape) for _, test in tests]
        ranks = [RELATIONS.index(name) for name, _ in tests]
        return np.select(conditions, ranks, default=RELATIONS.index("none")).astype(np.int8)


def supplied(dest: DestinationProfile, region: RegionPair) -> dict[str, float]:
    """Resource → supply strength at a destination: what it supplies, and its county's farm products."""
    out: dict[str, float] = {}
    for s in dest.supplies:
        out[s.resource] = max(out.get(s.resource, 0.0), s.strength)
    for res in region.county_products.get(dest.county, {}):
        out[res] = max(out.get(res, 0.0), region.county_product_strength)
    return out


def destination_arrays(
    dests: list[DestinationProfile], industries: dict[str, cs.Industry], classes: list[str], resources: list[str],
    counties: list[str], kinds: list[str], costs: dict[tuple[str, str, str], Figure], region: RegionPair,
) -> tuple[DestinationArrays, dict[tuple[int, int], str]]:
    """Feature arrays of the destinations, and which target code gave each (destination, class) its relation."""
    n_p, n_c, n_r = len(dests), len(classes), len(resources)
    relation = np.zeros((n_p, n_c), dtype=np.int8)
    target_of: dict[tuple[int, int], str] = {}
    rows = RelationRows(classes, _supply_neighbours(industries, classes))
    strength = np.array([RELATION_VALUE[name] for name in RELATIONS])
    anchor_rank, anchor_ok = RELATIONS.index("anchor"), [RELATIONS.index(r) for r in ("exact", "same_group", "supply_chain")]
    for p, dest in enumerate(dests):
        # The strongest relation any target gives each class (the first target on a tie), then an anchor
        # enterprise's where it is stronger: the rule _relation states, a whole row of classes at a time.
        best = np.zeros(n_c, dtype=np.int8)
        source = np.full(n_c, -1, dtype=np.int32)
        codes = [*dest.target_industries, *(anchor.industry for anchor in dest.anchors if anchor.industry)]
        n_targets = len(dest.target_industries)
        for t, code in enumerate(codes):
            rel = rows.row(code)
            if t < n_targets:
                better = strength[rel] > strength[best]
                best = np.where(better, rel, best).astype(np.int8)
            else:
                better = np.isin(rel, anchor_ok) & (strength[anchor_rank] > strength[best])
                best = np.where(better, anchor_rank, best).astype(np.int8)
            source = np.where(better, t, source)
        relation[p] = best
        for col in np.flatnonzero(best).tolist():
            target_of[(p, col)] = codes[int(source[col])]
    affinity = np.vectorize(lambda r: RELATION_VALUE[RELATIONS[r]], otypes=[np.float32])(relation)
    res_col = {code: i for i, code in enumerate(resources)}
    supply = np.zeros((n_p, n_r), dtype=np.float32)
    for p, dest in enumerate(dests):
        for res, level in supplied(dest, region).items():
            if res in res_col:
                supply[p, res_col[res]] = max(supply[p, res_col[res]], level)
    effective = supply.copy()
    for res, subs in region.substitutes.items():
        if res not in res_col:
            continue
        for sub, share in subs.items():
            if sub in res_col:
                effective[:, res_col[res]] = np.maximum(effective[:, res_col[res]], share * supply[:, res_col[sub]])

    def fig(value: Figure | None) -> float:
        return float("nan") if value is None else float(value.value)

    def cost(kind: cs.CostKind, dest: DestinationProfile) -> float:
        return fig(place_cost(costs, kind, dest, region.destination_city))

    env_banned = np.zeros((n_p, len(ENV_ORDER)), dtype=bool)
    class_banned = np.zeros((n_p, n_c), dtype=bool)
    for p, dest in enumerate(dests):
        for restriction in dest.restrictions:
            if restriction.kind is RestrictionKind.env_category:
                for value in restriction.values:
                    if value in ENV_ORDER:
                        env_banned[p, ENV_ORDER.index(value)] = True
            else:
                for j, cls in enumerate(classes):
                    if any(cls.startswith(v) for v in restriction.values):
                        class_banned[p, j] = True
    county_col = {code: i for i, code in enumerate(counties)}
    kind_col = {code: i for i, code in enumerate(kinds)}
    arrays = DestinationArrays(
        kind=np.array([kind_col[d.kind] for d in dests], dtype=np.int16),
        affinity=affinity, relation=relation, supply=effective,
        free_land=np.array([fig(d.free_land_mu) for d in dests], dtype=np.float64),
        free_factory_m2=np.array([fig(d.free_factory_m2) for d in dests], dtype=np.float64),
        line_floor_m2=np.array([fig(d.line_floor_m2) for d in dests], dtype=np.float64),
        labour_pool=np.array([fig(d.labour_pool) for d in dests], dtype=np.float64),
        county=np.array([county_col.get(d.county, -1) for d in dests], dtype=np.int32),
        wage=np.array([cost(cs.CostKind.wage, d) for d in dests]),
        power=np.array([cost(cs.CostKind.power_price, d) for d in dests]),
        land_price=np.array([cost(cs.CostKind.land_price, d) for d in dests]),
        logistics=np.array([cost(cs.CostKind.logistics, d) for d in dests]),
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
    industry = np.zeros((n, n_c), dtype=bool)
    demand = np.zeros((n, n_r), dtype=np.float32)
    explicit = np.zeros((n, n_r), dtype=bool)
    buys = np.zeros((n, n_r), dtype=np.float32)
    buys_unsized = np.zeros((n, n_r), dtype=bool)
    openings = np.zeros(n, dtype=np.float64)
    hiring_months = np.ones((n, 12), dtype=bool)
    roles = np.empty(n, dtype=object)
    cols: dict[str, list[Any]] = {k: [] for k in (
        "employees", "employees_given", "revenue_10k", "revenue_given", "land_mu", "land_given", "kwh", "kwh_given",
        "tonnes", "tonnes_given", "labour_intensity", "env", "expansion", "town", "cues")}
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
                industry[i, class_col[code]] = True
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
                demand[i, res_col[res]] = max(demand[i, res_col[res]], a.STATED_INPUT_RELIANCE)
            unit = resources[res].unit if res in resources else ""
            if unit == "t" and res not in ("coal", "coke"):
                tonnes += qty
        employees_given = firm.employees is not None
        employees = float(firm.employees) if firm.employees is not None else a.DEFAULT_EMPLOYEES
        revenue_given = firm.revenue_10k_yuan is not None
        revenue = firm.revenue_10k_yuan if firm.revenue_10k_yuan is not None else employees * a.REVENUE_10K_PER_EMPLOYEE
        kwh_given = firm.electricity_kwh is not None
        if firm.electricity_kwh is not None:
            kwh = firm.electricity_kwh
        elif kwh_per_million:
            kwh = max(kwh_per_million) * revenue / 100.0
        else:
            kwh = revenue * a.KWH_PER_10K_YUAN
        land_given = firm.land_mu is not None
        if firm.land_mu is not None:
            land = firm.land_mu
        elif land_per_million:
            land = min(max(land_per_million) * revenue / 100.0, employees * a.LAND_MU_PER_EMPLOYEE_MAX)
        else:
            land = employees * a.LAND_MU_PER_EMPLOYEE
        cols["employees"].append(employees)
        cols["employees_given"].append(employees_given)
        cols["revenue_10k"].append(revenue)
        cols["revenue_given"].append(revenue_given)
        cols["land_mu"].append(land)
        cols["land_given"].append(land_given)
        cols["kwh"].append(kwh)
        cols["kwh_given"].append(kwh_given)
        cols["tonnes"].append(tonnes if tonnes > 0 else revenue * a.TONNES_PER_10K_YUAN)
        cols["tonnes_given"].append(tonnes > 0)
        cols["labour_intensity"].append(labour)
        cols["env"].append(ENV_ORDER.index(firm.env_category) if firm.env_category in ENV_ORDER else 2)
        cols["expansion"].append(firm.expansion)
        cols["town"].append(town_col.get(firm.town or "", -1))
        for res, qty in firm.buys:
            if res in res_col:
                buys[i, res_col[res]] += qty
                buys_unsized[i, res_col[res]] |= qty <= 0
        openings[i] = float(sum(v.count for v in firm.vacancies))
        roles[i] = tuple(dict.fromkeys(word for v in firm.vacancies for word in (v.role_zh, *v.skills) if word))
        months = {m for v in firm.vacancies for m in v.months}
        if months and all(v.months for v in firm.vacancies):
            hiring_months[i] = [m + 1 in months for m in range(12)]
        cols["cues"].append([code in firm.cues for code in CUE_CODES])
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
        town=np.array(cols["town"], dtype=np.int32), buys=buys, buys_unsized=buys_unsized, openings=openings,
        hiring_months=hiring_months, roles=roles,
        stored=np.array([f.id is not None for f in firms], dtype=bool),
        cues=np.array(cols["cues"], dtype=bool).reshape(n, len(CUE_CODES)),
    )


def build_world(
    *, industries: Iterable[cs.Industry], resources: Iterable[cs.Resource], inputs: Iterable[cs.IndustryInput],
    counties: Iterable[cs.County], towns: Iterable[cs.Town], pairings: Iterable[cs.Pairing],
    costs: Iterable[cs.CostFigure], region: RegionPair, destinations: Sequence[DestinationProfile],
    firms: Sequence[FirmProfile], kinds: Sequence[str] = ("park",),
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
    kind_codes = sorted({*kinds, *(d.kind for d in destinations)})
    dest_list = sorted(destinations, key=lambda d: d.id)
    dest_arrays, target_of = destination_arrays(dest_list, ind, classes, res_codes, county_codes, kind_codes,
                                                cost_map, region)
    firm_list = list(firms)
    farrays = firm_arrays(firm_list, classes=classes, resources=res, resource_codes=res_codes, inputs=inp,
                          town_codes=town_codes)
    return World(
        industries=ind, resources=res, inputs=inp, counties=cty, towns=twn, pairings=pairs, costs=cost_map,
        region=region, destinations=dest_list, firms=firm_list, class_codes=classes, resource_codes=res_codes,
        county_codes=county_codes, town_codes=town_codes, kind_codes=kind_codes, dest_arrays=dest_arrays,
        firm_arrays=farrays, relation_target=target_of,
        paired=_pair_matrix(town_codes, county_codes, {key for key, p in pairs.items() if not p.township_zh}),
        township_paired=_pair_matrix(town_codes, county_codes, {key for key, p in pairs.items() if p.township_zh}),
        firm_row={f.id: i for i, f in enumerate(firm_list) if f.id is not None},
        dest_row={d.id: i for i, d in enumerate(dest_list)},
        dest_by_code={d.code: i for i, d in enumerate(dest_list)},
    )


def _pair_matrix(towns: list[str], counties: list[str], pairs: set[tuple[str, str]]) -> NDArray[np.bool_]:
    """(towns + 1, counties): True where the town and county are paired; the last row, an unknown town."""
    rows = [[(t, k) in pairs for k in counties] for t in towns] + [[False] * len(counties)]
    return np.array(rows, dtype=bool).reshape(len(towns) + 1, len(counties))


def profile_arrays(world: World, profiles: Sequence[FirmProfile]) -> FirmArrays:
    """Feature arrays for profiles that are not (yet) in the world, such as a prospect."""
    return firm_arrays(profiles, classes=world.class_codes, resources=world.resources,
                       resource_codes=world.resource_codes, inputs=world.inputs, town_codes=world.town_codes)


def with_firm(world: World, firm: FirmProfile) -> World:
    """Return a world in which one firm is added or replaced, without rebuilding the rest."""
    return with_firms(world, [firm])


def with_firms(world: World, profiles: Sequence[FirmProfile]) -> World:
    """Return a world in which some firms are added or replaced (new ones appended in the given order), without
    rebuilding the rest: one pass over the firms, however many change (a bulk import adds tens of thousands)."""
    assert all(f.id is not None for f in profiles)
    latest = {f.id: f for f in profiles}  # a firm listed twice: its last profile
    firms = list(world.firms)
    rows = dict(world.firm_row)
    replaced = [(rows[fid], f) for fid, f in latest.items() if fid in rows]
    added = [f for fid, f in latest.items() if fid not in rows]
    arrays = world.firm_arrays
    if replaced:
        for row, firm in replaced:
            firms[row] = firm
        arrays = arrays.replace_rows([row for row, _ in replaced], profile_arrays(world, [f for _, f in replaced]))
    if added:
        for firm in added:
            rows[firm.id or 0] = len(firms)
            firms.append(firm)
        arrays = FirmArrays.concat([arrays, profile_arrays(world, added)])
    return dataclasses.replace(world, firms=firms, firm_arrays=arrays, firm_row=rows)


def without_firm(world: World, firm_id: int) -> World:
    """Return a world without one firm (unknown ids leave it unchanged)."""
    if firm_id not in world.firm_row:
        return world
    i = world.firm_row[firm_id]
    firms = world.firms[:i] + world.firms[i + 1:]
    rows = {f.id: n for n, f in enumerate(firms) if f.id is not None}
    return dataclasses.replace(world, firms=firms, firm_arrays=world.firm_arrays.delete(i), firm_row=rows)


def with_destinations(world: World, destinations: Sequence[DestinationProfile]) -> World:
    """Return a world whose destinations are replaced (a few dozen rows: rebuilt whole, firms kept)."""
    dest_list = sorted(destinations, key=lambda d: d.id)
    kind_codes = sorted({*world.kind_codes, *(d.kind for d in dest_list)})
    arrays, target_of = destination_arrays(dest_list, world.industries, world.class_codes, world.resource_codes,
                                           world.county_codes, kind_codes, world.costs, world.region)
    return dataclasses.replace(
        world, destinations=dest_list, kind_codes=kind_codes, dest_arrays=arrays, relation_target=target_of,
        dest_row={d.id: i for i, d in enumerate(dest_list)}, dest_by_code={d.code: i for i, d in enumerate(dest_list)})
