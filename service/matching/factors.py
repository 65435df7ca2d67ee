"""Scoring factors as pure functions over arrays of (firm, park) pairs, registered by name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from service.catalog.schemas import CostKind
from service.matching import constants as c
from service.matching.cost import CostArrays
from service.matching.schemas import Evidence, EvidenceNumber, ExclusionReason
from service.matching.world import ENV_ORDER, RELATIONS, FirmArrays, World
from service.sourcing import Figure

Values = NDArray[np.float64]


@dataclass(frozen=True)
class Batch:
    """Pairs to score: row i pairs firm row i of ``firms`` with park ``parks[i]``."""

    world: World
    firms: FirmArrays
    parks: NDArray[np.intp]
    semantic: NDArray[np.float64]  # cosine of the propagated firm and park vectors
    costs: CostArrays
    firm_names: Callable[[int], tuple[str, str]]  # row → (zh, en) name, for phrases

    def __len__(self) -> int:
        return int(self.parks.shape[0])


@dataclass(frozen=True)
class FactorOutput:
    """Values in [0, 1] for every pair, and the evidence of any one pair on demand."""

    values: Values
    explain: Callable[[int], Evidence]


FactorFn = Callable[[Batch], FactorOutput]


@dataclass(frozen=True)
class FactorSpec:
    name: str
    label_zh: str
    label_en: str
    fn: FactorFn


FACTORS: dict[str, FactorSpec] = {}


def factor(name: str, label_zh: str, label_en: str) -> Callable[[FactorFn], FactorFn]:
    """Register a factor function under ``name``; adding a factor is this decorator and one function."""

    def register(fn: FactorFn) -> FactorFn:
        FACTORS[name] = FactorSpec(name, label_zh, label_en, fn)
        return fn

    return register


def _estimate(value: float, unit: str, note: str) -> Figure:
    return Figure(value=round(float(value), 4), unit=unit, estimate=True, note=note)


def _stated(value: float, unit: str, note: str) -> Figure:
    return Figure(value=round(float(value), 4), unit=unit, source="企业填报 / stated by the firm",
                  as_of=dt.date(2025, 1, 1), note=note)


def _wan(yuan: float) -> str:
    return f"{yuan / 10_000:,.0f}"


# ---------- industry fit ----------

_REL_PHRASE = {
    "exact": ("园区产业定位包含{cls}（{target}）", "the park's official positioning covers {cls_en} ({target})"),
    "division_target": ("园区定位的{target_name}大类涵盖{cls}", "the park targets the {target_name_en} division, which covers {cls_en}"),
    "same_group": ("园区定位的{target_name}与{cls}同属一个中类", "the park targets {target_name_en}, in the same group as {cls_en}"),
    "supply_chain": ("园区定位的{target_name}与{cls}是供应链上下游", "the park targets {target_name_en}, a supply-chain neighbour of {cls_en}"),
    "anchor": ("园区龙头企业所在的{target_name}与{cls}上下游相连", "an anchor firm of the park ({target_name_en}) is a supply-chain neighbour of {cls_en}"),
    "same_division": ("园区定位的{target_name}与{cls}同属一个大类", "the park targets {target_name_en}, in the same division as {cls_en}"),
}


@factor(c.INDUSTRY_FIT, "产业契合", "Industry fit")
def industry_fit(b: Batch) -> FactorOutput:
    """1.0 when the park targets the firm's class; less for the same group, a supply-chain link, the same division."""
    pa = b.world.park_arrays
    per_class = b.firms.industry * pa.affinity[b.parks]
    values = per_class.max(axis=1).astype(np.float64) if per_class.shape[1] else np.zeros(len(b))

    def explain(i: int) -> Evidence:
        w = b.world
        classes = np.flatnonzero(b.firms.industry[i])
        if not len(classes):
            return Evidence(phrase_zh="企业行业未知", phrase_en="the firm's industry is unknown")
        j = int(classes[np.argmax(per_class[i, classes])])
        p = int(b.parks[i])
        cls = w.class_codes[j]
        rel = RELATIONS[int(pa.relation[p, j])]
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


