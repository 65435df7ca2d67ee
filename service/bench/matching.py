"""`parkmatch bench matching`: firm → parks, prospect → parks and park → top-50 of many synthetic firms, with the
naive exhaustive way timed in the same run."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from numpy.typing import NDArray
from pydantic import BaseModel
from rich.table import Table

from service.console import console, err
from service.matching import constants as c
from service.matching.modes import DEFAULT_MODE, MODES, resolve_weights

if TYPE_CHECKING:
    from service.matching.retrieval.index import F32, EngineIndex
    from service.matching.service import MatchService
    from service.matching.snapshot.world import FirmProfile

SCALE_START, SCALE_END = "<!-- bench:matching-scale:start -->", "<!-- bench:matching-scale:end -->"
Timings = tuple[list[float], list[float]]


def synthetic_plan(count: int, base_count: int, *, seed: int = c.SEED) -> tuple[NDArray[np.intp], NDArray[np.float64],
                                                                               NDArray[np.bool_]]:
    """For ``count`` benchmark firms: the starter row each copies, its (employees, revenue, land) factors
    ×U(0.7, 1.3) and whether it plans to expand (30%)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, base_count, size=count).astype(np.intp)
    scale = rng.uniform(0.7, 1.3, size=(count, 3))
    return picks, scale, rng.random(count) < 0.3


def synthetic_profile(f: FirmProfile, firm_id: int, k: NDArray[np.float64], expand: bool) -> FirmProfile:
    """A copy of starter firm ``f`` under a new id, its sizes scaled by ``k``; names and texts are kept."""
    return dataclasses.replace(
        f, id=firm_id, employees=max(1, int((f.employees or 100) * k[0])),
        revenue_10k_yuan=None if f.revenue_10k_yuan is None else f.revenue_10k_yuan * k[1],
        land_mu=None if f.land_mu is None else f.land_mu * k[2], expansion=bool(expand), synthetic=True)


def synthetic_picks(base: Sequence[FirmProfile], *, count: int,
                    seed: int = c.SEED) -> tuple[list[FirmProfile], NDArray[np.intp]]:
    """Sample and perturb starter firms into ``count`` benchmark firms (ids 1…count), with the starter row each
    one copies (so encodings come from the cache, and a copy's vector is its original's)."""
    picks, scale, expand = synthetic_plan(count, len(base), seed=seed)
    out = [synthetic_profile(base[int(i)], n, k, bool(e))
           for n, (i, k, e) in enumerate(zip(picks, scale, expand, strict=True), start=1)]
    return out, picks


def synthetic_firms(base: Sequence[FirmProfile], *, count: int, seed: int = c.SEED) -> list[FirmProfile]:
    """Sample and perturb starter firms into ``count`` benchmark firms (see synthetic_picks)."""
    return synthetic_picks(base, count=count, seed=seed)[0]


def scaled_engine(base: MatchService, count: int) -> MatchService:
    """A service over ``count`` synthetic copies of the base's firms, without a graph node per firm.

    Each copy keeps its original's text and links, so it gets its original's propagated vector, as a firm
    with that text would. The firms' faiss index stays the base's: ranking firms for a destination no
    longer reads it. A full build at a million firms would hold a million graph nodes and run propagation
    over them; that is not what this measures.
    """
    from service.matching.service import MatchService
    from service.matching.snapshot.build import profile_arrays

    firms, picks = synthetic_picks(base.world.firms, count=count)
    world = dataclasses.replace(base.world, firms=firms, firm_arrays=profile_arrays(base.world, firms),
                                firm_row={f.id: i for i, f in enumerate(firms) if f.id is not None})
    return MatchService(world=world, index=scaled_index(base.retrieval, base.state.firm_vecs[picks]))


def scaled_index(index: EngineIndex, firm_vecs: F32) -> EngineIndex:
    """The base's index (encoder, graph, destination vectors) over other firms' vectors; no firms' faiss index."""
    from embeddings import VectorIndex

    out = copy.copy(index)
    out.initial_firm_vecs = np.ascontiguousarray(firm_vecs)
    out.faiss = VectorIndex(index.encoder.dim)
    return out


class BenchFigure(BaseModel):
    name: str
    p50_ms: float
    p90_ms: float
    cpu_p50_ms: float  # process CPU time per call: on a shared machine, wall time also counts waiting for a core
    runs: int
    naive_over_this: float | None = None  # naive p50 ÷ this p50, for the rows doing the naive row's work


