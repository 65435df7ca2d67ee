"""Where the firms come from (the database's, or synthetic copies) and the two engines that score them: local and Ray.

Ray is imported only inside ``run_ray``: it is an optional extra (`pip install -e '.[ray]'`), never on the
application's import path.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from service.batch.scoring import Columns, ScoringSpec, merge_destination_tops, score_block
from service.matching.retrieval.index import F32
from service.matching.snapshot.build import profile_arrays
from service.matching.snapshot.world import FirmArrays, World

# A local Ray on this kind of machine: two workers and a small object store (outputs spill to disk past it).
RAY_WORKERS: Final = 2
RAY_OBJECT_STORE_BYTES: Final = 300 * 1024 * 1024


@dataclass(frozen=True)
class FirmSource:
    """The firms to score, by position: the world's own firms, or ``len(picks)`` synthetic copies of them
    (each keeps its original's text, links and vector; sizes scaled by ``scale``)."""

    world: World
    vecs: F32  # rows aligned with world.firms
    picks: NDArray[np.intp] | None = None
    scale: NDArray[np.float64] | None = None
    expand: NDArray[np.bool_] | None = None

    @property
    def kind(self) -> str:
        return "database" if self.picks is None else "synthetic"

    def __len__(self) -> int:
        return len(self.world.firms) if self.picks is None else len(self.picks)

    def rows(self, positions: NDArray[np.int64]) -> tuple[FirmArrays, F32, NDArray[np.int64]]:
        """Feature arrays, vectors and ids of the firms at these positions."""
        idx = np.asarray(positions, dtype=np.intp)
        if self.picks is None or self.scale is None or self.expand is None:
            ids = np.array([self.world.firms[int(i)].id or 0 for i in idx], dtype=np.int64)
            return self.world.firm_arrays.take(idx), self.vecs[idx], ids
        from service.bench.matching import synthetic_profile

        picks = self.picks[idx]
        profiles = [synthetic_profile(self.world.firms[int(p)], int(i) + 1, self.scale[int(i)], bool(self.expand[int(i)]))
                    for i, p in zip(idx, picks, strict=True)]
        return profile_arrays(self.world, profiles), self.vecs[picks], (idx + 1).astype(np.int64)


@dataclass(frozen=True)
class BatchResult:
    firm_top: Columns
    destination_top: Columns
    firms: int
    pairs: int
    seconds: float


def run_local(source: FirmSource, spec: ScoringSpec, *, block: int) -> BatchResult:
    """Score every block in this process, one after another."""
    start = time.perf_counter()
    firm_parts, dest_parts = [], []
    for lo in range(0, len(source), block):
        firms, vecs, ids = source.rows(np.arange(lo, min(len(source), lo + block), dtype=np.int64))
        f, d = score_block(spec, firms, vecs, ids)
        firm_parts.append(f)
        dest_parts.append(d)
    return _result(source, spec, firm_parts, dest_parts, time.perf_counter() - start)


def _result(source: FirmSource, spec: ScoringSpec, firm_parts: list[Columns], dest_parts: list[Columns],
            seconds: float) -> BatchResult:
    keys = ("firm_id", "rank", "destination_id", "score")
    firm_top = {k: np.concatenate([p[k] for p in firm_parts]) if firm_parts else np.zeros(0) for k in keys}
    order = np.lexsort((firm_top["rank"], firm_top["firm_id"])) if firm_parts else np.zeros(0, dtype=np.intp)
    return BatchResult(firm_top={k: v[order] for k, v in firm_top.items()},
                       destination_top=merge_destination_tops(dest_parts, spec.top_n), firms=len(source),
                       pairs=len(source) * len(spec.dest_rows()), seconds=seconds)


_PAYLOADS: dict[str, tuple[FirmSource, ScoringSpec]] = {}  # per worker process: the payload, fetched once


def _score_ray_batch(batch: dict[str, NDArray[Any]], payload: Any) -> dict[str, NDArray[Any]]:
    """One Ray batch of firm positions → its firm tops and destination tops, as one table (``part`` tells them apart)."""
    import ray

    key = payload.hex() if isinstance(payload, ray.ObjectRef) else "inline"
    if key not in _PAYLOADS:
        _PAYLOADS[key] = ray.get(payload) if isinstance(payload, ray.ObjectRef) else payload
    source, spec = _PAYLOADS[key]
    firms, vecs, ids = source.rows(np.asarray(batch["id"], dtype=np.int64))
    f, d = score_block(spec, firms, vecs, ids)
    nf, nd = len(f["firm_id"]), len(d["firm_id"])
    return {"part": np.r_[np.zeros(nf, dtype=np.int8), np.ones(nd, dtype=np.int8)],
            "firm_id": np.r_[f["firm_id"], d["firm_id"]].astype(np.int64),
            "destination_id": np.r_[f["destination_id"], d["destination_id"]].astype(np.int64),
            "rank": np.r_[f["rank"], np.zeros(nd, dtype=np.int32)].astype(np.int32),
            "score": np.r_[f["score"], d["score"]].astype(np.float64)}


def run_ray(source: FirmSource, spec: ScoringSpec, *, block: int, address: str | None) -> BatchResult:
    """Score the blocks as a ray.data pipeline: a local Ray (2 workers, a small object store) unless ``address``
    names a cluster; the same code runs against either."""
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("需要 Ray：pip install -e '.[ray]' / Ray is needed: pip install -e '.[ray]'") from exc
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            ray.init(address=address, log_to_driver=False, include_dashboard=False)
        else:
            ray.init(num_cpus=RAY_WORKERS, object_store_memory=RAY_OBJECT_STORE_BYTES, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # quiet: the command prints one line of throughput at the end
    try:
        start = time.perf_counter()
        ref = ray.put((source, spec))
        blocks = max(1, math.ceil(len(source) / block))
        ds = ray.data.range(len(source), override_num_blocks=blocks).map_batches(
            functools.partial(_score_ray_batch, payload=ref), batch_size=block, batch_format="numpy",
            compute=ray.data.TaskPoolStrategy(size=None if address else RAY_WORKERS))
        for name in ("ray", "ray.data"):  # Ray Data logs each stage at INFO on the console; warnings stay
            logging.getLogger(name).setLevel(logging.WARNING)
        firm_parts, dest_parts = [], []
        for out in ds.iter_batches(batch_format="numpy", batch_size=None):
            firm_rows = out["part"] == 0
            firm_parts.append({k: out[k][firm_rows] for k in ("firm_id", "rank", "destination_id", "score")})
            dest_parts.append({k: out[k][~firm_rows] for k in ("destination_id", "firm_id", "score")})
        return _result(source, spec, firm_parts, dest_parts, time.perf_counter() - start)
    finally:
        if started_here:
            ray.shutdown()
