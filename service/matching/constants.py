"""Matching constants: factor names, mode presets, defaults and the cost-model assumptions in one place."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Final


class Mode(StrEnum):
    """合作模式 / Cooperation mode; each has a weight preset."""

    relocation = "relocation"  # 中山企业+六盘水资源: production moves
    joint_development = "joint_development"  # 中山总部/研发+六盘水基地/制造: a base, HQ and R&D stay
    market = "market"  # 中山市场+六盘水产品: Zhongshan firms buy, process or sell Liupanshui products


MODE_LABELS: Final[dict[Mode, tuple[str, str]]] = {
    Mode.relocation: ("产业转移（中山企业+六盘水资源）", "Relocation (Zhongshan firm + Liupanshui resources)"),
    Mode.joint_development: ("共建基地（中山总部/研发+六盘水基地/制造）",
                             "Joint development (HQ and R&D in Zhongshan, base in Liupanshui)"),
    Mode.market: ("市场合作（中山市场+六盘水产品）", "Market cooperation (Zhongshan market + Liupanshui products)"),
}

# Factor names in display order; factors.py registers one function per name.
INDUSTRY_FIT: Final = "industry_fit"
RESOURCE_FIT: Final = "resource_fit"
COST_ADVANTAGE: Final = "cost_advantage"
LABOUR_FIT: Final = "labour_fit"
CAPACITY: Final = "capacity"
SEMANTIC_FIT: Final = "semantic_fit"
COOPERATION_TIES: Final = "cooperation_ties"
RELOCATION_READINESS: Final = "relocation_readiness"
FACTOR_NAMES: Final[tuple[str, ...]] = (
    INDUSTRY_FIT, RESOURCE_FIT, COST_ADVANTAGE, LABOUR_FIT, CAPACITY, SEMANTIC_FIT, COOPERATION_TIES,
    RELOCATION_READINESS,
)

# Presets sum to 1. Relocation leans on industry, resources and cost; joint development on positioning,
# wording and ties (HQ stays, so wage savings matter less); market on products and ties, not on land.
MODE_PRESETS: Final[dict[Mode, dict[str, float]]] = {
    # Tuned on data/eval/dev.yaml only (a small grid; the optimum is flat): wording, positioning and
    # resources decide; cost, labour and capacity barely separate Liupanshui parks, which share one
    # wage and power level, so they mostly show up in the explanation rather than the order.
    Mode.relocation: {
        INDUSTRY_FIT: 0.20, RESOURCE_FIT: 0.20, COST_ADVANTAGE: 0.07, LABOUR_FIT: 0.05, CAPACITY: 0.05,
        SEMANTIC_FIT: 0.30, COOPERATION_TIES: 0.04, RELOCATION_READINESS: 0.09,
    },
    Mode.joint_development: {
        INDUSTRY_FIT: 0.24, RESOURCE_FIT: 0.16, COST_ADVANTAGE: 0.04, LABOUR_FIT: 0.04, CAPACITY: 0.05,
        SEMANTIC_FIT: 0.30, COOPERATION_TIES: 0.08, RELOCATION_READINESS: 0.09,
    },
    # Market: the county's products and the wording; the park's industrial positioning is about factories.
    Mode.market: {
        INDUSTRY_FIT: 0.05, RESOURCE_FIT: 0.70, COST_ADVANTAGE: 0.0, LABOUR_FIT: 0.0, CAPACITY: 0.0,
        SEMANTIC_FIT: 0.10, COOPERATION_TIES: 0.10, RELOCATION_READINESS: 0.05,
    },
}
# Modes in which production moves, so land, factory space and park restrictions bind.
MOVING_MODES: Final[frozenset[Mode]] = frozenset({Mode.relocation, Mode.joint_development})

DEFAULT_MODE: Final = Mode.relocation
DEFAULT_TOP_K: Final = 10
MAX_TOP_K: Final = 200
DEFAULT_CANDIDATES_TOP_K: Final = 50
# Park → firms: how many firms the vector index proposes before exact scoring.
VECTOR_CANDIDATES: Final = 1000
# Up to this many stored firms, every firm is scored exactly against a park (once per park and data state,
# about 80 ms at 100,000 firms) and the best VECTOR_CANDIDATES go on; above it the vector index and the
# rule pre-score propose them. Measured at 100,000 near-identical firms, those two channels found only
# 42% of the exact top 50, because size-driven factors (cost, land, labour) decide among similar firms.
EXACT_CANDIDATES_MAX_FIRMS: Final = 250_000
EXACT_CHUNK: Final = 16_384  # firms per scoring pass when every firm is scored (bounds the working memory)
PATHS_PER_ITEM: Final = 3
EVIDENCE_CACHE_SIZE: Final = 5_000  # explained pairs kept per data state (about 35 kB each, measured: 175 MB at most)
PROSPECT_CACHE_SIZE: Final = 256  # prospects whose inferred profile is kept per data state
PROSPECT_EVIDENCE_CACHE_SIZE: Final = 1_000  # prospect–park pairs whose evidence is kept per data state
WEIGHTINGS_PER_PAIR: Final = 4  # weightings whose factor table and reason text a kept pair remembers
MEMO_FREEZE_EVERY: Final = 256  # memo sizes at which everything alive leaves the garbage collector's walk
PATH_CACHE_SIZE: Final = 200_000  # rendered evidence paths kept between queries (a few hundred bytes each)

# Stability: share of seeded ±30% weight perturbations under which an item stays in the top 3.
STABILITY_TRIALS: Final = 200
STABILITY_SPREAD: Final = 0.30
STABILITY_TOP: Final = 3
SEED: Final = 20210217  # the day of the first charter flight of Liupanshui workers to Zhongshan

# Industry fit by relation between the firm's class and a code the park targets.
FIT_EXACT: Final = 1.0  # the park targets the class itself or a parent code of it
FIT_SAME_GROUP: Final = 0.7
FIT_SUPPLY_CHAIN: Final = 0.6  # one supplies the other (supplies_to), at class or group level
FIT_SAME_DIVISION: Final = 0.4
FIT_ANCHOR: Final = 0.6  # an anchor enterprise in the park is in a supply-chain neighbour industry

# Resource fit: a county's agricultural products count as supplied by its parks at this strength.
COUNTY_PRODUCT_STRENGTH: Final = 0.9
# Explicit firm inputs weigh this much against the industry's typical input intensities.
EXPLICIT_INPUT_SHARE: Final = 0.5

# Cost model assumptions (estimates, flagged as such wherever shown).
MONTHS_PER_YEAR: Final = 12
PRODUCTION_STAFF_SHARE: Final = 0.8  # share of staff that would work at the Liupanshui site
LAND_TERM_YEARS: Final = 50  # statutory maximum term of an industrial land-use right
LAND_TERM_SOURCE: Final = "《中华人民共和国城镇国有土地使用权出让和转让暂行条例》第十二条（工业用地最高50年）"
LAND_TERM_AS_OF: Final = dt.date(1990, 5, 19)
TONNES_PER_10K_YUAN: Final = 0.08  # shipped output per 10k yuan of revenue when inputs give no tonnage
REVENUE_10K_PER_EMPLOYEE: Final = 60.0  # revenue per employee when a firm gives none
KWH_PER_10K_YUAN: Final = 300.0  # electricity per 10k yuan of revenue when a firm gives none
LAND_MU_PER_EMPLOYEE: Final = 0.12  # land need when a firm gives none
FACTORY_M2_PER_MU: Final = 666.7 * 1.2  # floor space per 亩 of land at a plot ratio of 1.2
# Cost advantage = logistic(net saving / revenue / COST_RATIO_SCALE): 3 % of revenue reads as strong.
COST_RATIO_SCALE: Final = 0.03

# Labour: a pool this many times the workers needed is comfortable.
LABOUR_COMFORT: Final = 5.0
# Capacity: free land this many times the need is comfortable (1.0); below 1× the pair is excluded.
CAPACITY_COMFORT: Final = 3.0

# Cooperation ties: town–county pairing beats the city-level East–West pairing every town shares.
TIE_TOWN_COUNTY: Final = 1.0
TIE_CITY: Final = 0.4
CITY_PAIRING_SOURCE: Final = "新快报 2021 中山市乡村振兴（扶贫）办专访：中山与六盘水结对（2021年2月）"

# Relocation readiness (firm side): weights of its four signals.
READINESS_WEIGHTS: Final[dict[str, float]] = {
    "cost_pressure": 0.3, "land_shortage": 0.2, "labour_intensity": 0.3, "expansion": 0.2,
}

# Plans: land is a size, so flow is counted in land units of this many 亩 (see plan.py).
LAND_UNIT_MU: Final = 5.0
PLAN_SCORE_SCALE: Final = 10_000  # min-cost flow needs integer costs
# Inference of industries and resources from a prospect's text.
INFER_INDUSTRIES: Final = 3
INFER_RESOURCES: Final = 6
PROSPECT_OWN_TEXT: Final = 0.85  # share of a prospect's own text vector against its inferred neighbours
INFER_AGREE_DEPTH: Final = 5  # a further class must be in both channels' top 5

# Benchmark sizes.
BENCH_FIRMS: Final = 100_000
BENCH_REPEATS: Final = 50

# Liupanshui agricultural products by county (中山市场+六盘水产品), from the reference facts; parks of the
# county count as suppliers in resource fit. Used until the dataset records them on parks or counties.
COUNTY_PRODUCTS: Final[dict[str, dict[str, str]]] = {
    "panzhou": {
        "ci_li": "盘州 盘关镇贾西村 天富刺梨产业园；小榄—盘州刺梨初加工线 (gzlps.gov.cn/zzb/jrld/202211/t20221115_77110494.html)",
        "beef_cattle": "盘州 普田 小黄牛养殖场（新快报 2021 中山考察点）",
    },
    "shuicheng": {"edible_fungi": "水城 杨梅乡 食用菌项目（新快报 2021 中山考察点）"},
    "liuzhi": {"kiwifruit": "六枝 大用镇 猕猴桃基地（新快报 2021 中山考察点）"},
}
# Counties with earlier Zhongshan cooperation projects (cooperation ties bonus), with the source.
COUNTY_PROJECTS: Final[dict[str, str]] = {
    "liuzhi": "2024 年六枝、水城共 22 个协作项目 9.15 亿元 (finance.sina.com.cn/roll/2024-11-14/doc-incvzmwi0373713.shtml)",
    "shuicheng": "2024 年六枝、水城共 22 个协作项目 9.15 亿元 (finance.sina.com.cn/roll/2024-11-14/doc-incvzmwi0373713.shtml)",
    "panzhou": "2024 年小榄—盘州新增项目 7 个、到位投资 4.84 亿元 (hidetosinri.com/town/index/view/cateid/1217/id/754423.html)",
}
TIE_EARLIER_PROJECTS: Final = 0.1
# A park that supplies one resource partly covers a demand for a close substitute.
SUBSTITUTES: Final[dict[str, dict[str, float]]] = {
    "aluminium_ingot": {"liquid_aluminium": 1.0, "aluminium_profile": 0.5},
    "aluminium_profile": {"liquid_aluminium": 0.7, "aluminium_ingot": 0.8},
    "coke_oven_gas": {"coke_oven_hydrogen": 0.6},
    "coke_oven_hydrogen": {"coke_oven_gas": 0.8},
    "lfp_cathode": {"lfp_precursor": 0.6},
}
# Semantic fit maps the propagated-vector cosine from [LOW, HIGH] onto [0, 1].
SEMANTIC_LOW: Final = 0.1
SEMANTIC_HIGH: Final = 0.8
