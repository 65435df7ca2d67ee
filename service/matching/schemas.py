"""Matching requests and responses: ranked parks and firms with factors, paths, costs and reasons."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from service.firms.schemas import Vacancy
from service.matching import constants as c
from service.matching.constants import DEFAULT_TOP_K, MAX_TOP_K
from service.matching.modes import Mode
from service.schema import Schema
from service.sourcing import Figure


class EvidenceNumber(Schema):
    """One number behind a factor, with its source or estimate flag."""

    label_zh: str = Field(description="指标 / Label (Chinese)", examples=["双元铝业电解铝产能"])
    label_en: str = Field(description="Label (English)", examples=["Shuangyuan electrolytic aluminium capacity"])
    figure: Figure


class Evidence(Schema):
    """Why a factor has its value: a phrase in Chinese and English and the numbers used."""

    phrase_zh: str = Field(description="说明（中文）/ Phrase in Chinese", examples=["园区供应企业所需的铝液"])
    phrase_en: str = Field(description="Phrase in English", examples=["the park supplies the liquid aluminium the firm uses"])
    numbers: list[EvidenceNumber] = Field(default_factory=list, description="所用数值 / Numbers used")


class FactorRow(Schema):
    """One row of the factor table."""

    name: str = Field(description="因子代码 / Factor code", examples=["resource_fit"])
    label_zh: str = Field(examples=["资源匹配"])
    label_en: str = Field(examples=["Resource fit"])
    value: float = Field(ge=0, le=1, description="因子值 0–1 / Factor value in [0, 1]", examples=[0.82])
    weight: float = Field(ge=0, le=1, description="归一化权重 / Normalised weight (weights sum to 1)", examples=[0.2])
    contribution: float = Field(description="贡献（分）= 权重 × 值 × 100，各因子之和即 0–100 的匹配度 / Contribution in "
                                            "points = weight × value × 100; they sum to the 0–100 score", examples=[16.4])
    evidence: Evidence


class FactorImpact(Schema):
    """What sets a candidate apart: a factor's contribution against the average of the other candidates in the
    same ranking, in score points (0–100). A factor equal across all candidates is never chosen."""

    name: str = Field(examples=["resource_fit"])
    label_zh: str = Field(examples=["资源匹配"])
    label_en: str = Field(examples=["Resource fit"])
    impact: float = Field(
        description="相对其他候选的贡献差（分）：权重 ×（值 − 其他候选均值）× 100；正为优势，负为劣势 / Points gained "
                    "(positive) or lost (negative) on this factor against the other candidates' average: "
                    "weight × (value − others' mean) × 100", examples=[6.4])
    phrase_zh: str
    phrase_en: str


class GraphPath(Schema):
    """A path in the shared graph from the firm to the park, as evidence."""

    kind: str = Field(description="路径类型 / Meta-path name", examples=["resource"])
    nodes: list[str] = Field(description="节点编号 / Node ids", examples=[["firm:17", "industry:C3872", "resource:aluminium_ingot", "park:3"]])
    labels_zh: list[str] = Field(description="节点名称（中文）/ Node names in Chinese")
    labels_en: list[str] = Field(description="Node names in English")
    edges: list[str] = Field(description="边类型 / Edge types", examples=[["in_industry", "consumes", "supplies"]])
    weight: float = Field(ge=0, description="路径强度 / Path strength (product of edge weights × prior)")
    text_zh: str = Field(examples=["灯饰企业 → 照明灯具制造 → 铝锭 ← 水城经济开发区"])
    text_en: str


class CostLine(Schema):
    """One line of the yearly cost comparison; positive = saving in Liupanshui, negative = added cost."""

    item: str = Field(description="wage | power | land | logistics | freight | pay_gain", examples=["wage"])
    label_zh: str = Field(examples=["工资"])
    label_en: str = Field(examples=["Wages"])
    quantity: Figure = Field(description="用量（人、千瓦时、亩、吨）/ Quantity used")
    origin: Figure | None = Field(description="企业所在城市（中山）单价 / Unit cost in the firm's city (Zhongshan)")
    destination: Figure | None = Field(description="目的地单价 / Unit cost at the destination")
    yearly_yuan: float | None = Field(description="每年节省（元，负数为增加）/ Yearly saving in yuan (negative = added)")
    formula: str = Field(description="算式 / How it is computed", examples=["员工 × 生产人员比例 × 12 × (中山 − 六盘水)"])


class CostTable(Schema):
    """The yearly money of a pair, by the mode's cost model: a move (site_move) saves wages, power and land against
    Zhongshan, minus added logistics; a purchase (supply) pays freight from the base to Zhongshan; a placement
    (labour) raises the workers' pay over what the county pays. Positive yuan are in the pair's favour."""

    model: Literal["site_move", "supply", "labour"] = Field(
        default="site_move", description="成本模型 / Cost model: site_move | supply | labour")
    yearly_label_zh: str = Field(default="年节省（元）", examples=["年节省（元）"])
    yearly_label_en: str = Field(default="Yearly saving (yuan)", examples=["Yearly saving (yuan)"])
    net_label_zh: str = Field(default="每年净节省", examples=["每年净节省"])
    net_label_en: str = Field(default="Net yearly saving", examples=["Net yearly saving"])
    lines: list[CostLine]
    assumptions: list[EvidenceNumber] = Field(default_factory=list, description="假设 / Assumptions used")
    net_yuan: float | None = Field(description="合计（元；净节省、运费为负、工人增收）/ Total yuan: net saving, freight "
                                               "(negative) or the workers' extra pay", examples=[3_250_000])
    estimate: bool = Field(description="含估算值 / Uses at least one estimate")

    def shown_yuan(self) -> float | None:
        """The total as its label reads: a purchase's freight as the amount paid, a saving or extra pay as it is."""
        if self.net_yuan is None:
            return None
        return -self.net_yuan if self.model == "supply" else self.net_yuan


