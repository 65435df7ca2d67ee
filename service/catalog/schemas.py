"""Schemas of the reference catalog as stored in data/ and served by the API."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from service.schema import Schema
from service.sourcing import Code, Fact, Figure, Source

IndustryCode = Annotated[
    str,
    Field(
        pattern=r"^[A-T](\d{2}|\d{3}|\d{4})?$",
        max_length=5,
        description="GB/T 4754-2017 代码 / GB/T 4754-2017 code (section letter + 2/3/4 digits)",
        examples=["C3872"],
    ),
]


class IndustryLevel(StrEnum):
    section = "section"  # 门类, e.g. C
    division = "division"  # 大类, e.g. C38
    group = "group"  # 中类, e.g. C387
    klass = "class"  # 小类, e.g. C3872


def industry_level(code: str) -> IndustryLevel:
    """Tell the level of a GB/T 4754 code from its length."""
    return {1: IndustryLevel.section, 3: IndustryLevel.division, 4: IndustryLevel.group}.get(
        len(code), IndustryLevel.klass
    )


def industry_parent(code: str) -> str | None:
    """Return the code one level up (C3872 → C387 → C38 → C), None for a section."""
    return None if len(code) == 1 else (code[:1] if len(code) == 3 else code[:-1])


class NameSource(StrEnum):
    """Where an English name comes from: no official English edition of GB/T 4754-2017 is at hand."""

    official = "official"
    translation = "translation"  # this project's own translation


class Industry(Schema):
    """One GB/T 4754-2017 entry (section, division, group or class)."""

    model_config = ConfigDict(extra="forbid")

    code: IndustryCode
    name_zh: str = Field(description="名称 / Chinese name", examples=["照明灯具制造"])
    name_en: str = Field(description="英文名称 / English name", examples=["Manufacture of lighting fixtures"])
    name_en_source: NameSource = Field(
        default=NameSource.translation, description="英文名称来源 / Where the English name comes from"
    )
    note_zh: str = Field(default="", description="标准原文的说明 / The standard's explanatory note")
    keywords_zh: list[str] = Field(default_factory=list, description="中文关键词 / Chinese keywords")
    keywords_en: list[str] = Field(default_factory=list, description="英文关键词 / English keywords")
    supplies_to: list[IndustryCode] = Field(
        default_factory=list,
        description="下游行业（供应链）/ Downstream industries this one supplies",
    )

    @property
    def level(self) -> IndustryLevel:
        return industry_level(self.code)

    @property
    def parent(self) -> str | None:
        return industry_parent(self.code)


class ResourceCategory(StrEnum):
    metal = "metal"
    energy = "energy"
    material = "material"
    agricultural = "agricultural"
    labour = "labour"
    land = "land"


class Resource(Schema):
    """A resource a firm consumes and a park can supply."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(examples=["aluminium_ingot"])
    name_zh: str = Field(examples=["铝锭"])
    name_en: str = Field(examples=["Aluminium ingot"])
    category: ResourceCategory
    unit: str = Field(description="年用量单位 / Unit of yearly quantity", examples=["t"])
    description_zh: str = ""
    description_en: str = ""


class IndustryInput(Schema):
    """How much an industry leans on a resource (input intensity)."""

    model_config = ConfigDict(extra="forbid")

    industry: IndustryCode
    resource: Code
    intensity: float = Field(
        ge=0, le=1, description="投入强度 0–1 / Relative input intensity 0–1", examples=[0.6]
    )
    per_million_yuan: float | None = Field(
        default=None,
        ge=0,
        description="每百万元产值用量（资源单位）/ Yearly quantity per 1 million yuan of output, in the resource's unit",
    )
    estimate: bool = Field(default=True, description="估算 / Estimate")
    source: str | None = None
    note: str = Field(default="", description="依据（估算如何得出）/ How the figure was set")


# How a family default's quantity becomes an intensity (see the header of industry_inputs.yaml).
INTENSITY_DIVISORS: dict[str, float] = {"labour": 5, "land": 1, "electricity": 200_000, "water": 10_000}


