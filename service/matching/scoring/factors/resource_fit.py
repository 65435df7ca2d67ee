"""Resource fit: the share of the firm's input intensity that the destination supplies (substitutes in part)."""

from __future__ import annotations

import numpy as np

from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import estimate
from service.matching.scoring.registry import Batch, FactorOutput, factor


@factor("resource_fit", "资源匹配", "Resource fit", order=20)
def resource_fit(b: Batch) -> FactorOutput:
    """Share of the firm's input intensity that the destination supplies (substitutes count in part)."""
    supply = b.world.dest_arrays.supply[b.dests]
    demand = b.firms.demand
    covered = demand * supply
    total = demand.sum(axis=1)
    values = np.divide(covered.sum(axis=1), total, out=np.zeros(len(b)), where=total > 0).astype(np.float64)

    def explain(i: int) -> Evidence:
        w = b.world
        dest = w.destinations[int(b.dests[i])]
        order = np.argsort(-covered[i], kind="stable")
        hits = [int(r) for r in order[:3] if covered[i, r] > 0]
        needs = [int(r) for r in np.argsort(-demand[i], kind="stable")[:3] if demand[i, r] > 0]
        missing = [r for r in needs if supply[i, r] == 0]
        numbers: list[EvidenceNumber] = []
        for r in hits:
            code = w.resource_codes[r]
            for s in dest.supplies:
                if s.resource == code and s.capacity is not None:
                    numbers.append(EvidenceNumber(label_zh=f"{w.resource_name(code)}供应能力",
                                                  label_en=f"{w.resource_name(code, 'en')} capacity", figure=s.capacity))
                if s.resource == code and s.price is not None:
                    numbers.append(EvidenceNumber(label_zh=f"{w.resource_name(code)}价格",
                                                  label_en=f"{w.resource_name(code, 'en')} price", figure=s.price))
            numbers.append(EvidenceNumber(
                label_zh=f"企业对{w.resource_name(code)}的依赖度", label_en=f"Firm's reliance on {w.resource_name(code, 'en')}",
                figure=estimate(demand[i, r], "0–1", "行业投入强度或企业填报 / industry input intensity or stated input")))
        if not needs:
            return Evidence(phrase_zh="企业无可匹配的原料或能源需求", phrase_en="the firm states no material or energy input to match",
                            numbers=numbers)
        kind, kind_en = dest.label("zh"), dest.label("en")
        if hits:
            zh = f"{kind}可供应企业所需的" + "、".join(w.resource_name(w.resource_codes[r]) for r in hits)
            en = f"the {kind_en} supplies the firm's " + ", ".join(w.resource_name(w.resource_codes[r], "en") for r in hits)
        else:
            zh, en = f"{kind}不供应企业的主要投入", f"the {kind_en} supplies none of the firm's main inputs"
        if missing:
            zh += "；缺" + "、".join(w.resource_name(w.resource_codes[r]) for r in missing)
            en += "; lacking " + ", ".join(w.resource_name(w.resource_codes[r], "en") for r in missing)
        return Evidence(phrase_zh=zh, phrase_en=en, numbers=numbers)

    return FactorOutput(values, explain)
