"""The terminal consoles every command writes to, and how a command reports a domain error."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from service.errors import ServiceError

console = Console()
err = Console(stderr=True)
SHOWN_PROBLEMS = 500


def fail(exc: ServiceError) -> NoReturn:
    """Print the error and its itemised problems (Chinese / English) on stderr and exit with status 1."""
    err.print(f"[bold red]错误 / Error:[/] {exc.message}")
    for problem in exc.problems[:SHOWN_PROBLEMS]:
        err.print(f"  • {problem}")
    if len(exc.problems) > SHOWN_PROBLEMS:
        more = len(exc.problems) - SHOWN_PROBLEMS
        err.print(f"  … 另有 {more} 处 / {more} more")
    raise typer.Exit(1)
