"""Firm groups and per-factor upper bounds: what lets destination → firms stay exact over millions of firms.

Firms of one town, class set and input mix share most factor values; within such a group only the sizes
(employees, revenue, land, power, tonnage) and the vectors differ. Each group keeps the extremes of those
inputs, so every factor has an upper bound per (group, destination) that no member can exceed. A query
scores the groups in bound order and stops when its k-th exact score beats the next group's bound: the
result is the exhaustive top k, without scoring every firm.

A bound only has to be valid, not tight: a factor without one here counts as 1.0 (the most it can give), so
a new factor keeps the ranking exact and only makes pruning weaker until it gets a bound.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from service.catalog.schemas import CostKind
from service.matching import assumptions as a
from service.matching import constants as c
from service.matching.scoring import FACTOR_NAMES, FACTORS
from service.matching.scoring.cost import cost_arrays
from service.matching.scoring.factors.capacity import CAPACITY_COMFORT, available_land, line_seats
from service.matching.scoring.factors.cost_advantage import COST_RATIO_SCALE
from service.matching.scoring.factors.labour_fit import LABOUR_COMFORT
from service.matching.scoring.factors.semantic_fit import SEMANTIC_HIGH, SEMANTIC_LOW
from service.matching.scoring.registry import Batch
from service.matching.snapshot.world import World

F64 = NDArray[np.float64]
# Float32 vectors and a different order of additions make an exact score differ from its bound's arithmetic
# by far less than this; the bound is raised by it so rounding can never prune a firm that belongs.
BOUND_SLACK: Final = 1e-6
_CHUNK: Final = 65_536  # rows per pass when a statistic needs a (rows × classes) or (rows × dims) copy


def _origin(world: World, kind: CostKind) -> float:
    figure = world.cost_figure(kind, None)
    return float("nan") if figure is None else float(figure.value)


@dataclass(frozen=True)
class FirmGroups:
    """A partition of the firm rows into groups (``perm[starts[g]:starts[g + 1]]``) and each group's extremes."""

    perm: NDArray[np.intp]
    starts: NDArray[np.intp]  # (groups + 1,)
    town: NDArray[np.int32]  # one town per group (the town is part of the key)
    rep: NDArray[np.intp]  # one member row per group (town-only factors are scored on it)
    classes: NDArray[np.bool_]  # (groups, classes) any member is in the class
    reliance: NDArray[np.float64]  # (groups, resources) most any member leans on a resource, as a share of its demand
    per_revenue_max: NDArray[np.float64]  # (groups, 4) wage staff, kWh, land, tonnes per yuan of revenue
    per_revenue_min: NDArray[np.float64]
    employees_min: NDArray[np.float64]
    land_min: NDArray[np.float64]
    readiness_max: NDArray[np.float64]  # relocation readiness does not depend on the destination
    centroid: NDArray[np.float32]  # (groups, dims)
    radius: NDArray[np.float64]  # farthest member vector from the centroid

    def __len__(self) -> int:
        return int(self.starts.shape[0] - 1)

    def members(self, g: int) -> NDArray[np.intp]:
        return self.perm[self.starts[g]:self.starts[g + 1]]

    def sizes(self) -> NDArray[np.intp]:
        return np.diff(self.starts)

    def replace_group(self, g: int, one: FirmGroups, *, perm: NDArray[np.intp], starts: NDArray[np.intp]) -> FirmGroups:
        """A copy with group ``g`` (an existing one, or the next new one) given the statistics of ``one``."""
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("perm", "starts"):
                continue
            old, new = getattr(self, f.name), getattr(one, f.name)
            if g == len(self):
                fields[f.name] = np.concatenate([old, new])
            else:
                out = old.copy()
                out[g] = new[0]
                fields[f.name] = out
        return FirmGroups(perm=perm, starts=starts, **fields)


