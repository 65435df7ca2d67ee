"""The parkmatch command line: set up, load, inspect, import, export and serve."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import typer
from rich.table import Table
from typer import _click as click
from typer.core import TyperGroup

if TYPE_CHECKING:
    import networkx as nx
    from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings, get_settings
from service.console import command_sessions, console, end_command, err, fail
from service.errors import ServiceError


class _LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands, where those named in ``lazy`` ("module:attribute") are imported when first looked up.

    A ranking command is over in about a second: importing the modules of every other command (briefs, batch,
    benchmarks) and turning each of their functions into a command would be a good part of it. ``--help`` and
    shell completion list every command and so load them all."""

    def __init__(self, loaded: MutableMapping[str, click.Command], lazy: dict[str, str], *, markup: Any) -> None:
        self._loaded = dict(loaded)
        self._lazy = {name: spec for name, spec in lazy.items() if name not in self._loaded}
        self._markup = markup

    def _load(self, name: str) -> click.Command:
        module, _, attribute = self._lazy[name].partition(":")
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):  # a group of its own (its help and commands come with it)
            command: click.Command = typer.main.get_group(target)
        else:
            holder = typer.Typer(add_completion=False, rich_markup_mode=self._markup)
            holder.command(name)(target)
            command = typer.main.get_command(holder)
        command.name = name
        return command

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded and name in self._lazy:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._lazy.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._loaded
        yield from (name for name in self._lazy if name not in self._loaded)

    def __len__(self) -> int:
        return len(set(self._loaded) | set(self._lazy))

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._lazy


