"""Destination schemas: the parts every kind shares, kind-specific details as a discriminated union, the API family."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from service.catalog.schemas import IndustryCode
from service.schema import Schema
from service.sourcing import Code, Fact, Figure, Source, unlisted_targets
from service.textguard import (
    LABEL_MAX,
    LIST_MAX,
    LONG_LIST_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    SHORT_MAX,
    TEXT_MAX,
    Number,
    RefuseControl,
)

Name = Annotated[str, Field(max_length=NAME_MAX)]
Value = Annotated[str, Field(max_length=SHORT_MAX)]


class DestinationKind(StrEnum):
    park = "park"  # 产业园区 / industrial park or development zone
    workshop = "workshop"  # 易地扶贫搬迁安置点帮扶车间 / workshop at a relocation settlement
    agri_base = "agri_base"  # 农业基地 / agricultural production base
    processing_centre = "processing_centre"  # 农产品加工中心 / processing centre for farm products
    co_built_park = "co_built_park"  # 东西部协作共建园区 / park co-built with a partner town
    labour_source = "labour_source"  # 劳务输出地（县区或乡镇）/ county or township that sends out workers


KIND_LABELS: dict[DestinationKind, tuple[str, str]] = {
    DestinationKind.park: ("园区", "park"),
    DestinationKind.workshop: ("帮扶车间", "workshop"),
    DestinationKind.agri_base: ("农业基地", "agricultural base"),
    DestinationKind.processing_centre: ("加工中心", "processing centre"),
    DestinationKind.co_built_park: ("共建园区", "co-built park"),
    DestinationKind.labour_source: ("劳务输出地", "labour source"),
}

# What a page or brief calls a destination of each kind, as staff on both sides say it: never "park" for a kind
# that is not one.
KIND_NAMES: dict[DestinationKind, tuple[str, str]] = {
    DestinationKind.park: ("产业园区", "industrial park"),
    DestinationKind.workshop: ("帮扶车间", "settlement workshop"),
    DestinationKind.agri_base: ("农业基地", "agricultural base"),
    DestinationKind.processing_centre: ("加工中心", "processing centre"),
    DestinationKind.co_built_park: ("共建园区", "co-built park"),
    DestinationKind.labour_source: ("劳务输出地", "labour source"),
}


POSITIONING_ZH = ("产业定位（中文）；目标行业由 sources[].targets 标明出处，未标明者为本数据集的假设 / "
                  "Positioning in Chinese; sources[].targets say which target industries a source states")
POSITIONING_EN = ("产业定位（英文）/ Positioning in English; a target industry no source states is an assumption of "
                  "this dataset, never an official one")


class ParkLevel(StrEnum):
    national = "national"
    provincial = "provincial"
    municipal = "municipal"
    unconfirmed = "unconfirmed"


class Location(Schema):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: Number = Field(ge=-90, le=90, examples=[26.55])
    lon: Number = Field(ge=-180, le=180, examples=[104.95])
    estimate: bool = Field(default=True, strict=True, description="近似位置 / Approximate location")


class Anchor(RefuseControl):
    """An anchor enterprise in or near the park."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(examples=["shuangyuan"])
    name_zh: str = Field(max_length=NAME_MAX, examples=["双元铝业"])
    name_en: str = Field(max_length=NAME_MAX, examples=["Shuangyuan Aluminium"])
    industry: IndustryCode | None = None
    description_zh: str = Field(default="", max_length=TEXT_MAX)
    description_en: str = Field(default="", max_length=TEXT_MAX)
    products: list[Name] = Field(default_factory=list, max_length=LIST_MAX)


class Policy(RefuseControl):
    model_config = ConfigDict(extra="forbid")

    code: Code
    title_zh: str = Field(max_length=LABEL_MAX)
    title_en: str = Field(max_length=LABEL_MAX)
    text_zh: str = Field(default="", max_length=LONG_TEXT_MAX)
    text_en: str = Field(default="", max_length=LONG_TEXT_MAX)
    source: Source | None = None
    estimate: bool = Field(default=False, strict=True, description="未经证实 / Not confirmed by a source")


