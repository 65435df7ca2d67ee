"""Command functions for matching (registered on the parkmatch app): recommend, candidates, match, plan, evaluate, bench."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from pydantic import BaseModel
from rich.table import Table

from service.config import get_settings
from service.console import console, err, fail
from service.database import make_engine, make_session_factory
from service.errors import ServiceError
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.modes import DEFAULT_MODE, MODES, Mode, parse_weights, resolve_weights

if TYPE_CHECKING:  # the service pulls in faiss, jieba and the encoder: only commands that rank load it
    from service.matching.service import MatchService
    from service.matching.snapshot.world import FirmProfile

ModeOpt = Annotated[Mode, typer.Option(help="合作模式 / Mode: relocation | joint_development | market")]
WeightsOpt = Annotated[str | None, typer.Option(help="权重覆盖，如 industry_fit:0.3 / Weight overrides, e.g. industry_fit:0.3")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出与 API 相同的 JSON / Print the API's JSON")]
ExcludedOpt = Annotated[bool, typer.Option("--excluded", help="列出被排除的一方 / List excluded pairs")]


def _engine(*, firms: list[FirmProfile] | None = None, persist: bool = True) -> MatchService:
    from service.matching.service import MatchService

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    return MatchService.build(session_factory=factory, settings=settings, firms=firms, persist_index=persist)


def _print_json(model: BaseModel) -> None:
    print(json.dumps(model.model_dump(mode="json"), ensure_ascii=False, indent=2))


def _parks_table(title: str, items: list[s.RankedPark]) -> None:
    table = Table(title=title, show_lines=True)
    for column in ("#", "园区 park", "得分 score", "稳定 stab.", "最有利 helps", "最不利 drags", "净节省(万元/年) saving"):
        table.add_column(column)
    for it in items:
        net = it.cost.net_yuan
        table.add_row(str(it.rank), f"{it.park.name_zh}\n{it.park.name_en}", f"{it.score:.3f}", f"{it.stability:.0%}",
                      f"{it.helps_most.label_zh}\n{it.helps_most.label_en}", f"{it.drags_most.label_zh}\n{it.drags_most.label_en}",
                      "—" if net is None else f"{net / 10_000:,.0f}")
    console.print(table)
    if items:
        console.print(f"[bold]第一名理由 / Reason for #1[/]\n{items[0].reason_zh}\n{items[0].reason_en}")


def recommend(
    firm: Annotated[int, typer.Option("--firm", help="企业编号 / Firm id")],
    mode: ModeOpt = DEFAULT_MODE, top_k: Annotated[int, typer.Option(min=1, max=c.MAX_TOP_K)] = c.DEFAULT_TOP_K,
    weights: WeightsOpt = None, excluded: ExcludedOpt = False, as_json: JsonOpt = False,
) -> None:
    """为企业推荐园区 / Rank parks for a firm."""
    try:
        result = _engine().recommend(firm_id=firm, mode=mode, top_k=top_k, weights=parse_weights(weights),
                                     include_excluded=excluded)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    _parks_table(f"{result.firm.name_zh} → 园区 parks（{mode.value}）", result.items)


def candidates(
    park: Annotated[int, typer.Option("--park", help="园区编号 / Park id")],
    mode: ModeOpt = DEFAULT_MODE, top_k: Annotated[int, typer.Option(min=1, max=c.MAX_TOP_K)] = c.DEFAULT_CANDIDATES_TOP_K,
    town: Annotated[str | None, typer.Option(help="镇街 / Town")] = None,
    industry: Annotated[str | None, typer.Option(help="行业代码前缀 / Industry code prefix")] = None,
    min_employees: Annotated[int | None, typer.Option(help="最少员工 / Minimum employees")] = None,
    max_employees: Annotated[int | None, typer.Option(help="最多员工 / Maximum employees")] = None,
    min_score: Annotated[float, typer.Option(help="最低分 / Minimum score")] = 0.0,
    weights: WeightsOpt = None, excluded: ExcludedOpt = False, as_json: JsonOpt = False,
) -> None:
    """为园区推荐企业 / Rank firms for a park."""
    try:
        result = _engine().candidates(park_id=park, mode=mode, top_k=top_k, weights=parse_weights(weights), town=town,
                                      industry=industry, min_employees=min_employees, max_employees=max_employees,
                                      min_score=min_score, include_excluded=excluded)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    table = Table(title=f"{result.park.name_zh} ← 企业 firms（{mode.value}，精算 scored {result.considered}）")
    for column in ("#", "企业 firm", "镇街 town", "行业 industry", "员工 staff", "得分 score", "最有利 helps"):
        table.add_column(column)
    for it in result.items:
        table.add_row(str(it.rank), it.firm.name_zh, it.firm.town_name_zh or "", ",".join(it.firm.industries),
                      str(it.firm.employees), f"{it.score:.3f}", it.helps_most.label_zh)
    console.print(table)


def _industry_line(i: s.InferredIndustry) -> str:
    share = f" {i.confidence:.0%}" if i.source == "text" else ""
    return f"{i.code} {i.name_zh} / {i.name_en}{share}"


def match(
    description: Annotated[str, typer.Option(help="企业描述（中文或英文）/ Free-text description")],
    name: Annotated[str | None, typer.Option(help="企业名称 / Name")] = None,
    town: Annotated[str | None, typer.Option(help="镇街 / Town")] = None,
    employees: Annotated[int | None, typer.Option(help="员工人数 / Employees")] = None,
    land: Annotated[float | None, typer.Option(help="需地（亩）/ Land needed, 亩")] = None,
    industries: Annotated[str | None, typer.Option(
        "--industries", "--industry",
        help="行业代码，逗号分隔（不再推断）/ Industry class(es), comma-separated; given, they are not inferred")] = None,
    choose_industry: Annotated[bool, typer.Option(
        "--choose-industry",
        help="行业推断不确定时列出三个最可能的行业供选择，再按所选重排 / When the inferred industry is unsure, "
             "offer the three most likely classes and rank again with the one chosen")] = False,
    mode: ModeOpt = DEFAULT_MODE, top_k: Annotated[int, typer.Option(min=1, max=c.MAX_TOP_K)] = c.DEFAULT_TOP_K,
    weights: WeightsOpt = None, excluded: ExcludedOpt = False, as_json: JsonOpt = False,
) -> None:
    """意向企业匹配园区（自由文本）/ Rank parks for a prospect described in free text."""
    try:
        request = s.ProspectRequest(description=description, name=name, town=town, employees=employees, land_mu=land,
                                    industries=[i.strip() for i in industries.split(",")] if industries else None,
                                    mode=mode, top_k=top_k, weights=parse_weights(weights) or None,
                                    include_excluded=excluded)
        engine = _engine()
        result = engine.match(request)
        if result.industry_unsure and choose_industry:
            err.print("行业推断不确定，请选择 / The industry is unsure; choose one:")
            for n, choice in enumerate(result.industry_choices, start=1):
                err.print(f"  {n}) {_industry_line(choice)}")
            # The prompt goes to stderr, so --json still prints only the answer on stdout.
            picked = typer.prompt("编号 / number", default=1, type=int, err=True)
            while not 1 <= picked <= len(result.industry_choices):
                picked = typer.prompt(f"请输入 1–{len(result.industry_choices)} / enter 1–{len(result.industry_choices)}",
                                      default=1, type=int, err=True)
            code = result.industry_choices[picked - 1].code
            result = engine.match(request.model_copy(update={"industries": [code]}))
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    console.print("推断行业 / inferred industries: " + ("，".join(_industry_line(i) for i in result.industries) or "—"))
    if result.industry_unsure:
        console.print("[yellow]行业推断不确定，排序暂不计行业匹配；可用 --industry 代码 指定，或加 --choose-industry 选择 / "
                      "the industry is unsure, so the ranking leaves industry fit out; give one with --industry CODE "
                      "or choose with --choose-industry:[/]")
        for n, choice in enumerate(result.industry_choices, start=1):
            console.print(f"  {n}) {_industry_line(choice)}")
    console.print("推断资源 / inferred resources: " + "，".join(f"{r.code} {r.name_zh}" for r in result.resources))
    _parks_table("意向企业 → 园区 / Prospect → parks", result.items)


def plan(
    mode: ModeOpt = DEFAULT_MODE,
    max_per_park: Annotated[int | None, typer.Option(help="每园区企业上限 / Cap on firms per park")] = None,
    min_score: Annotated[float, typer.Option(help="最低分 / Minimum score")] = 0.0,
    firms: Annotated[str | None, typer.Option(help="企业编号，逗号分隔（默认全部）/ Firm ids, comma-separated")] = None,
    weights: WeightsOpt = None, as_json: JsonOpt = False,
) -> None:
    """组合方案：在园区可用地约束下分配企业 / Portfolio plan under each park's free land."""
    from service.matching.plan import make_plan

    try:
        request = s.PlanRequest(mode=mode, max_firms_per_park=max_per_park, min_score=min_score,
                                firm_ids=[int(x) for x in firms.split(",")] if firms else None,
                                weights=parse_weights(weights) or None)
        result = make_plan(engine=_engine(), request=request)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    table = Table(title=f"组合方案 Plan（{result.method}，总分 total {result.total_score:.2f}，"
                        f"贪心 greedy {result.greedy_total_score:.2f}，提升 gain {result.gain_over_greedy:+.2f}）")
    for column in ("园区 park", "可用地 free 亩", "已用 used 亩", "企业 firms"):
        table.add_column(column)
    for use in result.parks:
        table.add_row(use.park.name_zh, "—" if use.free_land_mu is None else f"{use.free_land_mu:,.0f}",
                      f"{use.used_land_mu:,.1f}", str(use.firms))
    console.print(table)
    console.print(f"未分配 / unassigned: {len(result.unassigned)}")


