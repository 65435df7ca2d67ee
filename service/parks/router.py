"""HTTP routes for parks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.auth.guard import Editor, Viewer
from service.auth.service import audit
from service.deps import DbSession, ParkId
from service.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from service.parks import service
from service.parks.schemas import ParkCreate, ParkRead, ParkUpdate

router = APIRouter(prefix="/parks", tags=["parks 园区"])


@router.get("", response_model=Page[ParkRead], summary="园区列表 / List parks")
def list_parks(
    session: DbSession,
    _: Viewer,
    county: Annotated[str | None, Query(description="县区代码 / County code", examples=["shuicheng"], max_length=64)] = None,
    q: Annotated[str | None, Query(description="名称或定位关键词 / Word in name or positioning", max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="起始位置 / Offset")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数 / Page size")] = DEFAULT_PAGE_SIZE,
) -> Page[ParkRead]:
    rows, total = service.list_parks(session=session, county=county, q=q, offset=offset, limit=limit)
    return Page(items=[service.to_read(p, c) for p, c in rows], total=total, offset=offset, limit=limit)


@router.get("/{park_id}", response_model=ParkRead, summary="园区详情 / One park")
def get_park(session: DbSession, _: Viewer, park_id: ParkId) -> ParkRead:
    return service.get(session=session, park_id=park_id)


@router.post("", response_model=ParkRead, status_code=201, summary="新增园区 / Add a park")
def create_park(session: DbSession, who: Editor, body: ParkCreate) -> ParkRead:
    park = service.create(session=session, record=body)
    audit(session=session, actor=who, action="create", entity="park", entity_id=park.id,
          after=park.model_dump(mode="json"))
    return park


@router.patch("/{park_id}", response_model=ParkRead, summary="修改园区 / Change a park")
def update_park(session: DbSession, who: Editor, park_id: ParkId, body: ParkUpdate) -> ParkRead:
    before = service.get(session=session, park_id=park_id)
    park = service.update(session=session, park_id=park_id, changes=body)
    audit(session=session, actor=who, action="update", entity="park", entity_id=park_id,
          before=before.model_dump(mode="json"), after=park.model_dump(mode="json"))
    return park


@router.delete("/{park_id}", status_code=204, summary="删除园区 / Delete a park")
def delete_park(session: DbSession, who: Editor, park_id: ParkId) -> Response:
    before = service.get(session=session, park_id=park_id)
    service.delete(session=session, park_id=park_id)
    audit(session=session, actor=who, action="delete", entity="park", entity_id=park_id,
          before=before.model_dump(mode="json"))
    return Response(status_code=204)
