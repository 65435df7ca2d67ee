"""Read whole tables as sorted rows, to show that an operation wrote nothing (or exactly what it should)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import MetaData, Table, select

from service.database import make_engine

FIRM_TABLES = ("firms", "firm_industries", "firm_inputs")
DATA_TABLES = (*FIRM_TABLES, "destinations", "feedback", "api_keys", "audit_log", "change_log")


def rows(url: str, tables: Sequence[str] = FIRM_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables, ordered by primary key, as plain tuples."""
    engine = make_engine(url)
    try:
        meta = MetaData()
        out: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as conn:
            for name in tables:
                table = Table(name, meta, autoload_with=conn)
                keys = list(table.primary_key.columns) or list(table.columns)
                out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*keys))]
        return out
    finally:
        engine.dispose()


def checksum(url: str, tables: Sequence[str] = DATA_TABLES) -> str:
    """One digest over the given tables' rows."""
    return hashlib.sha256(repr(rows(url, tables)).encode()).hexdigest()
