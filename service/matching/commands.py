"""Command functions for matching (registered on the parkmatch app): recommend, candidates, match, plan, evaluate, bench concurrency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import BaseModel
from rich.table import Table

from service.config import get_settings
from service.console import at_command_end, command_sessions, console, err, fail
from service.errors import ServiceError
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.limits import check_min_score, check_top_k
from service.matching.modes import DEFAULT_MODE, Mode, parse_weights, resolve_weights

if TYPE_CHECKING:  # the service pulls in faiss, jieba and the encoder: only commands that rank load it
    from service.matching.service import MatchService
    from service.matching.snapshot.world import FirmProfile

ModeOpt = Annotated[Mode, typer.Option(help="合作模式 / Mode: relocation | joint_development | market | labour")]
WeightsOpt = Annotated[str | None, typer.Option(help="权重覆盖，如 industry_fit:0.3 / Weight overrides, e.g. industry_fit:0.3")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出与 API 相同的 JSON / Print the API's JSON")]
# Ranges are checked by the service (limits.py): the CLI and the API refuse a bad value with one message.
TopKOpt = Annotated[int, typer.Option(help=f"返回条数 1–{c.MAX_TOP_K} / Items to return, 1–{c.MAX_TOP_K}")]
MinScoreOpt = Annotated[float, typer.Option(help="最低分 0–100（与显示的匹配度同一尺度）/ Minimum score on 0–100, the scale "
                                                 "scores are shown on")]
ExcludedOpt = Annotated[bool, typer.Option("--excluded", help="列出被排除的一方 / List excluded pairs")]


def _engine(*, firms: list[FirmProfile] | None = None, persist: bool = True) -> MatchService:
    """The ranking engine: the one saved for the database as it stands when there is one (found without
    SQLAlchemy on SQLite), else loaded or built through the database."""
    from service.matching.service import MatchService

    settings = get_settings()
    if firms is None and persist:
        saved = MatchService.open_saved(settings)
        if saved is not None:
            at_command_end(saved.close)  # the engine it connects with, when it reads the database
            return saved
    return MatchService.build(session_factory=command_sessions(settings.database_url), settings=settings, firms=firms,
                              persist_index=persist)


def _print_json(model: BaseModel) -> None:
    # pydantic's own serializer: the same text as json.dumps(..., ensure_ascii=False, indent=2), whose indented
    # form runs in pure Python (50 ms for a park's fifty leads)
    print(model.model_dump_json(indent=2))


def _parks_table(title: str, items: list[s.RankedPark]) -> None:
    table = Table(title=title, show_lines=True)
    # The money column follows the mode's cost model: a move's net saving, a purchase's freight, the workers' pay.
    money = (f"{items[0].cost.net_label_zh}(万元/年)\n{items[0].cost.net_label_en}" if items
             else "净节省(万元/年) saving")
    for column in ("#", "目的地 destination", "得分 score", "稳定 stab.", "最有利 helps", "最不利 drags", money):
        table.add_column(column)
    for it in items:
        shown = it.cost.shown_yuan()
        table.add_row(str(it.rank), f"{it.park.name_zh}\n{it.park.name_en}", f"{it.score:.0f}", f"{it.stability:.0%}",
                      f"{it.helps_most.label_zh}\n{it.helps_most.label_en}", f"{it.drags_most.label_zh}\n{it.drags_most.label_en}",
                      "—" if shown is None else f"{shown / 10_000:,.1f}")
    console.print(table)
    if items:
        console.print(f"[bold]第一名理由 / Reason for #1[/]\n{items[0].reason_zh}\n{items[0].reason_en}")


def recommend(
    firm: Annotated[int, typer.Option("--firm", help="企业编号 / Firm id")],
    mode: ModeOpt = DEFAULT_MODE, top_k: TopKOpt = c.DEFAULT_TOP_K,
    weights: WeightsOpt = None, excluded: ExcludedOpt = False, as_json: JsonOpt = False,
) -> None:
    """为企业推荐园区 / Rank parks for a firm."""
    try:
        check_top_k(top_k)
        resolve_weights(mode=mode, overrides=parse_weights(weights))  # refuse bad values before the engine loads
        result = _engine().recommend(firm_id=firm, mode=mode, top_k=top_k, weights=parse_weights(weights),
                                     include_excluded=excluded)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    _parks_table(f"{result.firm.name_zh} → 目的地 destinations（{mode.value}）", result.items)


def candidates(
    park: Annotated[int, typer.Option("--park", help="园区编号 / Park id")],
    mode: ModeOpt = DEFAULT_MODE, top_k: TopKOpt = c.DEFAULT_CANDIDATES_TOP_K,
    town: Annotated[str | None, typer.Option(help="镇街 / Town")] = None,
    industry: Annotated[str | None, typer.Option(help="行业代码前缀 / Industry code prefix")] = None,
    min_employees: Annotated[int | None, typer.Option(help="最少员工 / Minimum employees")] = None,
    max_employees: Annotated[int | None, typer.Option(help="最多员工 / Maximum employees")] = None,
    min_score: MinScoreOpt = 0.0,
    weights: WeightsOpt = None, excluded: ExcludedOpt = False, as_json: JsonOpt = False,
) -> None:
    """为园区推荐企业 / Rank firms for a park."""
    try:
        check_top_k(top_k)
        check_min_score(min_score)
        resolve_weights(mode=mode, overrides=parse_weights(weights))
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
                      str(it.firm.employees), f"{it.score:.0f}", it.helps_most.label_zh)
    console.print(table)
    if not result.items:
        console.print(f"没有企业达到最低分 {min_score:g}（匹配度 0–100）/ no firm reaches the minimum score {min_score:g} (scores run 0–100)")


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
    mode: ModeOpt = DEFAULT_MODE, top_k: TopKOpt = c.DEFAULT_TOP_K,
    weights: WeightsOpt = None, excluded: ExcludedOpt = False, as_json: JsonOpt = False,
    buys: Annotated[str | None, typer.Option(
        help="采购的产品（市场合作），如 猕猴桃:800:吨;茶 / Products bought (market), e.g. kiwifruit:800:t;tea")] = None,
    vacancies: Annotated[str | None, typer.Option(
        help="招工需求（劳务协作），如 200:装配工:2-4 / Vacancies (labour), e.g. 200:assembler:2-4")] = None,
) -> None:
    """意向企业匹配目的地（自由文本）/ Rank destinations for a prospect described in free text."""
    from service.matching.prospect_fields import FieldProblem, prospect_buys, prospect_vacancies

    try:
        bought = []
        if buys:  # names and units as staff write them (猕猴桃:300:吨), resolved as the web form does
            from service.catalog.service import lookup
            from service.database import unit_of_work

            with unit_of_work(command_sessions()) as session:
                bought = prospect_buys(buys, lookup(session=session))
        openings = prospect_vacancies(vacancies or "")
        request = s.ProspectRequest(description=description, name=name, town=town, employees=employees, land_mu=land,
                                    industries=[i.strip() for i in industries.split(",")] if industries else None,
                                    mode=mode, top_k=top_k, weights=parse_weights(weights) or None,
                                    include_excluded=excluded, buys=bought,
                                    vacancies=openings)
        check_top_k(top_k)
        resolve_weights(mode=mode, overrides=request.weights)  # refuse bad values before the engine loads
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
    except FieldProblem as exc:  # a --buys or --vacancies entry that does not read, named in both languages
        err.print(f"[red]错误 / Error:[/] {exc.message}")
        raise typer.Exit(2) from None
    except ValueError as exc:  # a ValidationError naming the field
        err.print(f"[red]错误 / Error:[/] {exc}")
        raise typer.Exit(2) from None
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
    read = [f"{f.label_zh} {f.value:g} {f.unit}（“{f.quote}”{'' if f.used else '，以填写的字段为准 / the field given wins'}）"
            for f in result.read_from_text] + [f"{cue.label_zh} / {cue.label_en}（“{cue.quote}”）" for cue in result.cues]
    if read:
        console.print("从描述中读取 / read from your text: " + "；".join(read))
    _parks_table("意向企业 → 目的地 / Prospect → destinations", result.items)


def buyers(
    product: Annotated[str, typer.Argument(help="产品：资源代码或名称，如 kiwifruit 或 猕猴桃 / Product code or name")],
    top_k: TopKOpt = c.DEFAULT_CANDIDATES_TOP_K, as_json: JsonOpt = False,
) -> None:
    """产品的中山采购方（市场合作）/ Zhongshan buyers of a Liupanshui product (market cooperation)."""
    from service.matching.buyers import product_buyers

    try:
        result = product_buyers(engine=_engine(), product=product, top_k=top_k)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    table = Table(title=f"{result.product.name_zh} / {result.product.name_en} → 中山采购方 Zhongshan buyers", show_lines=True)
    for column in ("#", "企业 firm", "年采购 yearly", "依据 basis", "最佳货源 best supplier", "得分 score"):
        table.add_column(column)
    for it in result.items:
        qty = "—" if it.quantity is None else f"{it.quantity.value:,.0f} {it.quantity.unit}"
        best = "—" if it.best_supplier is None else f"{it.best_supplier.name_zh}\n{it.best_supplier.name_en}"
        basis = "企业填报 stated" if it.basis == "stated" else "按行业推断 inferred"
        table.add_row(str(it.rank), f"{it.firm.name_zh}\n{it.firm.name_en}", qty, basis, best, f"{it.score:.0f}")
    console.print(table)


def plan(
    mode: ModeOpt = DEFAULT_MODE,
    max_per_park: Annotated[int | None, typer.Option(help="每园区企业上限 / Cap on firms per park")] = None,
    min_score: MinScoreOpt = 0.0,
    firms: Annotated[str | None, typer.Option(help="企业编号，逗号分隔（默认全部）/ Firm ids, comma-separated")] = None,
    weights: WeightsOpt = None, as_json: JsonOpt = False,
) -> None:
    """组合方案：在园区可用地约束下分配企业 / Portfolio plan under each park's free land."""
    from service.matching.plan import make_plan

    try:
        request = s.PlanRequest(mode=mode, max_firms_per_park=max_per_park, min_score=min_score,
                                firm_ids=[int(x) for x in firms.split(",")] if firms else None,
                                weights=parse_weights(weights) or None)
        check_min_score(min_score)
        resolve_weights(mode=mode, overrides=request.weights)
        result = make_plan(engine=_engine(), request=request)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    table = Table(title=f"组合方案 Plan（{result.method}，总分 total {result.total_score:.1f}，"
                        f"贪心 greedy {result.greedy_total_score:.1f}，提升 gain {result.gain_over_greedy:+.1f}）")
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


