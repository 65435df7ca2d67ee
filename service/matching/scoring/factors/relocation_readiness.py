"""Relocation readiness (firm side): wage pressure, cramped land, labour intensity, plans to expand, and the
cues a prospect's own text states (rent rising, land shortage, hiring difficulty, expansion, customers in the southwest)."""

from __future__ import annotations

from typing import Final

import numpy as np

from service.catalog.schemas import CostKind
from service.matching import assumptions as a
from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import estimate
from service.matching.scoring.registry import Batch, FactorOutput, factor
from service.matching.snapshot.world import CUE_CODES, CUE_LABELS, READ_FROM_TEXT

# Weights of the four signals.
READINESS_WEIGHTS: Final[dict[str, float]] = {
    "cost_pressure": 0.3, "land_shortage": 0.2, "labour_intensity": 0.3, "expansion": 0.2,
}
WAGE_SHARE_HIGH: Final = 0.25  # a wage bill at this share of revenue counts as full pressure
LAND_PER_WORKER_ROOMY: Final = 0.3  # 亩 per worker at which land no longer feels short
# A cue the firm states itself counts as full strength of the signal it speaks to (rent is a cost, like wages);
# customers in the southwest pull towards a site there and close this share of the gap to 1.
CUE_SIGNAL: Final[dict[str, str]] = {"rent_rising": "cost_pressure", "land_shortage": "land_shortage",
                                     "hiring_difficulty": "labour_intensity", "expansion": "expansion"}
MARKET_PULL: Final = 0.3


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
    cues = b.firms.cues
    col = {code: k for k, code in enumerate(CUE_CODES)}
    signals = {"cost_pressure": cost_pressure, "land_shortage": cramped, "labour_intensity": labour,
               "expansion": expansion}
    for cue, signal in CUE_SIGNAL.items():
        signals[signal] = np.maximum(signals[signal], cues[:, col[cue]].astype(np.float64))
    rw = READINESS_WEIGHTS
    region = b.world.region
    values = sum((rw[name] * signals[name] for name in rw), np.zeros(len(b)))
    values = values + MARKET_PULL * (1.0 - values) * cues[:, col["southwest_customers"]]
    cost_pressure, cramped, labour = signals["cost_pressure"], signals["land_shortage"], signals["labour_intensity"]

    def explain(i: int) -> Evidence:
        parts_zh, parts_en = [], []
        read = [code for code in CUE_CODES if cues[i, col[code]]]
        for code in read:  # what the firm said itself comes first, marked as read from its text
            zh, en = CUE_LABELS[code]
            parts_zh.append(f"{zh}（{READ_FROM_TEXT[0]}）")
            parts_en.append(f"{en} ({READ_FROM_TEXT[1]})")
        said = {CUE_SIGNAL.get(code) for code in read}
        if cost_pressure[i] >= 0.5 and "cost_pressure" not in said:
            parts_zh.append(f"{region.origin_zh}人工成本占营收比重高")
            parts_en.append(f"{region.origin_en} wages weigh heavily on revenue")
        if cramped[i] >= 0.5 and "land_shortage" not in said:
            parts_zh.append("人均用地紧张")
            parts_en.append("little land per worker")
        if labour[i] >= 0.4 and "labour_intensity" not in said:
            parts_zh.append("劳动密集")
            parts_en.append("labour-intensive")
        if expansion[i] and "expansion" not in said:
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
