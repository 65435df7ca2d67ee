"""The pipeline board: pairs by status, moved from the board, with owner, next follow-up, history and export.

The feedback table has no owner or follow-up column, so both travel in the note as one closing line
(`[负责人 owner: …; 下次跟进 follow-up: YYYY-MM-DD]`) that the board reads back; a later schema change can
move them into columns without losing what was recorded.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from service.auth.service import Role, audit
from service.catalog import service as catalog
from service.deps import MAX_ID, DbSession
from service.feedback import service as feedback
from service.feedback.schemas import FeedbackCreate, PipelineItem, Status
from service.parks import service as park_service
from service.ui import tables
from service.ui.deps import Lang, User, csrf_ok
from service.ui.i18n import STATUS_EN
from service.ui.pages.signin import safe_next
from service.ui.rendering import UiRoute, error_page, page

router = APIRouter(route_class=UiRoute)

NOTE_MAX = 2000
OWNER_MAX = 60
TRAILER = re.compile(r"\s*\[负责人 owner: (?P<owner>[^;\]]*); 下次跟进 follow-up: (?P<due>[0-9-]*)\]\s*$")


@dataclass(frozen=True)
class Card:
    """One pair on the board: its newest outcome, with the owner and follow-up read from the note."""

    item: PipelineItem
    text: str
    owner: str
    due: str
    town: str
    overdue: bool


def split_note(note: str) -> tuple[str, str, str]:
    """(text, owner, follow-up date) of a stored note."""
    match = TRAILER.search(note)
    if match is None:
        return note, "", ""
    return note[: match.start()], match.group("owner").strip(), match.group("due")


def join_note(text: str, owner: str, due: str) -> str:
    """The note to store: the text, then the owner / follow-up line when either is set."""
    text = text.strip()
    if not owner and not due:
        return text[:NOTE_MAX]
    trailer = f"[负责人 owner: {owner}; 下次跟进 follow-up: {due}]"
    room = NOTE_MAX - len(trailer) - 1
    return (text[:room] + "\n" + trailer) if text else trailer


def _cards(session: DbSession) -> list[Card]:
    items = feedback.pipeline(session=session)
    towns = feedback.firm_towns(session=session, firm_ids=sorted({i.firm_id for i in items}))
    today = dt.date.today().isoformat()
    cards = []
    for i in items:
        text, owner, due = split_note(i.note)
        cards.append(Card(item=i, text=text, owner=owner, due=due, town=towns.get(i.firm_id, ""),
                          overdue=bool(due) and due < today and i.status not in (Status.signed, Status.rejected)))
    return cards


@dataclass(frozen=True)
class BoardFilters:
    park_id: int | None
    town: str
    owner: str
    status: Status | None

    def keep(self, card: Card) -> bool:
        return ((self.park_id is None or card.item.park_id == self.park_id)
                and (not self.town or card.town == self.town)
                and (not self.owner or self.owner.lower() in card.owner.lower())
                and (self.status is None or card.item.status == self.status))


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
    cards = [c for c in _cards(session) if filters.keep(c)]
    columns = [(s, [c for c in cards if c.item.status == s]) for s in Status]
    parks, _ = park_service.list_parks(session=session, limit=200)
    history: list[Any] = []
    pair = None
    if firm_id is not None and pair_park is not None:
        history = [(row, *split_note(row.note)) for row in feedback.history(session=session, firm_id=firm_id,
                                                                            park_id=pair_park)]
        pair = next((c for c in _cards(session) if c.item.firm_id == firm_id and c.item.park_id == pair_park), None)
    query = request.url.query
    export_query = "&".join(p for p in query.split("&") if p and not p.startswith(("lang=", "firm_id=", "pair_park=")))
    return page(request, "pipeline.html", lang=lang, user=user, columns=columns, filters=filters,
                parks=[p for p, _ in parks], towns=catalog.list_towns(session=session), statuses_all=list(Status),
                history=history, pair=pair, export_query=export_query,
                owners=sorted({c.owner for c in _cards(session) if c.owner}),
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
    for c in _cards(session):
        if not filters.keep(c):
            continue
        place = towns.get(c.town)
        rows.append([c.item.firm_name_zh, c.item.firm_id, (place.name_en if lang == "en" else place.name_zh) if place else c.town,
                     c.item.park_name_zh, c.item.park_id,
                     STATUS_EN[c.item.status] if lang == "en" else c.item.status_zh, c.owner, c.due, c.text,
                     c.item.at.strftime("%Y-%m-%d %H:%M") if c.item.at else "", c.item.history])
    return tables.download(header, rows, fmt=fmt, filename=f"pipeline.{fmt}", sheet="进展 Pipeline")


@router.post("/ui/feedback")
def post_feedback(
    request: Request, session: DbSession, user: User,
    firm_id: Annotated[int, Form(ge=1, le=MAX_ID)], park_id: Annotated[int, Form(ge=1, le=MAX_ID)], status: Annotated[Status, Form()],
    note: Annotated[str, Form(max_length=2000)] = "", csrf: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/pipeline",
    owner: Annotated[str | None, Form(max_length=OWNER_MAX)] = None,
    follow_up: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    if not csrf_ok(request, csrf):
        return error_page(request, 403, "表单已过期，请刷新页面后重试 / the form expired, reload the page and retry")
    if not user.allows(Role.editor):
        return error_page(request, 403, "需要编辑者权限 / needs the editor role")
    if follow_up:
        try:
            dt.date.fromisoformat(follow_up)
        except ValueError:
            return error_page(request, 422, f"跟进日期无效：{follow_up} / invalid follow-up date: {follow_up}")
    # A form without owner / follow-up boxes (the firm page's) keeps what the pair had.
    if owner is None or follow_up is None:
        latest = feedback.pipeline(session=session, firm_id=firm_id, park_id=park_id)
        _, had_owner, had_due = split_note(latest[0].note) if latest else ("", "", "")
        owner = had_owner if owner is None else owner
        follow_up = had_due if follow_up is None else follow_up
    clean_owner = owner.replace("]", "").replace(";", ",").strip()
    body = FeedbackCreate(firm_id=firm_id, park_id=park_id, status=status,
                          note=join_note(note, clean_owner, follow_up))
    row = feedback.record(session=session, body=body, actor=user.name)
    audit(session=session, actor=user, action="create", entity="feedback", entity_id=row.id,
          after=body.model_dump(mode="json"), note="ui")
    return RedirectResponse(safe_next(next), status_code=303)