class _LazyGroup(TyperGroup):
    """A Typer group over ``_LazyCommands``; ``lazy_group`` makes one with its table of commands."""

    lazy: ClassVar[dict[str, str]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(self.commands, self.lazy, markup=self.rich_markup_mode)


def lazy_group(**lazy: str) -> type[TyperGroup]:
    """A group class whose commands ``lazy`` (name = "module:attribute", a command function or a Typer app) are
    imported only when the command is run or listed."""
    return type("LazyGroup", (_LazyGroup,), {"lazy": lazy})


app = typer.Typer(
    help="ParkMatch 园区匹配：中山企业与六盘水园区的匹配工具 / Match Zhongshan firms to Liupanshui parks.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,  # locals can hold keys and personal data
    cls=lazy_group(
        recommend="service.matching.commands:recommend",
        candidates="service.matching.commands:candidates",
        match="service.matching.commands:match",
        buyers="service.matching.commands:buyers",
        plan="service.matching.commands:plan",
        evaluate="service.matching.commands:evaluate",
        brief="service.briefs.cli:brief",
        batch="service.batch.cli:batch_app",
    ),
)
data_app = typer.Typer(help="初始数据 / Starter dataset", no_args_is_help=True)
firms_app = typer.Typer(help="企业 / Firms", no_args_is_help=True)
parks_app = typer.Typer(help="园区 / Parks", no_args_is_help=True)
import_app = typer.Typer(help="导入 / Import", no_args_is_help=True)
export_app = typer.Typer(help="导出 / Export", no_args_is_help=True)


@app.callback()
def _around_every_command(context: typer.Context) -> None:
    """Before any command: structured logs on stderr at the configured level (warnings by default), so a command's
    stdout holds only what it prints (``--json`` stays parseable). After it: its database connections close."""
    from service.logs import configure

    context.call_on_close(end_command)

    try:
        level = get_settings().log_level
    except Exception:  # a bad setting is reported by the command that reads it, not here
        level = "WARNING"
    configure(level)


app.add_typer(data_app, name="data")
app.add_typer(firms_app, name="firms")
app.add_typer(parks_app, name="parks")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
keys_app = typer.Typer(help="API 密钥 / API keys", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
graph_app = typer.Typer(help="共享图 / The shared graph", no_args_is_help=True)
app.add_typer(graph_app, name="graph")
bench_app = typer.Typer(help="基准测试 / Benchmarks", no_args_is_help=True, cls=lazy_group(
    matching="service.bench.matching:bench_matching",
    concurrency="service.matching.commands:bench_concurrency",
    install="service.bench.startup:install_command",
    startup="service.bench.startup:startup_command",
    # `import` is a keyword: the command is registered under that name, the function is import_command
    **{"import": "service.bench.imports:import_command"},
))
app.add_typer(bench_app, name="bench")



class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


def _factory(*, require_schema: bool = True) -> sessionmaker[Session]:
    """A session factory for the configured database; tell the user to run init when it has no schema."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    from service.logs import configure

    settings = get_settings()
    configure(settings.log_level)
    factory = command_sessions(settings.database_url)
    engine = factory.kw["bind"]
    if require_schema:
        try:
            ready = inspect(engine).has_table("alembic_version")
        except OperationalError as exc:
            err.print(f"[red]无法连接数据库 / cannot reach the database:[/] {exc.orig}")
            raise typer.Exit(2) from exc
        if not ready:
            err.print("[red]数据库尚未初始化，请先运行 parkmatch init / the database is not set up yet: "
                      "run parkmatch init first[/]")
            raise typer.Exit(2)
    return factory


def _session(factory: sessionmaker[Session] | None = None, *, database_url: str | None = None
             ) -> AbstractContextManager[Session]:
    """One transaction: on ``factory``, on the database at ``database_url``, or on the configured one (checked)."""
    from service.database import unit_of_work

    if factory is None:
        factory = _factory() if database_url is None else command_sessions(database_url)
    return unit_of_work(factory)


@app.command()
def init(
    data_dir: Annotated[Path | None, typer.Option(help="数据目录 / Dataset folder")] = None,
) -> None:
    """建库、迁移并载入初始数据（可重复运行）/ Create and migrate the database and load the starter data (idempotent)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from service.dataset.load import load_starter
    from service.migrate import upgrade

    settings = get_settings()
    factory = _factory(require_schema=False)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                  transient=not err.is_terminal) as progress:
        task = progress.add_task("迁移数据库 / migrating the database", total=6)
        upgrade(factory.kw["bind"])

        def step(text: str) -> None:
            progress.update(task, description=text, advance=1)

        try:
            with _session(factory) as session:
                report = load_starter(session=session, data_dir=data_dir or settings.data_dir, step=step)
        except ServiceError as exc:
            fail(exc)
            return
        progress.update(task, completed=6)
    _prepare_ranking(settings, factory)
    _first_admin_key(factory)
    console.print(
        f"[green]完成 / Done[/]: 目录变更 catalog changed {report.catalog_changed}, 园区 parks {report.parks_changed}, "
        f"其他目的地 other destinations {report.destinations_changed}, "
        f"企业新增 firms created {report.firms_created}, 更新 updated {report.firms_updated}, "
        f"未变 unchanged {report.firms_unchanged}"
    )


def _prepare_ranking(settings: Settings, factory: sessionmaker[Session]) -> None:
    """Build the ranking index once (encode every text, propagate, faiss, BM25) and save it under var/index, so
    the first `serve` and every ranking command load it instead of building it."""
    import time

    from service.matching.service import MatchService

    started = time.perf_counter()
    err.print("构建排序索引（编码全部文本；已保存的部分直接复用）/ building the ranking index "
              "(encodes every text once; whatever is already saved is reused) …")
    MatchService.build(session_factory=factory, settings=settings)
    err.print(f"排序索引就绪 / ranking index ready ({time.perf_counter() - started:.1f} s, {settings.index_dir})")


def _first_admin_key(factory: sessionmaker[Session]) -> None:
    """On a database without keys, make one admin key so the first user can sign in; print it once."""
    from service.auth.service import Role, audit, create_key, list_keys

    with _session(factory) as session:
        if list_keys(session=session):
            return
        row, secret = create_key(session=session, name="初始管理员 initial admin", role=Role.admin)
        audit(session=session, actor=None, action="create", entity="api_key", entity_id=row.id,
              after={"name": row.name, "role": row.role, "prefix": row.prefix})
    err.print("[bold yellow]已创建初始管理员密钥（仅显示这一次，请保存）/ created the initial admin key "
              "(shown this once, store it):[/]")
    err.print(f"[bold]{secret}[/]")
    err.print("用它登录网页或放在请求头 X-API-Key 中；用 parkmatch keys create 为同事发放密钥 / "
              "sign in with it or send it as X-API-Key; give colleagues keys with parkmatch keys create")


@data_app.command("check")
def data_check(
    data_dir: Annotated[Path | None, typer.Option(help="数据目录 / Dataset folder")] = None,
) -> None:
    """校验初始数据：记录有效、引用存在、数字有出处或估算标记 / Check every record, reference and source flag."""
    from service.dataset.check import main

    code = main(["--data-dir", str(data_dir or get_settings().data_dir)])
    if code:
        raise typer.Exit(code)


@data_app.command("build-industries")
def build_industries_cmd(
    data_dir: Annotated[Path | None, typer.Option(help="数据目录 / Dataset folder")] = None,
) -> None:
    """由 GB/T 4754-2017 标准文件、英文名称和关键词生成 industries.yaml / Generate industries.yaml from the standard."""
    from service.dataset import standard

    folder = data_dir or get_settings().data_dir
    industries, problems = standard.write(folder)
    if problems:
        fail(ServiceError("行业来源文件有问题，未写入 / the industry sources have problems; nothing written",
                          problems=problems))
    numbers = standard.counts(industries)
    console.print(f"已写入 / wrote {folder / standard.INDUSTRIES_FILE}: 门类 sections {numbers['sections']}, "
                  f"大类 divisions {numbers['divisions']}, 中类 groups {numbers['groups']}, 小类 classes {numbers['classes']}, "
                  f"有关键词的小类 classes with keywords {numbers['classes_with_keywords']}")


@data_app.command("generate-firms")
def generate_firms(
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件 / Output CSV")] = Path("data/firms.csv"),
    seed: Annotated[int, typer.Option(help="随机种子 / Random seed")] = 20210217,
    count: Annotated[int, typer.Option(help="企业数量 / Number of firms")] = 420,
) -> None:
    """按镇街集群生成合成样例企业（确定性）/ Generate synthetic sample firms from the town clusters (deterministic)."""
    from service.dataset import synthetic
    from service.dataset.files import read_catalog

    catalog, problems = read_catalog(get_settings().data_dir)
    if problems:
        fail(ServiceError("初始数据有问题 / the starter dataset has problems", problems=problems))
    firms = synthetic.generate(catalog, seed=seed, count=count)
    synthetic.write_csv(firms, output)
    console.print(f"已写入 {len(firms)} 家合成企业 / wrote {len(firms)} synthetic firms → {output}")


@firms_app.command("list")
def firms_list(
    town: Annotated[str | None, typer.Option(help="镇街代码 / Town code")] = None,
    industry: Annotated[str | None, typer.Option(help="行业代码或前缀 / Industry code or prefix")] = None,
    q: Annotated[str | None, typer.Option(help="关键词 / Search word")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="条数 / How many")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False,
) -> None:
    """列出企业 / List firms."""
    from service.firms.service import list_firms

    with _session() as session:
        items, total = list_firms(session=session, town=town, industry=industry, q=q, limit=limit)
    if as_json:
        print(json.dumps({"items": [i.model_dump(mode="json") for i in items], "total": total}, ensure_ascii=False))
        return
    table = Table(title=f"企业 Firms（{len(items)}/{total}）")
    for column in ("id", "企业 name", "镇街 town", "行业 industries", "员工 staff", "用地(亩) land"):
        table.add_column(column)
    for f in items:
        table.add_row(str(f.id), f.name_zh, f.town, ",".join(f.industries), str(f.employees),
                      "" if f.land_mu is None else f"{f.land_mu:g}")
    console.print(table)


@firms_app.command("show")
def firms_show(firm_id: Annotated[int, typer.Argument(help="企业编号 / Firm id")]) -> None:
    """显示一家企业 / Show one firm."""
    from service.firms.service import get

    try:
        with _session() as session:
            firm = get(session=session, firm_id=firm_id)
    except ServiceError as exc:
        fail(exc)
        return
    print(firm.model_dump_json(indent=2))


@parks_app.command("list")
def parks_list(
    county: Annotated[str | None, typer.Option(help="县区代码 / County code")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False,
) -> None:
    """列出园区 / List parks."""
    from service.parks.service import list_parks, to_read

    with _session() as session:
        rows, total = list_parks(session=session, county=county, limit=500)
        parks = [to_read(p, c) for p, c in rows]
    if as_json:
        print(json.dumps({"items": [p.model_dump(mode="json") for p in parks], "total": total}, ensure_ascii=False))
        return
    table = Table(title=f"园区 Parks（{total}）")
    for column in ("id", "代码 code", "园区 park", "县区 county", "可用地 free land"):
        table.add_column(column)
    for p in parks:
        table.add_row(str(p.id), p.code, f"{p.name_zh}\n{p.name_en}", p.county_name_zh or p.county,
                      p.free_land_mu.label() if p.free_land_mu else "—")
    console.print(table)


@parks_app.command("show")
def parks_show(park: Annotated[str, typer.Argument(help="园区编号或代码 / Park id or code")]) -> None:
    """显示一个园区 / Show one park."""
    from service.parks.service import get, get_by_code

    try:
        with _session() as session:
            record = get(session=session, park_id=int(park)) if park.isdigit() else get_by_code(session=session, code=park)
    except ServiceError as exc:
        fail(exc)
        return
    print(json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=2))


@import_app.command("firms")
def import_firms_cmd(
    file: Annotated[Path, typer.Argument(help="CSV / XLSX / JSON 文件 / file")],
) -> None:
    """导入企业：逐行校验，全部成功才写入 / Import firms: every row checked, all or nothing."""
    from service.firms.importer import import_firms

    settings = get_settings()
    if not file.is_file():
        err.print(f"[red]文件不存在 / file not found:[/] {file}")
        raise typer.Exit(2)
    try:
        with _session() as session:
            report = import_firms(session=session, data=file.read_bytes(), filename=file.name,
                                  max_bytes=int(settings.max_import_mb * 1_000_000))
    except ServiceError as exc:
        fail(exc)
        return
    console.print(f"[green]导入完成 / imported[/] {report.file}: 行 rows {report.rows}, 新增 created {report.created}, "
                  f"更新 updated {report.updated}, 未变 unchanged {report.unchanged}")
    if report.ignored_columns:
        console.print(f"[yellow]已忽略未识别的列 / ignored unknown columns:[/] {', '.join(report.ignored_columns)}")


@export_app.command("firms")
def export_firms_cmd(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="格式 / Format")] = ExportFormat.csv,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出文件（默认标准输出）/ Output file (stdout if omitted)")] = None,
    lang: Annotated[str, typer.Option(help="表头语言 zh|en / Header language")] = "zh",
) -> None:
    """导出企业 / Export firms as CSV, XLSX or JSON."""
    from service.firms.exporter import export
    from service.firms.service import all_firms

    with _session() as session:
        firms = all_firms(session=session)
    data = export(firms, fmt=fmt.value, lang=lang)
    if output is None:
        if fmt is ExportFormat.xlsx:
            err.print("[red]XLSX 需要 -o 输出文件 / XLSX needs -o FILE[/]")
            raise typer.Exit(2)
        sys.stdout.buffer.write(data)
        return
    output.write_bytes(data)
    err.print(f"已导出 {len(firms)} 家企业 / exported {len(firms)} firms → {output}")


