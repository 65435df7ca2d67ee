"""Cooperation modes: each one's weights, hard constraints, destination kinds and cost model (the only place a mode is defined)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from service.matching.errors import InvalidWeights


class Mode(StrEnum):
    """合作模式 / Cooperation mode."""

    relocation = "relocation"  # 中山企业+六盘水资源: production moves
    joint_development = "joint_development"  # 中山总部/研发+六盘水基地/制造: a base, HQ and R&D stay
    market = "market"  # 中山市场+六盘水产品: Zhongshan firms buy, process or sell Liupanshui products
    labour = "labour"  # 劳务协作: Zhongshan employers hire workers from Liupanshui counties


@dataclass(frozen=True)
class ModeSpec:
    """What a mode ranks and how: weights by factor name (registry order), named hard constraints, the
    destination kinds it offers and the cost model its cost table uses."""

    mode: Mode
    label_zh: str
    label_en: str
    weights: Mapping[str, float]
    constraints: tuple[str, ...]
    destination_kinds: tuple[str, ...]
    cost_model: str
    # What a brief on a pair of this mode talks about: the site (land, costs), supply (products, volume,
    # season, cold chain, price) or labour (outflow, placements, training, stations).
    brief: str = "site"
    # The score (0–100, as shown) a pair near the top must reach to be recommended. Each mode's scores sit on
    # their own spread, so each has its own bar; see the presets for how each was set.
    recommend_min_score: float = 40.0

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(self.weights)


# Constraints where production moves to the destination: land, EIA category and industry restrictions bind.
_SITE_CONSTRAINTS: Final = ("land_short", "env_category", "industry_restricted")

# Which kinds each mode ranks. Relocation moves production: industrial parks, workshops at relocation
# settlements (labour-intensive lines go where the relocated residents live) and co-built parks. Joint
# development keeps HQ and R&D in the origin and builds a base: a park, a co-built park, or for a food firm an
# agricultural base or processing centre. Market cooperation buys or processes Liupanshui products:
# agricultural bases, processing centres and co-built parks (the one on record is an agricultural park with a
# processing line); industrial parks are left out, because once the county farm products moved onto the bases
# a park has no product of its own to sell. Labour cooperation ranks the counties that send workers out.
RELOCATION_KINDS: Final = ("park", "workshop", "co_built_park")
JOINT_DEVELOPMENT_KINDS: Final = ("park", "co_built_park", "agri_base", "processing_centre")
MARKET_KINDS: Final = ("agri_base", "processing_centre", "co_built_park")
LABOUR_KINDS: Final = ("labour_source",)


# Every preset lists every registered factor in display order (a test holds them to the registry and to a
# sum of 1); the registry cannot be imported here, since factors import the schemas, which import Mode.
DISPLAY_ORDER: Final = ("industry_fit", "resource_fit", "supply_match", "cost_advantage", "labour_fit",
                        "labour_supply", "capacity", "semantic_fit", "cooperation_ties", "relocation_readiness")


def _weights(**given: float) -> dict[str, float]:
    """The given weights, 0 for every other factor, in display order."""
    unknown = set(given) - set(DISPLAY_ORDER)
    if unknown:
        raise ValueError(f"unknown factors in a mode preset: {sorted(unknown)}")
    return {name: given.get(name, 0.0) for name in DISPLAY_ORDER}


MODES: Final[dict[Mode, ModeSpec]] = {
    # Tuned on data/eval/dev.yaml only (a small grid; the optimum is flat): wording, positioning and
    # resources decide; cost, labour and capacity barely separate Liupanshui parks, which share one
    # wage and power level, so they mostly show up in the explanation rather than the order.
    Mode.relocation: ModeSpec(
        mode=Mode.relocation, label_zh="产业转移（中山企业+六盘水资源）",
        label_en="Relocation (Zhongshan firm + Liupanshui resources)",
        weights=_weights(industry_fit=0.20, resource_fit=0.20, cost_advantage=0.07, labour_fit=0.05, capacity=0.05,
                         semantic_fit=0.30, cooperation_ties=0.04, relocation_readiness=0.09),
        constraints=_SITE_CONSTRAINTS, destination_kinds=RELOCATION_KINDS, cost_model="site_move"),
    # HQ and R&D stay, so wage savings matter less; positioning, wording and ties more: a town's pairing with
    # the county (or one township of it, 翠亨 ↔ 发耳) and a park co-built with the town weigh in.
    Mode.joint_development: ModeSpec(
        mode=Mode.joint_development, label_zh="共建基地（中山总部/研发+六盘水基地/共建园区）",
        label_en="Joint development (HQ and R&D in Zhongshan, a base or co-built park in Liupanshui)",
        weights=_weights(industry_fit=0.22, resource_fit=0.12, supply_match=0.04, cost_advantage=0.04,
                         labour_fit=0.04, capacity=0.05, semantic_fit=0.26, cooperation_ties=0.16,
                         relocation_readiness=0.07),
        constraints=_SITE_CONSTRAINTS, destination_kinds=JOINT_DEVELOPMENT_KINDS, cost_model="site_move"),
    # Market: what the buyer buys against what the base supplies, with volume, season and cold chain;
    # nothing moves, so no site constraint binds, but a base that supplies nothing the buyer buys is no match.
    # Tuned on the dev market cases (a small grid): the wording keeps a good share, since "a large base" or
    # "a plant that already presses juice" is said in words the products alone do not carry.
    Mode.market: ModeSpec(
        mode=Mode.market, label_zh="市场合作（中山市场+六盘水产品）",
        label_en="Market cooperation (Zhongshan market + Liupanshui products)",
        weights=_weights(industry_fit=0.05, resource_fit=0.19, supply_match=0.43, semantic_fit=0.28,
                         cooperation_ties=0.05),
        constraints=("supplies_nothing",), destination_kinds=MARKET_KINDS, cost_model="supply", brief="supply",
        # On the starter data a buyer whose products a base really supplies (a canteen's mushrooms, a juice
        # maker's cili) scores 33 or more at its best base, while a firm whose one bought input a base only
        # resembles scores 28 or less: the bar sits between. The other modes keep 40, where their median
        # third-ranked destination lies on the starter data.
        recommend_min_score=32.0),
    # Labour: the county's outflow, placements, training and skills against the vacancies, with the pairing;
    # an employer that lists no vacancies is not ranked. Tuned on the dev labour cases (a small grid, five
    # cases): the pairing weighs as much as the labour facts, which most counties lack.
    Mode.labour: ModeSpec(
        mode=Mode.labour, label_zh="劳务协作（中山岗位+六盘水劳动力）",
        label_en="Labour cooperation (Zhongshan jobs + Liupanshui workers)",
        weights=_weights(labour_supply=0.35, labour_fit=0.05, semantic_fit=0.25, cooperation_ties=0.35),
        constraints=("not_hiring",), destination_kinds=LABOUR_KINDS, cost_model="labour", brief="labour"),
}
DEFAULT_MODE: Final = Mode.relocation


def parse_weights(text: str | None) -> dict[str, float]:
    """Read ``industry_fit:0.3,cost_advantage:0.2`` into a dict."""
    if not text or not text.strip():
        return {}
    out: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition(":")
        if not sep:
            raise InvalidWeights(
                f"权重格式应为 因子:数值，收到 {part.strip()!r} / weights must look like factor:number, got {part.strip()!r}")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InvalidWeights(
                f"权重 {name.strip()} 的值不是数字：{value.strip()!r} / weight {name.strip()} is not a number: {value.strip()!r}"
            ) from None
    return out


def resolve_weights(*, mode: Mode, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Start from the mode's weights, apply overrides, check them, and normalise to sum 1."""
    spec = MODES[mode]
    weights = dict(spec.weights)
    known = ", ".join(spec.factor_names)
    for name, value in (overrides or {}).items():
        if name not in weights:
            raise InvalidWeights(f"未知因子 {name}（可用：{known}） / unknown factor {name} (known: {known})")
        if not math.isfinite(value):
            raise InvalidWeights(f"权重 {name} 不是有限数 / weight {name} is not a finite number")
        if value < 0:
            raise InvalidWeights(f"权重 {name} 不能为负（{value}） / weight {name} cannot be negative ({value})")
        weights[name] = float(value)
    total = sum(weights.values())
    if total <= 0:
        raise InvalidWeights("权重不能全为零 / weights cannot all be zero")
    return {name: weights[name] / total for name in spec.factor_names}
