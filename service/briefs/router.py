"""HTTP route for negotiation briefs."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.auth.guard import Viewer
from service.briefs import service
from service.briefs.schemas import MEDIA_TYPES, BriefFormat, BriefLang
from service.deps import MAX_ID, DbSession
from service.matching.deps import MatchServiceDep
from service.matching.modes import Mode

router = APIRouter(tags=["briefs 洽谈简报"])


@router.get(
    "/briefs",
    summary="洽谈简报 / Negotiation brief for a firm–park pair",
    description="生成企业与园区的洽谈简报（Word、PDF 或 Markdown）。估算值均标注（估算）/ (estimate)。"
                " / Build the negotiation brief for a pair as Word, PDF or Markdown; every estimate is marked.",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}, "description": "简报文件 / The brief file"}},
)
def get_brief(
    session: DbSession, engine: MatchServiceDep, _: Viewer,
    firm_id: Annotated[int, Query(ge=1, le=MAX_ID, description="企业编号 / Firm id", examples=[17])],
    park_id: Annotated[int, Query(ge=1, le=MAX_ID, description="园区编号 / Park id", examples=[3])],
    format: Annotated[BriefFormat, Query(description="格式 docx|pdf|md / Format")] = BriefFormat.docx,
    lang: Annotated[BriefLang, Query(description="语言：zh 中文（附英文术语）/ en English")] = BriefLang.zh,
    mode: Annotated[Mode, Query(description="合作模式 / Cooperation mode")] = Mode.relocation,
) -> Response:
    started = time.perf_counter()
    brief = service.make_brief(session=session, engine=engine, firm_id=firm_id, park_id=park_id,
                               fmt=format, lang=lang, mode=mode)
    return service.as_response(brief, elapsed_s=time.perf_counter() - started)
