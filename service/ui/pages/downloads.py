"""Static assets and brief downloads."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse

from service.briefs import service as briefs
from service.briefs.schemas import BriefFormat, BriefLang
from service.deps import MAX_ID, DbSession
from service.matching.deps import MatchServiceDep
from service.matching.modes import Mode
from service.ui.deps import User
from service.ui.rendering import HERE, UiRoute

STATIC = HERE / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
                ".png": "image/png"}

router = APIRouter(route_class=UiRoute)


@router.get("/ui/static/{name}")
def static(name: str) -> Response:
    path = STATIC / name
    # Only plain files that live directly in static/ are served: no "..", no subfolders.
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix],
                        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})


@router.get("/ui/briefs")
def download_brief(
    session: DbSession, user: User, service: MatchServiceDep,
    firm_id: Annotated[int, Query(ge=1, le=MAX_ID)], park_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    format: BriefFormat = BriefFormat.docx, lang: BriefLang = BriefLang.zh, mode: Mode = Mode.relocation,
) -> Response:
    started = time.perf_counter()
    brief = briefs.make_brief(session=session, engine=service, firm_id=firm_id, park_id=park_id,
                              fmt=format, lang=lang, mode=mode)
    return briefs.as_response(brief, elapsed_s=time.perf_counter() - started)
