"""The pipeline board: pairs by status, moved from the board, with owner, next follow-up, history and export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from service.auth.service import Role, audit
from service.catalog import service as catalog
from service.deps import MAX_ID, DbSession
from service.destinations import service as destinations
from service.feedback import service as feedback
from service.feedback.schemas import OWNER_MAX, FeedbackCreate, PipelineItem, Status
from service.ui import tables
from service.ui.deps import Lang, User, csrf_ok
from service.ui.i18n import STATUS_EN
from service.ui.pages.signin import safe_next
from service.ui.rendering import UiRoute, error_page, page

router = APIRouter(route_class=UiRoute)


@dataclass(frozen=True)
class BoardFilters:
    park_id: int | None
    town: str
    owner: str
    status: Status | None

    def items(self, session: DbSession) -> list[PipelineItem]:
        return feedback.pipeline(session=session, park_id=self.park_id, town=self.town or None,
                                 owner=self.owner or None, status=self.status)


def _filters(park_id: int | None, town: str, owner: str, status: str) -> BoardFilters:
    return BoardFilters(park_id=park_id, town=town.strip(), owner=owner.strip(),
                        status=Status(status) if status in Status.__members__ else None)


ParkFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]
TownFilter = Annotated[str, Query(max_length=64)]
OwnerFilter = Annotated[str, Query(max_length=OWNER_MAX)]
StatusFilter = Annotated[str, Query(max_length=16)]


@router.get("/ui/pipeline", response_class=HTMLResponse)
def pipeline_page(request: Request, session: DbSession, user: User, lang: Lang, park_id: ParkFilter = None,
                  town: TownFilter = "", owner: OwnerFilter = "", status: StatusFilter = "",
                  firm_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                  pair_park: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> HTMLResponse:
    filters = _filters(park_id, town, owner, status)
    cards = filters.items(session)
    columns = [(s, [c for c in cards if c.status == s]) for s in Status]
    rows, _ = destinations.list_rows(session=session, limit=None)  # pairs go to destinations of every kind
    history = []
    pair = None
    if firm_id is not None and pair_park is not None:
        history = feedback.history(session=session, firm_id=firm_id, park_id=pair_park)
        pair = next(iter(feedback.pipeline(session=session, firm_id=firm_id, park_id=pair_park)), None)
    query = request.url.query
    export_query = "&".join(p for p in query.split("&") if p and not p.startswith(("lang=", "firm_id=", "pair_park=")))
    return page(request, "pipeline.html", lang=lang, user=user, columns=columns, filters=filters,
                parks=[d for d, _ in rows], towns=catalog.list_towns(session=session), statuses_all=list(Status),
                history=history, pair=pair, export_query=export_query, owners=feedback.owners(session=session),
                back=request.url.path + (f"?{query}" if query else ""))


@router.get("/ui/pipeline.{fmt}")
def pipeline_export(request: Request, session: DbSession, user: User, lang: Lang, fmt: str,
                    park_id: ParkFilter = None, town: TownFilter = "", owner: OwnerFilter = "",
                    status: StatusFilter = "") -> Response:
    if fmt not in tables.FORMATS:
        return error_page(request, 404, "未找到 / not found")
    filters = _filters(park_id, town, owner, status)
    towns = {t.code: t for t in catalog.list_towns(session=session)}
    header = ["企业 Firm", "企业编号 Firm id", "镇街 Town", "目的地 Destination", "目的地编号 Destination id",
              "进展 Status", "负责人 Owner", "下次跟进 Follow-up", "备注 Note", "更新 Updated", "记录数 Entries"]
    rows = []
    for c in filters.items(session):
        place = towns.get(c.town)
        rows.append([c.firm_name_zh, c.firm_id, (place.name_en if lang == "en" else place.name_zh) if place else c.town,
                     c.park_name_zh, c.park_id, STATUS_EN[c.status] if lang == "en" else c.status_zh, c.owner,
                     c.follow_up.isoformat() if c.follow_up else "", c.note,
                     c.at.strftime("%Y-%m-%d %H:%M") if c.at else "", c.history])
    return tables.download(header, rows, fmt=fmt, filename=f"pipeline.{fmt}", sheet="进展 Pipeline")


@router.post("/ui/feedback")
def post_feedback(
    request: Request, session: DbSession, user: User,
    firm_id: Annotated[int, Form(ge=1, le=MAX_ID)], park_id: Annotated[int, Form(ge=1, le=MAX_ID)], status: Annotated[Status, Form()],
    note: Annotated[str, Form(max_length=2000)] = "", csrf: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/pipeline",
    owner: Annotated[str | None, Form(max_length=OWNER_MAX)] = None,
    follow_up: Annotated[str | None, Form(max_length=10)] = None,
    board: Annotated[bool, Form()] = False,
) -> Response:
    if not csrf_ok(request, csrf):
        return error_page(request, 403, "表单已过期，请刷新页面后重试 / the form expired, reload the page and retry")
    if not user.allows(Role.editor):
        return error_page(request, 403, "需要编辑者权限 / needs the editor role")
    due: dt.date | None = None
    if follow_up:
        try:
            due = dt.date.fromisoformat(follow_up)
        except ValueError:
            return error_page(request, 422, f"跟进日期无效：{follow_up} / invalid follow-up date: {follow_up}")
    # The board's and the firm page's forms have owner and follow-up boxes, pre-filled (an empty box clears
    # them, and a browser sends an empty box as nothing); a form without them (a script posting status and
    # note only) leaves both out, and the pair keeps what it had.
    given: dict[str, Any] = {"owner": owner or "", "follow_up": due} if board else {}
    if not board and owner is not None:
        given["owner"] = owner
    if not board and follow_up:
        given["follow_up"] = due
    body = FeedbackCreate(firm_id=firm_id, park_id=park_id, status=status, note=note.strip(), **given)
    row = feedback.record(session=session, body=body, actor=user.name)
    audit(session=session, actor=user, action="create", entity="feedback", entity_id=row.id,
          after=body.model_dump(mode="json"), note="ui")
    return RedirectResponse(safe_next(next), status_code=303)
