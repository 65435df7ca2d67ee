"""Concurrency benchmark: ranking requests running beside a destination's first view must not wait for it.

Routes are sync ``def`` and run in the server's worker threads, so this runs the same calls in a thread pool
of the same size in one process: first the requests alone, then the same requests while one destination's
first view (every firm scored exactly) runs, and prints how much longer each request took.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from service.matching.service import MatchService

SERVER_THREADS = 40  # the size of the worker-thread pool sync routes run in (anyio's default limiter)


def _timed_requests(service: MatchService, firm_ids: list[int]) -> list[float]:
    """Milliseconds each recommendation took, all submitted at once to the thread pool."""
    def one(firm_id: int) -> float:
        start = time.perf_counter()
        service.recommend(firm_id=firm_id, top_k=10)
        return (time.perf_counter() - start) * 1000

    with ThreadPoolExecutor(max_workers=SERVER_THREADS) as pool:
        return list(pool.map(one, firm_ids))


ROUNDS = 3


def _first_view(service: MatchService, dest: int, out: dict[str, float]) -> None:
    """One destination's lead list from scratch; its milliseconds into ``out``."""
    t0 = time.perf_counter()
    service.candidates(park_id=dest, top_k=50)
    out["ms"] = (time.perf_counter() - t0) * 1000


def run(service: MatchService, *, requests: int = 100, rounds: int = ROUNDS) -> dict[str, Any]:
    """Time ``requests`` concurrent recommendations alone and beside a first view of the largest destination.

    With 40 threads and 100 requests a request's time is mostly its place in the pool's queue, and that place
    differs from one batch to the next: the difference of one request's two times is noise as large as the
    effect. So a batch is compared with a batch: its median and its slowest request (the batch's end), alone
    and beside the first view, over several rounds; the extra wait is the median of the rounds' differences.
    """
    world = service.world
    firm_ids = [f.id for f in world.firms[:requests] if f.id is not None]
    dest = world.destinations[0].id

    def fresh() -> None:  # as after a data change: nothing explained, the destination not yet scored
        service.state.evidence.clear()
        service.state.exact.clear()

    fresh()
    _timed_requests(service, firm_ids)  # warm-up: imports, caches of labels and walks
    fresh()
    start = time.perf_counter()
    service.candidates(park_id=dest, top_k=50)
    first_view_alone_ms = (time.perf_counter() - start) * 1000

    alone_p50, alone_max, beside_p50, beside_max, views = [], [], [], [], []
    for _ in range(rounds):
        fresh()
        alone = _timed_requests(service, firm_ids)
        fresh()
        first_view: dict[str, float] = {}
        thread = threading.Thread(target=_first_view, args=(service, dest, first_view))
        thread.start()
        beside = _timed_requests(service, firm_ids)
        thread.join()
        alone_p50.append(statistics.median(alone))
        alone_max.append(max(alone))
        beside_p50.append(statistics.median(beside))
        beside_max.append(max(beside))
        views.append(first_view["ms"])
    med = statistics.median
    return {
        "requests": len(firm_ids), "threads": SERVER_THREADS, "firms": len(world.firms), "rounds": rounds,
        "first_view_alone_ms": round(first_view_alone_ms, 1), "first_view_beside_ms": round(med(views), 1),
        "alone_p50_ms": round(med(alone_p50), 1), "alone_max_ms": round(med(alone_max), 1),
        "beside_p50_ms": round(med(beside_p50), 1), "beside_max_ms": round(med(beside_max), 1),
        "extra_p50_ms": round(med([b - a for a, b in zip(alone_p50, beside_p50, strict=True)]), 1),
        "extra_max_ms": round(med([b - a for a, b in zip(alone_max, beside_max, strict=True)]), 1),
    }
