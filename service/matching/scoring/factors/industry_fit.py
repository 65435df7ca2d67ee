"""Industry fit: the destination targets the firm's class, its group or division, or a supply-chain neighbour."""

from __future__ import annotations

import numpy as np

from service.matching.schemas import Evidence
from service.matching.scoring.registry import Batch, FactorOutput, factor
from service.matching.snapshot.world import RELATIONS

_REL_PHRASE = {
    "exact": ("园区产业定位包含{cls}（{target}）", "the park's official positioning covers {cls_en} ({target})"),
    "division_target": ("园区定位的{target_name}大类涵盖{cls}", "the park targets the {target_name_en} division, which covers {cls_en}"),
    "same_group": ("园区定位的{target_name}与{cls}同属一个中类", "the park targets {target_name_en}, in the same group as {cls_en}"),
    "supply_chain": ("园区定位的{target_name}与{cls}是供应链上下游", "the park targets {target_name_en}, a supply-chain neighbour of {cls_en}"),
    "anchor": ("园区龙头企业所在的{target_name}与{cls}上下游相连", "an anchor firm of the park ({target_name_en}) is a supply-chain neighbour of {cls_en}"),
    "same_division": ("园区定位的{target_name}与{cls}同属一个大类", "the park targets {target_name_en}, in the same division as {cls_en}"),
}


@factor("industry_fit", "产业契合", "Industry fit", order=10)
def industry_fit(b: Batch) -> FactorOutput:
    """1.0 when the destination targets the firm's class; less for the same group, a supply-chain link, the same division."""
    da = b.world.dest_arrays
    per_class = b.firms.industry * da.affinity[b.dests]
    values = per_class.max(axis=1).astype(np.float64) if per_class.shape[1] else np.zeros(len(b))

    def explain(i: int) -> Evidence:
        w = b.world
        classes = np.flatnonzero(b.firms.industry[i])
        if not len(classes):
            return Evidence(phrase_zh="企业行业未知", phrase_en="the firm's industry is unknown")
        j = int(classes[np.argmax(per_class[i, classes])])
        p = int(b.dests[i])
        cls = w.class_codes[j]
        rel = RELATIONS[int(da.relation[p, j])]
        if rel == "none":
            return Evidence(phrase_zh=f"园区定位与{w.industry_name(cls)}（{cls}）无直接关联",
                            phrase_en=f"the park's positioning has no direct link to {w.industry_name(cls, 'en')} ({cls})")
        target = w.relation_target[(p, j)]
        zh, en = _REL_PHRASE[rel]
        fill = {"cls": f"{w.industry_name(cls)}", "cls_en": w.industry_name(cls, "en"), "target": target,
                "target_name": f"{w.industry_name(target)}（{target}）",
                "target_name_en": f"{w.industry_name(target, 'en')} ({target})"}
        return Evidence(phrase_zh=zh.format(**fill), phrase_en=en.format(**fill))

    return FactorOutput(values, explain)