# ---------- resource fit ----------


@factor(c.RESOURCE_FIT, "资源匹配", "Resource fit")
def resource_fit(b: Batch) -> FactorOutput:
    """Share of the firm's input intensity that the park supplies (substitutes count in part)."""
    supply = b.world.park_arrays.supply[b.parks]
    demand = b.firms.demand
    covered = demand * supply
    total = demand.sum(axis=1)
    values = np.divide(covered.sum(axis=1), total, out=np.zeros(len(b)), where=total > 0).astype(np.float64)

    def explain(i: int) -> Evidence:
        w = b.world
        park = w.parks[int(b.parks[i])]
        order = np.argsort(-covered[i], kind="stable")
        hits = [int(r) for r in order[:3] if covered[i, r] > 0]
        needs = [int(r) for r in np.argsort(-demand[i], kind="stable")[:3] if demand[i, r] > 0]
        missing = [r for r in needs if supply[i, r] == 0]
        numbers: list[EvidenceNumber] = []
        for r in hits:
            code = w.resource_codes[r]
            for s in park.supplies:
                if s.resource == code and s.capacity is not None:
                    numbers.append(EvidenceNumber(label_zh=f"{w.resource_name(code)}供应能力",
                                                  label_en=f"{w.resource_name(code, 'en')} capacity", figure=s.capacity))
                if s.resource == code and s.price is not None:
                    numbers.append(EvidenceNumber(label_zh=f"{w.resource_name(code)}价格",
                                                  label_en=f"{w.resource_name(code, 'en')} price", figure=s.price))
            numbers.append(EvidenceNumber(
                label_zh=f"企业对{w.resource_name(code)}的依赖度", label_en=f"Firm's reliance on {w.resource_name(code, 'en')}",
                figure=_estimate(demand[i, r], "0–1", "行业投入强度或企业填报 / industry input intensity or stated input")))
        if not needs:
            return Evidence(phrase_zh="企业无可匹配的原料或能源需求", phrase_en="the firm states no material or energy input to match",
                            numbers=numbers)
        if hits:
            zh = "园区可供应企业所需的" + "、".join(w.resource_name(w.resource_codes[r]) for r in hits)
            en = "the park supplies the firm's " + ", ".join(w.resource_name(w.resource_codes[r], "en") for r in hits)
        else:
            zh, en = "园区不供应企业的主要投入", "the park supplies none of the firm's main inputs"
        if missing:
            zh += "；缺" + "、".join(w.resource_name(w.resource_codes[r]) for r in missing)
            en += "; lacking " + ", ".join(w.resource_name(w.resource_codes[r], "en") for r in missing)
        return Evidence(phrase_zh=zh, phrase_en=en, numbers=numbers)

    return FactorOutput(values, explain)


# ---------- cost advantage ----------


@factor(c.COST_ADVANTAGE, "成本优势", "Cost advantage")
def cost_advantage(b: Batch) -> FactorOutput:
    """Logistic squash of the net yearly saving as a share of revenue (0.5 = no saving)."""
    values = 1.0 / (1.0 + np.exp(-b.costs.ratio / c.COST_RATIO_SCALE))

    def explain(i: int) -> Evidence:
        net = float(b.costs.net[i])
        share = float(b.costs.ratio[i]) * 100
        numbers = [EvidenceNumber(label_zh="每年净节省", label_en="Net yearly saving",
                                  figure=_estimate(net, "元/年", "由成本表推算 / from the cost table"))]
        revenue = float(b.firms.revenue_10k[i])
        numbers.append(EvidenceNumber(
            label_zh="年营收", label_en="Yearly revenue",
            figure=_stated(revenue, "万元", "营收 / revenue") if b.firms.revenue_given[i]
            else _estimate(revenue, "万元", "按员工数估算 / estimated from employees")))
        if net >= 0:
            return Evidence(phrase_zh=f"每年可净节省约 {_wan(net)} 万元（约占营收 {share:.1f}%）",
                            phrase_en=f"a net saving of about {net / 1e6:,.2f} million yuan a year ({share:.1f}% of revenue)",
                            numbers=numbers)
        return Evidence(phrase_zh=f"物流增加的成本超过节省，每年净增约 {_wan(-net)} 万元",
                        phrase_en=f"added logistics outweigh the savings: about {-net / 1e6:,.2f} million yuan more a year",
                        numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)