class ParkRef(Schema):
    id: int = Field(examples=[3])
    code: str = Field(examples=["shuicheng_edz"])
    name_zh: str = Field(examples=["水城经济开发区"])
    name_en: str = Field(examples=["Shuicheng Economic Development Zone"])
    county: str = Field(description="县区代码 / County code", examples=["shuicheng"])
    county_name_zh: str = Field(examples=["水城区"])
    county_name_en: str = Field(examples=["Shuicheng District"])


class FirmRef(Schema):
    id: int | None = Field(description="企业编号（意向企业为空）/ Firm id, null for a prospect", examples=[17])
    name_zh: str = Field(examples=["中山市澜灯照明科技有限公司"])
    name_en: str = Field(default="", examples=["Zhongshan Landeng Lighting Technology Co., Ltd."])
    town: str | None = Field(examples=["guzhen"])
    town_name_zh: str | None = Field(default=None, examples=["古镇镇"])
    industries: list[str] = Field(examples=[["C3872"]])
    employees: int | None = Field(examples=[120])
    land_mu: float | None = Field(examples=[25])
    synthetic: bool = Field(default=False, description="合成样例 / Synthetic profile")


class ReasonSentence(Schema):
    """One sentence of the reason, with where what it says comes from."""

    text_zh: str = Field(description="句子（中文）/ The sentence in Chinese", examples=["与其他 13 个候选相比，它的突出之处是资源匹配"])
    text_en: str = Field(description="The sentence in English", examples=["Against the other 13 candidates, what sets it "
                                                                          "apart is resource fit"])
    basis: str = Field(description="出处类别 / Where it comes from: sourced | estimate | assumption | text | stated | "
                                   "dataset | computed",
                       examples=["sourced"])
    provenance_zh: str = Field(examples=["出处：https://www.gzlps.gov.cn/"])
    provenance_en: str = Field(examples=["source: https://www.gzlps.gov.cn/"])
    urls: list[str] = Field(default_factory=list, description="出处网址 / Source addresses")


class RankedBase(Schema):
    rank: int = Field(ge=1, description="名次 / Rank, 1 = best", examples=[1])
    score: float = Field(ge=0, le=100, description="匹配度 0–100 = Σ 贡献 × 100 / Score on 0–100 = sum of contributions × 100",
                         examples=[71.3])
    recommended: bool = Field(
        default=True, description="是否推荐：排名在前且得分不低于推荐线；不推荐的配对没有洽谈要点 / Whether the pair is "
                                  "recommended (near the top and above the score bar); a pair that is not gets no talking points")
    consider_instead_zh: str | None = Field(default=None, description="不推荐时可考虑的对象 / What to consider instead",
                                            examples=["水城经济开发区"])
    consider_instead_en: str | None = Field(default=None, examples=["Shuicheng Economic Development Zone"])
    sentences: list[ReasonSentence] = Field(default_factory=list,
                                            description="理由逐句及其出处 / The reason sentence by sentence, with provenance")
    factors: list[FactorRow]
    paths: list[GraphPath] = Field(description="最强的三条图路径 / The three strongest graph paths")
    helps_most: FactorImpact = Field(description="最有利的因子 / The factor that helps most")
    drags_most: FactorImpact = Field(description="最不利的因子 / The factor that drags most")
    reason_zh: str = Field(description="推荐理由（中文）/ Reason paragraph in Chinese")
    reason_en: str = Field(description="Reason paragraph in English")
    stability: float = Field(
        ge=0, le=1,
        description="±30% 权重变化下仍居前三的比例（0–1）/ Stays top-3 under ±30% weight changes: the share of seeded "
                    "perturbations (0–1) under which the item is still in the top 3",
        examples=[0.93],
    )
    cost: CostTable
    provisional: bool = Field(
        default=False, description="估计：企业文本尚在后台编码，语义相似度暂按其行业、镇街和产品估计（见 /api/v1/ranking/status）/ "
                                   "Estimate: the firm's text is still being encoded in the background, so its semantic "
                                   "similarity is estimated from its industries, town and products (see "
                                   "/api/v1/ranking/status)")


