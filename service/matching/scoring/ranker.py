"""Score, order and stability: pure functions over a batch's factor matrix."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from service.matching import constants as c
from service.matching.schemas import ExclusionReason
from service.matching.scoring import FACTOR_NAMES
from service.matching.scoring.constraints import exclusions
from service.matching.scoring.registry import Batch, FactorOutput, score_matrix


@dataclass(frozen=True)
class Scored:
    """Every candidate pair of one query, scored, with what explanations need."""

    batch: Batch
    matrix: NDArray[np.float64]
    outputs: list[FactorOutput]
    weights: NDArray[np.float64]
    scores: NDArray[np.float64]
    excluded: NDArray[np.bool_]
    reasons: Callable[[int], list[ExclusionReason]]
    order: NDArray[np.intp]  # rows not excluded, best first


def weight_vector(weights: Mapping[str, float]) -> NDArray[np.float64]:
    """Weights as a vector in factor order."""
    return np.array([weights[name] for name in FACTOR_NAMES], dtype=np.float64)


def score(batch: Batch, *, constraints: Sequence[str], weights: Mapping[str, float],
          tiebreak: NDArray[np.int64]) -> Scored:
    """Score every pair of a batch on every factor and sort what the named hard constraints allow."""
    matrix, outputs = score_matrix(batch, FACTOR_NAMES)
    w = weight_vector(weights)
    scores = matrix @ w
    excl = exclusions(batch, constraints)
    ok = np.flatnonzero(~excl.mask)
    order = ok[np.lexsort((tiebreak[ok], -np.round(scores[ok], 12)))]
    return Scored(batch, matrix, outputs, w, scores, excl.mask, excl.reasons, order)


def stability(matrix: NDArray[np.float64], weights: NDArray[np.float64], rows: NDArray[np.intp]) -> NDArray[np.float64]:
    """Share of seeded ±30% weight perturbations under which each row stays in the top 3 of ``rows``."""
    if len(rows) == 0:
        return np.zeros(0)
    # Leave out of the trials every row that no perturbation can lift over any of the k leaders (the
    # rows with the k best unperturbed scores): it is below k rows in every trial, so it is never in the
    # top k and removing it changes no trial's k-th score. The most a row can gain on a leader is
    # Σ_f (m_rf − m_qf)·w_f·(1 + s if the difference is positive else 1 − s); normalising the
    # perturbed weights scales every row of a trial alike, so it cannot change an order.
    contrib = matrix[rows] * weights[None, :]
    k = min(c.STABILITY_TOP, len(rows))
    leaders = np.argpartition(-(contrib.sum(axis=1)), k - 1)[:k]
    diff = contrib[:, None, :] - contrib[leaders][None, :, :]
    gain = np.where(diff > 0, diff * (1 + c.STABILITY_SPREAD), diff * (1 - c.STABILITY_SPREAD)).sum(axis=2)
    reach = (gain >= -1e-9).any(axis=1)
    out = np.zeros(len(rows))
    out[reach] = _stability_trials(matrix[rows[reach]], weights)
    return out


def _stability_trials(sub: NDArray[np.float64], weights: NDArray[np.float64]) -> NDArray[np.float64]:
    rng = np.random.default_rng(c.SEED)
    factors = rng.uniform(1 - c.STABILITY_SPREAD, 1 + c.STABILITY_SPREAD, size=(c.STABILITY_TRIALS, len(weights)))
    trial_w = weights[None, :] * factors
    trial_w /= np.maximum(trial_w.sum(axis=1, keepdims=True), 1e-12)
    sc = sub @ trial_w.T  # (candidates, trials)
    k = min(c.STABILITY_TOP, len(sub))
    kth = np.partition(sc, len(sub) - k, axis=0)[len(sub) - k]
    return np.asarray((sc >= kth[None, :] - 1e-12).mean(axis=1), dtype=np.float64)
