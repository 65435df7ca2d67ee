"""Structured logging: JSON lines on stderr, quiet (warnings and up) unless PARKMATCH_LOG_LEVEL says otherwise."""

from __future__ import annotations

import logging
import sys

import structlog


class _CurrentStderr:
    """Whatever sys.stderr is at the moment of writing: loggers cached on first use outlive a replaced stream
    (a command run inside another program, a test runner's capture) and must not write to a closed one."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(level: str = "WARNING") -> None:
    """Route stdlib and structlog records through one JSON renderer at the given level."""
    numeric = logging.getLevelName(level.upper()) if isinstance(logging.getLevelName(level.upper()), int) else logging.WARNING
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=numeric, stream=sys.stderr, format="%(message)s")
    for noisy in ("jieba", "faiss", "httpx", "sentence_transformers", "alembic"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))


log = structlog.get_logger("parkmatch")