class RankedPark(RankedBase):
    park: ParkRef


class RankedFirm(RankedBase):
    firm: FirmRef


class ExclusionReason(Schema):
    code: str = Field(description="land_short | env_category | industry_restricted | supplies_nothing | not_hiring", examples=["land_short"])
    reason_zh: str = Field(examples=["需地 40 亩，园区可用地 20 亩"])
    reason_en: str = Field(examples=["needs 40 mu of land, the park has 20 mu free"])


class ExcludedPark(Schema):
    park: ParkRef
    reasons: list[ExclusionReason]


class ExcludedFirm(Schema):
    firm: FirmRef
    reasons: list[ExclusionReason]


class Recommendations(Schema):
    """Ranked parks for one firm."""

    firm: FirmRef
    mode: Mode
    weights: dict[str, float] = Field(description="所用权重（归一化）/ Weights used, normalised")
    items: list[RankedPark]
    excluded: list[ExcludedPark] | None = Field(
        default=None, description="被硬约束排除的园区（按需）/ Parks excluded by hard constraints, on request")


class Candidates(Schema):
    """Ranked firms for one park."""

    park: ParkRef
    mode: Mode
    weights: dict[str, float]
    considered: int = Field(description="精确打分的候选企业数 / Firms scored exactly")
    items: list[RankedFirm]
    excluded: list[ExcludedFirm] | None = None


CODE_MAX, LIST_MAX = c.REQUEST_CODE_MAX, c.REQUEST_LIST_MAX
Code = Annotated[str, StringConstraints(max_length=CODE_MAX)]