# ---------- labour fit ----------


@factor(c.LABOUR_FIT, "用工匹配", "Labour fit")
def labour_fit(b: Batch) -> FactorOutput:
    """The park's labour pool against the workers the firm needs (a pool 5× the need is comfortable)."""
    pool = b.world.park_arrays.labour_pool[b.parks]
    need = np.maximum(b.firms.employees * c.PRODUCTION_STAFF_SHARE, 1.0)
    coverage = np.clip(pool / (need * c.LABOUR_COMFORT), 0.0, 1.0)
    values = np.where(np.isnan(pool), 0.5, coverage)

    def explain(i: int) -> Evidence:
        park = b.world.parks[int(b.parks[i])]
        numbers = [EvidenceNumber(label_zh="需用工", label_en="Workers needed",
                                  figure=_estimate(need[i], "人", "员工 × 生产人员比例 / staff × production share"))]
        if park.labour_pool is None:
            return Evidence(phrase_zh="园区劳动力数据缺失，按中性计", phrase_en="no labour-pool figure for the park; counted as neutral",
                            numbers=numbers)
        numbers.append(EvidenceNumber(label_zh="园区可用劳动力", label_en="Park labour pool", figure=park.labour_pool))
        return Evidence(
            phrase_zh=f"园区可用劳动力约 {pool[i]:,.0f} 人，企业需约 {need[i]:,.0f} 人；六盘水每年外出务工 40 万人以上",
            phrase_en=f"the park's labour pool is about {pool[i]:,.0f} for about {need[i]:,.0f} workers needed; "
                      "400,000+ Liupanshui workers leave each year to work elsewhere",
            numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)


# ---------- capacity ----------


def available_land(world: World, parks: NDArray[np.intp]) -> NDArray[np.float64]:
    """Free land in 亩, counting free standard factory space as its land equivalent; nan when unknown."""
    pa = world.park_arrays
    land = pa.free_land[parks]
    factory = pa.free_factory_m2[parks] / c.FACTORY_M2_PER_MU
    both = np.fmax(land, factory)  # fmax ignores a nan on one side
    return both


@factor(c.CAPACITY, "用地与厂房", "Land and factory space")
def capacity(b: Batch) -> FactorOutput:
    """Free land (or factory space) against the firm's need; three times the need is comfortable."""
    avail = available_land(b.world, b.parks)
    need = np.maximum(b.firms.land_mu, 0.1)
    values = np.where(np.isnan(avail), 0.5, np.clip(avail / (need * c.CAPACITY_COMFORT), 0.0, 1.0))

    def explain(i: int) -> Evidence:
        park = b.world.parks[int(b.parks[i])]
        numbers = [EvidenceNumber(
            label_zh="企业需地", label_en="Land needed",
            figure=_stated(need[i], "亩", "用地 / land") if b.firms.land_given[i]
            else _estimate(need[i], "亩", "按行业与规模估算 / estimated from industry and size"))]
        if park.free_land_mu is not None:
            numbers.append(EvidenceNumber(label_zh="园区可用工业用地", label_en="Free industrial land", figure=park.free_land_mu))
        if park.free_factory_m2 is not None:
            numbers.append(EvidenceNumber(label_zh="园区可用标准厂房", label_en="Free standard factory space",
                                          figure=park.free_factory_m2))
        if np.isnan(avail[i]):
            return Evidence(phrase_zh="园区可用地数据缺失，按中性计", phrase_en="no free-land figure for the park; counted as neutral",
                            numbers=numbers)
        return Evidence(phrase_zh=f"可用地（含厂房折算）约 {avail[i]:,.0f} 亩，企业需约 {need[i]:,.0f} 亩",
                        phrase_en=f"about {avail[i]:,.0f} mu free (factory space included) for about {need[i]:,.0f} mu needed",
                        numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)


