"""Make briefs: one firm (stored or prospect) and one destination, a batch of top leads, or a comparison."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.briefs import content, render_docx, render_md, render_pdf, sections
from service.briefs import outline as o
from service.briefs.schemas import (
    MAX_BATCH,
    MEDIA_TYPES,
    Bi,
    BriefData,
    BriefFirm,
    BriefFormat,
    BriefLang,
    Comparison,
)
from service.catalog import models as cm
from service.destinations import service as destinations
from service.errors import NotFound, Problem, ServiceError
from service.feedback import service as feedback
from service.firms import service as firm_service
from service.firms.schemas import EnvCategory
from service.matching.constants import MAX_TOP_K
from service.matching.modes import MODES, Mode
from service.matching.schemas import ExcludedPark, ProspectRequest, RankedPark, Recommendations
from service.parks import service as park_service
from service.parks.schemas import ParkRead

LAYOUTS: dict[BriefFormat, Callable[[list[o.Block]], bytes]] = {
    BriefFormat.docx: render_docx.render_blocks, BriefFormat.pdf: render_pdf.render_blocks,
    BriefFormat.md: render_md.render_blocks,
}
COMPARE_MIN, COMPARE_MAX = 2, 4
Progress = Callable[[int, int], None]


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


class InvalidBriefRequest(ServiceError):
    """A parameter a brief cannot be made from (too many destinations, a malformed id list)."""

    status_code = 422
    code = "validation_error"

    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(f"参数无效：{field}，{zh} / invalid parameter {field}: {en}",
                         problems=[Problem(column=field, message=f"{zh} / {en}")])


class DestinationNotFound(NotFound):
    """A destination id in a list does not exist; the message names the parameter."""


def _pick(items: list[RankedPark], excluded: list[ExcludedPark] | None, park_id: int) -> RankedPark:
    for item in items:
        if item.park.id == park_id:
            return item
    for gone in excluded or []:
        if gone.park.id == park_id:
            zh = "；".join(r.reason_zh for r in gone.reasons)
            en = "; ".join(r.reason_en for r in gone.reasons)
            raise PairExcluded(f"该配对被硬约束排除：{zh} / the pair is excluded by a hard constraint: {en}")
    raise PairExcluded("该目的地未参与排序 / the destination was not ranked for this firm")


def explain(*, engine: Any, firm_id: int, park_id: int, mode: Mode,
            weights: dict[str, float] | None) -> tuple[RankedPark, int]:
    """The engine's scored explanation of one pair and how many destinations were ranked for the firm."""
    result: Recommendations = engine.recommend(firm_id=firm_id, mode=mode, weights=weights, top_k=MAX_TOP_K,
                                               include_excluded=True)
    return _pick(result.items, result.excluded, park_id), len(result.items)


def check_pair(*, session: Session, firm_id: int, park_id: int) -> None:
    """Raise 404 when the firm or the park does not exist."""
    firm_service.get(session=session, firm_id=firm_id)
    park_service.get_as_park(session=session, destination_id=park_id)


def _town(session: Session, code: str | None) -> Bi:
    town = session.get(cm.Town, code) if code else None
    return Bi(zh=town.name_zh, en=town.name_en) if town else Bi(zh=code or "", en=code or "")


def _pair_data(*, session: Session, firm: BriefFirm, park: ParkRead, item: RankedPark, of: int | None,
               mode: Mode, industries: list[str], env_report: bool, firm_id: int | None) -> BriefData:
    status = next(iter(feedback.pipeline(session=session, firm_id=firm_id, park_id=park.id)), None) if firm_id else None
    return content.build_data(
        firm=firm, park=park, item=item, mode=Bi(zh=MODES[mode].label_zh, en=MODES[mode].label_en), of=of,
        industry_names=_names(session, cm.Industry, [*industries, *park.target_industries]),
        resource_names=_names(session, cm.Resource, [supply.resource for supply in park.supplies]),
        env_report=env_report, status=status.status if status else None,
        kind=content.kind_bi(destinations.get(session=session, destination_id=park.id).kind),
    )