class ProspectInput(Schema):
    """An input the prospect states: resource code and yearly quantity in the resource's unit."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    resource: str = Field(max_length=CODE_MAX, examples=["aluminium_ingot"])
    quantity: float = Field(default=0, ge=0, le=1e12, examples=[1200])


class ProspectRequest(Schema):
    """A prospect that is not in the database: free text plus optional fields."""

    # Every text and list is bounded (and stated in the schema), so no single prospect makes unbounded work.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    description: str = Field(min_length=2, max_length=4000, description="企业描述（中文或英文）/ Free text, Chinese or English",
                             examples=["古镇灯饰企业，生产LED吸顶灯，灯体铝压铸，年用铝约3000吨"])
    name: str | None = Field(default=None, max_length=200, description="企业名称 / Name", examples=["某灯饰企业"])
    town: str | None = Field(default=None, max_length=CODE_MAX, description="镇街代码或名称 / Town code or name",
                             examples=["guzhen"])
    employees: int | None = Field(default=None, ge=0, le=1_000_000, examples=[300])
    land_mu: float | None = Field(default=None, ge=0, description="需地（亩）/ Land needed, 亩", examples=[30])
    electricity_kwh: float | None = Field(default=None, ge=0, description="年用电 / Yearly kWh", examples=[2_000_000])
    revenue_10k_yuan: float | None = Field(default=None, ge=0, description="年营收（万元）/ Revenue, 10k yuan")
    inputs: list[ProspectInput] = Field(default_factory=list, max_length=LIST_MAX,
                                        description=f"已知投入（至多 {LIST_MAX} 项）/ Known inputs, at most {LIST_MAX}")
    buys: list[ProspectInput] = Field(
        default_factory=list, max_length=LIST_MAX,
        description=f"采购的产品（市场合作；至多 {LIST_MAX} 项）/ Products it buys (market cooperation), at most {LIST_MAX}",
        examples=[[{"resource": "kiwifruit", "quantity": 500}]])
    vacancies: list[Vacancy] = Field(default_factory=list, max_length=LIST_MAX,
                                     description="招工需求（劳务协作）/ Vacancies (labour cooperation)")
    industries: list[Code] | None = Field(
        default=None, max_length=LIST_MAX,
        description=f"行业代码（填写则不再推断；至多 {LIST_MAX} 个）/ Industry classes; when given, not inferred; "
                    f"at most {LIST_MAX}",
        examples=[["C3872"]])
    mode: Mode = Mode.relocation
    top_k: int = Field(default=DEFAULT_TOP_K, description=f"返回条数 1–{MAX_TOP_K} / Items to return, 1–{MAX_TOP_K}")
    weights: dict[Code, float] | None = Field(default=None, max_length=LIST_MAX,
                                              description="权重覆盖 / Weight overrides",
                                              examples=[{"industry_fit": 0.3, "cost_advantage": 0.2}])
    include_excluded: bool = False


class InferredIndustry(Schema):
    code: str = Field(examples=["C3872"])
    name_zh: str = Field(examples=["照明灯具制造"])
    name_en: str = Field(examples=["Manufacture of lighting fixtures"])
    confidence: float = Field(
        ge=0, le=1, examples=[0.93],
        description="置信度（校准概率，在标注集调参部分拟合）/ Calibrated probability that this is the class, fitted on "
                    "the tuning split of the labelled set")
    source: str = Field(description="given（填写）| text（由描述推断）/ given | text (inferred from the description)",
                        examples=["text"])


class InferredResource(Schema):
    code: str = Field(examples=["aluminium_ingot"])
    name_zh: str = Field(examples=["铝锭"])
    name_en: str = Field(examples=["Aluminium ingot"])
    weight: float = Field(ge=0, le=1, description="依赖程度 0–1 / How much the prospect leans on it")
    source: str = Field(description="given | text | industry", examples=["industry"])


class ReadFigure(Schema):
    """A figure read from the prospect's own text; a field stated in the request wins over it."""

    field: str = Field(description="employees | land_mu | factory_m2 | input | electricity_kwh | revenue_10k_yuan | export_share",
                       examples=["employees"])
    label_zh: str = Field(examples=["员工人数"])
    label_en: str = Field(examples=["Employees"])
    value: float = Field(description="数值（单位见 unit）/ Value in `unit`", examples=[300])
    unit: str = Field(examples=["人"])
    resource: str | None = Field(default=None, description="年用量所指资源代码 / Resource of a yearly tonnage",
                                 examples=["aluminium_ingot"])
    quote: str = Field(description="原文 / The words it was read from", examples=["员工300人"])
    used: bool = Field(description="是否用于画像（请求中已填写的字段优先）/ Whether the profile uses it (a stated field wins)")
    provenance_zh: str = Field(default="从描述中读取", examples=["从描述中读取"])
    provenance_en: str = Field(default="read from your text", examples=["read from your text"])


class ReadCue(Schema):
    """A relocation cue read from the prospect's text (rent, land, hiring, expansion, customers in the southwest)."""

    code: str = Field(description="rent_rising | land_shortage | hiring_difficulty | expansion | southwest_customers",
                      examples=["hiring_difficulty"])
    label_zh: str = Field(examples=["招工难"])
    label_en: str = Field(examples=["hiring difficulty"])
    quote: str = Field(examples=["招工难"])
    provenance_zh: str = Field(default="从描述中读取", examples=["从描述中读取"])
    provenance_en: str = Field(default="read from your text", examples=["read from your text"])


class MatchResult(Schema):
    """Ranked parks for a prospect, with what was inferred from its text so staff can correct it."""

    prospect: FirmRef
    mode: Mode
    weights: dict[str, float]
    industries: list[InferredIndustry] = Field(description="推断的行业（可修改后重跑）/ Industries inferred, editable")
    industry_unsure: bool = Field(
        default=False, description="行业推断不确定：最可能的行业置信度低于阈值，请从 industry_choices 中选一个并以 industries "
                                   "重跑 / The best class is below the confidence threshold: pick one of industry_choices "
                                   "and send it as industries")
    industry_choices: list[InferredIndustry] = Field(
        default_factory=list, description="不确定时可选的三个最可能行业 / When unsure, the three most likely classes")
    resources: list[InferredResource] = Field(description="推断的资源 / Resources inferred")
    read_from_text: list[ReadFigure] = Field(
        default_factory=list, description="从描述中读取的数值 / Figures read from the text (stated fields win)")
    cues: list[ReadCue] = Field(default_factory=list, description="从描述中读取的转移动因 / Relocation cues read from the text")
    items: list[RankedPark]
    excluded: list[ExcludedPark] | None = None


