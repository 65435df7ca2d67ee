"""Destination → firm candidates: the exact top firms at any size, by scoring firm groups in the order of their bounds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from service.matching import constants as c
from service.matching.retrieval.groups import FirmGroups, build_groups, factor_bounds, group_stats
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


def semantic_values(firm_vecs: F32, dest_vecs: F32) -> NDArray[np.float64]:
    """Each firm vector's dot product with its destination's (one vector, or one row per firm).

    Elementwise products summed along each row: a pair's value depends on its two vectors only, not on where
    it sits in a batch. A matrix-vector product may take another code path for some rows, so two copies of
    one firm scored in different batches could differ in the last bit and stop being a tie.
    """
    out: NDArray[np.float64] = np.multiply(firm_vecs, dest_vecs).sum(axis=1, dtype=np.float64)
    return out


def make_batch(world: World, firms: FirmArrays, dests: NDArray[np.intp], semantic: NDArray[np.float64],
               names: Callable[[int], tuple[str, str]]) -> Batch:
    return Batch(world=world, firms=firms, dests=dests, semantic=semantic, costs=cost_arrays(world, firms, dests),
                 firm_names=names)


def score_rows(world: World, firm_vecs: F32, dest_vec: F32, p: int, rows: NDArray[np.intp]) -> ExactScores:
    """Score some firm rows against destination row ``p`` on every factor and every constraint."""
    batch = make_batch(world, world.firm_arrays.take(rows), np.full(len(rows), p, dtype=np.intp),
                       semantic_values(firm_vecs[rows], dest_vec), firm_names(world, rows))
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
    return ExactScores(matrix, barred)


class ExactIndex:
    """The firm groups of one data state and, per destination id, their factor bounds; built on first use.

    A firm changed in place only redoes its group's bounds, a new firm is a group of its own; a deletion
    (rows shift) regroups on the next query.
    """

    def __init__(self, groups: FirmGroups | None = None, bounds: dict[int, NDArray[np.float64]] | None = None,
                 scored: dict[int, dict[int, ExactScores]] | None = None) -> None:
        self._groups = groups
        self._bounds: dict[int, NDArray[np.float64]] = dict(bounds or {})
        # Per destination id, the exact factor values of the groups scored so far (weights apply per query).
        self._scored: dict[int, dict[int, ExactScores]] = {k: dict(v) for k, v in (scored or {}).items()}
        self._lock = threading.Lock()

    def __contains__(self, dest_id: object) -> bool:
        return dest_id in self._bounds

    def clear(self) -> None:
        """Forget every destination's bounds (as after a data change; the groups stay)."""
        self._bounds.clear()
        self._scored.clear()

    def groups(self, world: World, vecs: F32) -> FirmGroups:
        with self._lock:
            if self._groups is None:
                self._groups = build_groups(world, vecs)
            return self._groups

    def bounds(self, world: World, vecs: F32, dest_vec: F32, p: int) -> NDArray[np.float64]:
        dest_id = world.destinations[p].id
        cached = self._bounds.get(dest_id)
        if cached is None:
            cached = self._bounds[dest_id] = factor_bounds(self.groups(world, vecs), world, p, dest_vec)
        return cached

    def without(self, dest_ids: set[int]) -> ExactIndex:
        """The same groups; the bounds of the given destinations dropped (they changed)."""
        return ExactIndex(self._groups, {k: v for k, v in self._bounds.items() if k not in dest_ids},
                          {k: v for k, v in self._scored.items() if k not in dest_ids})

    def group_scores(self, world: World, vecs: F32, dest_vec: F32, p: int, gs: Sequence[int]) -> list[ExactScores]:
        """Every member's exact factor values and constraint masks for these groups, scored once per destination."""
        groups = self.groups(world, vecs)
        kept = self._scored.setdefault(world.destinations[p].id, {})
        missing = [g for g in gs if g not in kept]
        if missing:
            rows = np.concatenate([groups.members(g) for g in missing])
            part = score_rows(world, vecs, dest_vec, p, rows)
            at = 0
            for g in missing:
                n = len(groups.members(g))
                kept[g] = ExactScores(part.matrix[at:at + n], {k: m[at:at + n] for k, m in part.barred.items()})
                at += n
        return [kept[g] for g in gs]

    def firm_changed(self, world: World, vecs: F32, dest_vecs: F32, row: int, *, added: bool) -> ExactIndex:
        """The index after firm row ``row`` changed in place (or was appended): only its group is redone."""
        gr = self._groups
        if gr is None:
            return ExactIndex()
        if added:
            perm = np.append(gr.perm, row).astype(np.intp)
            starts = np.append(gr.starts, len(perm)).astype(np.intp)
            g = len(gr)
        else:
            where = np.empty(len(gr.perm), dtype=np.intp)
            where[gr.perm] = np.arange(len(gr.perm), dtype=np.intp)
            g = int(np.searchsorted(gr.starts, where[row], side="right") - 1)
            perm, starts = gr.perm, gr.starts
        one = group_stats(world, vecs, perm[starts[g]:starts[g + 1]])
        groups = gr.replace_group(g, one, perm=perm, starts=starts)
        bounds = {}
        scored = {d: {k: v for k, v in kept.items() if k != g} for d, kept in self._scored.items()}
        for dest_id, old in self._bounds.items():
            p = world.dest_row.get(dest_id)
            if p is None:
                continue
            row_bounds = factor_bounds(one, world, p, dest_vecs[p])
            b = np.concatenate([old, row_bounds]) if added else old.copy()
            b[g] = row_bounds[0]
            bounds[dest_id] = b
        return ExactIndex(groups, bounds, scored)


