"""The one dependency that reaches the matching service: MatchServiceDep (tests swap it with dependency_overrides)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from service.errors import Unavailable
from service.matching.service import MatchService, service_from_settings

NOT_READY = "匹配引擎尚未就绪 / the matching engine is not ready"


def get_match_service(request: Request) -> MatchService:
    """The service built once in the lifespan (or, when the settings defer it, on first use).

    A sync dependency: FastAPI runs it in a worker thread, so a first build never blocks the event loop.
    """
    state = request.app.state
    service: MatchService | None = getattr(state, "match_service", None)
    if service is not None:
        return service
    return _build(state)


def _build(state: Any) -> MatchService:
    lock = getattr(state, "engine_lock", None)
    if lock is None or not hasattr(state, "session_factory"):
        raise Unavailable(NOT_READY)
    with lock:  # built once
        if getattr(state, "match_service", None) is None:
            state.match_service = service_from_settings(state.settings, state.session_factory)
    built: MatchService = state.match_service
    return built


MatchServiceDep = Annotated[MatchService, Depends(get_match_service)]
