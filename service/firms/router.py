"""HTTP routes for firms."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.deps import DbSession
from service.firms import service
from service.firms.schemas import FirmRead
from service.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

router = APIRouter(prefix="/firms", tags=["firms 企业"])

SortKey = Literal["id", "name", "employees", "revenue", "land", "updated"]


@router.get("", response_model=Page[FirmRead], summary="企业列表 / List firms")
def list_firms(
    session: DbSession,
    town: Annotated[str | None, Query(description="镇街代码 / Town code", examples=["guzhen"], max_length=64)] = None,
    industry: Annotated[str | None, Query(description="行业代码或前缀 / Industry code or prefix", examples=["C387"],
                                          pattern=r"^[A-T]\d{0,4}$")] = None,
    q: Annotated[str | None, Query(description="名称或经营范围关键词 / Word in name or scope", max_length=100)] = None,
    min_employees: Annotated[int | None, Query(ge=0, description="最少员工 / Minimum employees")] = None,
    max_employees: Annotated[int | None, Query(ge=0, description="最多员工 / Maximum employees")] = None,
    sort: Annotated[SortKey, Query(description="排序字段 / Sort by")] = "id",
    desc: Annotated[bool, Query(description="降序 / Descending")] = False,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="起始位置 / Offset")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数 / Page size")] = DEFAULT_PAGE_SIZE,
) -> Page[FirmRead]:
    items, total = service.list_firms(session=session, town=town, industry=industry, q=q, min_employees=min_employees,
                                      max_employees=max_employees, sort=sort, descending=desc, offset=offset,
                                      limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


@router.get("/{firm_id}", response_model=FirmRead, summary="企业详情 / One firm")
def get_firm(session: DbSession, firm_id: int) -> FirmRead:
    return service.get(session=session, firm_id=firm_id)