class RestrictionKind(StrEnum):
    env_category = "env_category"  # firms whose EIA category is in `values` are excluded
    industry = "industry"  # firms in an industry code (or its prefix) listed in `values` are excluded


class Restriction(RefuseControl):
    model_config = ConfigDict(extra="forbid")

    kind: RestrictionKind
    values: list[Value] = Field(min_length=1, max_length=LIST_MAX)
    reason_zh: str = Field(max_length=TEXT_MAX)
    reason_en: str = Field(max_length=TEXT_MAX)
    source: Source | None = None


class Supply(RefuseControl):
    """A resource the destination can supply, with capacity and price."""

    model_config = ConfigDict(extra="forbid")

    resource: Code = Field(examples=["liquid_aluminium"])
    capacity: Figure | None = Field(default=None, description="年供应能力 / Yearly capacity")
    price: Figure | None = Field(default=None, description="价格 / Price")
    strength: Number = Field(
        default=1.0, ge=0, le=1, description="供应强度 0–1 / How strongly the park offers it, 0–1"
    )
    note_zh: str = Field(default="", max_length=TEXT_MAX)
    note_en: str = Field(default="", max_length=TEXT_MAX)


class RelationKind(StrEnum):
    predecessor = "predecessor"  # the other park is this one's predecessor (前身)
    successor = "successor"  # the other park succeeded this one (更名或升级后)
    same_zone = "same_zone"  # the two records describe the same zone (同一园区的不同名称或时期)


class ParkRelation(RefuseControl):
    """How this park relates to another park record (a rename, a predecessor), with its source."""

    model_config = ConfigDict(extra="forbid")

    relation: RelationKind
    park: Code = Field(description="相关园区代码 / Code of the related park", examples=["zhongshan_edz"])
    note_zh: str = Field(default="", max_length=TEXT_MAX)
    note_en: str = Field(default="", max_length=TEXT_MAX)
    source: Source


# Kind-specific details. Each carries its `kind`, the discriminator; facts are sourced Figures.


class ParkDetails(Schema):
    """What only an industrial park has: its level, free factory space, anchor firms and policies."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["park"] = "park"
    level: ParkLevel = ParkLevel.unconfirmed
    free_factory_m2: Figure | None = Field(
        default=None, description="可用标准厂房（平方米）/ Free standard factory space, m²"
    )
    anchors: list[Anchor] = Field(default_factory=list, max_length=LIST_MAX)
    policies: list[Policy] = Field(default_factory=list, max_length=LIST_MAX)
    relations: list[ParkRelation] = Field(
        default_factory=list, max_length=LIST_MAX,
        description="与其他园区记录的关系（前身、同一园区）/ Relations to other park records")


class WorkshopDetails(Schema):
    """A workshop at a relocation settlement: the community it serves and the labour living there."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["workshop"] = "workshop"
    community: str = Field(min_length=1, max_length=200, description="安置社区 / Resettlement community",
                           examples=["钟山区月照社区"])
    households: Figure | None = Field(default=None, description="安置户数 / Households resettled")
    residents: Figure | None = Field(default=None, description="安置人口 / Residents")
    labour_available: Figure | None = Field(default=None, description="可就业劳动力（人）/ Labour available")
    workshop_m2: Figure | None = Field(default=None, description="车间面积（平方米）/ Workshop floor space, m²")
    subsidies: list[Policy] = Field(default_factory=list, max_length=LIST_MAX, description="补贴政策 / Subsidies")


