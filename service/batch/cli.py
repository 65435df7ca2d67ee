"""`parkmatch batch score`: every firm × destination pair of a mode, on Ray or in process, to Parquet and the database."""

from __future__ import annotations

import json
import os
import random
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.console import console, err

if TYPE_CHECKING:
    from service.batch.engines import BatchResult, FirmSource
    from service.batch.scoring import ScoringSpec
    from service.matching.retrieval.index import EngineIndex

batch_app = typer.Typer(help="批量打分（Ray 或本机）/ Batch scoring on Ray or in process", no_args_is_help=True)


class Engine(StrEnum):
    ray = "ray"
    local = "local"


def _check_sample(index: EngineIndex, source: FirmSource, spec: ScoringSpec, result: BatchResult, sample: int) -> float:
    """Share of sampled firms whose batch top N is the in-process service's ranking (same ids, same order)."""
    import dataclasses

    from service.bench.matching import scaled_index, synthetic_profile
    from service.matching.service import MatchService
    from service.matching.snapshot.build import profile_arrays

    positions = sorted(random.Random(20210217).sample(range(len(source)), min(sample, len(source))))
    world = source.world
    if source.picks is not None and source.scale is not None and source.expand is not None:
        firms = [synthetic_profile(world.firms[int(source.picks[i])], i + 1, source.scale[i], bool(source.expand[i]))
                 for i in positions]
        vecs = source.vecs[source.picks[positions]]
    else:
        firms = [world.firms[i] for i in positions]
        vecs = source.vecs[positions]
    small = dataclasses.replace(world, firms=firms, firm_arrays=profile_arrays(world, firms),
                                firm_row={f.id: n for n, f in enumerate(firms) if f.id is not None})
    service = MatchService(world=small, index=scaled_index(index, vecs))
    top = result.firm_top
    same = 0
    for firm in firms:
        assert firm.id is not None
        want = [it.park.id for it in service.recommend(firm_id=firm.id, mode=spec.mode, weights=dict(spec.weights),
                                                       top_k=spec.top_n).items]
        same += int(want == top["destination_id"][top["firm_id"] == firm.id].tolist())
    return same / max(1, len(firms))


@batch_app.command("score")
def score(
    out: Annotated[Path, typer.Option("--out", help="Parquet 输出目录 / Folder for the Parquet files")],
    engine: Annotated[Engine, typer.Option(help="ray：ray.data（本机自动启动或 --address 集群）；local：本进程 / "
                                                "ray: ray.data (a local Ray, or a cluster at --address); local: this process")] = Engine.ray,
    mode: Annotated[str, typer.Option(help="合作模式 / Mode: relocation | joint_development | market")] = "relocation",
    top: Annotated[int, typer.Option(min=1, max=200, help="每个企业和每个目的地保留前 N / Keep each side's top N")] = 10,
    firms: Annotated[int, typer.Option(min=0, help="合成企业数（0 = 数据库中的企业）/ Synthetic firms (0 = the database's)")] = 0,
    address: Annotated[str | None, typer.Option(help="Ray 集群地址 / Ray cluster address (ray://… or host:port)")] = None,
    block: Annotated[int, typer.Option(min=16, help="每批企业数 / Firms per block")] = 1024,
    sample: Annotated[int, typer.Option(min=0, help="与进程内精确打分核对的企业数 / Firms checked against the in-process scorer")] = 200,
    save: Annotated[bool, typer.Option("--db/--no-db", help="写入数据库 / Store the lists in the database")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False,
) -> None:
    """为一组企业与全部目的地打分，写出双方前 N 名 / Score every firm × destination pair; write both sides' top N."""
    from service.batch.engines import FirmSource, run_local, run_ray
    from service.batch.scoring import ScoringSpec
    from service.batch.store import save_run, write_parquet
    from service.bench.matching import synthetic_plan
    from service.console import fail
    from service.database import unit_of_work
    from service.errors import ServiceError
    from service.events import latest_change_id
    from service.matching.commands import _engine
    from service.matching.errors import InvalidWeights
    from service.matching.modes import Mode, resolve_weights

    try:
        chosen = Mode(mode)
    except ValueError:
        fail(InvalidWeights(f"未知模式 {mode}（可用：{', '.join(m.value for m in Mode)}）/ unknown mode {mode} "
                            f"(known: {', '.join(m.value for m in Mode)})"))
        return
    load_before = [round(x, 2) for x in os.getloadavg()]
    err.print("构建引擎 / building the engine …")
    base = _engine(persist=False)
    assert base.session_factory is not None
    with unit_of_work(base.session_factory) as session:
        change_id = latest_change_id(session)
    world, vecs = base.world, base.state.firm_vecs
    if firms:
        picks, scale, expand = synthetic_plan(firms, len(world.firms))
        source = FirmSource(world=world, vecs=vecs, picks=picks, scale=scale, expand=expand)
    else:
        source = FirmSource(world=world, vecs=vecs)
    spec = ScoringSpec(world=world, dest_vecs=base.state.dest_vecs, mode=chosen, weights=resolve_weights(mode=chosen),
                       top_n=top)
    err.print(f"打分 / scoring {len(source):,} firms × {len(spec.dest_rows())} destinations on {engine.value} …")
    try:
        result = run_ray(source, spec, block=block, address=address) if engine is Engine.ray \
            else run_local(source, spec, block=block)
    except RuntimeError as exc:
        fail(ServiceError(str(exc)))
        return
    paths = write_parquet(result, out)
    run_id = None
    write_s = 0.0
    if save:
        start = time.perf_counter()
        with unit_of_work(base.session_factory) as session:
            run_id = save_run(session, result, mode=chosen, engine=engine.value, source=source.kind, top_n=top,
                              change_id=change_id)
        write_s = time.perf_counter() - start
    agree = _check_sample(base.retrieval, source, spec, result, sample) if sample else None
    report = {"engine": engine.value, "firms": result.firms, "destinations": len(spec.dest_rows()),
              "pairs": result.pairs, "seconds": round(result.seconds, 2),
              "pairs_per_s": round(result.pairs / result.seconds) if result.seconds else None,
              "firms_per_s": round(result.firms / result.seconds) if result.seconds else None,
              "db_write_seconds": round(write_s, 2), "run_id": run_id, "parquet": [str(p) for p in paths],
              "sample": sample, "sample_identical_share": agree, "load_before": load_before,
              "load_after": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    if as_json:
        print(json.dumps(report))
        return
    console.print(f"{result.firms:,} 家企业 × {report['destinations']} 个目的地 = {result.pairs:,} 对，用时 "
                  f"{result.seconds:.1f} s：[bold]{report['pairs_per_s']:,} 对/秒[/]（{report['firms_per_s']:,} 企业/秒）/ "
                  f"{result.firms:,} firms × {report['destinations']} destinations = {result.pairs:,} pairs in "
                  f"{result.seconds:.1f} s: {report['pairs_per_s']:,} pairs/s ({engine.value})")
    console.print("Parquet: " + ", ".join(report["parquet"]))  # type: ignore[arg-type]
    if run_id is not None:
        console.print(f"数据库批次 / database run {run_id} ({write_s:.1f} s)")
    if agree is not None:
        console.print(f"抽样 {sample} 家企业的前 {top} 名与进程内精确打分一致的比例 / sampled firms whose top {top} equals "
                      f"the in-process exact scorer's: {agree:.1%}")
    console.print(f"负载 / load average: {load_before} → {report['load_after']}，CPU 数 / cpus: {os.cpu_count()}")