def brief_data(*, session: Session, engine: Any, firm_id: int, park_id: int, mode: Mode = Mode.relocation,
               weights: dict[str, float] | None = None) -> BriefData:
    """Gather everything the brief prints for the pair (404 for an unknown firm or park, checked first)."""
    firm = firm_service.get(session=session, firm_id=firm_id)
    park = park_service.get_as_park(session=session, destination_id=park_id)
    item, of = explain(engine=engine, firm_id=firm_id, park_id=park_id, mode=mode, weights=weights)
    names = _names(session, cm.Industry, firm.industries)
    shown = content.stored_firm(firm, town=_town(session, firm.town), industry_names=names)
    data = _pair_data(session=session, firm=shown, park=park, item=item, of=of, mode=mode, industries=firm.industries,
                      env_report=firm.env_category == EnvCategory.report, firm_id=firm_id)
    return _with_section(data, engine=engine, mode=mode, park_id=park_id, item=item)


def _with_section(data: BriefData, *, engine: Any, mode: Mode, park_id: int, item: RankedPark) -> BriefData:
    """A market or labour brief: the mode's own section in place of land and costs, and only the factors the
    mode weighs (a buyer's table has no land row at weight 0)."""
    brief = MODES[mode].brief
    if brief == "site":
        return data
    return data.model_copy(update={
        "brief": brief, "factors": [f for f in data.factors if f.weight > 0],
        "section": sections.mode_section(engine=engine, mode=mode, destination_id=park_id, item=item)})


def prospect_data(*, session: Session, engine: Any, prospect: ProspectRequest, park_id: int) -> BriefData:
    """The brief for a prospect typed in as free text and one destination (404 for an unknown destination)."""
    park = park_service.get_as_park(session=session, destination_id=park_id)
    result = engine.match(prospect.model_copy(update={"top_k": MAX_TOP_K, "include_excluded": True}))
    item = _pick(result.items, result.excluded, park_id)
    shown = content.prospect_firm(prospect, result, town=_town(session, result.prospect.town))
    data = _pair_data(session=session, firm=shown, park=park, item=item, of=len(result.items), mode=prospect.mode,
                      industries=[i.code for i in result.industries], env_report=False, firm_id=None)
    return _with_section(data, engine=engine, mode=prospect.mode, park_id=park_id, item=item)


def make_prospect_brief(*, session: Session, engine: Any, prospect: ProspectRequest, park_id: int, fmt: BriefFormat,
                        lang: BriefLang = BriefLang.zh) -> Brief:
    """Build and render the brief for a prospect and one destination."""
    return render(prospect_data(session=session, engine=engine, prospect=prospect, park_id=park_id), fmt=fmt, lang=lang)