class PlanRequest(Schema):
    """Which firms to place and under what limits."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    firm_ids: list[int] | None = Field(
        default=None, max_length=c.PLAN_MAX_FIRMS,
        description=f"参与的企业（默认全部；至多 {c.PLAN_MAX_FIRMS} 家，企业更多时省略会被拒绝，请分批指定）/ Firms to "
                    f"place; all when omitted. At most {c.PLAN_MAX_FIRMS}: with more stored firms, omitting it is "
                    "refused (422 plan_too_large), so name the firms in parts")
    mode: Mode = Mode.relocation
    weights: dict[Code, float] | None = Field(default=None, max_length=LIST_MAX,
                                              description="权重覆盖 / Weight overrides")
    max_firms_per_park: int | None = Field(default=None, ge=1, description="每园区企业上限 / Cap on firms per park")
    min_score: float = Field(default=0.0, description="最低分 0–100 / Minimum score (0–100) for an assignment")


class Assignment(Schema):
    firm: FirmRef
    park: ParkRef
    score: float = Field(description="匹配度 0–100 / Score on 0–100")
    land_mu: float = Field(description="占地（亩）/ Land it takes, 亩")


class Unassigned(Schema):
    firm: FirmRef
    reason_zh: str
    reason_en: str


class ParkUse(Schema):
    park: ParkRef
    free_land_mu: float | None
    used_land_mu: float
    firms: int


class PlanResult(Schema):
    """A portfolio plan: each firm to at most one park, under each park's free land."""

    mode: Mode
    method: str = Field(description="min_cost_flow 或 greedy / How the plan was made", examples=["min_cost_flow"])
    land_unit_mu: float = Field(description="流量单位（亩）/ Land per flow unit, 亩")
    total_score: float = Field(description="各分配匹配度（0–100）之和 / Sum of the assignments' scores (each 0–100)")
    greedy_total_score: float = Field(description="贪心基线之和 / The greedy baseline's sum, same scale")
    gain_over_greedy: float = Field(description="相对贪心的提升 / total_score − greedy_total_score")
    assignments: list[Assignment]
    unassigned: list[Unassigned]
    parks: list[ParkUse]


class ProductRef(Schema):
    code: str = Field(description="资源代码 / Resource code", examples=["kiwifruit"])
    name_zh: str = Field(examples=["猕猴桃"])
    name_en: str = Field(examples=["Kiwifruit"])
    unit: str = Field(examples=["t"])
    season_zh: str | None = Field(default=None, description="上市期（估算者注明）/ Season, estimates marked")
    season_en: str | None = None


class ProductSupplier(Schema):
    """A Liupanshui destination that supplies the product, with its size and the cold chain to the buyers' city."""

    destination: ParkRef
    kind: str = Field(examples=["agri_base"])
    volume: Figure | None = Field(description="规模（面积或产能）/ Size: area or capacity")
    cold_chain: Figure | None = Field(description="冷链运输时间 / Cold-chain hours to the buyers' city")


class ProductBuyer(Schema):
    """A Zhongshan firm that buys the product, ranked by its best market match among the suppliers."""

    rank: int = Field(ge=1)
    firm: FirmRef
    score: float = Field(ge=0, le=100, description="与最佳货源的市场合作匹配度 0–100 / Market-mode score (0–100) with "
                                                   "the best supplier")
    quantity: Figure | None = Field(description="年采购量（企业填报；不详为空）/ Yearly purchases as stated; null when unknown")
    basis: str = Field(description="stated 企业填报采购 | industry 按行业推断 / stated purchase or inferred from the industry",
                       examples=["stated"])
    best_supplier: ParkRef | None = Field(description="最佳货源 / The supplier it matches best")
    reason_zh: str
    reason_en: str


class ProductBuyers(Schema):
    """Zhongshan buyers of one Liupanshui product, and the destinations that supply it."""

    product: ProductRef
    suppliers: list[ProductSupplier]
    items: list[ProductBuyer]


class RankingStatus(Schema):
    """Whether every firm is ranked on its encoded text, or some wait for the background encoding."""

    state: Literal["current", "provisional"] = Field(
        description="current 全部按文本向量排序 | provisional 部分企业按临时向量排序 / current: every firm ranks on "
                    "its encoded text; provisional: some rank on an estimate until their texts are encoded",
        examples=["provisional"])
    provisional_firms: int = Field(ge=0, description="按临时向量排序的企业数 / Firms ranked on a provisional vector",
                                   examples=[50000])
    texts_total: int = Field(ge=0, description="本轮后台编码的文本数 / Texts in the current background run")
    texts_encoded: int = Field(ge=0, description="本轮已编码 / Texts of the run encoded so far")
    started_at: float | None = Field(default=None, description="本轮开始时间（Unix 秒）/ Start of the run, Unix seconds")
    message_zh: str
    message_en: str
