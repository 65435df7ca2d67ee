"""The `parkmatch brief` command function (registered on the CLI app by service/cli.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from service.briefs.schemas import BriefFormat, BriefLang
from service.config import get_settings
from service.console import err
from service.database import make_engine, make_session_factory, unit_of_work
from service.errors import ServiceError
from service.matching.modes import Mode


def brief(
    firm: Annotated[int, typer.Option("--firm", help="企业编号 / Firm id")],
    park: Annotated[int, typer.Option("--park", help="园区编号 / Park id")],
    fmt: Annotated[BriefFormat, typer.Option("--format", "-f", help="格式 docx|pdf|md / Format")] = BriefFormat.docx,
    lang: Annotated[BriefLang, typer.Option("--lang", help="语言 zh|en / Language")] = BriefLang.zh,
    mode: Annotated[Mode, typer.Option("--mode", help="合作模式 / Cooperation mode")] = Mode.relocation,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="输出文件，md 可用 - 表示标准输出 / Output file; - prints Markdown")] = None,
) -> None:
    """生成企业与园区的洽谈简报 / Write the negotiation brief for a firm–park pair (Word, PDF or Markdown)."""
    from service.briefs import service  # Word and PDF writers load only when a brief is made
    from service.matching.service import MatchService

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    try:
        with unit_of_work(factory) as session:
            service.check_pair(session=session, firm_id=firm, park_id=park)
        err.print("载入匹配引擎 / loading the matching engine …")
        engine = MatchService.build(session_factory=factory, settings=settings)
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            made = service.make_brief(session=session, engine=engine, firm_id=firm, park_id=park, fmt=fmt, lang=lang,
                                      mode=mode)
        elapsed_ms = (time.perf_counter() - started) * 1000
    except ServiceError as exc:
        err.print(f"[bold red]错误 / Error:[/] {exc.message}")
        raise typer.Exit(1) from None
    if output is not None and str(output) == "-":
        if fmt is not BriefFormat.md:
            err.print("[red]只有 Markdown 可输出到标准输出 / only Markdown can go to stdout[/]")
            raise typer.Exit(2)
        sys.stdout.buffer.write(made.content)
        return
    target = output or Path(made.filename_utf8)
    target.write_bytes(made.content)
    err.print(f"已写入简报 / wrote the brief → {target}（{elapsed_ms:.0f} ms）")