def evaluate(
    cases: Annotated[Path, typer.Option("--cases", help="案例文件 / Cases file (YAML)")] = Path("data/eval/dev.yaml"),
    industries: Annotated[Path | None, typer.Option(
        "--industries", help="行业推断标注集 / Labelled industry-inference file (YAML)")] = Path("data/eval/industries.yaml"),
    fit: Annotated[bool, typer.Option(
        "--fit", help="先在调参部分重新拟合推断权重并打印 / Refit the inference weights on the tuning split first")] = False,
    as_json: JsonOpt = False,
) -> None:
    """评估排序质量（对比基线与因子消融）与行业推断准确率及校准 / Ranking quality against baselines and ablations,
    and industry-inference accuracy and calibration on the tuning and held-out splits."""
    from service.matching.evaluate import evaluate as run
    from service.matching.evaluate import (
        evaluate_inference,
        load_cases,
        load_industry_cases,
        print_inference_report,
        print_report,
    )

    try:
        engine = _engine()
        report = run(engine=engine, cases=load_cases(cases))
        inference = (evaluate_inference(engine=engine, cases=load_industry_cases(industries), fit=fit)
                     if industries is not None else None)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        body = report.model_dump(mode="json")
        body["inference"] = inference.model_dump(mode="json") if inference is not None else None
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return
    print_report(report, console, title=str(cases))
    if inference is not None:
        print_inference_report(inference, console, title=str(industries))


