"""HTTP routes for the reference catalog."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from service.auth.guard import Viewer
from service.catalog import service
from service.catalog.schemas import IndustryLevel
from service.deps import DbSession

router = APIRouter(tags=["catalog 目录"])


class IndustryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    level: str
    parent_code: str | None
    name_zh: str
    name_en: str
    keywords_zh: list[str]
    keywords_en: list[str]
    supplies_to: list[str]


class ResourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    category: str
    unit: str


class TownRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    clusters_zh: str
    clusters_en: str
    cluster_industries: list[str]


class CountyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str


@router.get("/industries", response_model=list[IndustryRead], summary="行业（GB/T 4754-2017）/ Industries")
def industries(session: DbSession, _: Viewer, level: IndustryLevel | None = None) -> list[IndustryRead]:
    return [IndustryRead.model_validate(i) for i in service.list_industries(session=session, level=level)]


@router.get("/resources", response_model=list[ResourceRead], summary="资源 / Resources")
def resources(session: DbSession, _: Viewer) -> list[ResourceRead]:
    return [ResourceRead.model_validate(r) for r in service.list_resources(session=session)]


@router.get("/towns", response_model=list[TownRead], summary="中山镇街 / Zhongshan towns")
def towns(session: DbSession, _: Viewer) -> list[TownRead]:
    return [TownRead.model_validate(t) for t in service.list_towns(session=session)]


@router.get("/counties", response_model=list[CountyRead], summary="六盘水县区 / Liupanshui counties")
def counties(session: DbSession, _: Viewer) -> list[CountyRead]:
    return [CountyRead.model_validate(c) for c in service.list_counties(session=session)]
