"""Portfolio plan: assign firms to parks for the largest total score under each park's free land.

Land is a size, not a count, so the flow is counted in land units of ``LAND_UNIT_MU`` 亩: a firm needing
``L`` 亩 supplies ``ceil(L / unit)`` units, a park with ``F`` 亩 free accepts ``floor(F / unit)`` units (need
rounded up, room rounded down, so a flow never overfills a park), and each unit a firm sends to a park
earns ``score / units`` — the LP relaxation of the knapsack-like problem, solved exactly by networkx's
min-cost flow on integer-scaled costs. A flow may split one firm over two parks; each firm then goes to
the park that carried its flow (largest first), capacity and the optional per-park cap are re-checked in
exact 亩, and leftover room is filled greedily. The plan is compared with a plain greedy assignment
(best pairs first) and never reports less than it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from service.firms.errors import FirmNotFound
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.errors import PlanTooLarge
from service.matching.limits import check_min_score
from service.matching.scoring.factors.capacity import available_land
from service.matching.service import MatchService

Assign = dict[int, int]  # firm position → park row


def _capacity_ok(used: NDArray[np.float64], count: NDArray[np.int64], p: int, need: float,
                 free: NDArray[np.float64], cap: int | None) -> bool:
    room = np.inf if np.isnan(free[p]) else free[p]
    return used[p] + need <= room + 1e-9 and (cap is None or count[p] < cap)


def _fill(order: Sequence[tuple[int, int]], need: NDArray[np.float64], free: NDArray[np.float64], cap: int | None,
          assign: Assign | None = None) -> Assign:
    """Take (firm, park) pairs in order, keeping those that still fit."""
    out: Assign = dict(assign or {})
    used = np.zeros(len(free))
    count = np.zeros(len(free), dtype=np.int64)
    for f, p in out.items():
        used[p] += need[f]
        count[p] += 1
    for f, p in order:
        if f not in out and _capacity_ok(used, count, p, need[f], free, cap):
            out[f] = p
            used[p] += need[f]
            count[p] += 1
    return out


def _total(assign: Assign, scores: NDArray[np.float64]) -> float:
    return float(sum(scores[f, p] for f, p in assign.items()))


def _flow_assign(scores: NDArray[np.float64], valid: NDArray[np.bool_], need: NDArray[np.float64],
                 free: NDArray[np.float64], cap: int | None) -> Assign:
    n, n_parks = scores.shape
    units = np.maximum(1, np.ceil(need / c.LAND_UNIT_MU)).astype(int)
    total = int(units.sum())
    graph = nx.DiGraph()
    graph.add_node("source", demand=-total)
    graph.add_node("sink", demand=total)
    graph.add_edge("skip", "sink", capacity=total, weight=0)
    for p in range(n_parks):
        room = total if np.isnan(free[p]) else int(math.floor(free[p] / c.LAND_UNIT_MU))
        graph.add_edge(("park", p), "sink", capacity=max(room, 0), weight=0)
    for f in range(n):
        graph.add_edge("source", ("firm", f), capacity=int(units[f]), weight=0)
        graph.add_edge(("firm", f), "skip", capacity=int(units[f]), weight=0)
        for q in np.flatnonzero(valid[f]):
            cost = -int(round(scores[f, q] * c.PLAN_SCORE_SCALE / units[f]))
            graph.add_edge(("firm", f), ("park", int(q)), capacity=int(units[f]), weight=cost)
    flow = nx.min_cost_flow(graph)
    carried: list[tuple[float, int, int]] = []
    for f in range(n):
        for node, amount in flow[("firm", f)].items():
            if node != "skip" and amount > 0:
                park = int(node[1])
                carried.append((amount / units[f] * scores[f, park], f, park))
    carried.sort(key=lambda t: (-t[0], t[1], t[2]))
    return _fill([(f, p) for _, f, p in carried], need, free, cap)


def make_plan(*, engine: MatchService, request: s.PlanRequest) -> s.PlanResult:
    """Assign firms to parks with min-cost flow under free land (and an optional per-park cap)."""
    world = engine.world
    if request.firm_ids is None:
        if len(world.firms) > c.PLAN_MAX_FIRMS:
            raise PlanTooLarge(
                f"共 {len(world.firms):,} 家企业，超过单个方案上限 {c.PLAN_MAX_FIRMS:,} 家：请用 firm_ids 分批指定企业 / "
                f"{len(world.firms):,} firms exceed the {c.PLAN_MAX_FIRMS:,} one plan may place: name them in parts "
                "with firm_ids")
        positions = np.arange(len(world.firms), dtype=np.intp)
    else:
        missing = [fid for fid in request.firm_ids if fid not in world.firm_row]
        if missing:
            raise FirmNotFound(f"企业不存在：{missing} / firms not found: {missing}")
        positions = np.array([world.firm_row[fid] for fid in dict.fromkeys(request.firm_ids)], dtype=np.intp)
    scores, excluded, scored, dest_rows = engine.pair_scores(firm_rows=positions, mode=request.mode, weights=request.weights or {})
    n, n_parks = scores.shape
    valid = ~excluded & (scores * c.SCORE_SCALE >= check_min_score(request.min_score))
    need = world.firm_arrays.land_mu[positions].astype(np.float64)
    free = available_land(world, dest_rows)
    cap = request.max_firms_per_park
    pairs = [(f, int(p)) for f in range(n) for p in np.flatnonzero(valid[f])]
    pairs.sort(key=lambda fp: (-scores[fp], fp))
    greedy = _fill(pairs, need, free, cap)
    flow = _flow_assign(scores, valid, need, free, cap) if pairs else {}
    flow = _fill(pairs, need, free, cap, flow)  # leftover room, best pairs first
    method = "min_cost_flow"
    if _total(flow, scores) < _total(greedy, scores) - 1e-9:
        flow, method = greedy, "greedy"
    firms = [world.firms[int(i)] for i in positions]
    refs = [engine.firm_ref(world, f) for f in firms]
    park_refs = [engine.dest_ref(world, world.destinations[int(p)]) for p in dest_rows]
    assignments = [
        s.Assignment(firm=refs[f], park=park_refs[p], score=round(float(scores[f, p]) * c.SCORE_SCALE, 2), land_mu=round(float(need[f]), 2))
        for f, p in sorted(flow.items(), key=lambda fp: (fp[1], -scores[fp], fp[0]))
    ]
    unassigned = []
    for f in range(n):
        if f in flow:
            continue
        if valid[f].any():
            zh, en = "各可选园区的用地或名额已分配给得分更高的组合", "the land or places of every eligible park went to higher-scoring pairs"
        elif (~excluded[f]).any():
            zh, en = f"所有园区得分低于最低分 {request.min_score}", f"every park scores below the minimum {request.min_score}"
        else:
            first = scored.reasons(f * n_parks)
            zh = "所有园区均被硬约束排除" + (f"，如：{first[0].reason_zh}" if first else "")
            en = "every park is excluded by a hard constraint" + (f", e.g. {first[0].reason_en}" if first else "")
        unassigned.append(s.Unassigned(firm=refs[f], reason_zh=zh, reason_en=en))
    uses = []
    for p in range(n_parks):
        members = [f for f, q in flow.items() if q == p]
        uses.append(s.ParkUse(park=park_refs[p], free_land_mu=None if np.isnan(free[p]) else round(float(free[p]), 2),
                              used_land_mu=round(float(sum(need[f] for f in members)), 2), firms=len(members)))
    total, greedy_total = _total(flow, scores), _total(greedy, scores)
    return s.PlanResult(mode=request.mode, method=method, land_unit_mu=c.LAND_UNIT_MU, total_score=round(total * c.SCORE_SCALE, 2),
                        greedy_total_score=round(greedy_total * c.SCORE_SCALE, 2),
                        gain_over_greedy=round((total - greedy_total) * c.SCORE_SCALE, 2),
                        assignments=assignments, unassigned=unassigned, parks=uses)
