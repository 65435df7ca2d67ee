"""Ranking quality metrics (binary relevance) as pure functions: Hit@k, reciprocal rank / MRR, NDCG@k."""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Sequence

__all__ = ["DEFAULT_K", "hit_at_k", "mean_reciprocal_rank", "ndcg_at_k", "reciprocal_rank"]

DEFAULT_K = 10


def _check_k(k: int) -> None:
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")


def hit_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = DEFAULT_K) -> float:
    """1.0 if any of the first ``k`` items is relevant, else 0.0. Range [0, 1].

    Also called success@k; see Manning, Raghavan & Schütze, *Introduction to Information Retrieval*
    (2008), ch. 8.
    """
    _check_k(k)
    return 1.0 if any(item in relevant for item in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[Hashable], relevant: Collection[Hashable]) -> float:
    """1 / (1-based rank of the first relevant item), 0.0 if none is relevant. Range [0, 1].

    Voorhees, "The TREC-8 Question Answering Track Report", TREC 1999.
    """
    for rank, item in enumerate(ranked, start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def mean_reciprocal_rank(runs: Iterable[tuple[Sequence[Hashable], Collection[Hashable]]]) -> float:
    """Mean of :func:`reciprocal_rank` over (ranked, relevant) pairs; 0.0 for no runs. Range [0, 1]."""
    values = [reciprocal_rank(ranked, relevant) for ranked, relevant in runs]
    return sum(values) / len(values) if values else 0.0


def ndcg_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = DEFAULT_K) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary gains. Range [0, 1].

    DCG@k = Σ_{i=1..k} rel_i / log2(i + 1); IDCG@k is the DCG of the ideal ranking (all relevant
    first); NDCG = DCG / IDCG, and 0.0 when nothing is relevant. Järvelin & Kekäläinen, "Cumulated
    gain-based evaluation of IR techniques", ACM TOIS 20(4), 2002.
    """
    _check_k(k)
    seen: set[Hashable] = set()
    dcg = 0.0
    for i, item in enumerate(ranked[:k], start=1):
        if item in relevant and item not in seen:  # a repeated item earns its gain once
            dcg += 1.0 / math.log2(i + 1)
        seen.add(item)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0
