"""The start page and search: firms and parks by word (with catalogue synonyms), town and industry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from service.catalog import service as catalog
from service.deps import DbSession
from service.feedback import service as feedback
from service.feedback.schemas import Status
from service.firms import service as firm_service
from service.firms.schemas import FirmRead
from service.i18n import pick
from service.parks import service as park_service
from service.parks.schemas import ParkRead
from service.ui.deps import Lang, User
from service.ui.forms import resolve_industry, synonym_industries
from service.ui.rendering import UiRoute, page

PAGE_SIZE = 50
MAX_OFFSET = 10_000_000

router = APIRouter(route_class=UiRoute)


@router.get("/ui/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, user: User, lang: Lang) -> HTMLResponse:
    rows, _ = park_service.list_parks(session=session, limit=200)
    parks = [park_service.to_read(p, c) for p, c in rows]
    items = feedback.pipeline(session=session)
    counts = {s.value: sum(1 for i in items if i.status == s) for s in Status}
    return page(request, "home.html", lang=lang, user=user, parks=parks, firms_total=firm_service.count(session=session),
                towns=catalog.list_towns(session=session), counts=counts, recent=items[:8],
                industries=catalog.list_industries(session=session))


@router.get("/ui/search", response_class=HTMLResponse)
def search(
    request: Request, session: DbSession, user: User, lang: Lang,
    q: Annotated[str, Query(max_length=100)] = "",
    town: Annotated[str, Query(max_length=64)] = "",
    industry: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[str, Query(max_length=12)] = "0",
) -> HTMLResponse:
    # Filters are read as typed and checked here, so a mistake is shown beside its box on this page.
    problems: dict[str, str] = {}
    industries = catalog.list_industries(session=session)
    towns = catalog.list_towns(session=session)
    choice = resolve_industry(industry, industries)
    if choice.problem:
        problems["industry"] = pick(choice.problem, lang)
    if town and town not in {t.code for t in towns}:
        problems["town"] = pick(f"未知镇街：{town} / unknown town: {town}", lang)
    start = int(offset) if offset.strip().isdigit() and int(offset) <= MAX_OFFSET else None
    if start is None:
        problems["offset"] = pick(f"页码无效：{offset} / invalid page offset: {offset}", lang)
    word = q.strip()
    synonyms = synonym_industries(word, industries) if word else []
    firms: list[FirmRead] = []
    parks: list[ParkRead] = []
    total = 0
    if not problems:
        firms, total = firm_service.list_firms(session=session, q=word or None, town=town or None,
                                               industry=choice.code, offset=start or 0, limit=PAGE_SIZE,
                                               q_industries=synonyms)
        parks = _parks(session, word, synonyms, choice.code) if not town else []  # towns are in Zhongshan
    names = {i.code: i for i in industries}
    return page(request, "search.html", lang=lang, user=user, q=q, town=town, industry=industry, firms=firms,
                total=total, parks=parks, towns=towns, town_names={t.code: t for t in towns}, offset=start or 0,
                page_size=PAGE_SIZE, problems=problems, problems_map={k: [v] for k, v in problems.items()}, industries=industries, resolved=choice.code,
                synonyms=[names[c] for c in synonyms if c in names], status=422 if problems else 200)


def _parks(session: DbSession, word: str, synonyms: list[str], industry: str | None) -> list[ParkRead]:
    rows, _ = park_service.list_parks(session=session, q=word or None, limit=200)
    found = {p.id: park_service.to_read(p, c) for p, c in rows}
    if word and synonyms:
        every, _ = park_service.list_parks(session=session, limit=200)
        for p, c in every:
            read = park_service.to_read(p, c)
            if any(code.startswith(t) or t.startswith(code) for code in synonyms for t in read.target_industries):
                found.setdefault(read.id, read)
    parks = list(found.values())
    if industry:
        parks = [p for p in parks if any(c.startswith(industry) or industry.startswith(c) for c in p.target_industries)]
    return parks