class IndustryInputDefault(Schema):
    """Input quantities per 1M yuan of output for a whole division or group, used by its classes that have none."""

    model_config = ConfigDict(extra="forbid")

    family: IndustryCode = Field(description="大类或中类代码 / Division or group code", examples=["C38"])
    labour: float = Field(ge=0, description="人/百万元产值 / Persons per 1M yuan")
    land: float = Field(ge=0, description="亩/百万元产值 / Mu per 1M yuan")
    electricity: float = Field(ge=0, description="kWh/百万元产值 / kWh per 1M yuan")
    water: float | None = Field(default=None, ge=0, description="m³/百万元产值 / m³ per 1M yuan")
    basis_zh: str = Field(min_length=1, description="估算依据 / What the estimate rests on")
    basis_en: str = Field(min_length=1)

    def inputs_for(self, industry: str) -> list[IndustryInput]:
        """The default as estimated input records of one class."""
        level = "中类" if len(self.family) == 4 else "大类"
        level_en = "group" if len(self.family) == 4 else "division"
        note = (f"{level} {self.family} 默认值（估算）：{self.basis_zh} / {level_en} {self.family} default (estimate): "
                f"{self.basis_en}")
        quantities = {"labour": self.labour, "land": self.land, "electricity": self.electricity, "water": self.water}
        return [
            IndustryInput(industry=industry, resource=resource, per_million_yuan=quantity, estimate=True, note=note,
                          intensity=round(min(1.0, quantity / INTENSITY_DIVISORS[resource]), 3))
            for resource, quantity in quantities.items() if quantity is not None
        ]


class County(Schema):
    """A county-level unit of Liupanshui."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(examples=["panzhou"])
    name_zh: str = Field(examples=["盘州市"])
    name_en: str = Field(examples=["Panzhou City"])
    city: str = "六盘水市"
    description_zh: str = ""
    description_en: str = ""
    facts: list[Fact] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)


class TownKind(StrEnum):
    """The administrative kind of a Zhongshan town-level unit."""

    subdistrict = "subdistrict"  # 街道
    town = "town"  # 镇


class TownChange(Schema):
    """One administrative change of a town-level unit (a merger, a 镇 becoming a 街道 …)."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date | None = Field(default=None, description="生效日期（资料未写则空）/ Effective date; empty when the source gives none")
    change_zh: str
    change_en: str
    source: Source


class Town(Schema):
    """A Zhongshan town-level unit (街道 or 镇) with its industrial clusters."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(examples=["guzhen"])
    name_zh: str = Field(examples=["古镇镇"])
    name_en: str = Field(examples=["Guzhen"])
    kind: TownKind | None = Field(default=None, description="街道 subdistrict / 镇 town")
    city: str = "中山市"
    clusters_zh: str = Field(description="产业集群 / Clusters (Chinese)")
    clusters_en: str = Field(description="Clusters (English)")
    cluster_industries: list[IndustryCode] = Field(
        default_factory=list,
        description="集群行业代码（未见出处的镇街为空）/ Industry codes of the clusters; empty where no source names one",
    )
    includes: list[str] = Field(default_factory=list, description="已并入的镇 / Merged former towns")
    aliases: list[str] = Field(
        default_factory=list,
        description="别名：全称、旧称、功能区名、拼音 / Other names: full, former, zone names, pinyin",
    )
    history: list[TownChange] = Field(default_factory=list, description="区划变更 / Administrative changes")
    facts: list[Fact] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


class Pairing(Schema):
    """A town (group) – county cooperation pairing, or a town – township one inside a county."""

    model_config = ConfigDict(extra="forbid")

    town: Code = Field(description="牵头镇街 / Lead town of the 组团 (or the paired town)")
    county: Code
    group_zh: str = Field(default="", description="组团名称 / Name of the town group", examples=["小榄组团"])
    group_en: str = ""
    members: list[Code] = Field(
        default_factory=list,
        description="出处列明的组团成员镇街（未列明则空）/ Member towns as the sources name them; empty when they do not",
    )
    members_note: str = Field(default="", description="成员说明 / What the sources say about the members")
    township_zh: str = Field(default="", description="结对乡镇（乡镇级结对）/ Paired township, for a township-level pairing")
    township_en: str = ""
    since: dt.date | None = None
    description_zh: str = ""
    description_en: str = ""
    source: Source
    sources: list[Source] = Field(default_factory=list, description="更多出处 / Further sources")


class CostKind(StrEnum):
    wage = "wage"  # 元/月
    power_price = "power_price"  # 元/kWh
    land_price = "land_price"  # 元/亩
    logistics = "logistics"  # 元/t to Zhongshan


class PlaceKind(StrEnum):
    city = "city"
    county = "county"
    park = "park"


class CostFigure(Schema):
    """A place's cost figure (wage, industrial power, land, logistics)."""

    model_config = ConfigDict(extra="forbid")

    place_kind: PlaceKind
    place: Code = Field(description="zhongshan, a county code or a park code", examples=["zhongshan"])
    kind: CostKind
    figure: Figure

    @model_validator(mode="after")
    def _known_unit(self) -> CostFigure:
        expected = COST_UNITS[self.kind]
        if self.figure.unit != expected:
            raise ValueError(f"单位应为 {expected} / unit must be {expected} for {self.kind.value}")
        return self


COST_UNITS: dict[CostKind, str] = {
    CostKind.wage: "元/月",
    CostKind.power_price: "元/kWh",
    CostKind.land_price: "元/亩",
    CostKind.logistics: "元/吨",
}