def synthetic_firms(base: list[FirmProfile], *, count: int, seed: int = c.SEED) -> list[FirmProfile]:
    """Sample and perturb starter firms into ``count`` benchmark firms; names and texts are kept so encodings come from the cache."""
    from service.matching.snapshot.world import FirmProfile

    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(base), size=count)
    scale = rng.uniform(0.7, 1.3, size=(count, 3))
    out = []
    for n, (i, k) in enumerate(zip(picks, scale, strict=True), start=1):
        f = base[int(i)]
        out.append(FirmProfile(
            id=n, name_zh=f.name_zh, name_en=f.name_en, town=f.town, industries=f.industries, products=f.products,
            description_zh=f.description_zh, description_en=f.description_en,
            employees=max(1, int((f.employees or 100) * k[0])),
            revenue_10k_yuan=None if f.revenue_10k_yuan is None else f.revenue_10k_yuan * k[1],
            land_mu=None if f.land_mu is None else f.land_mu * k[2], electricity_kwh=f.electricity_kwh, inputs=f.inputs,
            env_category=f.env_category, expansion=bool(rng.random() < 0.3), synthetic=True,
        ))
    return out


class BenchFigure(BaseModel):
    name: str
    p50_ms: float
    p90_ms: float
    cpu_p50_ms: float  # process CPU time per call: on a shared machine, wall time also counts waiting for a core
    runs: int
    naive_over_this: float | None = None  # naive p50 ÷ this p50, for the rows doing the naive row's work


