"""A pair's explanation: its evidence (per data state), factor table, what sets it apart from the other candidates
of the same ranking, and the reason sentence by sentence with where each comes from."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embeddings import WalkPath as GPath
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.explain.paths import PathFinder, top_paths
from service.matching.explain.terms import TermFinder, semantic_evidence
from service.matching.memo import remember
from service.matching.scoring import FACTOR_NAMES, FACTORS
from service.matching.scoring.cost import cost_table
from service.matching.scoring.figures import STATED_SOURCE
from service.matching.scoring.ranker import Scored
from service.matching.snapshot.world import READ_FROM_TEXT, DestinationProfile, FirmProfile, World


@dataclass(frozen=True)
class WeightedExplanation:
    """The part of a pair's explanation that depends on the weights and the other candidates (not its rank)."""

    factors: list[s.FactorRow]
    helps: s.FactorImpact
    drags: s.FactorImpact
    middle: list[s.ReasonSentence]  # what sets it apart, what is weaker, the cost, the graph link


@dataclass(frozen=True)
class PairEvidence:
    """What explains a pair whatever the mode and weights: each factor's evidence, the cost table, the paths.

    ``weighted`` keeps the rest of the explanation for the last few weightings asked for (by normalised
    weights and the other candidates' averages), since staff re-rank the same pairs under the same preset.
    """

    evidence: tuple[s.Evidence, ...]  # in FACTOR_NAMES order
    cost: s.CostTable
    paths: list[s.GraphPath]
    weighted: dict[tuple[float, ...], WeightedExplanation] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class RankContext:
    """The ranking a pair sits in: the candidates' average factor values, which factors differ at all, how many
    candidates there are, the best one (what to consider instead) and how far down still counts as the top."""

    mean: NDArray[np.float64]
    varies: NDArray[np.bool_]
    count: int
    best_zh: str
    best_en: str
    top: int
    bar: float  # the mode's recommend_min_score

    def key(self) -> tuple[float, ...]:
        return (*np.round(self.mean, 9).tolist(), *self.varies.astype(float).tolist(), float(self.count))


def rank_context(scored: Scored, best: tuple[str, str], *, top: int, bar: float) -> RankContext:
    """Summarise the ranked (not excluded) candidates of one query for the explanations of each."""
    rows = scored.matrix[scored.order]
    if not len(rows):
        zeros = np.zeros(scored.matrix.shape[1])
        return RankContext(zeros, zeros.astype(bool), 0, best[0], best[1], top, bar)
    spread = rows.max(axis=0) - rows.min(axis=0)
    return RankContext(rows.mean(axis=0), spread > c.EQUAL_FACTOR_SPREAD, len(rows), best[0], best[1], top,
                       bar)


def pair_evidence(scored: Scored, row: int, dest: DestinationProfile, paths: Callable[[], list[GPath]],
                  finder: PathFinder, prospect_name: str, *, firm: FirmProfile, terms: TermFinder,
                  cost_model: str = "site_move") -> PairEvidence:
    """Build a pair's evidence: every factor's, the cost table and the strongest graph paths; semantic fit is
    told by the terms both texts share or the graph path, never by a cosine."""
    rendered = [finder.render(p, prospect_name) for p in top_paths(paths())]
    world = scored.batch.world
    evidence = [output.explain(row) for output in scored.outputs]
    k = FACTOR_NAMES.index("semantic_fit") if "semantic_fit" in FACTOR_NAMES else -1
    if k >= 0:
        evidence[k] = semantic_evidence(terms.shared(world, firm, dest), rendered,
                                        (dest.label("zh"), dest.label("en")))
    return PairEvidence(evidence=tuple(evidence),
                        cost=cost_table(world, scored.batch.firms, row, dest, scored.batch.costs, cost_model),
                        paths=rendered)


Basis = tuple[str, str, str, list[str]]  # (basis, zh, en, urls)
SOURCE_CHARS = 120
_URL = re.compile(r"https?://[^\s）)，,；;]+")


