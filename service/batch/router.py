"""HTTP routes for the precomputed lists of `parkmatch batch score`: a firm's best destinations and a
destination's best firms, served from the latest batch run while fresh and ranked live otherwise."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from service.auth.guard import Viewer
from service.batch import store
from service.batch.schemas import TopItem, TopList
from service.deps import MAX_ID, DbSession, FirmId
from service.errors import NotFound
from service.matching import constants as c
from service.matching.deps import MatchServiceDep
from service.matching.limits import check_top_k
from service.matching.modes import DEFAULT_MODE, Mode

router = APIRouter(tags=["batch 批量"])
TopK = Annotated[int, Query(description=f"返回条数 1–{c.MAX_TOP_K} / Items to return, 1–{c.MAX_TOP_K}")]
DestinationId = Annotated[int, Path(ge=1, le=MAX_ID, description="目的地编号 / Destination id", examples=[3])]
Explain = Annotated[bool, Query(description="附上每条的理由（实时计算）/ Add each item's reason, worked out live")]
Reasons = dict[int, tuple[str, str]]


@router.get("/firms/{firm_id}/top", response_model=TopList,
            summary="企业的最佳目的地（批量结果优先）/ A firm's best destinations, from the batch run when fresh")
def firm_top(engine: MatchServiceDep, session: DbSession, _: Viewer, firm_id: FirmId,
             mode: Annotated[Mode, Query()] = DEFAULT_MODE, top_k: TopK = c.DEFAULT_TOP_K,
             explain: Explain = False) -> TopList:
    check_top_k(top_k)
    world = engine.world
    if firm_id not in world.firm_row:
        raise NotFound(f"企业 {firm_id} 不存在 / firm {firm_id} not found")
    basis, items = store.firm_destinations(engine, session, firm_id=firm_id, mode=mode, top_n=top_k)
    reasons: Reasons = {}
    if explain:  # a fresh stored list is the live one, so the live ranking holds every listed pair's reason
        reasons = {it.park.id: (it.reason_zh, it.reason_en)
                   for it in engine.recommend(firm_id=firm_id, mode=mode, top_k=top_k).items}
    by_id = {d.id: d for d in world.destinations}
    return TopList(basis=basis, mode=mode, items=[
        TopItem(rank=n, id=d, name_zh=by_id[d].name_zh if d in by_id else str(d),
                name_en=by_id[d].name_en if d in by_id else "", score=score, **_reason(reasons, d))
        for n, (d, score) in enumerate(items, start=1)])


def _reason(reasons: Reasons, key: int) -> dict[str, str | None]:
    zh, en = reasons.get(key, (None, None))
    return {"reason_zh": zh, "reason_en": en}


@router.get("/destinations/{destination_id}/top", response_model=TopList,
            summary="目的地的最佳企业（批量结果优先）/ A destination's best firms, from the batch run when fresh")
def destination_top(engine: MatchServiceDep, session: DbSession, _: Viewer, destination_id: DestinationId,
                    mode: Annotated[Mode, Query()] = DEFAULT_MODE, top_k: TopK = c.DEFAULT_CANDIDATES_TOP_K,
                    explain: Explain = False) -> TopList:
    check_top_k(top_k)
    world = engine.world
    if destination_id not in world.dest_row:
        raise NotFound(f"目的地 {destination_id} 不存在 / destination {destination_id} not found")
    basis, items = store.destination_firms(engine, session, destination_id=destination_id, mode=mode, top_n=top_k)
    reasons: Reasons = {}
    if explain:
        reasons = {it.firm.id or 0: (it.reason_zh, it.reason_en)
                   for it in engine.candidates(park_id=destination_id, mode=mode, top_k=top_k).items}
    return TopList(basis=basis, mode=mode, items=[
        TopItem(rank=n, id=f, name_zh=world.firms[world.firm_row[f]].name_zh if f in world.firm_row else str(f),
                name_en=world.firms[world.firm_row[f]].name_en if f in world.firm_row else "", score=score,
                **_reason(reasons, f))
        for n, (f, score) in enumerate(items, start=1)])