def _per_revenue(world: World, rows: NDArray[np.intp] | slice) -> F64:
    """Each firm's cost drivers per yuan of revenue: the cost ratio is a linear function of these."""
    fa = world.firm_arrays
    revenue = np.maximum(fa.revenue_10k[rows] * 10_000.0, 1.0)
    return np.stack([fa.employees[rows] * a.PRODUCTION_STAFF_SHARE * a.MONTHS_PER_YEAR / revenue,
                     fa.kwh[rows] / revenue, fa.land_mu[rows] / a.LAND_TERM_YEARS / revenue,
                     fa.tonnes[rows] / revenue], axis=1)


def _readiness(world: World, rows: NDArray[np.intp]) -> F64:
    """Relocation readiness of the given firm rows (a firm-side factor, so one value per firm)."""
    out = np.empty(len(rows))
    fn = FACTORS["relocation_readiness"].fn
    for lo in range(0, len(rows), _CHUNK):
        part = rows[lo:lo + _CHUNK]
        firms = world.firm_arrays.take(part)
        dests = np.zeros(len(part), dtype=np.intp)
        batch = Batch(world=world, firms=firms, dests=dests, semantic=np.zeros(len(part)),
                      costs=cost_arrays(world, firms, dests), firm_names=lambda _i: ("", ""))
        out[lo:lo + len(part)] = np.clip(fn(batch).values, 0.0, 1.0)
    return out