def provenance(name: str, evidence: s.Evidence, *, world: World, firm: FirmProfile, dest: DestinationProfile) -> Basis:
    """Where a factor's sentence comes from: (basis, zh, en, urls) — a source (its address or publication), an
    estimate of this dataset, an assumption, the prospect's own text, or the firm's own figures."""
    sources = list(_URL.findall(evidence.phrase_zh))
    if name == "cooperation_ties":
        pairing = world.pairings.get((firm.town or "", dest.county))
        sources.append(pairing.source.url if pairing is not None and pairing.source.url else world.region.pairing_source)
    stated = False
    for n in evidence.numbers:
        if n.figure.estimate or not n.figure.source:
            continue
        if n.figure.source == STATED_SOURCE:
            stated = True
        else:
            sources.append(n.figure.source)
    sources = [x[:SOURCE_CHARS] for x in dict.fromkeys(x for x in sources if x)][:2]
    parts: list[tuple[str, str, str]] = []
    if READ_FROM_TEXT[0] in evidence.phrase_zh:
        parts.append(("text", READ_FROM_TEXT[0], READ_FROM_TEXT[1]))
    if "假设" in evidence.phrase_zh:
        parts.append(("assumption", "本数据集的假设，未见出处", "an assumption of this dataset, no source states it"))
    if sources:
        parts.append(("sourced", "出处：" + "、".join(sources), "source: " + ", ".join(sources)))
    if name == "semantic_fit":
        parts.append(("dataset", "依据双方资料的用词与本数据集图谱", "from both profiles' wording and this dataset's graph"))
    if any(n.figure.estimate for n in evidence.numbers):
        parts.append(("estimate", "含本数据集估算值", "includes estimates of this dataset"))
    if stated:
        parts.append(("stated", "企业填报", "stated by the firm"))
    if not parts:
        parts.append(("dataset", "本数据集记录", "recorded in this dataset"))
    urls = [x for x in sources if x.startswith("http")]
    return parts[0][0], "；".join(p[1] for p in parts), "; ".join(p[2] for p in parts), urls


# The provenance tag after each sentence says where it comes from, so the phrase's own bracket is not repeated.
_OWN_MARK = re.compile(r"（该定位为本数据集的假设，未见出处）|（出处：[^）]*）| \(a target assumed by this dataset; no source "
                       r"states it\)| \(as a source states: [^)]*\)")


def _bare(phrase: str) -> str:
    return _OWN_MARK.sub("", phrase)


def _sentence(zh: str, en: str, basis: Basis) -> s.ReasonSentence:
    return s.ReasonSentence(text_zh=zh, text_en=en, basis=basis[0], provenance_zh=basis[1], provenance_en=basis[2],
                            urls=basis[3])


COMPUTED: Basis = ("computed", "本工具按所选权重计算", "computed by this tool under the chosen weights", [])
GRAPH: Basis = ("dataset", "本数据集图谱的关联", "a link in this dataset's graph", [])
PROVISIONAL: Basis = ("estimate", "估计：文本编码完成后重算", "estimate: recomputed once the text is encoded", [])