class RoleName(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"


@keys_app.command("create")
def keys_create(
    role: Annotated[RoleName, typer.Option(help="角色 viewer 查看 / editor 编辑 / admin 管理 / Role")],
    name: Annotated[str, typer.Option(help="使用人或用途 / Holder or purpose")],
) -> None:
    """新建 API 密钥，仅显示一次 / Create an API key; it is shown once only."""
    from service.auth.service import Role, audit, create_key

    with _session() as session:
        row, secret = create_key(session=session, name=name, role=Role(role.value))
        audit(session=session, actor=None, action="create", entity="api_key", entity_id=row.id,
              after={"name": name, "role": role.value, "prefix": row.prefix})
    err.print(f"已创建密钥 #{row.id}（{role.value}，{name}）。请妥善保存，此后不再显示 / "
              f"created key #{row.id}; store it now, it will not be shown again:")
    print(secret)


@keys_app.command("list")
def keys_list() -> None:
    """列出密钥（不含密钥本身）/ List keys (never the secrets)."""
    from service.auth.service import list_keys

    with _session() as session:
        rows = list_keys(session=session)
    table = Table(title="API 密钥 / API keys")
    for column in ("id", "名称 name", "角色 role", "前缀 prefix", "创建 created", "撤销 revoked"):
        table.add_column(column)
    for k in rows:
        table.add_row(str(k.id), k.name, k.role, k.prefix + "…", f"{k.created_at:%Y-%m-%d %H:%M}" if k.created_at else "",
                      f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="密钥编号 / Key id")]) -> None:
    """撤销密钥 / Revoke a key."""
    from service.auth.service import audit, revoke

    try:
        with _session() as session:
            revoke(session=session, key_id=key_id)
            audit(session=session, actor=None, action="revoke", entity="api_key", entity_id=key_id)
    except ServiceError as exc:
        fail(exc)
    console.print(f"已撤销密钥 #{key_id} / revoked key #{key_id}")