class AgriBaseDetails(Schema):
    """An agricultural production base: what it grows, how large and how high it lies."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["agri_base"] = "agri_base"
    products: list[Name] = Field(default_factory=list, max_length=LIST_MAX, description="主要产品 / Products", examples=[["刺梨", "猕猴桃"]])
    area_mu: Figure | None = Field(default=None, description="面积（亩）/ Area, 亩")
    altitude_m: Figure | None = Field(default=None, description="海拔（米）/ Altitude, m")
    processing_on_site: bool = Field(default=False, description="有就地加工 / Processing on site")


class ProcessingCentreDetails(Schema):
    """A processing centre for farm products."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["processing_centre"] = "processing_centre"
    products: list[Name] = Field(default_factory=list, max_length=LIST_MAX, description="加工产品 / Products processed")
    capacity: Figure | None = Field(default=None, description="年加工能力 / Yearly capacity")


class CoBuiltParkDetails(Schema):
    """A park co-built with a partner town under East–West cooperation."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["co_built_park"] = "co_built_park"
    partner_town: Code = Field(description="合作镇街代码 / Partner town code", examples=["guzhen"])
    partner_county: Code | None = Field(default=None, description="结对县区代码 / Paired county code",
                                        examples=["shuicheng"])
    since: dt.date | None = Field(default=None, description="共建起始日期 / Co-built since")


class Placement(RefuseControl):
    """Workers placed earlier with a named employer, as a source reports it."""

    model_config = ConfigDict(extra="forbid")

    employer_zh: str = Field(min_length=1, max_length=NAME_MAX, examples=["TCL电器"])
    employer_en: str = Field(default="", max_length=NAME_MAX, examples=["TCL Electrical Appliances"])
    workers: Figure | None = Field(default=None, description="人数 / Workers placed")
    note_zh: str = Field(default="", max_length=TEXT_MAX)
    note_en: str = Field(default="", max_length=TEXT_MAX)
    source: Source


class LabourSourceDetails(Schema):
    """A county or township that sends out workers: outflow, earlier placements, training and cooperation stations."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["labour_source"] = "labour_source"
    outflow: Figure | None = Field(default=None, description="每年外出务工（人）/ Workers leaving each year")
    placed_east: Figure | None = Field(default=None, description="经协作转移到东部就业（人）/ Placed in the east through the cooperation")
    trained: Figure | None = Field(default=None, description="培训（人）/ People trained")
    skills: list[Name] = Field(default_factory=list, max_length=LIST_MAX, description="本地已有的技能 / Skills found locally",
                               examples=[["服装缝制", "耳机装配"]])
    peak_months: list[Annotated[int, Field(ge=1, le=12)]] = Field(
        default_factory=list, max_length=12, description="外出高峰月份 / Months workers leave", examples=[[2]])
    stations: list[Policy] = Field(default_factory=list, max_length=LIST_MAX,
                                   description="劳务协作站、培训与补贴 / Cooperation stations, training and subsidies")
    placements: list[Placement] = Field(default_factory=list, max_length=LIST_MAX,
                                        description="已有的输送记录 / Earlier placements")


Details = Annotated[
    ParkDetails | WorkshopDetails | AgriBaseDetails | ProcessingCentreDetails | CoBuiltParkDetails
    | LabourSourceDetails,
    Field(discriminator="kind", description="按类型的详情 / Details of the destination's kind"),
]


def _with_kind(data: Any) -> Any:
    """Let a payload give its kind once: fill `details.kind` from `kind` (or the reverse) and refuse a mismatch."""
    if not isinstance(data, dict):
        return data
    kind, details = data.get("kind"), data.get("details")
    if details is None and kind is not None:
        return {**data, "details": {"kind": kind}}
    if isinstance(details, dict):
        inner = details.get("kind")
        if kind is None and inner is not None:
            return {**data, "kind": inner}
        if inner is None:
            return {**data, "details": {**details, "kind": kind}}
        if str(inner) != str(kind):
            raise ValueError(f"details.kind（{inner}）与 kind（{kind}）不一致 / "
                             f"details.kind {inner} does not match kind {kind}")
    return data


