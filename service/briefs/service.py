"""Make a brief for a firm–park pair: ask the matching engine to explain the pair, then render."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.briefs import content, render_docx, render_md, render_pdf
from service.briefs.schemas import MEDIA_TYPES, Bi, BriefData, BriefFormat, BriefLang
from service.catalog import models as cm
from service.errors import ServiceError
from service.feedback import service as feedback
from service.firms import service as firm_service
from service.matching.constants import MAX_TOP_K
from service.matching.modes import MODES, Mode
from service.matching.schemas import RankedPark, Recommendations
from service.parks import service as park_service

RENDERERS = {BriefFormat.docx: render_docx.render, BriefFormat.pdf: render_pdf.render, BriefFormat.md: render_md.render}


@dataclass(frozen=True)
class Brief:
    content: bytes
    media_type: str
    filename: str  # ASCII, for old clients
    filename_utf8: str  # with the Chinese names, for the download dialog


def _names(session: Session, model: Any, codes: Iterable[str]) -> dict[str, Bi]:
    """Names of the catalogue codes a brief prints (three columns of those rows, not the whole catalogue)."""
    rows = session.execute(select(model.code, model.name_zh, model.name_en).where(model.code.in_(set(codes))))
    return {code: Bi(zh=zh, en=en) for code, zh, en in rows}


class PairExcluded(ServiceError):
    """A hard constraint excludes the pair, so there is no score to brief on."""

    status_code = 409
    code = "pair_excluded"


def explain(*, engine: Any, firm_id: int, park_id: int, mode: Mode,
            weights: dict[str, float] | None) -> tuple[RankedPark, int]:
    """The engine's scored explanation of one pair and how many parks were ranked for the firm."""
    result: Recommendations = engine.recommend(firm_id=firm_id, mode=mode, weights=weights, top_k=MAX_TOP_K,
                                               include_excluded=True)
    for item in result.items:
        if item.park.id == park_id:
            return item, len(result.items)
    for excluded in result.excluded or []:
        if excluded.park.id == park_id:
            zh = "；".join(r.reason_zh for r in excluded.reasons)
            en = "; ".join(r.reason_en for r in excluded.reasons)
            raise PairExcluded(f"该配对被硬约束排除：{zh} / the pair is excluded by a hard constraint: {en}")
    raise PairExcluded("该园区未参与排序 / the park was not ranked for this firm")


def check_pair(*, session: Session, firm_id: int, park_id: int) -> None:
    """Raise 404 when the firm or the park does not exist."""
    firm_service.get(session=session, firm_id=firm_id)
    park_service.get(session=session, park_id=park_id)


def brief_data(*, session: Session, engine: Any, firm_id: int, park_id: int, mode: Mode = Mode.relocation,
               weights: dict[str, float] | None = None) -> BriefData:
    """Gather everything the brief prints for the pair (404 for an unknown firm or park, checked first)."""
    firm = firm_service.get(session=session, firm_id=firm_id)
    park = park_service.get(session=session, park_id=park_id)
    item, of = explain(engine=engine, firm_id=firm_id, park_id=park_id, mode=mode, weights=weights)
    town = session.get(cm.Town, firm.town)
    status = next(iter(feedback.pipeline(session=session, firm_id=firm_id, park_id=park_id)), None)
    zh, en = MODES[mode].label_zh, MODES[mode].label_en
    return content.build_data(
        firm=firm, park=park, item=item, mode=Bi(zh=zh, en=en), of=of,
        industry_names=_names(session, cm.Industry, [*firm.industries, *park.target_industries]),
        resource_names=_names(session, cm.Resource, [supply.resource for supply in park.supplies]),
        town=Bi(zh=town.name_zh, en=town.name_en) if town else Bi(zh=firm.town, en=firm.town),
        status=status.status if status else None,
    )


def _slug(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("_")[:60] or "brief"


def render(data: BriefData, *, fmt: BriefFormat, lang: BriefLang) -> Brief:
    """Render BriefData in one format and language."""
    body = RENDERERS[fmt](data, lang.value)
    ascii_name = f"brief-firm{data.firm.id}-park{data.park.id}-{lang.value}.{fmt.value}"
    utf8_name = f"洽谈简报_{_slug(data.firm.name_zh)}_{_slug(data.park.name_zh)}.{fmt.value}"
    return Brief(content=body, media_type=MEDIA_TYPES[fmt], filename=ascii_name, filename_utf8=utf8_name)


def make_brief(*, session: Session, engine: Any, firm_id: int, park_id: int, fmt: BriefFormat,
               lang: BriefLang = BriefLang.zh, mode: Mode = Mode.relocation,
               weights: dict[str, float] | None = None) -> Brief:
    """Build and render the brief for one pair."""
    data = brief_data(session=session, engine=engine, firm_id=firm_id, park_id=park_id, mode=mode, weights=weights)
    return render(data, fmt=fmt, lang=lang)


def as_response(brief: Brief, *, elapsed_s: float | None = None) -> Response:
    """A download response with both file names (RFC 6266) and how long the brief took."""
    headers = {"Content-Disposition": f"attachment; filename=\"{brief.filename}\"; "
                                      f"filename*=UTF-8''{quote(brief.filename_utf8)}"}
    if elapsed_s is not None:
        headers["Server-Timing"] = f"brief;dur={elapsed_s * 1000:.0f}"
    return Response(brief.content, media_type=brief.media_type, headers=headers)
