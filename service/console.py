"""What every command shares: the terminal consoles it writes to, how it reports a domain error, and the
database sessions it works in."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from service.config import get_settings
from service.errors import ServiceError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

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


_COMMAND_SESSIONS: dict[str, sessionmaker[Session]] = {}
_AT_END: list[Callable[[], None]] = []


def command_sessions(url: str | None = None) -> sessionmaker[Session]:
    """Sessions on the database at ``url`` (the configured one by default) for the command being run.

    One engine per database, shared by every step of the command and disposed when the command ends
    (``end_command``, which the CLI runs as its last step): a command run in-process (tests, the benchmarks)
    leaves no open connection behind for the collector.
    """
    if url is None:
        url = get_settings().database_url
    if url not in _COMMAND_SESSIONS:
        # SQLAlchemy loads only for a command that opens the database, not with every command
        from service.database import make_engine, make_session_factory

        _COMMAND_SESSIONS[url] = make_session_factory(make_engine(url))
    return _COMMAND_SESSIONS[url]


def at_command_end(close: Callable[[], None]) -> None:
    """Run ``close`` when the command ends (before its engines are disposed)."""
    _AT_END.append(close)


def end_command() -> None:
    """What ``at_command_end`` was given, newest first; then dispose of every engine ``command_sessions`` made."""
    while _AT_END:
        _AT_END.pop()()
    while _COMMAND_SESSIONS:
        _, factory = _COMMAND_SESSIONS.popitem()
        factory.kw["bind"].dispose()