_TIE = 1e-11  # ten times the places (1e-12) the final order rounds scores to, far above a sum's rounding noise


def exact_top_rows(
    *, world: World, firm_vecs: F32, firm_ids: NDArray[np.int64], dest_vec: F32, p: int, index: ExactIndex,
    allowed: NDArray[np.bool_],
    constraints: Sequence[str], weights: Mapping[str, float], k: int, include_excluded: bool,
) -> NDArray[np.intp]:
    """The best ``k`` allowed firm rows for destination row ``p`` (and the best ``k`` excluded, when listed),
    exactly as if every firm were scored: groups are scored best bound first, until no unscored group's bound
    reaches the k-th score found."""
    groups = index.groups(world, firm_vecs)
    w = weight_vector(weights)
    ub = index.bounds(world, firm_vecs, dest_vec, p) @ w
    in_group = np.add.reduceat(allowed[groups.perm].astype(np.intp), groups.starts[:-1]) if len(groups) else \
        np.zeros(0, dtype=np.intp)
    order = np.argsort(-ub, kind="stable")
    order = order[in_group[order] > 0]
    ub_sorted = ub[order]
    wanted = [False, True] if include_excluded else [False]
    # What can still enter the top: every firm scored so far that is not below the k-th score of its side.
    rows = np.zeros(0, dtype=np.intp)
    scores = np.zeros(0, dtype=np.float64)
    barred = np.zeros(0, dtype=bool)
    pos, threshold = 0, -np.inf
    while pos < len(order):
        # A batch of firms in bound order; the k-th score found so far only rises, so each batch can prune more.
        taken = np.cumsum(in_group[order[pos:]])
        end = min(pos + int(np.searchsorted(taken, c.GROUP_MIN_BATCH)) + 1, len(order))
        batch = [int(g) for g in order[pos:end]]
        members = np.concatenate([groups.members(g) for g in batch])
        parts = index.group_scores(world, firm_vecs, dest_vec, p, batch)
        keep = allowed[members]
        pos = end
        rows = np.concatenate([rows, members[keep]])
        scores = np.concatenate([scores, np.concatenate([part.matrix for part in parts])[keep] @ w])
        barred = np.concatenate([barred, np.concatenate([part.excluded(constraints) for part in parts])[keep]])
        kth = []
        survive = np.zeros(len(rows), dtype=bool)
        for want in wanted:
            mine = barred == want
            s = scores[mine]
            kth.append(float(np.partition(s, len(s) - k)[len(s) - k]) if len(s) >= k else -np.inf)
            # Below the k-th score by more than rounding, a firm is beaten by k others for good (the k-th only
            # rises); a firm the final order could still tie with it (scores rounded to 12 places) stays.
            survive |= mine & (scores >= kth[-1] - _TIE)
        rows, scores, barred = rows[survive], scores[survive], barred[survive]
        threshold = min(kth)
        if pos < len(order) and ub_sorted[pos] < threshold:
            break
    if not len(rows):
        return np.zeros(0, dtype=np.intp)
    picked = []
    ids = firm_ids[rows]
    for want in wanted:
        idx = np.flatnonzero(barred == want)
        # Ties broken by id, as the final order breaks them: with many equal scores (copies of one firm under
        # a mode that ignores size) an arbitrary pick of the tied would not be the top the service shows.
        idx = idx[np.lexsort((ids[idx], -np.round(scores[idx], 12)))[:k]]
        picked.append(rows[idx])
    return np.unique(np.concatenate(picked))
