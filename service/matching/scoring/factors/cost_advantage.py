"""Cost advantage: the net yearly saving at the destination as a share of revenue, squashed to [0, 1]."""

from __future__ import annotations

from typing import Final

import numpy as np

from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import estimate, stated, wan
from service.matching.scoring.registry import Batch, FactorOutput, factor

# logistic(net saving / revenue / COST_RATIO_SCALE): 3 % of revenue reads as strong.
COST_RATIO_SCALE: Final = 0.03


@factor("cost_advantage", "成本优势", "Cost advantage", order=30)
def cost_advantage(b: Batch) -> FactorOutput:
    """Logistic squash of the net yearly saving as a share of revenue (0.5 = no saving)."""
    values = 1.0 / (1.0 + np.exp(-b.costs.ratio / COST_RATIO_SCALE))

    def explain(i: int) -> Evidence:
        net = float(b.costs.net[i])
        share = float(b.costs.ratio[i]) * 100
        numbers = [EvidenceNumber(label_zh="每年净节省", label_en="Net yearly saving",
                                  figure=estimate(net, "元/年", "由成本表推算 / from the cost table"))]
        revenue = float(b.firms.revenue_10k[i])
        numbers.append(EvidenceNumber(
            label_zh="年营收", label_en="Yearly revenue",
            figure=stated(revenue, "万元", "营收 / revenue") if b.firms.revenue_given[i]
            else estimate(revenue, "万元", "按员工数估算 / estimated from employees")))
        if net >= 0:
            return Evidence(phrase_zh=f"每年可净节省约 {wan(net)} 万元（约占营收 {share:.1f}%）",
                            phrase_en=f"a net saving of about {net / 1e6:,.2f} million yuan a year ({share:.1f}% of revenue)",
                            numbers=numbers)
        return Evidence(phrase_zh=f"物流增加的成本超过节省，每年净增约 {wan(-net)} 万元",
                        phrase_en=f"added logistics outweigh the savings: about {-net / 1e6:,.2f} million yuan more a year",
                        numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)
