"""The UI's calls into the matching engine kept in app.state.match_engine; ranking itself lives there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from service.errors import Unavailable
from service.matching.constants import Mode
from service.matching.schemas import Candidates, MatchResult, ProspectRequest, Recommendations

NOT_READY = "排序引擎尚未就绪，请稍后刷新 / the ranking engine is not ready yet, reload shortly"


@dataclass(frozen=True)
class LeadFilters:
    """Filters on a park's lead list, applied by the engine before it ranks."""

    town: str | None = None
    industry: str | None = None
    min_employees: int | None = None
    max_employees: int | None = None
    min_score: float = 0.0


def engine_of(request: Request) -> Any:
    """The engine built once at start-up; 503 (rendered as a page) while it is still missing."""
    engine = getattr(request.app.state, "match_engine", None)
    if engine is None:
        raise Unavailable(NOT_READY)
    return engine


def recommend(*, request: Request, firm_id: int, mode: Mode, weights: dict[str, float] | None,
              top_k: int) -> Recommendations:
    """Ranked parks for a firm, with the excluded ones and why."""
    result: Recommendations = engine_of(request).recommend(
        firm_id=firm_id, mode=mode, weights=weights, top_k=top_k, include_excluded=True)
    return result


def candidates(*, request: Request, park_id: int, mode: Mode, weights: dict[str, float] | None,
               top_k: int, filters: LeadFilters) -> Candidates:
    """Ranked firms for a park, narrowed by the lead-list filters."""
    result: Candidates = engine_of(request).candidates(
        park_id=park_id, mode=mode, weights=weights, top_k=top_k, town=filters.town, industry=filters.industry,
        min_employees=filters.min_employees, max_employees=filters.max_employees, min_score=filters.min_score)
    return result


def match(*, request: Request, body: ProspectRequest) -> MatchResult:
    """Ranked parks for a prospect described in free text."""
    result: MatchResult = engine_of(request).match(body)
    return result
