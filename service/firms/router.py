"""HTTP routes for firms: list, read, write, import and export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, UploadFile

from service.auth.guard import Editor, Viewer
from service.auth.service import audit
from service.deps import AppSettings, DbSession, FirmId
from service.errors import ImportRejected, Problem
from service.firms import contacts, service
from service.firms.exporter import MEDIA_TYPES, export
from service.firms.importer import ImportReport, import_firms, safe_name
from service.firms.schemas import FirmCreate, FirmRead, FirmUpdate
from service.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

router = APIRouter(prefix="/firms", tags=["firms 企业"])
import_router = APIRouter(prefix="/import", tags=["firms 企业"])

SortKey = Literal["id", "name", "employees", "revenue", "land", "updated"]
TownQuery = Annotated[str | None, Query(description="镇街代码 / Town code", examples=["guzhen"], max_length=64)]
IndustryQuery = Annotated[str | None, Query(description="行业代码或前缀 / Industry code or prefix", examples=["C387"],
                                            pattern=r"^[A-T]\d{0,4}$")]
WordQuery = Annotated[str | None, Query(description="名称或经营范围关键词 / Word in name or scope", max_length=100)]


@router.get("", response_model=Page[FirmRead], summary="企业列表 / List firms")
def list_firms(
    session: DbSession,
    who: Viewer,
    town: TownQuery = None,
    industry: IndustryQuery = None,
    q: WordQuery = None,
    min_employees: Annotated[int | None, Query(ge=0, le=10_000_000, description="最少员工 / Minimum employees")] = None,
    max_employees: Annotated[int | None, Query(ge=0, le=10_000_000, description="最多员工 / Maximum employees")] = None,
    sort: Annotated[SortKey, Query(description="排序字段 / Sort by")] = "id",
    desc: Annotated[bool, Query(description="降序 / Descending")] = False,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="起始位置 / Offset")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数 / Page size")] = DEFAULT_PAGE_SIZE,
) -> Page[FirmRead]:
    items, total = service.list_firms(session=session, town=town, industry=industry, q=q, min_employees=min_employees,
                                      max_employees=max_employees, sort=sort, descending=desc, offset=offset,
                                      limit=limit)
    return Page(items=contacts.all_for_caller(items, who), total=total, offset=offset, limit=limit)


@router.get("/export", summary="导出企业 / Export firms (CSV, XLSX, JSON)",
            description="联系人、电话、地址、备注四列只导出给编辑者与管理员 / the contact, phone, address and notes "
                        "columns are exported to editors and admins only",
            responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}})
def export_firms(
    session: DbSession, who: Viewer,
    format: Annotated[Literal["csv", "xlsx", "json"], Query(description="格式 / Format")] = "csv",
    town: TownQuery = None, industry: IndustryQuery = None, q: WordQuery = None,
) -> Response:
    items, _total = service.list_firms(session=session, town=town, industry=industry, q=q, limit=10_000_000)
    # A viewer's file has no contact columns at all, not empty ones.
    return Response(export(items, fmt=format, contacts=contacts.visible(who)), media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="firms.{format}"'})


@router.get("/{firm_id}", response_model=FirmRead, summary="企业详情 / One firm")
def get_firm(session: DbSession, who: Viewer, firm_id: FirmId) -> FirmRead:
    return contacts.for_caller(service.get(session=session, firm_id=firm_id), who)


@router.post("", response_model=FirmRead, status_code=201, summary="新增企业 / Add a firm")
def create_firm(session: DbSession, who: Editor, body: FirmCreate) -> FirmRead:
    firm = service.create(session=session, firm=body)
    audit(session=session, actor=who, action="create", entity="firm", entity_id=firm.id, after=firm.model_dump(mode="json"))
    return firm


@router.patch("/{firm_id}", response_model=FirmRead, summary="修改企业 / Change a firm")
def update_firm(session: DbSession, who: Editor, firm_id: FirmId, body: FirmUpdate) -> FirmRead:
    before = service.get(session=session, firm_id=firm_id)
    firm = service.update(session=session, firm_id=firm_id, changes=body)
    audit(session=session, actor=who, action="update", entity="firm", entity_id=firm_id,
          before=before.model_dump(mode="json"), after=firm.model_dump(mode="json"))
    return firm


@router.delete("/{firm_id}", status_code=204, summary="删除企业 / Delete a firm")
def delete_firm(session: DbSession, who: Editor, firm_id: FirmId) -> Response:
    before = service.get(session=session, firm_id=firm_id)
    service.delete(session=session, firm_id=firm_id)
    audit(session=session, actor=who, action="delete", entity="firm", entity_id=firm_id,
          before=before.model_dump(mode="json"))
    return Response(status_code=204)


@import_router.post("/firms", response_model=ImportReport, summary="导入企业文件 / Import a firm file (all or nothing)")
def import_firm_file(session: DbSession, who: Editor, file: UploadFile,
                     settings: AppSettings) -> ImportReport:
    limit = int(settings.max_import_mb * 1_000_000)
    name = safe_name(file.filename or "upload")
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ImportRejected(
            f"文件过大，上限 {settings.max_import_mb:g} MB / file too large, limit {settings.max_import_mb:g} MB",
            problems=[Problem(file=name, message="文件过大 / file too large")])
    report = import_firms(session=session, data=data, filename=name, max_bytes=limit)
    audit(session=session, actor=who, action="import", entity="firm", note=name, count=report.rows,
          after={"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
    return report
