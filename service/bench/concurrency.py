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


def run(service: MatchService, *, requests: int = 100) -> dict[str, Any]:
    """Time ``requests`` concurrent recommendations alone and beside a first view of the largest destination."""
    world = service.world
    firm_ids = [f.id for f in world.firms[:requests] if f.id is not None]
    dest = world.destinations[0].id

    def fresh() -> None:  # as after a data change: nothing explained, the destination not yet scored
        service.state.evidence.clear()
        service.state.exact.clear()

    fresh()
    _timed_requests(service, firm_ids)  # warm-up: imports, caches of labels and walks
    fresh()
    alone = _timed_requests(service, firm_ids)
    fresh()
    start = time.perf_counter()
    service.candidates(park_id=dest, top_k=50)
    first_view_alone_ms = (time.perf_counter() - start) * 1000

    fresh()
    first_view: dict[str, float] = {}

    def view() -> None:
        t0 = time.perf_counter()
        service.candidates(park_id=dest, top_k=50)
        first_view["ms"] = (time.perf_counter() - t0) * 1000

    thread = threading.Thread(target=view)
    thread.start()
    beside = _timed_requests(service, firm_ids)
    thread.join()
    extra = [b - a for a, b in zip(alone, beside, strict=True)]
    return {
        "requests": len(firm_ids), "threads": SERVER_THREADS, "firms": len(world.firms),
        "first_view_alone_ms": round(first_view_alone_ms, 1), "first_view_beside_ms": round(first_view["ms"], 1),
        "alone_p50_ms": round(statistics.median(alone), 1), "alone_max_ms": round(max(alone), 1),
        "beside_p50_ms": round(statistics.median(beside), 1), "beside_max_ms": round(max(beside), 1),
        "extra_p50_ms": round(statistics.median(extra), 1), "extra_max_ms": round(max(extra), 1),
    }
