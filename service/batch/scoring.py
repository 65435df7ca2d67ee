"""Score a block of firms against every destination a mode ranks: each firm's top N and each destination's top N.

Both engines call ``score_block``: the local engine over the blocks in turn, Ray on its workers. A block is
scored with the service's own factors, constraints and tie-break, so its lists are the ones the service would
rank; ``merge_destination_tops`` keeps each destination's best N over all blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from service.matching.modes import MODES, Mode
from service.matching.retrieval.candidates import make_batch, semantic_values
from service.matching.retrieval.index import F32
from service.matching.scoring.ranker import score
from service.matching.snapshot.world import FirmArrays, World

Columns = dict[str, NDArray[np.generic]]


@dataclass(frozen=True)
class ScoringSpec:
    """What every block is scored with: the world's destinations (its firms are not read), their vectors,
    the mode, its weights and the list length."""

    world: World
    dest_vecs: F32
    mode: Mode
    weights: Mapping[str, float]
    top_n: int

    def dest_rows(self) -> NDArray[np.intp]:
        kinds = [self.world.kind_codes.index(k) for k in MODES[self.mode].destination_kinds
                 if k in self.world.kind_codes]
        return np.flatnonzero(np.isin(self.world.dest_arrays.kind, kinds)).astype(np.intp)


def _order(scores: NDArray[np.float64], ties: NDArray[np.int64]) -> NDArray[np.intp]:
    """Best first as the service sorts: score rounded to 12 places, then the smaller id."""
    return np.lexsort((ties, -np.round(scores, 12))).astype(np.intp)


def score_block(spec: ScoringSpec, firms: FirmArrays, vecs: F32, firm_ids: NDArray[np.int64]) -> tuple[Columns, Columns]:
    """(firm tops, destination tops of this block) as columns; excluded pairs are left out of both."""
    world = spec.world
    dests = spec.dest_rows()
    m, d = len(firm_ids), len(dests)
    rows = np.repeat(np.arange(m, dtype=np.intp), d)
    cols = np.tile(dests, m)
    semantic = semantic_values(vecs[rows], spec.dest_vecs[cols])
    batch = make_batch(world, firms.take(rows), cols, semantic, lambda _i: ("", ""))
    dest_ids = np.array([world.destinations[int(p)].id for p in dests], dtype=np.int64)
    scored = score(batch, constraints=MODES[spec.mode].constraints, weights=spec.weights,
                   tiebreak=np.tile(dest_ids, m))
    scores = scored.scores.reshape(m, d)
    ok = ~scored.excluded.reshape(m, d)
    firm_out: dict[str, list[NDArray[np.generic]]] = {"firm_id": [], "rank": [], "destination_id": [], "score": []}
    for i in range(m):
        keep = np.flatnonzero(ok[i])
        best = keep[_order(scores[i, keep], dest_ids[keep])][:spec.top_n]
        firm_out["firm_id"].append(np.full(len(best), firm_ids[i], dtype=np.int64))
        firm_out["rank"].append(np.arange(1, len(best) + 1, dtype=np.int32))
        firm_out["destination_id"].append(dest_ids[best])
        firm_out["score"].append(scores[i, best])
    dest_out: dict[str, list[NDArray[np.generic]]] = {"destination_id": [], "firm_id": [], "score": []}
    for j in range(d):
        keep = np.flatnonzero(ok[:, j])
        best = keep[_order(scores[keep, j], firm_ids[keep])][:spec.top_n]
        dest_out["destination_id"].append(np.full(len(best), dest_ids[j], dtype=np.int64))
        dest_out["firm_id"].append(firm_ids[best])
        dest_out["score"].append(scores[best, j])
    return _concat(firm_out), _concat(dest_out)


def _concat(parts: Mapping[str, list[NDArray[np.generic]]]) -> Columns:
    return {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}


def merge_destination_tops(parts: Iterable[Columns], top_n: int) -> Columns:
    """Each destination's best ``top_n`` over the blocks' own tops, ranked 1…n."""
    blocks = list(parts)
    merged = _concat({k: [p[k] for p in blocks] for k in ("destination_id", "firm_id", "score")})
    if not blocks or not len(merged["destination_id"]):
        return {"destination_id": np.zeros(0, dtype=np.int64), "rank": np.zeros(0, dtype=np.int32),
                "firm_id": np.zeros(0, dtype=np.int64), "score": np.zeros(0)}
    dest, firm, value = merged["destination_id"], merged["firm_id"], merged["score"]
    order = np.lexsort((firm, -np.round(value.astype(np.float64), 12), dest))
    dest, firm, value = dest[order], firm[order], value[order]
    starts = np.flatnonzero(np.r_[True, dest[1:] != dest[:-1]])
    rank = np.arange(len(dest)) - np.repeat(starts, np.diff(np.r_[starts, len(dest)])) + 1
    keep = rank <= top_n
    return {"destination_id": dest[keep], "rank": rank[keep].astype(np.int32), "firm_id": firm[keep],
            "score": value[keep]}