def _graph() -> nx.MultiDiGraph:
    from embeddings import build_graph
    from service.matching.snapshot.graph import graph_records
    from service.matching.snapshot.graph_schema import SCHEMA
    from service.matching.snapshot.loader import load_world

    with _session() as session:
        world = load_world(session=session, data_dir=get_settings().data_dir)
    return build_graph(*graph_records(world), SCHEMA)


@graph_app.command("stats")
def graph_stats_cmd(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False) -> None:
    """按类型统计节点与边 / Count nodes and edges by type."""
    from embeddings import stats as graph_stats
    from service.matching.snapshot.graph_schema import SCHEMA

    stats = graph_stats(_graph(), SCHEMA)
    if as_json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    for kind, title in (("node_types", "节点 Nodes"), ("edge_types", "边 Edges")):
        table = Table(title=f"{title}（{stats['nodes' if kind == 'node_types' else 'edges']}）")
        table.add_column("类型 type")
        table.add_column("数量 count", justify="right")
        for name, n in stats[kind].items():
            table.add_row(name, str(n) if n else "[red]0[/]")
        console.print(table)


@graph_app.command("export")
def graph_export_cmd(
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件 .graphml 或 .json / Output file")],
) -> None:
    """导出共享图供检查（GraphML 或 JSON）/ Export the shared graph for inspection (GraphML or JSON)."""
    from embeddings import export

    graph = _graph()
    if output.suffix.lower() == ".graphml":
        export(graph, output, format="graphml")
    elif output.suffix.lower() == ".json":
        export(graph, output, format="json")
    else:
        err.print("[red]文件名须以 .graphml 或 .json 结尾 / the file name must end in .graphml or .json[/]")
        raise typer.Exit(2)
    err.print(f"已导出 {graph.number_of_nodes()} 个节点、{graph.number_of_edges()} 条边 / exported "
              f"{graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges → {output}")


