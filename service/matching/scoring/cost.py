"""Yearly cost model: savings in wages, power and land at a destination against the origin city, minus added logistics."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from service.catalog.schemas import CostKind
from service.matching import assumptions as a
from service.matching.schemas import CostLine, CostTable, EvidenceNumber
from service.matching.snapshot.world import DestinationProfile, FirmArrays, World
from service.sourcing import Figure


@dataclass(frozen=True)
class CostArrays:
    """Yearly yuan per pair; nan where a figure is missing."""

    wage: NDArray[np.float64]
    power: NDArray[np.float64]
    land: NDArray[np.float64]
    logistics: NDArray[np.float64]  # added cost, positive
    net: NDArray[np.float64]
    ratio: NDArray[np.float64]  # net / revenue


def _origin(world: World, kind: CostKind) -> float:
    figure = world.cost_figure(kind, None)
    return float("nan") if figure is None else float(figure.value)


def cost_arrays(world: World, firms: FirmArrays, dests: NDArray[np.intp]) -> CostArrays:
    """Compute the cost lines for many (firm, destination) pairs at once."""
    da = world.dest_arrays
    staff = firms.employees * a.PRODUCTION_STAFF_SHARE
    wage = staff * a.MONTHS_PER_YEAR * (_origin(world, CostKind.wage) - da.wage[dests])
    power = firms.kwh * (_origin(world, CostKind.power_price) - da.power[dests])
    land = firms.land_mu * (_origin(world, CostKind.land_price) - da.land_price[dests]) / a.LAND_TERM_YEARS
    origin_logistics = _origin(world, CostKind.logistics)
    logistics = firms.tonnes * (da.logistics[dests] - (0.0 if np.isnan(origin_logistics) else origin_logistics))
    net = np.nan_to_num(wage) + np.nan_to_num(power) + np.nan_to_num(land) - np.nan_to_num(logistics)
    revenue = np.maximum(firms.revenue_10k * 10_000.0, 1.0)
    return CostArrays(wage=wage, power=power, land=land, logistics=logistics, net=net, ratio=net / revenue)


def _assumption(value: float, unit: str, note: str) -> Figure:
    return Figure(value=value, unit=unit, estimate=True, note=note)


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 2)


@lru_cache(maxsize=8)
def _assumptions(destination_zh: str) -> tuple[EvidenceNumber, ...]:
    # The same two assumptions stand under every cost table: built once, shared (nothing mutates a response).
    return (
        EvidenceNumber(label_zh="生产人员比例", label_en="Production staff share",
                       figure=_assumption(a.PRODUCTION_STAFF_SHARE, "比例 share",
                                          f"迁往{destination_zh}的生产人员比例 / share of staff working at the site")),
        EvidenceNumber(label_zh="工业用地出让年限", label_en="Industrial land-use term",
                       figure=Figure(value=a.LAND_TERM_YEARS, unit="年", source=a.LAND_TERM_SOURCE,
                                     as_of=a.LAND_TERM_AS_OF)),
    )


def cost_table(world: World, firms: FirmArrays, row: int, dest: DestinationProfile, costs: CostArrays) -> CostTable:
    """Render one pair's cost lines with every input, its source and its estimate flag."""
    origin = {k: world.cost_figure(k, None) for k in CostKind}
    here = {k: world.cost_figure(k, dest) for k in CostKind}
    employees = float(firms.employees[row])
    r = world.region

    def given(value: float, unit: str, flag: bool, note: str) -> Figure:
        if flag:
            return Figure(value=round(value, 2), unit=unit, source="企业填报 / stated by the firm", as_of=a.STATED_AS_OF,
                          note=note)
        return Figure(value=round(value, 2), unit=unit, estimate=True, note=note + "（按行业与规模估算 / estimated from industry and size）")

    lines = [
        CostLine(item="wage", label_zh="工资", label_en="Wages",
                 quantity=given(employees, "人", bool(firms.employees_given[row]), "员工 / employees"),
                 origin=origin[CostKind.wage], destination=here[CostKind.wage],
                 yearly_yuan=_none_if_nan(costs.wage[row]),
                 formula=f"员工 × 生产人员比例 × 12 × ({r.origin_zh} − {r.destination_zh}月工资) / staff × production share × 12 × ({r.origin_en} − {r.destination_en} monthly wage)"),
        CostLine(item="power", label_zh="电费", label_en="Power",
                 quantity=given(float(firms.kwh[row]), "kWh/年", bool(firms.kwh_given[row]), "年用电 / yearly power"),
                 origin=origin[CostKind.power_price], destination=here[CostKind.power_price],
                 yearly_yuan=_none_if_nan(costs.power[row]),
                 formula=f"年用电 × ({r.origin_zh} − {r.destination_zh}电价) / kWh × ({r.origin_en} − {r.destination_en} power price)"),
        CostLine(item="land", label_zh="地价（按年摊销）", label_en="Land (annualised)",
                 quantity=given(float(firms.land_mu[row]), "亩", bool(firms.land_given[row]), "用地 / land"),
                 origin=origin[CostKind.land_price], destination=here[CostKind.land_price],
                 yearly_yuan=_none_if_nan(costs.land[row]),
                 formula=f"用地 × ({r.origin_zh} − {r.destination_zh}地价) ÷ {a.LAND_TERM_YEARS} 年 / mu × ({r.origin_en} − {r.destination_en} land price) ÷ {a.LAND_TERM_YEARS} years"),
        CostLine(item="logistics", label_zh=f"新增物流（运回{r.market_zh}）", label_en=f"Added logistics (back to {r.market_en})",
                 quantity=given(float(firms.tonnes[row]), "吨/年", bool(firms.tonnes_given[row]), "年运量 / yearly tonnage"),
                 origin=origin[CostKind.logistics], destination=here[CostKind.logistics],
                 yearly_yuan=_none_if_nan(-costs.logistics[row]),
                 formula=f"年运量 × {r.destination_zh}至{r.origin_zh}每吨运费 / tonnes × freight per tonne to {r.origin_en}"),
    ]
    return CostTable(
        lines=lines,
        assumptions=list(_assumptions(r.destination_zh)),
        net_yuan=round(float(costs.net[row]), 2),
        # The production-staff share is always an estimate, so every table is marked as using one.
        estimate=True,
    )
