"""A destination's page, of any kind: its facts, its lead list (ranked firms), filters and CSV / Excel export.

Filter boxes are read as typed and checked here, so a mistake is shown beside its box on this page while the
list is drawn without that filter.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from service.catalog import service as catalog
from service.deps import DbSession, ParkId
from service.destinations import service as destinations
from service.feedback import service as feedback
from service.feedback.schemas import Status
from service.matching.deps import MatchServiceDep
from service.matching.modes import Mode
from service.parks import service as park_service
from service.ui import forms, ranking, tables
from service.ui.deps import Lang, User
from service.ui.i18n import STATUS_EN, kind_name
from service.ui.pages.firms import factor_chart
from service.ui.rendering import UiRoute, error_page, page

router = APIRouter(route_class=UiRoute)


@router.get("/ui/parks/{park_id}", response_class=HTMLResponse)
def park_page(
    request: Request, session: DbSession, user: User, lang: Lang, park_id: ParkId, boxes: forms.LeadBoxes,
    service: MatchServiceDep, mode: Mode = Mode.relocation,
) -> HTMLResponse:
    destination = destinations.get(session=session, destination_id=park_id)
    park = park_service.get_as_park(session=session, destination_id=park_id)
    industries = catalog.list_industries(session=session)
    filters, top_k, check = forms.check_lead_filters(boxes, session=session, industries=industries, lang=lang)
    weights = forms.weights_from_query(request, mode)
    result = ranking.candidates(service=service, park_id=park_id, mode=mode, weights=weights,
                                top_k=top_k, filters=filters)
    statuses = {i.firm_id: i for i in feedback.pipeline(session=session, park_id=park_id)}
    towns = catalog.list_towns(session=session)
    export_query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    details = destination.details
    return page(request, "park.html", lang=lang, user=user, park=park, kind=destination.kind,
                kind_label=kind_name(destination.kind, lang), details=details,
                park_details=details if details.kind == "park" else None, township=destination.township,
                result=result, mode=mode, status=check.status, problems=check.problems, boxes=boxes,
                modes=forms.modes(lang), sliders=forms.sliders(mode, weights, lang), top_k=top_k, filters=filters,
                towns=towns, town_names={t.code: t for t in towns}, statuses=statuses, statuses_all=list(Status),
                chart=factor_chart, export_query=export_query, industries={i.code: i for i in industries},
                industry_list=industries, resources={r.code: r for r in catalog.list_resources(session=session)})


@router.get("/ui/parks/{park_id}/leads.{fmt}")
def park_leads_export(
    request: Request, session: DbSession, user: User, lang: Lang, park_id: ParkId, fmt: str, boxes: forms.LeadBoxes,
    service: MatchServiceDep, mode: Mode = Mode.relocation,
) -> Response:
    if fmt not in tables.FORMATS:
        return error_page(request, 404, "未找到 / not found")
    park = park_service.get_as_park(session=session, destination_id=park_id)
    filters, top_k, check = forms.check_lead_filters(boxes, session=session,
                                                     industries=catalog.list_industries(session=session), lang=lang)
    if check.problems:  # the page showed these beside their boxes; a file of the wrong list would mislead
        return error_page(request, 422, "；".join(m for ms in check.problems.values() for m in ms))
    result = ranking.candidates(service=service, park_id=park_id, mode=mode,
                                weights=forms.weights_from_query(request, mode), top_k=top_k, filters=filters)
    statuses = {i.firm_id: i for i in feedback.pipeline(session=session, park_id=park_id)}
    header = ["排名 Rank", "企业 Firm", "英文名 English name", "镇街 Town", "行业 Industries", "员工 Employees",
              "得分 Score", "理由 Reason", "进展 Status"]
    rows: list[list[Any]] = []
    for item in result.items if result else []:
        status = statuses.get(item.firm.id or 0)
        rows.append([item.rank, item.firm.name_zh, item.firm.name_en, item.firm.town_name_zh or item.firm.town or "",
                     ";".join(item.firm.industries),
                     item.firm.employees if item.firm.employees is not None else "", round(item.score * 100, 1),
                     item.reason_en if lang == "en" else item.reason_zh,
                     STATUS_EN[status.status] if status and lang == "en" else status.status_zh if status else ""])
    return tables.download(header, rows, fmt=fmt, filename=f"leads-{park.code}.{fmt}", sheet="线索 Leads")