def build_groups(world: World, vecs: NDArray[np.float32], *, size: int = c.GROUP_SIZE) -> FirmGroups:
    """Group firms by town, class set, input mix, expansion plan and vector direction, then cut each group by size."""
    fa = world.firm_arrays
    n = len(fa)
    rng = np.random.default_rng(c.SEED)
    class_key = np.empty(n)
    proj = rng.standard_normal(fa.industry.shape[1])
    for lo in range(0, n, _CHUNK):
        class_key[lo:lo + _CHUNK] = fa.industry[lo:lo + _CHUNK].astype(np.float64) @ proj
    demand_key = fa.demand.astype(np.float64) @ rng.standard_normal(fa.demand.shape[1])
    planes = rng.standard_normal((vecs.shape[1], c.GROUP_DIRECTION_BITS)).astype(np.float32) if n else None
    direction = np.zeros(n, dtype=np.int64)
    if planes is not None:
        for lo in range(0, n, _CHUNK):
            bits = (vecs[lo:lo + _CHUNK] @ planes) > 0
            direction[lo:lo + _CHUNK] = bits @ (1 << np.arange(c.GROUP_DIRECTION_BITS))
    # Within one key, neighbours in employees then land have close extremes: cut there.
    perm = np.lexsort((fa.land_mu, fa.employees, direction, fa.expansion, demand_key, class_key, fa.town)).astype(np.intp)
    keys = np.stack([fa.town[perm].astype(np.float64), class_key[perm], demand_key[perm],
                     fa.expansion[perm].astype(np.float64), direction[perm].astype(np.float64)], axis=1)
    new_key = np.ones(n, dtype=bool)
    if n:
        new_key[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    starts_list: list[int] = []
    key_starts = np.flatnonzero(new_key)
    bounds = np.append(key_starts, n)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        starts_list.extend(range(int(lo), int(hi), size))
    starts = np.array([*starts_list, n], dtype=np.intp)
    return _stats(world, vecs, perm, starts)


def group_stats(world: World, vecs: NDArray[np.float32], members: NDArray[np.intp]) -> FirmGroups:
    """The statistics of one group of firm rows (a changed firm's group is redone with this)."""
    return _stats(world, vecs, np.asarray(members, dtype=np.intp), np.array([0, len(members)], dtype=np.intp))


def _stats(world: World, vecs: NDArray[np.float32], perm: NDArray[np.intp], starts: NDArray[np.intp]) -> FirmGroups:
    fa = world.firm_arrays
    g = len(starts) - 1
    heads = starts[:-1]
    if g == 0:
        empty = np.zeros(0)
        return FirmGroups(perm=perm, starts=starts, town=np.zeros(0, dtype=np.int32), rep=np.zeros(0, dtype=np.intp),
                          classes=np.zeros((0, fa.industry.shape[1]), dtype=bool),
                          reliance=np.zeros((0, fa.demand.shape[1])), per_revenue_max=np.zeros((0, 4)),
                          per_revenue_min=np.zeros((0, 4)), employees_min=empty, land_min=empty, readiness_max=empty,
                          centroid=np.zeros((0, vecs.shape[1]), dtype=np.float32), radius=empty)
    classes = np.zeros((g, fa.industry.shape[1]), dtype=bool)
    centroid = np.zeros((g, vecs.shape[1]), dtype=np.float32)
    radius = np.zeros(g)
    # Whole groups per pass, so reduceat never straddles a pass.
    cuts = [0]
    while cuts[-1] < g:
        cuts.append(int(min(g, np.searchsorted(starts, starts[cuts[-1]] + _CHUNK, side="right") - 1)))
        if cuts[-1] == cuts[-2]:
            cuts[-1] += 1
    sizes = np.diff(starts).astype(np.float64)
    for g0, g1 in zip(cuts[:-1], cuts[1:], strict=True):
        rows = perm[starts[g0]:starts[g1]]
        local = starts[g0:g1] - starts[g0]
        classes[g0:g1] = np.logical_or.reduceat(fa.industry[rows].astype(bool), local, axis=0)
        v = vecs[rows]
        centroid[g0:g1] = np.add.reduceat(v, local, axis=0) / sizes[g0:g1, None]
        member_group = np.repeat(np.arange(g0, g1), np.diff(starts[g0:g1 + 1]))
        dist = np.linalg.norm(v - centroid[member_group], axis=1)
        radius[g0:g1] = np.maximum.reduceat(dist, local)
    demand = fa.demand[perm].astype(np.float64)
    total = demand.sum(axis=1, keepdims=True)
    share = np.divide(demand, total, out=np.zeros_like(demand), where=total > 0)
    per_revenue = _per_revenue(world, perm)
    return FirmGroups(
        perm=perm, starts=starts, town=fa.town[perm[heads]], rep=perm[heads],
        classes=classes, reliance=np.maximum.reduceat(share, heads, axis=0),
        per_revenue_max=np.maximum.reduceat(per_revenue, heads, axis=0),
        per_revenue_min=np.minimum.reduceat(per_revenue, heads, axis=0),
        employees_min=np.minimum.reduceat(fa.employees[perm], heads),
        land_min=np.minimum.reduceat(fa.land_mu[perm], heads),
        readiness_max=np.maximum.reduceat(_readiness(world, perm), heads),
        centroid=centroid, radius=radius)


# ---------- per-factor bounds: (groups,) upper bounds of each factor's value for destination row p ----------

BoundFn = Callable[[FirmGroups, World, int, NDArray[np.float32]], F64]


def _industry_fit(gr: FirmGroups, world: World, p: int, _q: NDArray[np.float32]) -> F64:
    affinity = world.dest_arrays.affinity[p]
    return np.asarray(np.where(gr.classes, affinity[None, :], 0.0).max(axis=1, initial=0.0), dtype=np.float64)


def _resource_fit(gr: FirmGroups, world: World, p: int, _q: NDArray[np.float32]) -> F64:
    bound: F64 = np.minimum(gr.reliance @ world.dest_arrays.supply[p].astype(np.float64), 1.0)
    return bound


def _cost_advantage(gr: FirmGroups, world: World, p: int, _q: NDArray[np.float32]) -> F64:
    da = world.dest_arrays
    origin_logistics = _origin(world, CostKind.logistics)
    coef = np.nan_to_num(np.array([
        _origin(world, CostKind.wage) - da.wage[p], _origin(world, CostKind.power_price) - da.power[p],
        _origin(world, CostKind.land_price) - da.land_price[p],
        -(da.logistics[p] - (0.0 if np.isnan(origin_logistics) else origin_logistics))]))
    ratio = np.maximum(gr.per_revenue_max * coef, gr.per_revenue_min * coef).sum(axis=1)
    return np.asarray(1.0 / (1.0 + np.exp(-ratio / COST_RATIO_SCALE)), dtype=np.float64)


def _labour_fit(gr: FirmGroups, world: World, p: int, _q: NDArray[np.float32]) -> F64:
    pool = float(world.dest_arrays.labour_pool[p])
    if np.isnan(pool):
        return np.full(len(gr), a.NEUTRAL_VALUE)
    need = np.maximum(gr.employees_min * a.PRODUCTION_STAFF_SHARE, 1.0)
    return np.asarray(np.clip(pool / (need * LABOUR_COMFORT), 0.0, 1.0), dtype=np.float64)


def _capacity(gr: FirmGroups, world: World, p: int, _q: NDArray[np.float32]) -> F64:
    row = np.array([p], dtype=np.intp)
    avail, seats = float(available_land(world, row)[0]), float(line_seats(world, row)[0])
    if not np.isnan(seats):
        workers = np.maximum(gr.employees_min * a.PRODUCTION_STAFF_SHARE, 1.0)
        return np.asarray(np.clip(seats / (workers * CAPACITY_COMFORT), 0.0, 1.0), dtype=np.float64)
    if np.isnan(avail):
        return np.full(len(gr), a.NEUTRAL_VALUE)
    need = np.maximum(gr.land_min, 0.1)
    return np.asarray(np.clip(avail / (need * CAPACITY_COMFORT), 0.0, 1.0), dtype=np.float64)


def _semantic_fit(gr: FirmGroups, _world: World, _p: int, q: NDArray[np.float32]) -> F64:
    # Cauchy–Schwarz: v·q ≤ centroid·q + |v − centroid|·|q| for every member v.
    cos = gr.centroid.astype(np.float64) @ q.astype(np.float64) + gr.radius * float(np.linalg.norm(q)) + BOUND_SLACK
    return np.asarray(np.clip((cos - SEMANTIC_LOW) / (SEMANTIC_HIGH - SEMANTIC_LOW), 0.0, 1.0), dtype=np.float64)


def _by_representative(name: str) -> BoundFn:
    """A factor that reads only the firm's town (one town per group): its value on one member is the group's."""

    def bound(gr: FirmGroups, world: World, p: int, _q: NDArray[np.float32]) -> F64:
        firms = world.firm_arrays.take(gr.rep)
        dests = np.full(len(gr), p, dtype=np.intp)
        batch = Batch(world=world, firms=firms, dests=dests, semantic=np.zeros(len(gr)),
                      costs=cost_arrays(world, firms, dests), firm_names=lambda _i: ("", ""))
        return np.asarray(np.clip(FACTORS[name].fn(batch).values, 0.0, 1.0), dtype=np.float64)

    return bound


def _readiness_bound(gr: FirmGroups, _world: World, _p: int, _q: NDArray[np.float32]) -> F64:
    return gr.readiness_max


BOUNDS: Final[dict[str, BoundFn]] = {
    "industry_fit": _industry_fit, "resource_fit": _resource_fit, "cost_advantage": _cost_advantage,
    "labour_fit": _labour_fit, "capacity": _capacity, "semantic_fit": _semantic_fit,
    "cooperation_ties": _by_representative("cooperation_ties"), "relocation_readiness": _readiness_bound,
}


def factor_bounds(gr: FirmGroups, world: World, p: int, dest_vec: NDArray[np.float32]) -> F64:
    """(groups × factors) upper bounds in factor order for destination row ``p``; 1.0 for a factor with no bound."""
    if len(gr) == 0:
        return np.zeros((0, len(FACTOR_NAMES)))
    cols = [BOUNDS[name](gr, world, p, dest_vec) if name in BOUNDS else np.ones(len(gr)) for name in FACTOR_NAMES]
    return np.stack(cols, axis=1) + BOUND_SLACK
