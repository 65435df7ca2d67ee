"""Park schemas: the data-file record, and the API's create / update / read family (the kind=park view)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.catalog.schemas import IndustryCode
from service.destinations.schemas import (
    POSITIONING_EN,
    POSITIONING_ZH,
    Anchor,
    Location,
    ParkLevel,
    ParkRelation,
    Policy,
    Restriction,
    RestrictionKind,
    Supply,
)
from service.sourcing import Code, Fact, Figure, Source, unlisted_targets

# The building blocks are shared with every destination kind and defined there; re-exported for the park view.
__all__ = ["Anchor", "Location", "ParkBase", "ParkCreate", "ParkLevel", "ParkRead", "ParkRelation", "ParkRecord", "ParkUpdate",
           "Policy", "Restriction", "RestrictionKind", "Supply"]


class ParkBase(BaseModel):
    name_zh: str = Field(min_length=1, max_length=200, examples=["水城经济开发区"])
    name_en: str = Field(min_length=1, max_length=200, examples=["Shuicheng Economic Development Zone"])
    county: Code = Field(description="所属县区代码 / County code", examples=["shuicheng"])
    level: ParkLevel = ParkLevel.unconfirmed
    location: Location | None = None
    positioning_zh: str = Field(default="", description=POSITIONING_ZH)
    positioning_en: str = Field(default="", description=POSITIONING_EN)
    target_industries: list[IndustryCode] = Field(default_factory=list)
    free_land_mu: Figure | None = Field(default=None, description="可用工业用地（亩）/ Free industrial land, 亩")
    free_factory_m2: Figure | None = Field(
        default=None, description="可用标准厂房（平方米）/ Free standard factory space, m²"
    )
    labour_pool: Figure | None = Field(default=None, description="可用劳动力（人）/ Labour pool, persons")
    anchors: list[Anchor] = Field(default_factory=list)
    policies: list[Policy] = Field(default_factory=list)
    relations: list[ParkRelation] = Field(
        default_factory=list, description="与其他园区记录的关系（前身、同一园区）/ Relations to other park records")
    restrictions: list[Restriction] = Field(default_factory=list)
    supplies: list[Supply] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sourced_targets_are_targets(self) -> ParkBase:
        stray = unlisted_targets(list(self.target_industries), list(self.sources))
        if stray:
            raise ValueError(f"sources[].targets 中的 {', '.join(stray)} 不在 target_industries 中 / "
                             f"sources[].targets name {', '.join(stray)}, which target_industries does not list")
        return self


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
