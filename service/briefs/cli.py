"""The `parkmatch brief` command function (registered on the CLI app by service/cli.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from service.briefs.schemas import MAX_BATCH, BriefFormat, BriefLang
from service.config import get_settings
from service.console import command_sessions, err
from service.database import unit_of_work
from service.errors import ServiceError
from service.matching.modes import Mode
from service.parks import service as park_service


def brief(
    park: Annotated[int, typer.Option("--park", help="目的地编号 / Destination id")],
    firm: Annotated[int | None, typer.Option("--firm", help="企业编号 / Firm id")] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, max=MAX_BATCH,
                                            help=f"该目的地前 N 家企业的简报打包为 ZIP（最多 {MAX_BATCH}）/ "
                                                 f"ZIP of briefs for the destination's top N leads (at most {MAX_BATCH})")] = None,
    fmt: Annotated[BriefFormat, typer.Option("--format", "-f", help="格式 docx|pdf|md / Format")] = BriefFormat.docx,
    lang: Annotated[BriefLang, typer.Option("--lang", help="语言 zh|en / Language")] = BriefLang.zh,
    mode: Annotated[Mode, typer.Option("--mode", help="合作模式 / Cooperation mode")] = Mode.relocation,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="输出文件，md 可用 - 表示标准输出 / Output file; - prints Markdown")] = None,
) -> None:
    """生成洽谈简报：一家企业与一个目的地，或 --top N 家企业打包 / Write the brief for a firm and a destination,
    or with --top N a ZIP of briefs for the destination's top leads."""
    from service.briefs import service  # Word and PDF writers load only when a brief is made
    from service.matching.service import MatchService

    if (firm is None) == (top is None):
        err.print("[red]请给出 --firm 或 --top 之一 / give one of --firm or --top[/]")
        raise typer.Exit(2)
    settings = get_settings()
    factory = command_sessions(settings.database_url)
    try:
        with unit_of_work(factory) as session:
            if firm is not None:
                service.check_pair(session=session, firm_id=firm, park_id=park)
            else:
                park_service.get(session=session, park_id=park)
        err.print("载入匹配引擎 / loading the matching engine …")
        engine = MatchService.build(session_factory=factory, settings=settings)
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            if firm is not None:
                made = service.make_brief(session=session, engine=engine, firm_id=firm, park_id=park, fmt=fmt,
                                          lang=lang, mode=mode)
            else:
                from rich.progress import Progress

                with Progress(console=err, transient=True) as bar:
                    task = bar.add_task("生成简报 / writing briefs", total=top)
                    made = service.make_batch(session=session, engine=engine, park_id=park, top=top or 1, fmt=fmt,
                                              lang=lang, mode=mode,
                                              progress=lambda done, total: bar.update(task, completed=done,
                                                                                      total=total))
        elapsed_ms = (time.perf_counter() - started) * 1000
    except ServiceError as exc:
        err.print(f"[bold red]错误 / Error:[/] {exc.message}")
        raise typer.Exit(1) from None
    if output is not None and str(output) == "-":
        if fmt is not BriefFormat.md or top is not None:
            err.print("[red]只有 Markdown 可输出到标准输出 / only Markdown can go to stdout[/]")
            raise typer.Exit(2)
        sys.stdout.buffer.write(made.content)
        return
    target = output or Path(made.filename_utf8)
    target.write_bytes(made.content)
    err.print(f"已写入简报 / wrote the brief → {target}（{elapsed_ms:.0f} ms）")