def timed(fn: Callable[[int], object], runs: int, setup: Callable[[], object] | None = None) -> Timings:
    wall, cpu = [], []
    for n in range(runs):
        if setup is not None:
            setup()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(n)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def figure(name: str, ms: Timings) -> BenchFigure:
    wall, cpu = ms
    return BenchFigure(name=name, p50_ms=round(statistics.median(wall), 2),
                       p90_ms=round(sorted(wall)[int(0.9 * (len(wall) - 1))], 2),
                       cpu_p50_ms=round(statistics.median(cpu), 2), runs=len(wall))


def exhaustive_top(engine: MatchService, park_id: int, k: int = 50) -> list[int]:
    """The naive way: every firm scored exactly against the park (numpy, in chunks), excluded ones dropped,
    sorted by score then id; no groups, no bounds."""
    from service.matching.retrieval.candidates import exact_scores
    from service.matching.scoring.ranker import weight_vector

    state = engine.state
    p = state.world.dest_row[park_id]
    every = exact_scores(state.world, state.firm_vecs, state.dest_vecs[p], p)
    scores = every.matrix @ weight_vector(resolve_weights(mode=DEFAULT_MODE))
    ok = np.flatnonzero(~every.excluded(MODES[DEFAULT_MODE].constraints))
    rounded = np.round(scores[ok], 12)
    # Every firm tied with the k-th score goes on to the sort by id: a million copies of a few hundred firms
    # tie in runs of thousands, and a cut inside a run would keep arbitrary members of it.
    best = ok[rounded >= np.partition(rounded, len(rounded) - k)[len(rounded) - k]] if len(ok) > k else ok
    order = best[np.lexsort((state.firm_ids[best], -np.round(scores[best], 12)))]
    return [int(state.firm_ids[i]) for i in order[:k]]


def _write_block(md: Path, block: str) -> None:
    """Replace this benchmark's block in md (between its markers), or add it at the end."""
    text = md.read_text(encoding="utf-8") if md.exists() else "# Benchmarks\n"
    if SCALE_START in text and SCALE_END in text:
        text = text[:text.index(SCALE_START)] + block + text[text.index(SCALE_END) + len(SCALE_END):]
    else:
        text = f"{text.rstrip()}\n\n## 园区 → 百万企业 / Park → firms at scale\n\n{block}\n"
    md.write_text(text, encoding="utf-8")


def markdown(result: dict[str, object], command: str) -> str:
    figures = result["figures"]
    assert isinstance(figures, list)
    lines = [SCALE_START, "", f"`{command}` (in process; 2 cores shared with other work, load average "
             f"{result['load_before']} → {result['load_average']}; run on {result['date']}). "
             f"Engine over {result['firms']:,} synthetic firms built in {result['build_seconds']} s "
             f"({result['groups']:,} firm groups, grouped in {result['group_seconds']} s).", "",
             "| what | p50 ms | p90 ms | CPU p50 ms | runs | naive ÷ this |", "|---|---:|---:|---:|---:|---:|"]
    for f in figures:
        ratio = f"{f['naive_over_this']}×" if f.get("naive_over_this") is not None else ""
        lines.append(f"| {f['name']} | {f['p50_ms']} | {f['p90_ms']} | {f['cpu_p50_ms']} | {f['runs']} | {ratio} |")
    lines += ["", f"The engine's top-50 holds **{result['naive_top50_found_by_engine']:.1%}** of the exhaustive "
                  f"top-50 on every one of the {result['parks']} destinations.", "", SCALE_END]
    return "\n".join(lines)


