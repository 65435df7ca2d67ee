"""Relocation readiness (firm side): wage pressure, cramped land, labour intensity and plans to expand."""

from __future__ import annotations

from typing import Final

import numpy as np

from service.catalog.schemas import CostKind
from service.matching import assumptions as a
from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import estimate
from service.matching.scoring.registry import Batch, FactorOutput, factor

# Weights of the four signals.
READINESS_WEIGHTS: Final[dict[str, float]] = {
    "cost_pressure": 0.3, "land_shortage": 0.2, "labour_intensity": 0.3, "expansion": 0.2,
}
WAGE_SHARE_HIGH: Final = 0.25  # a wage bill at this share of revenue counts as full pressure
LAND_PER_WORKER_ROOMY: Final = 0.3  # 亩 per worker at which land no longer feels short


@factor("relocation_readiness", "转移意愿", "Relocation readiness", order=80)
def relocation_readiness(b: Batch) -> FactorOutput:
    """Firm side: origin wage bill against revenue, cramped land, labour intensity and plans to expand."""
    wage = b.world.cost_figure(CostKind.wage, None)
    origin_wage = float((wage or b.world.region.fallback_wage).value)
    revenue = np.maximum(b.firms.revenue_10k * 10_000.0, 1.0)
    cost_pressure = np.clip(b.firms.employees * origin_wage * a.MONTHS_PER_YEAR / revenue / WAGE_SHARE_HIGH, 0.0, 1.0)
    per_worker = b.firms.land_mu / np.maximum(b.firms.employees, 1.0)
    cramped = np.clip(1.0 - per_worker / LAND_PER_WORKER_ROOMY, 0.0, 1.0)
    labour = np.clip(b.firms.labour_intensity, 0.0, 1.0)
    expansion = b.firms.expansion.astype(np.float64)
    rw = READINESS_WEIGHTS
    region = b.world.region
    values = (rw["cost_pressure"] * cost_pressure + rw["land_shortage"] * cramped
              + rw["labour_intensity"] * labour + rw["expansion"] * expansion)

    def explain(i: int) -> Evidence:
        parts_zh, parts_en = [], []
        if cost_pressure[i] >= 0.5:
            parts_zh.append(f"{region.origin_zh}人工成本占营收比重高")
            parts_en.append(f"{region.origin_en} wages weigh heavily on revenue")
        if cramped[i] >= 0.5:
            parts_zh.append("人均用地紧张")
            parts_en.append("little land per worker")
        if labour[i] >= 0.4:
            parts_zh.append("劳动密集")
            parts_en.append("labour-intensive")
        if expansion[i]:
            parts_zh.append("有扩产计划")
            parts_en.append("plans to expand")
        numbers = [
            EvidenceNumber(label_zh="人工成本压力", label_en="Wage-cost pressure",
                           figure=estimate(cost_pressure[i], "0–1", f"{region.origin_zh}工资 × 员工 × 12 ÷ 营收 ÷ 25% / "
                                                            f"{region.origin_en} wage bill ÷ revenue ÷ 25%")),
            EvidenceNumber(label_zh="劳动密集度", label_en="Labour intensity",
                           figure=estimate(labour[i], "0–1", "行业投入强度 / industry input intensity")),
        ]
        if not parts_zh:
            return Evidence(phrase_zh="转移动因不明显", phrase_en="few signs of pressure to move", numbers=numbers)
        return Evidence(phrase_zh="、".join(parts_zh), phrase_en=", ".join(parts_en), numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)