@bench_app.command("embeddings")
def bench_embeddings(
    json_path: Annotated[Path | None, typer.Option("--json", help="结果写入 JSON / Write figures as JSON")] = None,
    sizes: Annotated[str, typer.Option(help="向量规模，逗号分隔 / Index sizes, comma-separated")] = "10000,100000,1000000",
    queries: Annotated[int, typer.Option(help="查询次数 / Queries per size")] = 200,
) -> None:
    """编码吞吐、索引构建与检索延迟、内存 / Encoder throughput, index build, search latency, memory."""
    from embeddings.bench import run

    run(sizes=tuple(int(x) for x in sizes.split(",") if x.strip()), queries=queries, json_path=json_path)


@bench_app.command("all")
def bench_all(
    sizes: Annotated[str, typer.Option(help="向量规模 / Index sizes")] = "10000,100000,1000000",
    duration: Annotated[float, typer.Option(help="负载测试时长（秒）/ Load-test seconds")] = 60.0,
    clients: Annotated[int, typer.Option(help="并发客户端 / Concurrent clients")] = 50,
    workers: Annotated[int, typer.Option(help="服务进程数 / Server workers")] = 2,
    docs: Annotated[Path, typer.Option(help="输出目录 / Output folder")] = Path("docs"),
) -> None:
    """运行全部基准并写入 docs/benchmarks.json 与 .md / Run every benchmark; write docs/benchmarks.json and .md."""
    from service.bench.report import run_all, write

    _factory()
    result = run_all(sizes=sizes, load_seconds=duration, clients=clients, workers=workers)
    write(result, docs)
    console.print(f"已写入 / wrote {docs / 'benchmarks.json'} 与 and {docs / 'benchmarks.md'}")


