"""Park schemas: the data-file record, and the API's create / update / read family (the kind=park view)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

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
from service.schema import Schema
from service.sourcing import Code, Fact, Figure, Source, unlisted_targets
from service.textguard import (
    LIST_MAX,
    LONG_LIST_MAX,
    NAME_MAX,
    SHORT_MAX,
    TEXT_MAX,
    RefuseControl,
)

Name = Annotated[str, Field(max_length=NAME_MAX)]
Value = Annotated[str, Field(max_length=SHORT_MAX)]

# The building blocks are shared with every destination kind and defined there; re-exported for the park view.
__all__ = ["Anchor", "Location", "ParkBase", "ParkCreate", "ParkLevel", "ParkRead", "ParkRelation", "ParkRecord", "ParkUpdate",
           "Policy", "Restriction", "RestrictionKind", "Supply"]


class ParkBase(Schema):
    name_zh: str = Field(min_length=1, max_length=200, examples=["水城经济开发区"])
    name_en: str = Field(min_length=1, max_length=200, examples=["Shuicheng Economic Development Zone"])
    county: Code = Field(description="所属县区代码 / County code", examples=["shuicheng"])
    level: ParkLevel = ParkLevel.unconfirmed
    location: Location | None = None
    positioning_zh: str = Field(default="", max_length=TEXT_MAX, description=POSITIONING_ZH)
    positioning_en: str = Field(default="", max_length=TEXT_MAX, description=POSITIONING_EN)
    target_industries: list[IndustryCode] = Field(default_factory=list, max_length=LONG_LIST_MAX)
    free_land_mu: Figure | None = Field(default=None, description="可用工业用地（亩）/ Free industrial land, 亩")
    free_factory_m2: Figure | None = Field(
        default=None, description="可用标准厂房（平方米）/ Free standard factory space, m²"
    )
    labour_pool: Figure | None = Field(default=None, description="可用劳动力（人）/ Labour pool, persons")
    anchors: list[Anchor] = Field(default_factory=list, max_length=LIST_MAX)
    policies: list[Policy] = Field(default_factory=list, max_length=LIST_MAX)
    relations: list[ParkRelation] = Field(
        default_factory=list, max_length=LIST_MAX,
        description="与其他园区记录的关系（前身、同一园区）/ Relations to other park records")
    restrictions: list[Restriction] = Field(default_factory=list, max_length=LIST_MAX)
    supplies: list[Supply] = Field(default_factory=list, max_length=LONG_LIST_MAX)
    facts: list[Fact] = Field(default_factory=list, max_length=LONG_LIST_MAX)
    sources: list[Source] = Field(default_factory=list, max_length=LONG_LIST_MAX)

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


class ParkCreate(ParkRecord, RefuseControl):
    pass


def _omitted(schema: dict[str, Any]) -> None:
    """Drop the `default: null` of a field that may be left out but not set to null."""
    schema.pop("default", None)


class ParkUpdate(RefuseControl):
    """The fields to change. A field left out stays as it is. Names, level, positioning and target industries
    cannot be null (422); a null figure (land, factory space, labour) clears it, meaning "not known"."""

    model_config = ConfigDict(extra="forbid")

    # Null is left out of the schema and refused: these columns always hold a value. A field left out is not
    # validated at all, so leaving it out keeps it.
    name_zh: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=NAME_MAX,
                                                json_schema_extra=_omitted)
    name_en: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=NAME_MAX,
                                                json_schema_extra=_omitted)
    level: ParkLevel | SkipJsonSchema[None] = Field(default=None, json_schema_extra=_omitted)
    positioning_zh: str | SkipJsonSchema[None] = Field(default=None, max_length=TEXT_MAX, json_schema_extra=_omitted)
    positioning_en: str | SkipJsonSchema[None] = Field(default=None, max_length=TEXT_MAX, json_schema_extra=_omitted)
    # The list limit sits inside the type: on the union it would be documented as a string's maxLength.
    target_industries: Annotated[list[IndustryCode], Field(max_length=LONG_LIST_MAX)] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_omitted)
    free_land_mu: Figure | None = Field(default=None, description="null 表示清除（未知）/ null clears it (unknown)")
    free_factory_m2: Figure | None = Field(default=None, description="null 表示清除（未知）/ null clears it (unknown)")
    labour_pool: Figure | None = Field(default=None, description="null 表示清除（未知）/ null clears it (unknown)")

    @field_validator("name_zh", "name_en", "level", "positioning_zh", "positioning_en", "target_industries",
                     mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            raise ValueError(f"{info.field_name} 不能为 null（省略即保持不变）/ "
                             f"{info.field_name} cannot be null; leave it out to keep it")
        return value


class ParkRead(ParkRecord):
    id: int = Field(description="园区编号 / Park id", examples=[3])
    county_name_zh: str | None = None
    county_name_en: str | None = None
