"""HTTP routes for negotiation briefs: one pair, a prospect, a batch of leads, a comparison."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.auth.guard import Viewer
from service.briefs import service
from service.briefs.schemas import MAX_BATCH, MEDIA_TYPES, BriefFormat, BriefLang
from service.deps import MAX_ID, DbSession
from service.matching.deps import MatchServiceDep
from service.matching.modes import Mode
from service.matching.schemas import ProspectRequest

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
    lang: Annotated[BriefLang, Query(description="语言：zh 中文 / en English")] = BriefLang.zh,
    mode: Annotated[Mode, Query(description="合作模式 / Cooperation mode")] = Mode.relocation,
) -> Response:
    started = time.perf_counter()
    brief = service.make_brief(session=session, engine=engine, firm_id=firm_id, park_id=park_id,
                               fmt=format, lang=lang, mode=mode)
    return service.as_response(brief, elapsed_s=time.perf_counter() - started)


@router.post(
    "/briefs/prospect",
    summary="意向企业洽谈简报 / Negotiation brief for a prospect",
    description="为尚未入库的意向企业（自由文本描述）与一个目的地生成洽谈简报。"
                " / Build the brief for a prospect described in free text (not in the database) and one destination.",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}, "description": "简报文件 / The brief file"}},
)
def prospect_brief(
    session: DbSession, engine: MatchServiceDep, _: Viewer, prospect: ProspectRequest,
    park_id: Annotated[int, Query(ge=1, le=MAX_ID, description="目的地编号 / Destination id", examples=[3])],
    format: Annotated[BriefFormat, Query(description="格式 docx|pdf|md / Format")] = BriefFormat.docx,
    lang: Annotated[BriefLang, Query(description="语言：zh 中文 / en English")] = BriefLang.zh,
) -> Response:
    started = time.perf_counter()
    brief = service.make_prospect_brief(session=session, engine=engine, prospect=prospect, park_id=park_id,
                                        fmt=format, lang=lang)
    return service.as_response(brief, elapsed_s=time.perf_counter() - started)


@router.get(
    "/briefs/batch",
    summary="批量洽谈简报 / Briefs for a destination's top leads, as one ZIP",
    description=f"按匹配服务的排序，取目的地的前 N 家企业（最多 {MAX_BATCH} 家），每家一份简报，打包为 ZIP。"
                f" / The top N leads of a destination (at most {MAX_BATCH}), ranked by the matching service,"
                " one brief each, in one ZIP.",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "ZIP 文件 / The ZIP file"}},
)
def batch_briefs(
    session: DbSession, engine: MatchServiceDep, _: Viewer,
    park_id: Annotated[int, Query(ge=1, le=MAX_ID, description="目的地编号 / Destination id", examples=[3])],
    top: Annotated[int, Query(ge=1, le=MAX_BATCH, description="前 N 家企业 / How many leads")] = 10,
    format: Annotated[BriefFormat, Query(description="格式 docx|pdf|md / Format")] = BriefFormat.docx,
    lang: Annotated[BriefLang, Query(description="语言：zh 中文 / en English")] = BriefLang.zh,
    mode: Annotated[Mode, Query(description="合作模式 / Cooperation mode")] = Mode.relocation,
) -> Response:
    started = time.perf_counter()
    brief = service.make_batch(session=session, engine=engine, park_id=park_id, top=top, fmt=format, lang=lang,
                               mode=mode)
    return service.as_response(brief, elapsed_s=time.perf_counter() - started)


@router.get(
    "/briefs/compare",
    summary="目的地比较简报 / One firm against 2–4 destinations, side by side",
    description="一家企业与 2–4 个目的地的并列比较：一张表，并列出各目的地的理由。"
                " / One firm against 2–4 destinations: one table side by side, then the reasons for each.",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}, "description": "简报文件 / The brief file"}},
)
def compare_briefs(
    session: DbSession, engine: MatchServiceDep, _: Viewer,
    firm_id: Annotated[int, Query(ge=1, le=MAX_ID, description="企业编号 / Firm id", examples=[17])],
    park_ids: Annotated[str, Query(max_length=60, description="2–4 个目的地编号，逗号分隔 / 2–4 destination ids, "
                                                              "comma-separated", examples=["1,2,3"])],
    format: Annotated[BriefFormat, Query(description="格式 docx|pdf|md / Format")] = BriefFormat.docx,
    lang: Annotated[BriefLang, Query(description="语言：zh 中文 / en English")] = BriefLang.zh,
    mode: Annotated[Mode, Query(description="合作模式 / Cooperation mode")] = Mode.relocation,
) -> Response:
    started = time.perf_counter()
    brief = service.make_comparison(session=session, engine=engine, firm_id=firm_id,
                                    park_ids=service.parse_ids(park_ids), fmt=format, lang=lang, mode=mode)
    return service.as_response(brief, elapsed_s=time.perf_counter() - started)
