"""Brief benchmark: time to produce a negotiation brief per format, engine already loaded."""

from __future__ import annotations

import statistics
import time
from typing import Any

from service.briefs import service
from service.briefs.schemas import BriefFormat, BriefLang
from service.config import Settings
from service.console import command_sessions
from service.database import unit_of_work
from service.matching.service import MatchService


def run(settings: Settings, *, pairs: int = 8) -> dict[str, Any]:
    """Median and slowest milliseconds per format over the top-ranked pair of the first `pairs` firms."""
    factory = command_sessions(settings.database_url)
    engine = MatchService.build(session_factory=factory, settings=settings)
    chosen = []
    for firm in engine.world.firms[:pairs]:
        ranked = engine.recommend(firm_id=firm.id or 0, top_k=1)
        if ranked.items:
            chosen.append((firm.id or 0, ranked.items[0].park.id))
    figures = {}
    for fmt in BriefFormat:
        times = []
        for n, (firm_id, park_id) in enumerate([chosen[0], *chosen]):  # the first run warms imports, not timed
            started = time.perf_counter()
            with unit_of_work(factory) as session:
                service.make_brief(session=session, engine=engine, firm_id=firm_id, park_id=park_id, fmt=fmt,
                                   lang=BriefLang.zh)
            if n:
                times.append((time.perf_counter() - started) * 1000)
        figures[fmt.value] = {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                              "runs": len(times)}
    return {"command": f"parkmatch bench briefs --pairs {pairs}", "pairs": len(chosen), "formats": figures}
