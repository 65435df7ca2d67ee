"""Yearly cost models: a move's savings in wages, power and land against the origin city minus added logistics;
a purchase's freight to the origin city; a placement's extra pay for the workers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from service.catalog.schemas import CostKind, ResourceCategory
from service.matching import assumptions as a
from service.matching.schemas import CostLine, CostTable, EvidenceNumber
from service.matching.scoring.figures import stated
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


def cost_table(world: World, firms: FirmArrays, row: int, dest: DestinationProfile, costs: CostArrays,
               model: str = "site_move") -> CostTable:
    """One pair's yearly money by the mode's cost model (site_move, supply or labour), every input with its
    source and its estimate flag."""
    if model == "supply":
        return supply_table(world, firms, row, dest)
    if model == "labour":
        return labour_table(world, firms, row, dest)
    return site_table(world, firms, row, dest, costs)


def supply_table(world: World, firms: FirmArrays, row: int, dest: DestinationProfile) -> CostTable:
    """A buyer's freight from the base to the origin city for each product the base supplies that it buys.

    Only what the data knows: the tonnage the buyer states and the freight per tonne from the destination's
    county. The dataset has no farm-gate or Zhongshan market price, so no saving is claimed; an assumption
    line says to ask for a quote."""
    r = world.region
    freight = world.cost_figure(CostKind.logistics, dest)
    per_tonne = float("nan") if freight is None else float(freight.value)
    supplied = {s.resource for s in dest.supplies}
    bought = (firms.buys[row] > 0) | firms.buys_unsized[row]
    if not bought.any():  # a firm that lists no purchases: the farm products its industry or its words lean on
        bought = (firms.demand[row] > 0) & np.array(
            [world.resources[code].category is ResourceCategory.agricultural for code in world.resource_codes])
    lines: list[CostLine] = []
    for col, code in enumerate(world.resource_codes):
        if code not in supplied or not bought[col]:
            continue
        unit = world.resources[code].unit
        tonnes = float(firms.buys[row, col])
        sized = tonnes > 0 and unit in ("t", "吨")
        name_zh, name_en = world.resource_name(code), world.resource_name(code, "en")
        quantity = (stated(round(tonnes, 2), "吨/年", f"年采购{name_zh} / yearly purchases of {name_en}") if sized
                    else Figure(value=0, unit="吨/年", estimate=True,
                                note=f"采购量不详 / the firm gives no yearly quantity of {name_en}"))
        lines.append(CostLine(
            item="freight", label_zh=f"运回{r.origin_zh}：{name_zh}", label_en=f"Freight to {r.origin_en}: {name_en}",
            quantity=quantity, origin=None, destination=freight,
            yearly_yuan=_none_if_nan(-tonnes * per_tonne) if sized else None,
            formula=f"年采购量 × {r.destination_zh}至{r.origin_zh}每吨运费 / tonnes a year × freight per tonne to {r.origin_en}"))
    known = [line.yearly_yuan for line in lines if line.yearly_yuan is not None]
    return CostTable(
        model="supply", yearly_label_zh="年运费（元，负数为支出）", yearly_label_en="Yearly freight (yuan, negative = paid)",
        net_label_zh=f"每年运回{r.origin_zh}的运费", net_label_en=f"Yearly freight to {r.origin_en}",
        lines=lines,
        assumptions=[EvidenceNumber(
            label_zh="产地价与到岸价", label_en="Farm-gate and delivered price",
            figure=_assumption(0, "元/吨", "数据集无产地价与中山到岸价，洽谈时询价 / the dataset has no farm-gate or "
                                         "delivered price: ask for a quote"))],
        net_yuan=round(sum(known), 2) if known else None,
        estimate=freight is None or freight.estimate or any(line.quantity.estimate for line in lines),
    )


def labour_table(world: World, firms: FirmArrays, row: int, dest: DestinationProfile) -> CostTable:
    """What the placed workers earn over a year in the origin city beyond their county's pay: the employer's
    openings × 12 × (origin wage − county wage). It is the households' gain, the case a county's labour
    bureau makes to its people; the employer's own cost does not change."""
    r = world.region
    origin, here = world.cost_figure(CostKind.wage, None), world.cost_figure(CostKind.wage, dest)
    openings = float(firms.openings[row])
    gap = (float("nan") if origin is None or here is None else float(origin.value) - float(here.value))
    line = CostLine(
        item="pay_gain", label_zh="工人工资增收", label_en="Workers' extra pay",
        quantity=stated(openings, "人", "招聘岗位数 / openings"),
        origin=origin, destination=here, yearly_yuan=_none_if_nan(openings * a.MONTHS_PER_YEAR * gap),
        formula=f"岗位数 × 12 × ({r.origin_zh} − {r.destination_zh}月工资) / openings × 12 × ({r.origin_en} − "
                f"{r.destination_en} monthly wage)")
    return CostTable(
        model="labour", yearly_label_zh="年增收（元）", yearly_label_en="Extra pay a year (yuan)",
        net_label_zh="受聘工人每年合计增收", net_label_en="Extra pay of the workers hired, per year",
        lines=[line], net_yuan=line.yearly_yuan,
        estimate=any(f is not None and f.estimate for f in (line.quantity, origin, here)),
    )


def site_table(world: World, firms: FirmArrays, row: int, dest: DestinationProfile, costs: CostArrays) -> CostTable:
    """A move's cost lines: wages, power, land and added logistics."""
    origin = {k: world.cost_figure(k, None) for k in CostKind}
    here = {k: world.cost_figure(k, dest) for k in CostKind}
    employees = float(firms.employees[row])
    r = world.region

    def given(value: float, unit: str, flag: bool, note: str) -> Figure:
        if flag:
            return stated(round(value, 2), unit, note)
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
