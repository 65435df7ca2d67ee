"""The UI's calls into the matching service (reached through its one dependency); ranking itself lives there."""

from __future__ import annotations

from dataclasses import dataclass

from service.matching.modes import Mode
from service.matching.schemas import Candidates, MatchResult, ProspectRequest, Recommendations
from service.matching.service import MatchService


@dataclass(frozen=True)
class LeadFilters:
    """Filters on a park's lead list, applied by the engine before it ranks."""

    town: str | None = None
    industry: str | None = None
    min_employees: int | None = None
    max_employees: int | None = None
    min_score: float = 0.0


def recommend(*, service: MatchService, firm_id: int, mode: Mode, weights: dict[str, float] | None,
              top_k: int) -> Recommendations:
    """Ranked parks for a firm, with the excluded ones and why."""
    result: Recommendations = service.recommend(
        firm_id=firm_id, mode=mode, weights=weights, top_k=top_k, include_excluded=True)
    return result


def candidates(*, service: MatchService, park_id: int, mode: Mode, weights: dict[str, float] | None,
               top_k: int, filters: LeadFilters) -> Candidates:
    """Ranked firms for a park, narrowed by the lead-list filters."""
    result: Candidates = service.candidates(
        park_id=park_id, mode=mode, weights=weights, top_k=top_k, town=filters.town, industry=filters.industry,
        min_employees=filters.min_employees, max_employees=filters.max_employees, min_score=filters.min_score)
    return result


def match(*, service: MatchService, body: ProspectRequest) -> MatchResult:
    """Ranked parks for a prospect described in free text."""
    result: MatchResult = service.match(body)
    return result