class DestinationBase(Schema):
    """The fields every kind of destination has."""

    kind: DestinationKind = Field(description="类型 / Kind of destination", examples=["park"])
    name_zh: str = Field(min_length=1, max_length=200, examples=["水城经济开发区"])
    name_en: str = Field(min_length=1, max_length=200, examples=["Shuicheng Economic Development Zone"])
    county: Code = Field(description="所属县区代码 / County code", examples=["shuicheng"])
    township: str | None = Field(default=None, max_length=100, description="所在乡镇（街道）/ Township",
                                 examples=["双水街道"])
    location: Location | None = None
    positioning_zh: str = Field(default="", max_length=TEXT_MAX, description=POSITIONING_ZH)
    positioning_en: str = Field(default="", max_length=TEXT_MAX, description=POSITIONING_EN)
    target_industries: list[IndustryCode] = Field(default_factory=list, max_length=LONG_LIST_MAX)
    free_land_mu: Figure | None = Field(default=None, description="可用土地（亩）/ Free land, 亩")
    labour_pool: Figure | None = Field(default=None, description="可用劳动力（人）/ Labour pool, persons")
    restrictions: list[Restriction] = Field(default_factory=list, max_length=LIST_MAX)
    supplies: list[Supply] = Field(default_factory=list, max_length=LIST_MAX)
    facts: list[Fact] = Field(default_factory=list, max_length=LIST_MAX)
    sources: list[Source] = Field(default_factory=list, max_length=LIST_MAX)
    details: Details

    @model_validator(mode="before")
    @classmethod
    def _kind_once(cls, data: Any) -> Any:
        return _with_kind(data)

    @model_validator(mode="after")
    def _sourced_targets_are_targets(self) -> DestinationBase:
        stray = unlisted_targets(list(self.target_industries), list(self.sources))
        if stray:
            raise ValueError(f"sources[].targets 中的 {', '.join(stray)} 不在 target_industries 中 / "
                             f"sources[].targets name {', '.join(stray)}, which target_industries does not list")
        return self


class DestinationCreate(DestinationBase):
    """A new destination; `details` may be left out, or given without its `kind`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "code": "yuezhao_workshop", "kind": "workshop", "name_zh": "月照社区帮扶车间",
            "name_en": "Yuezhao community workshop", "county": "zhongshan_district",
            "target_industries": ["C1811"],
            "labour_pool": {"value": 300, "unit": "人", "estimate": True},
            "details": {"community": "钟山区月照社区", "workshop_m2": {"value": 2000, "unit": "m²", "estimate": True}},
        }]},
    )

    code: Code = Field(description="唯一代码 / Unique code", examples=["shuicheng_edz"])


class DestinationUpdate(Schema):
    """Fields to change; `details` holds only the kind-specific fields to change (the kind stays)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name_en": "Yuezhao workshop", "details": {"households": {
            "value": 1200, "unit": "户", "estimate": True}}}]},
    )

    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    township: str | None = Field(default=None, max_length=100)
    location: Location | None = None
    positioning_zh: str | None = Field(default=None, max_length=TEXT_MAX)
    positioning_en: str | None = Field(default=None, max_length=TEXT_MAX)
    target_industries: list[IndustryCode] | None = Field(default=None, max_length=LONG_LIST_MAX)
    free_land_mu: Figure | None = None
    labour_pool: Figure | None = None
    restrictions: list[Restriction] | None = Field(default=None, max_length=LIST_MAX)
    supplies: list[Supply] | None = Field(default=None, max_length=LIST_MAX)
    facts: list[Fact] | None = Field(default=None, max_length=LIST_MAX)
    sources: list[Source] | None = Field(default=None, max_length=LIST_MAX)
    details: dict[str, Any] | None = Field(
        default=None, description="要修改的详情字段 / Kind-specific fields to change", examples=[{"households": None}]
    )


class DestinationRead(DestinationCreate):
    model_config = ConfigDict(json_schema_extra=None)

    id: int = Field(description="目的地编号（各类型统一编号）/ Destination id, unique across kinds", examples=[3])
    county_name_zh: str | None = None
    county_name_en: str | None = None
