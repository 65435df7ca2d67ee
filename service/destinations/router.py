"""HTTP routes for destinations of every kind; /parks is the kind=park view of the same rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from service.auth.guard import Editor, Viewer
from service.auth.service import audit
from service.deps import DbSession, DestinationId
from service.destinations import service
from service.destinations.schemas import (
    DestinationCreate,
    DestinationKind,
    DestinationRead,
    DestinationUpdate,
)
from service.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

router = APIRouter(prefix="/destinations", tags=["destinations 目的地"])

CREATE_EXAMPLES = {
    "park": {
        "summary": "产业园区 / An industrial park",
        "value": {"code": "panzhou_new_zone", "kind": "park", "name_zh": "盘州新区", "name_en": "Panzhou New Zone",
                  "county": "panzhou", "target_industries": ["C3311"],
                  "details": {"level": "unconfirmed", "free_factory_m2": {"value": 20000, "unit": "m²",
                                                                          "estimate": True}}},
    },
    "workshop": {
        "summary": "帮扶车间 / A relocation-settlement workshop",
        "value": {"code": "yuezhao_workshop", "kind": "workshop", "name_zh": "月照社区帮扶车间",
                  "name_en": "Yuezhao community workshop", "county": "zhongshan_district",
                  "township": "月照街道", "target_industries": ["C1811"],
                  "details": {"community": "月照社区", "labour_available": {"value": 300, "unit": "人",
                                                                          "estimate": True}}},
    },
    "agri_base": {
        "summary": "农业基地 / An agricultural base",
        "value": {"code": "panzhou_rosa_base", "kind": "agri_base", "name_zh": "盘州刺梨基地",
                  "name_en": "Panzhou rosa roxburghii base", "county": "panzhou",
                  "details": {"products": ["刺梨"], "area_mu": {"value": 5000, "unit": "亩", "estimate": True},
                              "processing_on_site": True}},
    },
}


@router.get("", response_model=Page[DestinationRead], summary="目的地列表 / List destinations")
def list_destinations(
    session: DbSession,
    _: Viewer,
    kind: Annotated[DestinationKind | None, Query(description="类型 / Kind", examples=["park"])] = None,
    county: Annotated[str | None, Query(description="县区代码 / County code", examples=["shuicheng"], max_length=64)] = None,
    q: Annotated[str | None, Query(description="名称或定位关键词 / Word in name or positioning", max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="起始位置 / Offset")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数 / Page size")] = DEFAULT_PAGE_SIZE,
) -> Page[DestinationRead]:
    items, total = service.list_page(session=session, kind=kind, county=county, q=q, offset=offset, limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


@router.get("/{destination_id}", response_model=DestinationRead, summary="目的地详情 / One destination")
def get_destination(session: DbSession, _: Viewer, destination_id: DestinationId) -> DestinationRead:
    return service.get(session=session, destination_id=destination_id)


@router.post("", response_model=DestinationRead, status_code=201, summary="新增目的地 / Add a destination")
def create_destination(
    session: DbSession, who: Editor, body: Annotated[DestinationCreate, Body(openapi_examples=CREATE_EXAMPLES)],
) -> DestinationRead:
    destination = service.create(session=session, record=body)
    audit(session=session, actor=who, action="create", entity="destination", entity_id=destination.id,
          after=destination.model_dump(mode="json"))
    return destination


@router.patch("/{destination_id}", response_model=DestinationRead, summary="修改目的地 / Change a destination")
def update_destination(session: DbSession, who: Editor, destination_id: DestinationId,
                       body: DestinationUpdate) -> DestinationRead:
    before = service.get(session=session, destination_id=destination_id)
    destination = service.update(session=session, destination_id=destination_id, changes=body)
    audit(session=session, actor=who, action="update", entity="destination", entity_id=destination_id,
          before=before.model_dump(mode="json"), after=destination.model_dump(mode="json"))
    return destination


@router.delete("/{destination_id}", status_code=204, summary="删除目的地 / Delete a destination")
def delete_destination(session: DbSession, who: Editor, destination_id: DestinationId) -> Response:
    before = service.get(session=session, destination_id=destination_id)
    service.delete(session=session, destination_id=destination_id)
    audit(session=session, actor=who, action="delete", entity="destination", entity_id=destination_id,
          before=before.model_dump(mode="json"))
    return Response(status_code=204)
