"""Industry fit: the destination targets the firm's class, its group or division, or a supply-chain neighbour.

A target is "sourced" when one of the destination's sources states it, otherwise it is assumed by this
dataset; the phrases say which, and only a sourced target is ever called the destination's stated positioning.
"""

from __future__ import annotations

import numpy as np

from service.matching.schemas import Evidence
from service.matching.scoring.registry import Batch, FactorOutput, factor
from service.matching.snapshot.world import RELATIONS

_REL_PHRASE = {
    "exact": ("{kind}产业定位包含{cls}（{target}）", "the {kind_en}'s positioning covers {cls_en} ({target})"),
    "division_target": ("{kind}定位的{target_name}大类涵盖{cls}", "the {kind_en} targets the {target_name_en} division, which covers {cls_en}"),
    "same_group": ("{kind}定位的{target_name}与{cls}同属一个中类", "the {kind_en} targets {target_name_en}, in the same group as {cls_en}"),
    "supply_chain": ("{kind}定位的{target_name}与{cls}是供应链上下游", "the {kind_en} targets {target_name_en}, a supply-chain neighbour of {cls_en}"),
    "anchor": ("{kind}龙头企业所在的{target_name}与{cls}上下游相连", "an anchor firm of the {kind_en} ({target_name_en}) is a supply-chain neighbour of {cls_en}"),
    "same_division": ("{kind}定位的{target_name}与{cls}同属一个大类", "the {kind_en} targets {target_name_en}, in the same division as {cls_en}"),
}
# How a target came to be on the record: stated by a source (with its address), or assumed by this dataset.
_SOURCED = ("（出处：{url}）", " (as a source states: {url})")
_ASSUMED = ("（该定位为本数据集的假设，未见出处）", " (a target assumed by this dataset; no source states it)")


@factor("industry_fit", "产业契合", "Industry fit", order=10)
def industry_fit(b: Batch) -> FactorOutput:
    """1.0 when the destination targets the firm's class; less for the same group, a supply-chain link, the same division."""
    da = b.world.dest_arrays
    per_class = b.firms.industry * da.affinity[b.dests]
    values = per_class.max(axis=1).astype(np.float64) if per_class.shape[1] else np.zeros(len(b))

    def explain(i: int) -> Evidence:
        w = b.world
        p = int(b.dests[i])
        dest = w.destinations[p]
        kind, kind_en = dest.label("zh"), dest.label("en")
        classes = np.flatnonzero(b.firms.industry[i])
        if not len(classes):
            return Evidence(phrase_zh="企业行业未知", phrase_en="the firm's industry is unknown")
        j = int(classes[np.argmax(per_class[i, classes])])
        cls = w.class_codes[j]
        rel = RELATIONS[int(da.relation[p, j])]
        if rel == "none":
            return Evidence(phrase_zh=f"{kind}定位与{w.industry_name(cls)}（{cls}）无直接关联",
                            phrase_en=f"the {kind_en}'s positioning has no direct link to {w.industry_name(cls, 'en')} ({cls})")
        target = w.relation_target[(p, j)]
        zh, en = _REL_PHRASE[rel]
        fill = {"cls": f"{w.industry_name(cls)}", "cls_en": w.industry_name(cls, "en"), "target": target,
                "target_name": f"{w.industry_name(target)}（{target}）",
                "target_name_en": f"{w.industry_name(target, 'en')} ({target})", "kind": kind, "kind_en": kind_en}
        zh, en = zh.format(**fill), en.format(**fill)
        if rel != "anchor":  # an anchor is a firm on record, not a positioning claim
            source = dest.sourced_targets.get(target)
            if source is not None:
                zh += _SOURCED[0].format(url=source.url)
                en += _SOURCED[1].format(url=source.url)
            else:
                zh += _ASSUMED[0]
                en += _ASSUMED[1]
        return Evidence(phrase_zh=zh, phrase_en=en)

    return FactorOutput(values, explain)
