"""The plan screen: which firm goes where under each destination's free land, with totals and export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from service.catalog import service as catalog
from service.deps import DbSession
from service.firms import service as firm_service
from service.matching.deps import MatchServiceDep
from service.matching.modes import Mode
from service.matching.plan import make_plan
from service.matching.schemas import PlanRequest, PlanResult
from service.matching.service import MatchService
from service.ui import forms, tables
from service.ui.deps import Lang, User
from service.ui.rendering import UiRoute, error_page, page

router = APIRouter(route_class=UiRoute)

# The min-cost flow grows with firms × destinations; 300 firms answer in about a second on one core.
PLAN_MAX_FIRMS = 300


@dataclass(frozen=True)
class PlanInput:
    mode: Mode
    town: str
    industry: str
    max_per_park: int | None
    min_score: float  # 0–100 as typed


Box = Annotated[str, Query(max_length=100)]


def _checked(session: DbSession, lang: str, mode: Mode, town: str, industry: str, max_per_park: str,
             min_score: str) -> tuple[PlanInput, forms.FilterCheck]:
    """The plan's inputs from its boxes as typed; each wrong box reported beside itself."""
    check = forms.FilterCheck(lang=lang)
    given = PlanInput(
        mode=mode, town=check.town(town, session) or "",
        industry=check.industry(industry, catalog.list_industries(session=session)) or "",
        max_per_park=check.whole("max_per_park", max_per_park, low=1, high=50, label_zh="每个目的地最多企业数",
                                 label_en="firms per destination"),
        min_score=check.number("min_score", min_score, low=0, high=100, label_zh="最低分",
                               label_en="minimum score") or 0.0)
    return given, check


def _plan(session: DbSession, service: MatchService, given: PlanInput) -> tuple[PlanResult, int, int]:
    firms, total = firm_service.list_firms(session=session, town=given.town or None, industry=given.industry or None,
                                           limit=PLAN_MAX_FIRMS)
    known = [f.id for f in firms if f.id in service.world.firm_row]
    result = make_plan(engine=service, request=PlanRequest(
        firm_ids=known, mode=given.mode, max_firms_per_park=given.max_per_park, min_score=given.min_score / 100))
    return result, len(known), total


@router.get("/ui/plan", response_class=HTMLResponse)
def plan_page(request: Request, session: DbSession, user: User, lang: Lang, service: MatchServiceDep,
              run: Annotated[int, Query(ge=0, le=1)] = 0, mode: Mode = Mode.relocation,
              town: Box = "", industry: Box = "", max_per_park: Box = "", min_score: Box = "") -> HTMLResponse:
    given, check = _checked(session, lang, mode, town, industry, max_per_park, min_score)
    # A wrong box is shown beside itself and no plan is made: a plan without the filter meant would mislead.
    result, placed, total = (_plan(session, service, given) if run and not check.problems else (None, 0, 0))
    query = request.url.query
    boxes = {"town": town, "industry": industry, "max_per_park": max_per_park, "min_score": min_score}
    return page(request, "plan.html", lang=lang, user=user, given=given, boxes=boxes, problems=check.problems,
                status=check.status, result=result, considered=placed,
                total=total, limit=PLAN_MAX_FIRMS, modes=forms.modes(lang), towns=catalog.list_towns(session=session),
                export_query="&".join(p for p in query.split("&") if p and not p.startswith("lang=")),
                by_park=_by_park(result) if result else {})


def _by_park(result: PlanResult) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for a in result.assignments:
        grouped.setdefault(a.park.id, []).append(a)
    return grouped


@router.get("/ui/plan.{fmt}")
def plan_export(request: Request, session: DbSession, user: User, lang: Lang, service: MatchServiceDep, fmt: str,
                mode: Mode = Mode.relocation, town: Box = "", industry: Box = "", max_per_park: Box = "",
                min_score: Box = "") -> Response:
    if fmt not in tables.FORMATS:
        return error_page(request, 404, "未找到 / not found")
    given, check = _checked(session, lang, mode, town, industry, max_per_park, min_score)
    if check.problems:
        return error_page(request, 422, "；".join(m for ms in check.problems.values() for m in ms))
    result, _, _ = _plan(session, service, given)
    en = lang == "en"
    header = ["目的地 Destination", "县区 County", "企业 Firm", "企业编号 Firm id", "镇街 Town", "得分 Score",
              "占地（亩）Land (mu)"]
    rows: list[list[Any]] = [
        [a.park.name_en if en else a.park.name_zh, a.park.county_name_en if en else a.park.county_name_zh,
         a.firm.name_zh, a.firm.id, a.firm.town_name_zh or a.firm.town or "", round(a.score * 100, 1), a.land_mu]
        for a in result.assignments]
    rows += [["", "", u.firm.name_zh, u.firm.id, u.firm.town_name_zh or u.firm.town or "", "",
              ("未分配：" + u.reason_zh) if not en else ("unassigned: " + u.reason_en)] for u in result.unassigned]
    rows.append(["合计 Total", "", f"{len(result.assignments)}", "", "", round(result.total_score * 100, 1),
                 round(sum(a.land_mu for a in result.assignments), 2)])
    return tables.download(header, rows, fmt=fmt, filename=f"plan-{mode.value}.{fmt}", sheet="方案 Plan")
