"""BriefData: everything a negotiation brief prints, so the renderers are pure functions of it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import ConfigDict, Field

from service.schema import Schema
from service.sourcing import Figure

MAX_BATCH = 50  # briefs in one ZIP: each is a full explanation of a pair, about a second of CPU


class BriefFormat(StrEnum):
    docx = "docx"
    pdf = "pdf"
    md = "md"


class BriefLang(StrEnum):
    zh = "zh"  # Chinese only
    en = "en"  # English only, except names the data has only in Chinese


MEDIA_TYPES: dict[BriefFormat, str] = {
    BriefFormat.docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    BriefFormat.pdf: "application/pdf",
    BriefFormat.md: "text/markdown; charset=utf-8",
}


class Bi(Schema):
    """One piece of text in Chinese and English."""

    model_config = ConfigDict(frozen=True)

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


class BriefFirm(Schema):
    id: int | None = Field(default=None, description="企业编号（意向企业为空）/ Firm id, empty for a prospect")
    name_zh: str
    name_en: str = ""
    town: Bi = Field(description="所在镇街 / Town")
    industries: list[Bi] = Field(default_factory=list, description="行业（代码 名称）/ Industries, code and name")
    products: list[str] = Field(default_factory=list)
    employees: int | None = None
    revenue_10k_yuan: float | None = None
    land_mu: float | None = None
    description: Bi = Bi(zh="", en="")
    synthetic: bool = Field(default=False, description="合成样例 / Synthetic profile")
    read_from_text: list[Bi] = Field(default_factory=list,
                                     description="从描述中读取的数值与动因 / Figures and cues read from the prospect's text")


class BriefPark(Schema):
    id: int
    name_zh: str
    name_en: str = ""
    kind: Bi = Field(default=Bi(zh="产业园区", en="industrial park"),
                     description="目的地类型 / What the destination is: industrial park, settlement workshop …")
    county: Bi
    level: Bi = Bi(zh="", en="")
    positioning: Bi = Bi(zh="", en="")
    target_industries: list[Bi] = Field(default_factory=list)
    free_land_mu: Figure | None = None
    free_factory_m2: Figure | None = None
    labour_pool: Figure | None = None


class BriefFactor(Schema):
    name: str
    label: Bi
    value: float = Field(ge=0, le=1)
    weight: float = Field(ge=0)
    contribution: float
    evidence: Bi = Bi(zh="", en="")


class CostRow(Schema):
    """One line of the cost comparison: Zhongshan against the park, and the yearly difference for this firm."""

    item: Bi
    origin: Figure | None = None
    park: Figure | None = None
    yearly_saving: Figure | None = Field(default=None, description="年节省（负数为增加）/ Yearly saving, negative = extra cost")
    note: Bi | None = None

    @property
    def estimate(self) -> bool:
        return any(f is not None and f.estimate for f in (self.origin, self.park, self.yearly_saving))

    @property
    def sources(self) -> list[str]:
        seen: list[str] = []
        for fig in (self.origin, self.park, self.yearly_saving):
            if fig is not None and fig.source and fig.source not in seen:
                seen.append(fig.source)
        return seen


class ResourceLine(Schema):
    name: Bi
    capacity: Figure | None = None
    price: Figure | None = None
    note: Bi | None = None


class AnchorLine(Schema):
    name: Bi
    description: Bi = Bi(zh="", en="")


class SectionRow(Schema):
    label: Bi
    value: Bi


class ModeSection(Schema):
    """What a market or labour brief prints in place of land and costs: supply, price and logistics, or the
    county's outflow, placements, training and stations."""

    kind: str = Field(description="supply | labour")
    title: Bi
    rows: list[SectionRow] = Field(default_factory=list)
    notes: list[Bi] = Field(default_factory=list)


class BriefData(Schema):
    """The content of one brief; build it from the matching engine's explanation of the pair."""

    firm: BriefFirm
    park: BriefPark
    mode: Bi = Field(description="合作模式 / Cooperation mode")
    score: float = Field(ge=0, le=100, description="匹配度 0–100 / Score on 0–100")
    rank: int | None = Field(default=None, description="该园区在企业推荐中的名次 / Rank of the park for this firm")
    of: int | None = Field(default=None, description="参与排序的园区数 / Parks ranked")
    stability: float | None = Field(default=None, ge=0, le=1)
    excluded: Bi | None = Field(default=None, description="硬约束排除原因 / Reason a hard constraint excludes the pair")
    recommended: bool = Field(default=True, description="是否推荐；不推荐的配对没有洽谈要点 / Whether the pair is "
                                                        "recommended; a pair that is not gets no talking points")
    consider_instead: Bi | None = Field(default=None, description="不推荐时可考虑的目的地 / What to consider instead")
    reason: Bi
    factors: list[BriefFactor] = Field(default_factory=list)
    helps_most: Bi | None = None
    drags_most: Bi | None = None
    costs: list[CostRow] = Field(default_factory=list)
    total_saving: Figure | None = None
    resources: list[ResourceLine] = Field(default_factory=list)
    anchors: list[AnchorLine] = Field(default_factory=list)
    paths: list[Bi] = Field(default_factory=list)
    risks: list[Bi] = Field(default_factory=list)
    talking_points: list[Bi] = Field(default_factory=list)
    next_steps: list[Bi] = Field(default_factory=list)
    status: Bi | None = Field(default=None, description="当前进展 / Pipeline status")
    generated_at: dt.datetime
    brief: str = Field(default="site", description="site | supply | labour: what the mode's brief talks about")
    section: ModeSection | None = Field(default=None, description="市场或劳务专节 / The market or labour section")

    @property
    def has_estimates(self) -> bool:
        figures = [self.total_saving, self.park.free_land_mu, self.park.free_factory_m2, self.park.labour_pool]
        figures += [f for r in self.resources for f in (r.capacity, r.price)]
        return any(r.estimate for r in self.costs) or any(f is not None and f.estimate for f in figures)


class Comparison(Schema):
    """One firm against 2–4 destinations, each as the brief it would get on its own."""

    firm: BriefFirm
    mode: Bi
    briefs: list[BriefData] = Field(min_length=2, max_length=4)
    generated_at: dt.datetime
