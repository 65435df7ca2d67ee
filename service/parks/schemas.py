"""Park schemas: the data-file record, and the API's create / update / read family."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from service.catalog.schemas import IndustryCode
from service.sourcing import Code, Fact, Figure, Source


class ParkLevel(StrEnum):
    national = "national"
    provincial = "provincial"
    municipal = "municipal"
    unconfirmed = "unconfirmed"


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(ge=-90, le=90, examples=[26.55])
    lon: float = Field(ge=-180, le=180, examples=[104.95])
    estimate: bool = Field(default=True, description="近似位置 / Approximate location")


class Anchor(BaseModel):
    """An anchor enterprise in or near the park."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(examples=["shuangyuan"])
    name_zh: str = Field(examples=["双元铝业"])
    name_en: str = Field(examples=["Shuangyuan Aluminium"])
    industry: IndustryCode | None = None
    description_zh: str = ""
    description_en: str = ""
    products: list[str] = Field(default_factory=list)


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    title_zh: str
    title_en: str
    text_zh: str = ""
    text_en: str = ""
    source: Source | None = None
    estimate: bool = Field(default=False, description="未经证实 / Not confirmed by a source")


class RestrictionKind(StrEnum):
    env_category = "env_category"  # firms whose EIA category is in `values` are excluded
    industry = "industry"  # firms in an industry code (or its prefix) listed in `values` are excluded


class Restriction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RestrictionKind
    values: list[str] = Field(min_length=1)
    reason_zh: str
    reason_en: str
    source: Source | None = None


class Supply(BaseModel):
    """A resource the park can supply, with capacity and price."""

    model_config = ConfigDict(extra="forbid")

    resource: Code = Field(examples=["liquid_aluminium"])
    capacity: Figure | None = Field(default=None, description="年供应能力 / Yearly capacity")
    price: Figure | None = Field(default=None, description="价格 / Price")
    strength: float = Field(
        default=1.0, ge=0, le=1, description="供应强度 0–1 / How strongly the park offers it, 0–1"
    )
    note_zh: str = ""
    note_en: str = ""


class ParkBase(BaseModel):
    name_zh: str = Field(min_length=1, max_length=200, examples=["水城经济开发区"])
    name_en: str = Field(min_length=1, max_length=200, examples=["Shuicheng Economic Development Zone"])
    county: Code = Field(description="所属县区代码 / County code", examples=["shuicheng"])
    level: ParkLevel = ParkLevel.unconfirmed
    location: Location | None = None
    positioning_zh: str = Field(default="", description="产业定位 / Official positioning (Chinese)")
    positioning_en: str = Field(default="", description="Official positioning (English)")
    target_industries: list[IndustryCode] = Field(default_factory=list)
    free_land_mu: Figure | None = Field(default=None, description="可用工业用地（亩）/ Free industrial land, 亩")
    free_factory_m2: Figure | None = Field(
        default=None, description="可用标准厂房（平方米）/ Free standard factory space, m²"
    )
    labour_pool: Figure | None = Field(default=None, description="可用劳动力（人）/ Labour pool, persons")
    anchors: list[Anchor] = Field(default_factory=list)
    policies: list[Policy] = Field(default_factory=list)
    restrictions: list[Restriction] = Field(default_factory=list)
    supplies: list[Supply] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)


class ParkRecord(ParkBase):
    """A park as written in data/parks.yaml."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(examples=["shuicheng_edz"])


class ParkCreate(ParkRecord):
    pass


class ParkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    level: ParkLevel | None = None
    positioning_zh: str | None = None
    positioning_en: str | None = None
    target_industries: list[IndustryCode] | None = None
    free_land_mu: Figure | None = None
    free_factory_m2: Figure | None = None
    labour_pool: Figure | None = None


class ParkRead(ParkRecord):
    id: int = Field(description="园区编号 / Park id", examples=[3])
    county_name_zh: str | None = None
    county_name_en: str | None = None
