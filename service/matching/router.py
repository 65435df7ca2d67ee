"""HTTP routes for matching: recommendations, candidates, prospect matching and portfolio plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from service.auth.guard import Viewer
from service.deps import FirmId, ParkId
from service.matching import buyers
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.deps import MatchServiceDep
from service.matching.modes import DEFAULT_MODE, Mode, parse_weights
from service.matching.plan import make_plan

router = APIRouter(tags=["matching 匹配"])


def as_json(result: BaseModel) -> Response:
    """Serialise a ranking result once. The engine builds these models itself, so FastAPI's second
    validation of the response (a dump, a re-validation and a dump again) is skipped; the declared
    response_model still documents the shape, and the contract tests hold the output to it.

    The ranking endpoints are sync ``def``: FastAPI runs them in worker threads, so a slow first view of a
    destination never holds up the event loop (and with it every other request)."""
    return Response(result.__pydantic_serializer__.to_json(result), media_type="application/json")
ModeQuery = Annotated[Mode, Query(description="合作模式 / Cooperation mode")]
WeightsQuery = Annotated[str | None, Query(description="权重覆盖，如 industry_fit:0.3,cost_advantage:0.2 / Weight overrides",
                                           examples=["industry_fit:0.3,cost_advantage:0.2"], max_length=500)]
# Ranges are checked by the service (limits.py), so the API and the CLI refuse a bad value with one message.
TopKQuery = Annotated[int, Query(description=f"返回条数 1–{c.MAX_TOP_K} / Items to return, 1–{c.MAX_TOP_K}")]
ExcludedQuery = Annotated[bool, Query(description="列出被硬约束排除的一方 / List pairs excluded by hard constraints")]


@router.get("/firms/{firm_id}/recommendations", response_model=s.Recommendations,
            summary="为企业推荐园区 / Ranked parks for a firm")
def recommendations(
    engine: MatchServiceDep, _: Viewer, firm_id: FirmId, mode: ModeQuery = DEFAULT_MODE,
    top_k: TopKQuery = c.DEFAULT_TOP_K, weights: WeightsQuery = None,
    include_excluded: ExcludedQuery = False,
) -> Response:
    return as_json(engine.recommend(firm_id=firm_id, mode=mode, top_k=top_k, weights=parse_weights(weights),
                                    include_excluded=include_excluded))


@router.get("/parks/{park_id}/candidates", response_model=s.Candidates, summary="为园区推荐企业 / Ranked firms for a park")
def candidates(
    engine: MatchServiceDep, _: Viewer, park_id: ParkId, mode: ModeQuery = DEFAULT_MODE,
    top_k: TopKQuery = c.DEFAULT_CANDIDATES_TOP_K,
    town: Annotated[str | None, Query(description="镇街代码或名称 / Town", max_length=64)] = None,
    industry: Annotated[str | None, Query(description="行业代码或前缀 / Industry code or prefix", pattern=r"^[A-T]\d{0,4}$")] = None,
    min_employees: Annotated[int | None, Query(ge=0)] = None, max_employees: Annotated[int | None, Query(ge=0)] = None,
    min_score: Annotated[float, Query(description="最低分 0–100（与返回的 score 同一尺度）/ Minimum score on 0–100, "
                                                  "the scale of the returned score")] = 0.0,
    weights: WeightsQuery = None, include_excluded: ExcludedQuery = False,
) -> Response:
    return as_json(engine.candidates(park_id=park_id, mode=mode, top_k=top_k, weights=parse_weights(weights),
                                     town=town, industry=industry, min_employees=min_employees,
                                     max_employees=max_employees, min_score=min_score,
                                     include_excluded=include_excluded))


@router.post("/match", response_model=s.MatchResult, summary="意向企业匹配园区 / Ranked parks for a prospect")
def match(engine: MatchServiceDep, _: Viewer, body: s.ProspectRequest) -> Response:
    return as_json(engine.match(body))


@router.get("/products/{product}/buyers", response_model=s.ProductBuyers,
            summary="产品的中山采购方 / Zhongshan buyers of a Liupanshui product")
def product_buyers(
    engine: MatchServiceDep, _: Viewer,
    product: Annotated[str, Path(description="资源代码或名称，如 kiwifruit 或 猕猴桃 / Resource code or name",
                                 max_length=64, examples=["kiwifruit"])],
    top_k: TopKQuery = c.DEFAULT_CANDIDATES_TOP_K,
) -> Response:
    """企业填报采购该产品的排在前，按行业推断的其后；每家附最佳货源与理由。Firms that state they buy the
    product come first, then firms whose industry usually buys it; each with its best supplier and a reason."""
    return as_json(buyers.product_buyers(engine=engine, product=product, top_k=top_k))


@router.post("/plans", response_model=s.PlanResult, summary="组合方案 / Portfolio plan under park land")
def plans(engine: MatchServiceDep, _: Viewer, body: s.PlanRequest) -> s.PlanResult:
    return make_plan(engine=engine, request=body)


@router.get("/ranking/status", response_model=s.RankingStatus,
            summary="排序状态：后台文本编码进度 / Ranking status: background text encoding")
def ranking_status(engine: MatchServiceDep, _: Viewer) -> s.RankingStatus:
    status = engine.ranking_status()
    if not status.provisional_firms:
        return s.RankingStatus(state="current", provisional_firms=0, texts_total=0, texts_encoded=0,
                               message_zh="全部企业均按其文本向量排序", message_en="every firm ranks on its encoded text")
    return s.RankingStatus(
        state="provisional", provisional_firms=status.provisional_firms, texts_total=status.texts_total,
        texts_encoded=status.texts_encoded, started_at=status.started_at,
        message_zh=f"{status.provisional_firms} 家企业暂按行业、镇街和产品排序，文本后台编码中（{status.texts_encoded}/"
                   f"{status.texts_total}）",
        message_en=f"{status.provisional_firms} firms rank on their industries, town and products for now; their "
                   f"texts are being encoded ({status.texts_encoded}/{status.texts_total})")
