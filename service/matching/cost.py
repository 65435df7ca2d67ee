"""Yearly cost model: savings in wages, power and land at a park against Zhongshan, minus added logistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from service.catalog.schemas import CostKind
from service.matching import constants as c
from service.matching.schemas import CostLine, CostTable, EvidenceNumber
from service.matching.world import FirmArrays, World
from service.parks.schemas import ParkRead
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


def _zs(world: World, kind: CostKind) -> float:
    figure = world.cost_figure(kind, None)
    return float("nan") if figure is None else float(figure.value)


def cost_arrays(world: World, firms: FirmArrays, parks: NDArray[np.intp]) -> CostArrays:
    """Compute the cost lines for many (firm, park) pairs at once."""
    pa = world.park_arrays
    staff = firms.employees * c.PRODUCTION_STAFF_SHARE
    wage = staff * c.MONTHS_PER_YEAR * (_zs(world, CostKind.wage) - pa.wage[parks])
    power = firms.kwh * (_zs(world, CostKind.power_price) - pa.power[parks])
    land = firms.land_mu * (_zs(world, CostKind.land_price) - pa.land_price[parks]) / c.LAND_TERM_YEARS
    zs_logistics = _zs(world, CostKind.logistics)
    logistics = firms.tonnes * (pa.logistics[parks] - (0.0 if np.isnan(zs_logistics) else zs_logistics))
    net = np.nan_to_num(wage) + np.nan_to_num(power) + np.nan_to_num(land) - np.nan_to_num(logistics)
    revenue = np.maximum(firms.revenue_10k * 10_000.0, 1.0)
    return CostArrays(wage=wage, power=power, land=land, logistics=logistics, net=net, ratio=net / revenue)


def _derived(value: float, unit: str, *inputs: Figure | None, note: str) -> Figure:
    """A figure computed from others: an estimate when any input is, else sourced from them."""
    known = [f for f in inputs if f is not None]
    if not known or any(f.estimate for f in known):
        return Figure(value=round(value, 2), unit=unit, estimate=True, note=note)
    sources = "; ".join(dict.fromkeys(f.source or "" for f in known))
    as_of = max(f.as_of for f in known if f.as_of is not None)
    return Figure(value=round(value, 2), unit=unit, source=sources, as_of=as_of, note=note)


def _assumption(value: float, unit: str, note: str) -> Figure:
    return Figure(value=value, unit=unit, estimate=True, note=note)


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 2)


_STATED_AS_OF = dt.date(2025, 1, 1)
# The same two assumptions stand under every cost table: built once, shared (nothing mutates a response).
_ASSUMPTIONS = (
    EvidenceNumber(label_zh="生产人员比例", label_en="Production staff share",
                   figure=_assumption(c.PRODUCTION_STAFF_SHARE, "比例 share",
                                      "迁往六盘水的生产人员比例 / share of staff working at the site")),
    EvidenceNumber(label_zh="工业用地出让年限", label_en="Industrial land-use term",
                   figure=Figure(value=c.LAND_TERM_YEARS, unit="年", source=c.LAND_TERM_SOURCE, as_of=c.LAND_TERM_AS_OF)),
)


def cost_table(world: World, firms: FirmArrays, row: int, park: ParkRead, costs: CostArrays) -> CostTable:
    """Render one pair's cost lines with every input, its source and its estimate flag."""
    zs = {k: world.cost_figure(k, None) for k in CostKind}
    lp = {k: world.cost_figure(k, park) for k in CostKind}
    employees = float(firms.employees[row])

    def given(value: float, unit: str, flag: bool, note: str) -> Figure:
        if flag:
            return Figure(value=round(value, 2), unit=unit, source="企业填报 / stated by the firm", as_of=_STATED_AS_OF,
                          note=note)
        return Figure(value=round(value, 2), unit=unit, estimate=True, note=note + "（按行业与规模估算 / estimated from industry and size）")

    lines = [
        CostLine(item="wage", label_zh="工资", label_en="Wages",
                 quantity=given(employees, "人", bool(firms.employees_given[row]), "员工 / employees"),
                 zhongshan=zs[CostKind.wage], liupanshui=lp[CostKind.wage],
                 yearly_yuan=_none_if_nan(costs.wage[row]),
                 formula="员工 × 生产人员比例 × 12 × (中山 − 六盘水月工资) / staff × production share × 12 × (Zhongshan − park monthly wage)"),
        CostLine(item="power", label_zh="电费", label_en="Power",
                 quantity=given(float(firms.kwh[row]), "kWh/年", bool(firms.kwh_given[row]), "年用电 / yearly power"),
                 zhongshan=zs[CostKind.power_price], liupanshui=lp[CostKind.power_price],
                 yearly_yuan=_none_if_nan(costs.power[row]),
                 formula="年用电 × (中山 − 六盘水电价) / kWh × (Zhongshan − park power price)"),
        CostLine(item="land", label_zh="地价（按年摊销）", label_en="Land (annualised)",
                 quantity=given(float(firms.land_mu[row]), "亩", bool(firms.land_given[row]), "用地 / land"),
                 zhongshan=zs[CostKind.land_price], liupanshui=lp[CostKind.land_price],
                 yearly_yuan=_none_if_nan(costs.land[row]),
                 formula=f"用地 × (中山 − 六盘水地价) ÷ {c.LAND_TERM_YEARS} 年 / mu × (Zhongshan − park land price) ÷ {c.LAND_TERM_YEARS} years"),
        CostLine(item="logistics", label_zh="新增物流（运回珠三角）", label_en="Added logistics (back to the Pearl River Delta)",
                 quantity=given(float(firms.tonnes[row]), "吨/年", bool(firms.tonnes_given[row]), "年运量 / yearly tonnage"),
                 zhongshan=zs[CostKind.logistics], liupanshui=lp[CostKind.logistics],
                 yearly_yuan=_none_if_nan(-costs.logistics[row]),
                 formula="年运量 × 六盘水至中山每吨运费 / tonnes × freight per tonne to Zhongshan"),
    ]
    return CostTable(
        lines=lines,
        assumptions=list(_ASSUMPTIONS),
        net_yuan=round(float(costs.net[row]), 2),
        # The production-staff share is always an estimate, so every table is marked as using one.
        estimate=True,
    )


__all__ = ["CostArrays", "cost_arrays", "cost_table"]
