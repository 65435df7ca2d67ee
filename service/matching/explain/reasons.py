"""A pair's explanation: its evidence (per data state), factor table, helps/drags and reason text (per weighting)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from embeddings import WalkPath as GPath
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.explain.paths import PathFinder, top_paths
from service.matching.memo import remember
from service.matching.scoring import FACTOR_NAMES, FACTORS
from service.matching.scoring.cost import cost_table
from service.matching.scoring.ranker import Scored
from service.matching.snapshot.world import DestinationProfile, FirmProfile


@dataclass(frozen=True)
class WeightedExplanation:
    """The part of a pair's explanation that depends on the weights too (not on its rank or stability)."""

    factors: list[s.FactorRow]
    helps: s.FactorImpact
    drags: s.FactorImpact
    middle_zh: str  # the reason between "score and rank" and "stability": helps, drags, cost, path
    middle_en: str


@dataclass(frozen=True)
class PairEvidence:
    """What explains a pair whatever the mode and weights: each factor's evidence, the cost table, the paths.

    ``weighted`` keeps the rest of the explanation for the last few weightings asked for (by normalised
    weights), since staff re-rank the same pairs under the same preset again and again.
    """

    evidence: tuple[s.Evidence, ...]  # in FACTOR_NAMES order
    cost: s.CostTable
    paths: list[s.GraphPath]
    weighted: dict[tuple[float, ...], WeightedExplanation] = field(default_factory=dict, compare=False)


def pair_evidence(scored: Scored, row: int, dest: DestinationProfile, paths: Callable[[], list[GPath]],
                  finder: PathFinder, prospect_name: str) -> PairEvidence:
    """Build a pair's evidence: every factor's, the cost table and the strongest graph paths."""
    return PairEvidence(
        evidence=tuple(output.explain(row) for output in scored.outputs),
        cost=cost_table(scored.batch.world, scored.batch.firms, row, dest, scored.batch.costs),
        paths=[finder.render(p, prospect_name) for p in top_paths(paths())])


def weighted_explanation(scored: Scored, row: int, pair: PairEvidence) -> WeightedExplanation:
    """The factor table, what helps and drags most, and the middle of the reason, under one weighting."""
    factors = []
    impacts = []
    for k, name in enumerate(FACTOR_NAMES):
        spec = FACTORS[name]
        value = float(scored.matrix[row, k])
        weight = float(scored.weights[k])
        evidence = pair.evidence[k]
        factors.append(s.FactorRow(
            name=name, label_zh=spec.label_zh, label_en=spec.label_en, value=round(value, 4),
            weight=round(weight, 4), contribution=round(weight * value, 4), evidence=evidence))
        impacts.append(s.FactorImpact(
            name=name, label_zh=spec.label_zh, label_en=spec.label_en, impact=round(weight * (value - 0.5), 4),
            phrase_zh=evidence.phrase_zh, phrase_en=evidence.phrase_en))
    weighted = [i for i in impacts if scored.weights[FACTOR_NAMES.index(i.name)] > 0] or impacts
    helps = max(weighted, key=lambda i: (i.impact, -FACTOR_NAMES.index(i.name)))
    drags = min(weighted, key=lambda i: (i.impact, FACTOR_NAMES.index(i.name)))
    second = sorted(weighted, key=lambda i: -i.impact)[1] if len(weighted) > 1 else None
    also_zh = f"；其次是{second.label_zh}（{second.phrase_zh}）" if second and second.impact > 0 else ""
    also_en = f"; next, {second.label_en.lower()} ({second.phrase_en})" if second and second.impact > 0 else ""
    net = pair.cost.net_yuan or 0.0
    cost_zh = (f"按成本表测算，每年净节省约 {net / 10_000:,.0f} 万元（含估算值）" if net >= 0
               else f"按成本表测算，每年净增成本约 {-net / 10_000:,.0f} 万元（含估算值）")
    cost_en = (f"The cost table puts the net yearly saving at about {net / 1e6:,.2f} million yuan (includes estimates)"
               if net >= 0 else f"The cost table puts the net yearly added cost at about {-net / 1e6:,.2f} million yuan (includes estimates)")
    gpaths = pair.paths
    path_zh = f"图谱证据：{gpaths[0].text_zh}。" if gpaths else ""
    path_en = f"Graph evidence: {gpaths[0].text_en}. " if gpaths else ""
    return WeightedExplanation(
        factors=factors, helps=helps, drags=drags,
        middle_zh=(f"最有利的是{helps.label_zh}：{helps.phrase_zh}{also_zh}。"
                   f"最不利的是{drags.label_zh}：{drags.phrase_zh}。{cost_zh}。{path_zh}"),
        middle_en=(f"What helps most is {helps.label_en.lower()}: {helps.phrase_en}{also_en}. "
                   f"What drags most is {drags.label_en.lower()}: {drags.phrase_en}. {cost_en}. {path_en}"),
    )


def explain(pair: PairEvidence, scored: Scored, row: int, *, rank: int, stability: float, firm: FirmProfile,
            dest: DestinationProfile) -> dict[str, Any]:
    """The fields of a ranked item: rank, score, factor table, paths, helps/drags, reasons, stability, cost."""
    world = scored.batch.world
    part = remember(pair.weighted, tuple(scored.weights.tolist()), c.WEIGHTINGS_PER_PAIR,
                    lambda: weighted_explanation(scored, row, pair))
    score = float(scored.scores[row])
    county_zh, county_en = world.county_name(dest.county), world.county_name(dest.county, "en")
    reason_zh = (
        f"{dest.name_zh}（{county_zh}）与{firm.name_zh}的匹配得分 {score:.2f}，排第 {rank}。{part.middle_zh}"
        f"权重随机扰动 ±30% 时，{stability:.0%} 的情形下仍居前三。"
    )
    reason_en = (
        f"{dest.name_en} ({county_en}) scores {score:.2f} for {firm.name_en or firm.name_zh}, rank {rank}. "
        f"{part.middle_en}Under random ±30% weight changes it stays in the top 3 in {stability:.0%} of cases."
    )
    return {"rank": rank, "score": round(score, 4), "factors": part.factors, "paths": pair.paths,
            "helps_most": part.helps, "drags_most": part.drags, "reason_zh": reason_zh, "reason_en": reason_en,
            "stability": round(float(stability), 4), "cost": pair.cost}
