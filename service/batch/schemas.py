"""What the precomputed-list routes answer: a ranked list of ids and scores, and whether it came from a batch run."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.matching.modes import Mode
from service.schema import Schema


class TopItem(Schema):
    rank: int = Field(ge=1, examples=[1])
    id: int = Field(description="另一方的编号（企业或目的地）/ The other side's id (firm or destination)", examples=[17])
    name_zh: str = Field(examples=["水城经济开发区"])
    name_en: str = Field(default="", examples=["Shuicheng Economic Development Zone"])
    score: float = Field(ge=0, le=100, description="匹配度 0–100 / Score on 0–100", examples=[71.3])
    reason_zh: str | None = Field(default=None, max_length=4_000, description=(
        "理由（仅 explain=true 时；与实时排序的理由相同）/ The reason, as the live ranking gives it (explain=true only)"))
    reason_en: str | None = Field(default=None, max_length=4_000, description="The reason in English (explain=true only)")


class TopList(Schema):
    """A short ranked list for screens and exports that need many lists fast; with ``explain=true`` each item also
    carries its reason, worked out live (as fast as the live ranking, not as the stored list)."""

    basis: Literal["precomputed", "live"] = Field(
        description="precomputed：最近一次批量评分的结果，其后无影响它的数据变更；live：有变更或无批量结果，实时排序 / "
                    "precomputed: the latest batch run, with no change since that touches it; live: ranked now, "
                    "because something changed or no batch run exists", examples=["precomputed"])
    mode: Mode
    items: list[TopItem]