def bench_matching(
    firms: Annotated[int, typer.Option(help="合成企业数 / Synthetic firms for park → firms")] = c.BENCH_FIRMS,
    repeats: Annotated[int, typer.Option(help="每项重复次数 / Runs per figure")] = c.BENCH_REPEATS,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False,
    docs: Annotated[Path | None, typer.Option(help="写入 benchmarks.md / Write the park → firms figures into this file")] = None,
) -> None:
    """匹配基准：企业→前10园区（含解释）与园区→前50企业（精确，含朴素穷举对照）/ Matching latency benchmark."""
    from service.bench.load import PROSPECTS
    from service.matching import schemas as s
    from service.matching.commands import _engine

    load_before = [round(x, 2) for x in os.getloadavg()]
    err.print("构建引擎（初始数据）/ building the engine on the starter data …")
    engine = _engine(persist=False)
    ids = [f.id for f in engine.world.firms if f.id is not None]
    engine.recommend(firm_id=ids[0])  # warm-up
    # First views explain every pair afresh; repeat views find the pairs' evidence kept from the first.
    rec = timed(lambda n: engine.recommend(firm_id=ids[n % len(ids)], top_k=10), repeats,
                setup=engine.state.evidence.clear)
    timed(lambda n: engine.recommend(firm_id=ids[n % len(ids)], top_k=10), repeats)  # the first views
    rec_again = timed(lambda n: engine.recommend(firm_id=ids[n % len(ids)], top_k=10), repeats)

    def forget_prospects() -> None:
        engine.state.prospects.clear()
        engine.state.prospect_evidence.clear()

    def prospect(n: int) -> object:
        return engine.match(s.ProspectRequest(description=PROSPECTS[n % len(PROSPECTS)], top_k=5))

    new_text = timed(prospect, repeats, setup=forget_prospects)
    timed(prospect, len(PROSPECTS))  # the first views
    same_text = timed(prospect, repeats)
    err.print(f"构建引擎（{firms:,} 家合成企业）/ building the engine with {firms:,} synthetic firms …")
    start = time.perf_counter()
    big = scaled_engine(engine, firms)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    groups = big.state.exact.groups(big.world, big.state.firm_vecs)
    group_s = time.perf_counter() - start
    parks = [d.id for d in big.world.destinations]

    def top50(n: int) -> object:
        return big.candidates(park_id=parks[n % len(parks)], top_k=50)

    def new_data() -> None:  # as after a destination change: its bounds computed afresh, every pair explained afresh
        big.state.exact.clear()
        big.state.evidence.clear()

    top50(0)  # warm-up
    cand_new = timed(top50, repeats, setup=new_data)
    for n in range(len(parks)):  # every destination's bounds once, as after the first query on this data
        top50(n)
    cand = timed(top50, repeats, setup=big.state.evidence.clear)
    timed(top50, len(parks))  # the first views
    cand_again = timed(top50, repeats)
    err.print("朴素穷举对照 / the naive exhaustive way …")
    naive_ms = timed(lambda n: exhaustive_top(big, parks[n % len(parks)]), max(5, repeats // 5))
    found = []
    for park_id in parks:
        want = exhaustive_top(big, park_id)
        got = [item.firm.id for item in big.candidates(park_id=park_id, top_k=50).items]
        found.append(len(set(want) & set(got)) / max(1, len(want)))
    figures = [figure("firm → top-10 parks, full explanations (starter data), first view", rec),
               figure("firm → top-10 parks, full explanations (starter data), repeat view", rec_again),
               figure(f"prospect text → top-5 parks, full explanations, first view ({len(PROSPECTS)} texts)", new_text),
               figure("prospect text → top-5 parks, full explanations, repeat view (same text)", same_text),
               figure(f"park → top-50 of {firms:,} firms, exact, full explanations, first query on the destination "
                      "(its group bounds computed)", cand_new),
               figure(f"park → top-50 of {firms:,} firms, exact, full explanations, first view", cand),
               figure(f"park → top-50 of {firms:,} firms, exact, full explanations, repeat view", cand_again),
               figure(f"naive: park × all {firms:,} firms scored exactly (numpy, chunks of {c.EXACT_CHUNK:,}), "
                      "top-50, no explanations", naive_ms)]
    naive_p50 = figures[-1].p50_ms
    for f in figures[4:7]:  # park → top-50 of the same firms: the naive row's work, plus explanations
        f.naive_over_this = round(naive_p50 / f.p50_ms, 2) if f.p50_ms else None
    load = [round(x, 2) for x in os.getloadavg()]
    result: dict[str, object] = {
        "figures": [f.model_dump() for f in figures], "firms": firms, "build_seconds": round(build_s, 1),
        "groups": len(groups), "group_seconds": round(group_s, 2), "parks": len(parks),
        "naive_top50_found_by_engine": round(float(min(found)), 4), "load_before": load_before, "load_average": load,
        "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if docs is not None:
        _write_block(docs, markdown(result, f"parkmatch bench matching --firms {firms} --docs {docs}"))
    if as_json:
        print(json.dumps(result))
        return
    table = Table(title="匹配基准 / Matching benchmark")
    for column in ("项目 what", "p50 ms", "p90 ms", "CPU p50 ms", "次数 runs", "朴素÷此 naive ÷ this"):
        table.add_column(column)
    for f in figures:
        table.add_row(f.name, f"{f.p50_ms:.2f}", f"{f.p90_ms:.2f}", f"{f.cpu_p50_ms:.2f}", str(f.runs),
                      "" if f.naive_over_this is None else f"{f.naive_over_this}×")
    console.print(table)
    console.print(f"{firms:,} 家企业引擎构建 / engine build with {firms:,} firms: {build_s:.1f} s; "
                  f"分组 / grouping: {len(groups):,} groups in {group_s:.2f} s")
    console.print(f"穷举前50中被引擎找到的比例（最差目的地）/ share of the exhaustive top-50 the engine returns "
                  f"(worst destination): {min(found):.1%}")
    console.print(f"负载 / load average (1, 5, 15 min): {load_before} → {load}，CPU 数 / cpus: {os.cpu_count()}")