# ---------- semantic fit ----------


@factor(c.SEMANTIC_FIT, "语义相似", "Semantic fit")
def semantic_fit(b: Batch) -> FactorOutput:
    """Cosine of the graph-propagated firm and park vectors, mapped from [SEMANTIC_LOW, SEMANTIC_HIGH] to [0, 1]."""
    values = np.clip((b.semantic - c.SEMANTIC_LOW) / (c.SEMANTIC_HIGH - c.SEMANTIC_LOW), 0.0, 1.0)

    def explain(i: int) -> Evidence:
        return Evidence(
            phrase_zh=f"企业与园区描述在图传播向量空间中的相似度为 {b.semantic[i]:.2f}",
            phrase_en=f"the firm's and the park's graph-propagated text vectors have cosine {b.semantic[i]:.2f}",
            numbers=[EvidenceNumber(label_zh="余弦相似度", label_en="Cosine similarity",
                                    figure=_estimate(b.semantic[i], "cos", "多语种 USE 向量经图传播 / multilingual USE vectors propagated over the graph"))])

    return FactorOutput(values.astype(np.float64), explain)


# ---------- cooperation ties ----------


@factor(c.COOPERATION_TIES, "协作关系", "Cooperation ties")
def cooperation_ties(b: Batch) -> FactorOutput:
    """1.0 for a town–county pairing; the city-level pairing plus earlier projects in the county otherwise."""
    w = b.world
    county = w.park_arrays.county[b.parks]
    paired = w.paired[b.firms.town, county]
    projects = np.array([code in c.COUNTY_PROJECTS for code in w.county_codes] + [False])[county]
    values = np.where(paired, c.TIE_TOWN_COUNTY, c.TIE_CITY + np.where(projects, c.TIE_EARLIER_PROJECTS, 0.0))

    def explain(i: int) -> Evidence:
        park = w.parks[int(b.parks[i])]
        town = w.town_codes[int(b.firms.town[i])] if b.firms.town[i] >= 0 else None
        pairing = w.pairings.get((town or "", park.county))
        if pairing is not None:
            return Evidence(phrase_zh=f"{w.town_name(town)}与{w.county_name(park.county)}结对协作：{pairing.description_zh[:60]}",
                            phrase_en=f"{w.town_name(town, 'en')} is paired with {w.county_name(park.county, 'en')}",
                            numbers=[])
        zh = "中山与六盘水为东西部协作结对城市（2021 年 2 月）"
        en = "Zhongshan and Liupanshui are paired for East–West cooperation (February 2021)"
        if park.county in c.COUNTY_PROJECTS:
            zh += f"；{w.county_name(park.county)}已有协作项目：{c.COUNTY_PROJECTS[park.county]}"
            en += f"; {w.county_name(park.county, 'en')} already hosts cooperation projects"
        return Evidence(phrase_zh=zh, phrase_en=en)

    return FactorOutput(values.astype(np.float64), explain)


# ---------- relocation readiness ----------