@bench_app.command("briefs")
def bench_briefs(
    pairs: Annotated[int, typer.Option(min=1, max=200, help="企业–园区对数 / Firm–park pairs")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False,
) -> None:
    """简报生成耗时（各格式）/ Time to produce a brief, per format."""
    from service.bench.briefs import run

    _factory()
    result = run(get_settings(), pairs=pairs)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    table = Table(title=f"简报 / Briefs ({result['pairs']} pairs)")
    for column in ("格式 format", "p50 ms", "最慢 max ms", "次数 runs"):
        table.add_column(column, justify="right")
    for fmt, f in result["formats"].items():
        table.add_row(fmt, str(f["p50_ms"]), str(f["max_ms"]), str(f["runs"]))
    console.print(table)


@bench_app.command("load")
def bench_load(
    clients: Annotated[int, typer.Option(min=1, max=500, help="并发客户端 / Concurrent clients")] = 50,
    duration: Annotated[float, typer.Option(min=1, max=3600, help="时长（秒）/ Seconds")] = 60.0,
    workers: Annotated[int, typer.Option(min=1, max=16, help="服务进程数 / Server worker processes")] = 2,
    json_path: Annotated[Path | None, typer.Option("--json", help="结果写入 JSON / Write figures as JSON")] = None,
) -> None:
    """负载测试：在本机回环上启动真实服务并并发请求 / Load test a real server on loopback."""
    from service.bench.load import load_report, run_load_against_new_server

    settings = get_settings()
    _factory()  # refuses early when the database is not set up
    result = run_load_against_new_server(settings, clients=clients, duration_s=duration, workers=workers)
    console.print(load_report(result))
    if json_path is not None:
        json_path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


def _local_host(host: str) -> str:
    """The address on this machine that reaches a server bound to host (a wildcard means loopback)."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)


def _browser_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server bound to host:port."""
    shown = _local_host(host)
    return f"http://[{shown}]:{port}/ui/" if ":" in shown else f"http://{shown}:{port}/ui/"


def _admin_key_exists(database_url: str) -> bool:
    from sqlalchemy import select

    from service.auth.models import ApiKey

    with _session(database_url=database_url) as session:
        return session.scalar(select(ApiKey.id).where(ApiKey.role == "admin", ApiKey.revoked_at.is_(None))
                              .limit(1)) is not None


def _announce_when_ready(host: str, port: int, database_url: str) -> None:
    """Print the ready line once the server answers a request; the socket is already bound by this process."""
    import http.client
    import time

    while True:
        try:
            conn = http.client.HTTPConnection(_local_host(host), port, timeout=30)
            conn.request("GET", "/health")
            conn.getresponse().read()
            conn.close()
            break
        except OSError:
            time.sleep(0.05)
    url = _browser_url(host, port)
    lines = [f"已就绪，请在浏览器打开 {url} / ready: open {url} in a browser (Ctrl+C 停止 / to stop)"]
    try:
        has_admin = _admin_key_exists(database_url)
    except Exception:  # a hint must never take the server down
        has_admin = True
    if not has_admin:
        lines.append("尚无管理员密钥：运行 parkmatch init，或 parkmatch keys create --role admin --name 名称 / "
                     "no admin key yet: run parkmatch init, or parkmatch keys create --role admin --name NAME")
    print("\n".join(lines), flush=True)  # one write, so a reader never sees the ready line without its hint


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址 / Host")] = None,
    port: Annotated[int | None, typer.Option(help="端口 / Port")] = None,
    workers: Annotated[int, typer.Option(min=1, max=16, help="工作进程数 / Worker processes")] = 1,
) -> None:
    """启动 HTTP 服务，就绪时打印网址 / Start the HTTP service; print its address once it answers."""
    import os
    import threading

    import uvicorn

    # Rankings of stored firms and destinations need neither the encoder's model nor the segmenter's
    # dictionary: they load in the background once the server answers (unless set otherwise).
    os.environ.setdefault("PARKMATCH_WARM_UP", "background")
    get_settings.cache_clear()
    settings = get_settings()
    host = host or settings.host
    # Each worker process builds its own app (and engine) from the same environment; the import string lets the
    # socket be bound before the application is imported, so a busy port fails at once.
    config = uvicorn.Config("service.main:create_app", factory=True, workers=workers, host=host,
                            port=settings.port if port is None else port, log_level="warning")
    # Bound and listening here, before any worker starts: a second server on the same port now fails at once,
    # and the ready check can only ever reach this one.
    sock = config.bind_socket()
    try:
        sock.listen(config.backlog)
    except OSError as exc:
        err.print(f"[red]无法监听 / cannot listen on {host}:{sock.getsockname()[1]}:[/] {exc}")
        raise typer.Exit(1) from exc
    threading.Thread(target=_announce_when_ready, args=(host, sock.getsockname()[1], settings.database_url),
                     daemon=True).start()
    try:
        if workers > 1:
            import inspect

            from uvicorn.supervisors import Multiprocess

            # Older uvicorn releases take the worker's target; newer ones start the server themselves.
            extra = {"target": uvicorn.Server(config).run} if "target" in inspect.signature(Multiprocess).parameters else {}
            Multiprocess(config, sockets=[sock], **extra).run()
        else:
            server = uvicorn.Server(config)
            server.run(sockets=[sock])
            if not server.started:
                raise typer.Exit(3)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    app()
