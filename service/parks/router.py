"""HTTP routes for parks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.deps import DbSession
from service.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from service.parks import service
from service.parks.schemas import ParkRead

router = APIRouter(prefix="/parks", tags=["parks 园区"])


@router.get("", response_model=Page[ParkRead], summary="园区列表 / List parks")
def list_parks(
    session: DbSession,
    county: Annotated[str | None, Query(description="县区代码 / County code", examples=["shuicheng"], max_length=64)] = None,
    q: Annotated[str | None, Query(description="名称或定位关键词 / Word in name or positioning", max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[ParkRead]:
    rows, total = service.list_parks(session=session, county=county, q=q, offset=offset, limit=limit)
    return Page(items=[service.to_read(p, c) for p, c in rows], total=total, offset=offset, limit=limit)


@router.get("/{park_id}", response_model=ParkRead, summary="园区详情 / One park")
def get_park(session: DbSession, park_id: int) -> ParkRead:
    return service.get(session=session, park_id=park_id)
