"""Labour fit: the destination's labour pool against the workers the firm needs."""

from __future__ import annotations

from typing import Final

import numpy as np

from service.matching import assumptions as a
from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import estimate
from service.matching.scoring.registry import Batch, FactorOutput, factor

# A pool this many times the workers needed is comfortable.
LABOUR_COMFORT: Final = 5.0


@factor("labour_fit", "用工匹配", "Labour fit", order=40)
def labour_fit(b: Batch) -> FactorOutput:
    """The destination's labour pool against the workers the firm needs (a pool 5× the need is comfortable)."""
    pool = b.world.dest_arrays.labour_pool[b.dests]
    need = np.maximum(b.firms.employees * a.PRODUCTION_STAFF_SHARE, 1.0)
    coverage = np.clip(pool / (need * LABOUR_COMFORT), 0.0, 1.0)
    values = np.where(np.isnan(pool), a.NEUTRAL_VALUE, coverage)
    region = b.world.region

    def explain(i: int) -> Evidence:
        dest = b.world.destinations[int(b.dests[i])]
        numbers = [EvidenceNumber(label_zh="需用工", label_en="Workers needed",
                                  figure=estimate(need[i], "人", "员工 × 生产人员比例 / staff × production share"))]
        kind, kind_en = dest.label("zh"), dest.label("en")
        if dest.labour_pool is None:
            return Evidence(phrase_zh=f"{kind}劳动力数据缺失，按中性计",
                            phrase_en=f"no labour-pool figure for the {kind_en}; counted as neutral", numbers=numbers)
        numbers.append(EvidenceNumber(label_zh=f"{kind}可用劳动力", label_en=f"Labour pool of the {kind_en}",
                                      figure=dest.labour_pool))
        return Evidence(
            phrase_zh=f"{kind}可用劳动力约 {pool[i]:,.0f} 人，企业需约 {need[i]:,.0f} 人；{region.labour_outflow_zh}",
            phrase_en=f"the {kind_en}'s labour pool is about {pool[i]:,.0f} for about {need[i]:,.0f} workers needed; "
                      f"{region.labour_outflow_en}",
            numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)