def _naive_candidates(
    engine: MatchService, parks: list[int], repeats: int,
    timed: Callable[[Callable[[int], object], int], tuple[list[float], list[float]]],
) -> tuple[tuple[list[float], list[float]], float]:
    """The naive way: every firm scored exactly against the park (no index, no pre-score), then the top 50.

    Returns its timings and the share of its top-50 that the engine's own top-50 holds.
    """
    from service.matching.retrieval.candidates import make_batch
    from service.matching.scoring.ranker import score

    world = engine.world
    state = engine.state  # the benchmark reads the same arrays the service scores
    rows = np.arange(len(world.firm_arrays), dtype=np.intp)
    weights = resolve_weights(mode=DEFAULT_MODE)

    def exhaustive(n: int) -> list[int]:
        p = world.dest_row[parks[n % len(parks)]]
        batch = make_batch(world, world.firm_arrays, np.full(len(rows), p, dtype=np.intp),
                           (state.firm_vecs @ state.dest_vecs[p]).astype(np.float64),
                           lambda i: (world.firms[i].name_zh, world.firms[i].name_en))
        scored = score(batch, constraints=MODES[DEFAULT_MODE].constraints, weights=weights, tiebreak=state.firm_ids)
        return [int(state.firm_ids[i]) for i in scored.order[:50]]

    timings = timed(exhaustive, max(5, repeats // 5))
    found = []
    for n in range(len(parks)):
        want = set(exhaustive(n))
        got = {item.firm.id for item in engine.candidates(park_id=parks[n], top_k=50).items}
        found.append(len(want & got) / max(1, len(want)))
    return timings, float(np.mean(found))


def bench_matching(
    firms: Annotated[int, typer.Option(help="合成企业数 / Synthetic firms for park → firms")] = c.BENCH_FIRMS,
    repeats: Annotated[int, typer.Option(help="每项重复次数 / Runs per figure")] = c.BENCH_REPEATS,
    as_json: JsonOpt = False,
) -> None:
    """匹配基准：企业→前10园区（含解释）与园区→前50企业（10万家）的 p50 / Matching latency benchmark."""
    def timed(fn: Callable[[int], object], runs: int,
              setup: Callable[[], object] | None = None) -> tuple[list[float], list[float]]:
        wall, cpu = [], []
        for n in range(runs):
            if setup is not None:
                setup()
            start, start_cpu = time.perf_counter(), time.process_time()
            fn(n)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        return wall, cpu

    def figure(name: str, ms: tuple[list[float], list[float]]) -> BenchFigure:
        wall, cpu = ms
        return BenchFigure(name=name, p50_ms=round(statistics.median(wall), 2),
                           p90_ms=round(sorted(wall)[int(0.9 * (len(wall) - 1))], 2),
                           cpu_p50_ms=round(statistics.median(cpu), 2), runs=len(wall))

    err.print("构建引擎（初始数据）/ building the engine on the starter data …")
    engine = _engine(persist=False)
    ids = [f.id for f in engine.world.firms if f.id is not None]
    engine.recommend(firm_id=ids[0])  # warm-up
    # First views explain every pair afresh; repeat views find the pairs' evidence kept from the first.
    rec = timed(lambda n: engine.recommend(firm_id=ids[n % len(ids)], top_k=10), repeats,
                setup=engine.state.evidence.clear)
    timed(lambda n: engine.recommend(firm_id=ids[n % len(ids)], top_k=10), repeats)  # the first views
    rec_again = timed(lambda n: engine.recommend(firm_id=ids[n % len(ids)], top_k=10), repeats)
    from service.bench.load import PROSPECTS

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
    big = _engine(firms=synthetic_firms(engine.world.firms, count=firms), persist=False)
    build_s = time.perf_counter() - start
    parks = [d.id for d in big.world.destinations]
    big.candidates(park_id=parks[0], top_k=50)  # warm-up
    def new_data() -> None:  # as after a firm changes: every firm scored afresh, every pair explained afresh
        big.state.exact.clear()
        big.state.evidence.clear()

    cand_new = timed(lambda n: big.candidates(park_id=parks[n % len(parks)], top_k=50), repeats, setup=new_data)
    for park_id in parks:  # every firm scored once per park, as after the first query on this data
        big.candidates(park_id=park_id, top_k=50)
    cand = timed(lambda n: big.candidates(park_id=parks[n % len(parks)], top_k=50), repeats,
                 setup=big.state.evidence.clear)
    timed(lambda n: big.candidates(park_id=parks[n], top_k=50), len(parks))  # the first views
    cand_again = timed(lambda n: big.candidates(park_id=parks[n % len(parks)], top_k=50), repeats)
    naive_ms, overlap = _naive_candidates(big, parks, repeats, timed)
    figures = [figure("firm → top-10 parks, full explanations (starter data), first view", rec),
               figure("firm → top-10 parks, full explanations (starter data), repeat view", rec_again),
               figure(f"prospect text → top-5 parks, full explanations, first view ({len(PROSPECTS)} texts)", new_text),
               figure("prospect text → top-5 parks, full explanations, repeat view (same text)", same_text),
               figure(f"park → top-50 of {firms:,} firms, full explanations, first query after a data change", cand_new),
               figure(f"park → top-50 of {firms:,} firms, full explanations, first view", cand),
               figure(f"park → top-50 of {firms:,} firms, full explanations, repeat view", cand_again),
               figure(f"naive: park × all {firms:,} firms scored exactly (numpy cross-join), top-50, no explanations",
                      naive_ms)]
    naive_p50 = figures[-1].p50_ms
    for f in figures[4:7]:  # park → top-50 of the same firms: the naive row's work, plus explanations
        f.naive_over_this = round(naive_p50 / f.p50_ms, 2) if f.p50_ms else None
    load = [round(x, 2) for x in os.getloadavg()]
    if as_json:
        print(json.dumps({"figures": [f.model_dump() for f in figures], "build_seconds_100k": round(build_s, 1),
                          "naive_top50_found_by_engine": round(overlap, 4),
                          "load_average": load, "cpus": os.cpu_count()}))
        return
    table = Table(title="匹配基准 / Matching benchmark")
    for column in ("项目 what", "p50 ms", "p90 ms", "CPU p50 ms", "次数 runs", "朴素÷此 naive ÷ this"):
        table.add_column(column)
    for f in figures:
        table.add_row(f.name, f"{f.p50_ms:.2f}", f"{f.p90_ms:.2f}", f"{f.cpu_p50_ms:.2f}", str(f.runs),
                      "" if f.naive_over_this is None else f"{f.naive_over_this}×")
    console.print(table)
    console.print(f"{firms:,} 家企业引擎构建 / engine build with {firms:,} firms: {build_s:.1f} s")
    console.print(f"穷举前50中被引擎候选找到的比例 / share of the exhaustive top-50 the engine returns: {overlap:.1%}")
    console.print(f"负载 / load average (1, 5, 15 min): {load}，CPU 数 / cpus: {os.cpu_count()}")


def bench_concurrency(
    firms: Annotated[int, typer.Option(help="合成企业数 / Synthetic firms")] = c.BENCH_FIRMS,
    requests: Annotated[int, typer.Option(min=1, max=1000, help="并发推荐请求数 / Concurrent recommendations")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """并发基准：园区首次查看（全量精确打分）期间，其他排序请求多等多久 / Extra wait of concurrent ranking
    requests while one destination's first view runs."""
    from service.bench.concurrency import run

    err.print(f"构建引擎（{firms:,} 家合成企业）/ building the engine with {firms:,} synthetic firms …")
    base = _engine(persist=False)
    service = _engine(firms=synthetic_firms(base.world.firms, count=firms), persist=False)
    result = run(service, requests=requests)
    if as_json:
        print(json.dumps(result))
        return
    table = Table(title=f"并发 / Concurrency: {result['requests']} recommendations, {result['threads']} threads, "
                        f"{result['firms']:,} firms")
    for column in ("项目 what", "p50 ms", "max ms"):
        table.add_column(column)
    table.add_row("单独 alone", str(result["alone_p50_ms"]), str(result["alone_max_ms"]))
    table.add_row("与首次查看并行 beside a first view", str(result["beside_p50_ms"]), str(result["beside_max_ms"]))
    table.add_row("多等 extra wait", str(result["extra_p50_ms"]), str(result["extra_max_ms"]))
    console.print(table)
    console.print(f"首次查看 / first view of one destination: alone {result['first_view_alone_ms']} ms, "
                  f"beside the requests {result['first_view_beside_ms']} ms")
    verdict = "≤ 50 ms ✓" if result["extra_max_ms"] <= 50 else "> 50 ms ✗"
    console.print(f"最长多等 / longest extra wait: {result['extra_max_ms']} ms ({verdict})")
