"""Capacity: free land (or standard factory space) at the destination against the firm's need."""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from service.matching import assumptions as a
from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import estimate, stated
from service.matching.scoring.registry import Batch, FactorOutput, factor
from service.matching.snapshot.world import World

# Free land this many times the need is comfortable (1.0); below 1× the land_short constraint excludes the pair.
CAPACITY_COMFORT: Final = 3.0


def available_land(world: World, dests: NDArray[np.intp]) -> NDArray[np.float64]:
    """Free land in 亩, counting free standard factory space as its land equivalent; nan when unknown."""
    da = world.dest_arrays
    land = da.free_land[dests]
    factory = da.free_factory_m2[dests] / a.FACTORY_M2_PER_MU
    both: NDArray[np.float64] = np.fmax(land, factory)  # fmax ignores a nan on one side
    return both


def line_seats(world: World, dests: NDArray[np.intp]) -> NDArray[np.float64]:
    """Production-line workers a destination's workshop floor seats; nan where it offers land instead."""
    seats: NDArray[np.float64] = world.dest_arrays.line_floor_m2[dests] / a.WORKSHOP_M2_PER_WORKER
    return seats


def line_workers(employees: NDArray[np.float64]) -> NDArray[np.float64]:
    """The workers a firm would put on a line at a workshop."""
    workers: NDArray[np.float64] = np.maximum(employees * a.PRODUCTION_STAFF_SHARE, 1.0)
    return workers


@factor("capacity", "用地与厂房", "Land and factory space", order=50)
def capacity(b: Batch) -> FactorOutput:
    """Free land (or factory space) against the firm's need; three times the need is comfortable."""
    avail = available_land(b.world, b.dests)
    need = np.maximum(b.firms.land_mu, 0.1)
    values = np.where(np.isnan(avail), a.NEUTRAL_VALUE, np.clip(avail / (need * CAPACITY_COMFORT), 0.0, 1.0))
    seats, workers = line_seats(b.world, b.dests), line_workers(b.firms.employees)
    values = np.where(np.isnan(seats), values, np.clip(seats / (workers * CAPACITY_COMFORT), 0.0, 1.0))

    def explain(i: int) -> Evidence:
        dest = b.world.destinations[int(b.dests[i])]
        numbers = [EvidenceNumber(
            label_zh="企业需地", label_en="Land needed",
            figure=stated(need[i], "亩", "用地 / land") if b.firms.land_given[i]
            else estimate(need[i], "亩", "按行业与规模估算 / estimated from industry and size"))]
        kind, kind_en = dest.label("zh"), dest.label("en")
        if dest.free_land_mu is not None:
            numbers.append(EvidenceNumber(label_zh=f"{kind}可用工业用地", label_en="Free industrial land", figure=dest.free_land_mu))
        if dest.free_factory_m2 is not None:
            numbers.append(EvidenceNumber(label_zh=f"{kind}可用厂房", label_en="Free factory space",
                                          figure=dest.free_factory_m2))
        if dest.line_floor_m2 is not None and not np.isnan(seats[i]):
            numbers.append(EvidenceNumber(label_zh=f"{kind}面积", label_en=f"Floor space of the {kind_en}",
                                          figure=dest.line_floor_m2))
            return Evidence(phrase_zh=f"{kind}约可容纳 {seats[i]:,.0f} 名产线工人，企业需约 {workers[i]:,.0f} 人",
                            phrase_en=f"the {kind_en} seats about {seats[i]:,.0f} line workers for about "
                                      f"{workers[i]:,.0f} needed", numbers=numbers)
        if np.isnan(avail[i]):
            return Evidence(phrase_zh=f"{kind}可用地数据缺失，按中性计",
                            phrase_en=f"no free-land figure for the {kind_en}; counted as neutral", numbers=numbers)
        return Evidence(phrase_zh=f"可用地（含厂房折算）约 {avail[i]:,.0f} 亩，企业需约 {need[i]:,.0f} 亩",
                        phrase_en=f"about {avail[i]:,.0f} mu free (factory space included) for about {need[i]:,.0f} mu needed",
                        numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)