def weighted_explanation(scored: Scored, row: int, pair: PairEvidence, ctx: RankContext, *, firm: FirmProfile,
                         dest: DestinationProfile) -> WeightedExplanation:
    """The factor table, what sets the pair apart from the other candidates and what holds it back, the cost
    and the graph link, under one weighting."""
    world = scored.batch.world
    n = ctx.count
    factors, impacts = [], []
    for k, name in enumerate(FACTOR_NAMES):
        spec = FACTORS[name]
        value = float(scored.matrix[row, k])
        weight = float(scored.weights[k])
        evidence = pair.evidence[k]
        factors.append(s.FactorRow(
            name=name, label_zh=spec.label_zh, label_en=spec.label_en, value=round(value, 4),
            weight=round(weight, 4), contribution=round(weight * value * c.SCORE_SCALE, 2), evidence=evidence))
        # Against the others' mean: (n·mean − v) / (n − 1); a lone candidate has nothing to be compared with.
        others = (n * ctx.mean[k] - value) / (n - 1) if n > 1 else value
        impacts.append(s.FactorImpact(
            name=name, label_zh=spec.label_zh, label_en=spec.label_en,
            impact=round(weight * (value - others) * c.SCORE_SCALE, 2), phrase_zh=evidence.phrase_zh,
            phrase_en=evidence.phrase_en))
    eligible = [i for k, i in enumerate(impacts) if scored.weights[k] > 0 and ctx.varies[k]]
    pool = eligible or [i for k, i in enumerate(impacts) if scored.weights[k] > 0] or impacts
    order = {name: k for k, name in enumerate(FACTOR_NAMES)}
    helps = max(pool, key=lambda i: (i.impact, -order[i.name]))
    drags = min(pool, key=lambda i: (i.impact, order[i.name]))
    # Half a point either way is not worth saying at the table.
    ahead = sorted((i for i in eligible if i.impact >= c.IMPACT_WORTH_SAYING), key=lambda i: (-i.impact, order[i.name]))
    behind = [i for i in eligible if i.impact <= -c.IMPACT_WORTH_SAYING]

    def basis(impact: s.FactorImpact) -> Basis:
        return provenance(impact.name, pair.evidence[order[impact.name]], world=world, firm=firm, dest=dest)

    middle: list[s.ReasonSentence] = []
    if n <= 1:
        middle.append(_sentence("本次排序只有这一个候选，无从比较", "it is the only candidate in this ranking, so nothing "
                                "compares with it", COMPUTED))
    elif ahead:
        lead = ahead[0]
        middle.append(_sentence(
            f"与其他 {n - 1} 个候选相比，它的突出之处是{lead.label_zh}：{_bare(lead.phrase_zh)}",
            f"Against {_others_en(n)}, what sets it apart is {lead.label_en.lower()}: {_bare(lead.phrase_en)}",
            basis(lead)))
        if len(ahead) > 1:
            nxt = ahead[1]
            middle.append(_sentence(f"其次是{nxt.label_zh}：{_bare(nxt.phrase_zh)}", f"Next comes {nxt.label_en.lower()}: "
                                    f"{_bare(nxt.phrase_en)}", basis(nxt)))
    else:
        middle.append(_sentence(f"与其他 {n - 1} 个候选相比，它没有哪一项明显占优",
                                f"Against {_others_en(n)}, it leads on no factor", COMPUTED))
    if behind:
        weak = min(behind, key=lambda i: (i.impact, order[i.name]))
        middle.append(_sentence(f"相对较弱的是{weak.label_zh}：{_bare(weak.phrase_zh)}",
                                f"Where it falls behind the others is {weak.label_en.lower()}: {_bare(weak.phrase_en)}",
                                basis(weak)))
    money = cost_sentence(pair.cost, world=scored.batch.world)
    if money is not None:
        middle.append(money)
    if pair.paths:
        middle.append(_sentence(f"图谱关联：{pair.paths[0].text_zh}", f"Graph link: {pair.paths[0].text_en}", GRAPH))
    return WeightedExplanation(factors=factors, helps=helps, drags=drags, middle=middle)


def _others_en(n: int) -> str:
    return "the other candidate" if n == 2 else f"the other {n - 1} candidates"


def cost_sentence(cost: s.CostTable, *, world: World) -> s.ReasonSentence | None:
    """The money of the pair in one sentence, in the terms of its cost model: a move's net saving, a purchase's
    freight to the origin city, a placement's extra pay; None when the table has no total."""
    basis: Basis = (("estimate", "成本表含本数据集估算值", "the cost table includes estimates of this dataset", [])
                    if cost.estimate else ("sourced", "成本表各项均有出处", "every cost line has a source", []))
    r = world.region
    per_tonne = next((line.destination for line in cost.lines if line.destination is not None), None)
    if cost.model == "supply" and cost.net_yuan is None and per_tonne is not None:  # no tonnage stated
        return _sentence(f"运回{r.origin_zh}每吨运费约 {per_tonne.value:,.0f} 元（未含货款；企业未给出年采购量）",
                         f"Freight to {r.origin_en} is about {per_tonne.value:,.0f} yuan a tonne (goods not included; "
                         "the firm gives no yearly quantity)", basis)
    net = cost.shown_yuan()
    if net is None:
        return None
    if cost.model == "supply":
        return _sentence(f"按成本表测算，运回{r.origin_zh}每年运费约 {net / 10_000:,.1f} 万元（未含货款）",
                         f"The cost table puts the yearly freight to {r.origin_en} at about {net / 1e6:,.2f} million "
                         "yuan (goods not included)", basis)
    if cost.model == "labour":
        people = cost.lines[0].quantity.value if cost.lines else 0
        return _sentence(f"按工资差测算，受聘的 {people:,.0f} 名工人每年合计比在当地多挣约 {net / 10_000:,.0f} 万元",
                         f"At the wage gap, the {people:,.0f} workers hired would earn about {net / 1e6:,.2f} million "
                         "yuan a year more than at home", basis)
    return _sentence(
        f"按成本表测算，每年净节省约 {net / 10_000:,.0f} 万元" if net >= 0
        else f"按成本表测算，每年净增成本约 {-net / 10_000:,.0f} 万元",
        f"The cost table puts the net yearly saving at about {net / 1e6:,.2f} million yuan" if net >= 0
        else f"The cost table puts the net yearly added cost at about {-net / 1e6:,.2f} million yuan", basis)


