"""Ranking metrics at their limits and on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from embeddings.metrics import hit_at_k, mean_reciprocal_rank, ndcg_at_k, reciprocal_rank


def test_perfect_ranking_scores_one() -> None:
    ranked = ["a", "b", "c", "d"]
    assert hit_at_k(ranked, {"a"}, k=1) == 1.0
    assert reciprocal_rank(ranked, {"a"}) == 1.0
    assert ndcg_at_k(ranked, {"a", "b"}, k=4) == pytest.approx(1.0)
    assert mean_reciprocal_rank([(ranked, {"a"}), (["x", "y"], {"x"})]) == 1.0


def test_no_relevant_item_scores_zero() -> None:
    ranked = ["a", "b", "c"]
    assert hit_at_k(ranked, {"z"}, k=3) == 0.0
    assert reciprocal_rank(ranked, {"z"}) == 0.0
    assert ndcg_at_k(ranked, {"z"}, k=3) == 0.0
    assert ndcg_at_k(ranked, set(), k=3) == 0.0
    assert mean_reciprocal_rank([]) == 0.0


def test_relevant_item_just_outside_k_is_a_miss() -> None:
    assert hit_at_k(["a", "b", "c"], {"c"}, k=2) == 0.0
    assert hit_at_k(["a", "b", "c"], {"c"}, k=3) == 1.0


def test_hand_computed_values() -> None:
    assert reciprocal_rank(["a", "b", "c"], {"c"}) == pytest.approx(1 / 3)
    assert mean_reciprocal_rank([(["a", "b"], {"b"}), (["a"], {"a"})]) == pytest.approx(0.75)
    # relevant at ranks 2 and 3 of 2 relevant: DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "a", "b"], {"a", "b"}, k=3) == pytest.approx(expected)


def test_ndcg_does_not_reward_repeating_a_relevant_item() -> None:
    assert ndcg_at_k(["a", "a", "a"], {"a", "b"}, k=3) < 1.0


def test_non_positive_k_is_rejected() -> None:
    with pytest.raises(ValueError):
        hit_at_k(["a"], {"a"}, k=0)
    with pytest.raises(ValueError):
        ndcg_at_k(["a"], {"a"}, k=-1)
