"""Destination → firm candidates: every firm scored exactly up to a size, the vector index and a rule pre-score above."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embeddings import VectorIndex
from service.matching import constants as c
from service.matching.retrieval.index import F32
from service.matching.scoring import FACTOR_NAMES
from service.matching.scoring.constraints import CONSTRAINTS, masks
from service.matching.scoring.cost import cost_arrays
from service.matching.scoring.ranker import weight_vector
from service.matching.scoring.registry import Batch, score_matrix
from service.matching.snapshot.world import FirmArrays, World


@dataclass(frozen=True)
class ExactScores:
    """Every stored firm against one destination: factor values (firms × factors) and each constraint's mask."""

    matrix: NDArray[np.float64]
    barred: Mapping[str, NDArray[np.bool_]]

    def excluded(self, constraints: Sequence[str]) -> NDArray[np.bool_]:
        out = np.zeros(self.matrix.shape[0], dtype=bool)
        for name in constraints:
            out |= self.barred[name]
        return out


def firm_names(world: World, rows: NDArray[np.intp]) -> Callable[[int], tuple[str, str]]:
    """(zh, en) names of a batch's firms, by position in the batch."""
    return lambda i: (world.firms[int(rows[i])].name_zh, world.firms[int(rows[i])].name_en)


def make_batch(world: World, firms: FirmArrays, dests: NDArray[np.intp], semantic: NDArray[np.float64],
               names: Callable[[int], tuple[str, str]]) -> Batch:
    return Batch(world=world, firms=firms, dests=dests, semantic=semantic, costs=cost_arrays(world, firms, dests),
                 firm_names=names)


def score_rows(world: World, firm_vecs: F32, dest_vec: F32, p: int, rows: NDArray[np.intp]) -> ExactScores:
    """Score some firm rows against destination row ``p`` on every factor and every constraint."""
    batch = make_batch(world, world.firm_arrays.take(rows), np.full(len(rows), p, dtype=np.intp),
                       (firm_vecs[rows] @ dest_vec).astype(np.float64), firm_names(world, rows))
    matrix, _ = score_matrix(batch, FACTOR_NAMES)
    return ExactScores(matrix, masks(batch, tuple(CONSTRAINTS)))


def exact_scores(world: World, firm_vecs: F32, dest_vec: F32, p: int) -> ExactScores:
    """Score every stored firm against destination row ``p``, in chunks that bound the working memory."""
    n = len(world.firm_arrays)
    matrix = np.empty((n, len(FACTOR_NAMES)), dtype=np.float64)
    barred = {name: np.empty(n, dtype=bool) for name in CONSTRAINTS}
    for lo in range(0, n, c.EXACT_CHUNK):
        rows = np.arange(lo, min(n, lo + c.EXACT_CHUNK), dtype=np.intp)
        part = score_rows(world, firm_vecs, dest_vec, p, rows)
        matrix[rows] = part.matrix
        for name in CONSTRAINTS:
            barred[name][rows] = part.barred[name]
        time.sleep(0)  # hand the interpreter to waiting requests between chunks
    return ExactScores(matrix, barred)


def candidate_rows(
    *, world: World, firm_ids: NDArray[np.int64], index: VectorIndex, dest_vec: F32, allowed: NDArray[np.intp],
    exact: Callable[[], ExactScores], prescore: Callable[[], NDArray[np.float32]], constraints: Sequence[str],
    weights: Mapping[str, float], include_excluded: bool,
) -> tuple[NDArray[np.intp], int]:
    """Firm rows to score and explain for one destination, and how many firms were scored exactly.

    Up to c.EXACT_CANDIDATES_MAX_FIRMS firms, every allowed firm has an exact score, and the best
    c.VECTOR_CANDIDATES (and as many of the best excluded, when those are listed) go on. Beyond it, two
    channels propose them: nearest firms in the vector index, and the best cheap rule pre-score.
    """
    n = len(world.firm_arrays)
    k = min(c.VECTOR_CANDIDATES, len(allowed))
    if k == 0:
        return np.zeros(0, dtype=np.intp), 0
    if n <= c.EXACT_CANDIDATES_MAX_FIRMS:
        scores_of = exact()
        scores = scores_of.matrix[allowed] @ weight_vector(weights)
        barred = scores_of.excluded(constraints)[allowed]
        groups = [~barred, barred] if include_excluded else [~barred]
        picked = []
        for group in groups:
            idx = np.flatnonzero(group)
            if len(idx) > k:
                idx = idx[np.argpartition(-scores[idx], k - 1)[:k]]
            picked.append(allowed[idx])
        return np.unique(np.concatenate(picked)), len(allowed)
    _, hit = index.search(dest_vec[None, :], k, allowed_ids=None if len(allowed) == n else firm_ids[allowed])
    vector_rows = np.array([world.firm_row[int(i)] for i in hit[0] if int(i) in world.firm_row], dtype=np.intp)
    # Over the full arrays once per destination and state, then the filter: gathering rows first would copy
    # the (firms × classes) matrix on every query.
    pre = prescore()[allowed]
    top = np.argpartition(-pre, k - 1)[:k] if k < len(pre) else np.arange(len(pre))
    rows = np.unique(np.concatenate([vector_rows, allowed[top]]))
    return rows, len(rows)