def parse_ids(raw: str, *, field: str = "park_ids") -> list[int]:
    """Destination ids from "1,2,3": 2–4 distinct whole numbers, else a 422 naming the field."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isdigit() and 0 < len(p) <= 9 for p in parts):
        raise InvalidBriefRequest(field, "应为逗号分隔的编号，如 1,2,3", "expected comma-separated ids, e.g. 1,2,3")
    ids = list(dict.fromkeys(int(p) for p in parts))
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        raise InvalidBriefRequest(field, f"须为 {COMPARE_MIN}–{COMPARE_MAX} 个不同的目的地（收到 {len(ids)} 个）",
                                  f"give {COMPARE_MIN}–{COMPARE_MAX} different destinations (got {len(ids)})")
    return ids


def comparison(*, session: Session, engine: Any, firm_id: int, park_ids: list[int], mode: Mode = Mode.relocation,
               weights: dict[str, float] | None = None) -> Comparison:
    """One firm against 2–4 destinations, from a single ranking of the firm."""
    if not COMPARE_MIN <= len(set(park_ids)) <= COMPARE_MAX:
        raise InvalidBriefRequest("park_ids", f"须为 {COMPARE_MIN}–{COMPARE_MAX} 个不同的目的地",
                                  f"give {COMPARE_MIN}–{COMPARE_MAX} different destinations")
    firm = firm_service.get(session=session, firm_id=firm_id)
    parks = []
    for park_id in park_ids:
        try:
            parks.append(park_service.get_as_park(session=session, destination_id=park_id))
        except NotFound:
            raise DestinationNotFound(f"目的地 {park_id} 不存在（park_ids）/ destination {park_id} not found (park_ids)",
                                      problems=[Problem(column="park_ids", message=f"目的地 {park_id} 不存在 / "
                                                f"destination {park_id} not found")]) from None
    result: Recommendations = engine.recommend(firm_id=firm_id, mode=mode, weights=weights, top_k=MAX_TOP_K,
                                               include_excluded=True)
    names = _names(session, cm.Industry, firm.industries)
    shown = content.stored_firm(firm, town=_town(session, firm.town), industry_names=names)
    briefs = [_pair_data(session=session, firm=shown, park=park, item=_pick(result.items, result.excluded, park.id),
                         of=len(result.items), mode=mode, industries=firm.industries,
                         env_report=firm.env_category == EnvCategory.report, firm_id=firm_id) for park in parks]
    return Comparison(firm=shown, mode=briefs[0].mode, briefs=briefs, generated_at=dt.datetime.now())


def make_comparison(*, session: Session, engine: Any, firm_id: int, park_ids: list[int], fmt: BriefFormat,
                    lang: BriefLang = BriefLang.zh, mode: Mode = Mode.relocation) -> Brief:
    """Build and render the side-by-side comparison."""
    data = comparison(session=session, engine=engine, firm_id=firm_id, park_ids=park_ids, mode=mode)
    body = LAYOUTS[fmt](o.build_comparison(data, lang.value))
    ids = "-".join(str(b.park.id) for b in data.briefs)
    return Brief(content=body, media_type=MEDIA_TYPES[fmt],
                 filename=f"compare-firm{firm_id}-parks{ids}-{lang.value}.{fmt.value}",
                 filename_utf8=f"目的地比较_{_slug(data.firm.name_zh)}.{fmt.value}")


def make_batch(*, session: Session, engine: Any, park_id: int, top: int, fmt: BriefFormat,
               lang: BriefLang = BriefLang.zh, mode: Mode = Mode.relocation,
               progress: Progress | None = None) -> Brief:
    """The briefs of a destination's top leads, ranked by the matching service, as one ZIP."""
    if not 1 <= top <= MAX_BATCH:
        raise InvalidBriefRequest("top", f"须在 1–{MAX_BATCH} 之间", f"must be between 1 and {MAX_BATCH}")
    park = park_service.get_as_park(session=session, destination_id=park_id)
    leads = engine.candidates(park_id=park_id, mode=mode, top_k=top).items
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, lead in enumerate(leads, start=1):
            if lead.firm.id is not None:
                brief = make_brief(session=session, engine=engine, firm_id=lead.firm.id, park_id=park_id, fmt=fmt,
                                   lang=lang, mode=mode)
                archive.writestr(f"{lead.rank:02d}_{brief.filename_utf8}", brief.content)
            if progress is not None:
                progress(done, len(leads))
    return Brief(content=buffer.getvalue(), media_type="application/zip",
                 filename=f"briefs-park{park_id}-top{top}-{lang.value}.zip",
                 filename_utf8=f"洽谈简报_{_slug(park.name_zh)}_前{top}名.zip")


def _slug(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("_")[:60] or "brief"


def render(data: BriefData, *, fmt: BriefFormat, lang: BriefLang) -> Brief:
    """Render BriefData in one format and language."""
    body = LAYOUTS[fmt](o.build(data, lang.value))
    who = f"firm{data.firm.id}" if data.firm.id is not None else "prospect"
    ascii_name = f"brief-{who}-park{data.park.id}-{lang.value}.{fmt.value}"
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