def render(sentences: list[s.ReasonSentence]) -> tuple[str, str]:
    """The reason paragraph in each language, every sentence followed by its provenance."""
    zh = "".join(f"{x.text_zh}〔{x.provenance_zh}〕。" for x in sentences)
    en = " ".join(f"{x.text_en} [{x.provenance_en}]." for x in sentences)
    return zh, en


def explain(pair: PairEvidence, scored: Scored, row: int, *, rank: int, stability: float, firm: FirmProfile,
            dest: DestinationProfile, ctx: RankContext, name: tuple[str, str],
            provisional: bool = False) -> dict[str, Any]:
    """The fields of a ranked item: rank, score (0–100), factor table, paths, what sets it apart, the reason
    sentence by sentence, whether it is recommended (else what to consider instead), stability and cost.

    ``name`` is the (zh, en) name of the ranked side (the destination for a firm, the firm for a lead list);
    ``provisional``: the firm's text is still being encoded, which the reason says as an estimate.
    """
    part = remember(pair.weighted, (*scored.weights.tolist(), *ctx.key()), c.WEIGHTINGS_PER_PAIR,
                    lambda: weighted_explanation(scored, row, pair, ctx, firm=firm, dest=dest))
    score = float(scored.scores[row]) * c.SCORE_SCALE
    # Judged on the score as shown (a whole number), so "40/100" is never called below a bar of 40.
    recommended = rank <= ctx.top and round(score) >= ctx.bar
    instead_zh = instead_en = None
    if recommended:
        lead = _sentence(f"{name[0]}匹配度 {score:.0f}/100，在 {ctx.count} 个候选中排第 {rank}",
                         f"{name[1]} scores {score:.0f}/100, rank {rank} of {ctx.count}", COMPUTED)
    else:
        why_zh = (f"排第 {rank}（前 {ctx.top} 之外）" if rank > ctx.top
                  else f"匹配度 {score:.0f}/100，低于推荐线 {ctx.bar:.0f}")
        why_en = (f"rank {rank}, outside the top {ctx.top}" if rank > ctx.top
                  else f"{score:.0f}/100, below the bar of {ctx.bar:.0f}")
        if rank > 1 and ctx.best_zh:
            instead_zh, instead_en = ctx.best_zh, ctx.best_en
            lead = _sentence(f"不推荐，可考虑 {ctx.best_zh}：{name[0]}{why_zh}",
                             f"Not recommended, consider {ctx.best_en} instead: {name[1]} is {why_en}", COMPUTED)
        else:
            lead = _sentence(f"不推荐：{name[0]}{why_zh}，本次排序中没有达到推荐线的候选",
                             f"Not recommended: {name[1]} is {why_en}; no candidate in this ranking reaches the bar",
                             COMPUTED)
    stable = _sentence(f"±30% 权重变化下仍居前三：{stability:.0%} 的情形",
                       f"Stays top-3 under ±30% weight changes in {stability:.0%} of trials", COMPUTED)
    pending = [_sentence(
        f"{firm.name_zh}的文本尚在后台编码，语义相似度暂按其行业、镇街和产品估计",
        f"{firm.name_en or firm.name_zh}'s text is still being encoded in the background; its semantic similarity "
        "is estimated from its industries, town and products for now", PROVISIONAL)] if provisional else []
    sentences = [lead, *part.middle, *pending, stable]
    reason_zh, reason_en = render(sentences)
    # Two decimals on 0–100 is the precision four gave on 0–1: finer digits are summation noise.
    return {"rank": rank, "score": round(score, 2), "factors": part.factors, "paths": pair.paths,
            "helps_most": part.helps, "drags_most": part.drags, "reason_zh": reason_zh, "reason_en": reason_en,
            "stability": round(float(stability), 4), "cost": pair.cost, "recommended": recommended,
            "consider_instead_zh": instead_zh, "consider_instead_en": instead_en, "sentences": sentences,
            "provisional": provisional}