@factor(c.RELOCATION_READINESS, "转移意愿", "Relocation readiness")
def relocation_readiness(b: Batch) -> FactorOutput:
    """Firm side: Zhongshan wage bill against revenue, cramped land, labour intensity and plans to expand."""
    wage = b.world.cost_figure(CostKind.wage, None)
    zs_wage = float(wage.value) if wage is not None else 6000.0
    revenue = np.maximum(b.firms.revenue_10k * 10_000.0, 1.0)
    cost_pressure = np.clip(b.firms.employees * zs_wage * c.MONTHS_PER_YEAR / revenue / 0.25, 0.0, 1.0)
    per_worker = b.firms.land_mu / np.maximum(b.firms.employees, 1.0)
    cramped = np.clip(1.0 - per_worker / 0.3, 0.0, 1.0)
    labour = np.clip(b.firms.labour_intensity, 0.0, 1.0)
    expansion = b.firms.expansion.astype(np.float64)
    rw = c.READINESS_WEIGHTS
    values = (rw["cost_pressure"] * cost_pressure + rw["land_shortage"] * cramped
              + rw["labour_intensity"] * labour + rw["expansion"] * expansion)

    def explain(i: int) -> Evidence:
        parts_zh, parts_en = [], []
        if cost_pressure[i] >= 0.5:
            parts_zh.append("中山人工成本占营收比重高")
            parts_en.append("Zhongshan wages weigh heavily on revenue")
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
                           figure=_estimate(cost_pressure[i], "0–1", "中山工资 × 员工 × 12 ÷ 营收 ÷ 25% / Zhongshan wage bill ÷ revenue ÷ 25%")),
            EvidenceNumber(label_zh="劳动密集度", label_en="Labour intensity",
                           figure=_estimate(labour[i], "0–1", "行业投入强度 / industry input intensity")),
        ]
        if not parts_zh:
            return Evidence(phrase_zh="转移动因不明显", phrase_en="few signs of pressure to move", numbers=numbers)
        return Evidence(phrase_zh="、".join(parts_zh), phrase_en=", ".join(parts_en), numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)


# ---------- hard constraints ----------


@dataclass(frozen=True)
class Exclusions:
    mask: NDArray[np.bool_]
    reasons: Callable[[int], list[ExclusionReason]]


def exclusions(b: Batch, *, moving: bool) -> Exclusions:
    """Pairs a park cannot take when production moves: land short, EIA category or industry restricted."""
    if not moving:
        return Exclusions(np.zeros(len(b), dtype=bool), lambda _i: [])
    w = b.world
    pa = w.park_arrays
    avail = available_land(w, b.parks)
    short = ~np.isnan(avail) & (avail < b.firms.land_mu)
    env = pa.env_banned[b.parks, b.firms.env.astype(np.intp)]
    banned = (b.firms.industry * pa.class_banned[b.parks]).any(axis=1)

    def reasons(i: int) -> list[ExclusionReason]:
        park = w.parks[int(b.parks[i])]
        out: list[ExclusionReason] = []
        if short[i]:
            out.append(ExclusionReason(
                code="land_short",
                reason_zh=f"需地约 {b.firms.land_mu[i]:,.0f} 亩，园区可用地（含厂房折算）约 {avail[i]:,.0f} 亩",
                reason_en=f"needs about {b.firms.land_mu[i]:,.0f} mu; the park has about {avail[i]:,.0f} mu free (factory space included)"))
        for restriction in park.restrictions:
            env_hit = env[i] and restriction.kind.value == "env_category" and ENV_ORDER[int(b.firms.env[i])] in restriction.values
            classes = [w.class_codes[j] for j in np.flatnonzero(b.firms.industry[i])]
            ind_hit = restriction.kind.value == "industry" and any(
                cls.startswith(v) for cls in classes for v in restriction.values)
            if env_hit or ind_hit:
                out.append(ExclusionReason(code="env_category" if env_hit else "industry_restricted",
                                           reason_zh=restriction.reason_zh, reason_en=restriction.reason_en))
        return out

    return Exclusions(short | env | banned, reasons)


def score_matrix(b: Batch, names: tuple[str, ...] = c.FACTOR_NAMES) -> tuple[NDArray[np.float64], list[FactorOutput]]:
    """Run every factor; return the (pairs × factors) value matrix and the outputs for explanations."""
    outputs = [FACTORS[name].fn(b) for name in names]
    matrix = np.stack([np.clip(o.values, 0.0, 1.0) for o in outputs], axis=1) if outputs else np.zeros((len(b), 0))
    return matrix, outputs