def bench_concurrency(
    firms: Annotated[int, typer.Option(help="合成企业数 / Synthetic firms")] = c.BENCH_FIRMS,
    requests: Annotated[int, typer.Option(min=1, max=1000, help="并发推荐请求数 / Concurrent recommendations")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """并发基准：园区首次查看（全量精确打分）期间，其他排序请求多等多久 / Extra wait of concurrent ranking
    requests while one destination's first view runs."""
    from service.bench.concurrency import run
    from service.bench.matching import synthetic_firms

    err.print(f"构建引擎（{firms:,} 家合成企业）/ building the engine with {firms:,} synthetic firms …")
    base = _engine(persist=False)
    service = _engine(firms=synthetic_firms(base.world.firms, count=firms), persist=False)
    result = run(service, requests=requests)
    if as_json:
        print(json.dumps(result))
        return
    table = Table(title=f"并发 / Concurrency: {result['requests']} recommendations, {result['threads']} threads, "
                        f"{result['firms']:,} firms, median of {result['rounds']} rounds")
    for column in ("项目 what", "p50 ms", "max ms"):
        table.add_column(column)
    table.add_row("单独 alone", str(result["alone_p50_ms"]), str(result["alone_max_ms"]))
    table.add_row("与首次查看并行 beside a first view", str(result["beside_p50_ms"]), str(result["beside_max_ms"]))
    table.add_row("多等 extra wait", str(result["extra_p50_ms"]), str(result["extra_max_ms"]))
    console.print(table)
    console.print(f"首次查看 / first view of one destination: alone {result['first_view_alone_ms']} ms, "
                  f"beside the requests {result['first_view_beside_ms']} ms")
    verdict = "≤ 50 ms ✓" if result["extra_max_ms"] <= 50 else "> 50 ms ✗"
    console.print(f"批次最慢请求多等 / extra wait of the batch's slowest request: {result['extra_max_ms']} ms ({verdict})")
