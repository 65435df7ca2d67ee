"""Reciprocal rank fusion of ranked lists (vector channel, BM25 channel, …)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

__all__ = ["RRF_K", "reciprocal_rank_fusion"]

# k = 60 is the constant of Cormack et al. (2009); it damps the head of each list so one channel's
# first place does not outvote consistent mid-list agreement across channels.
RRF_K = 60

T = TypeVar("T", bound=Hashable)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[T]],
    *,
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
    top_n: int | None = None,
) -> list[tuple[T, float]]:
    """Fuse ranked id lists: score(d) = Σ_i w_i / (k + rank_i(d)), rank 1-based, absent lists add 0.

    Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual rank
    learning methods", SIGIR 2009. Ties break by first appearance (earlier list, then earlier rank),
    so the result is deterministic.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if weights is not None and len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[T, float] = {}
    first_seen: dict[T, int] = {}
    for i, ranking in enumerate(rankings):
        w = 1.0 if weights is None else float(weights[i])
        seen: set[T] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:  # a duplicate in one list must not count twice
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
            first_seen.setdefault(item, len(first_seen))
    fused = sorted(scores.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))
    return fused[:top_n] if top_n is not None else fused
