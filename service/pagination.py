"""Pages of results: one generic schema for every list endpoint and command."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from service.schema import Schema

T = TypeVar("T")

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


def contains_pattern(word: str) -> str:
    """A LIKE pattern matching `word` literally anywhere: % and _ typed by a user are not wildcards."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


LIKE_ESCAPE = "\\"


class Page(Schema, Generic[T]):
    items: list[T]
    total: int = Field(description="符合条件的总数 / Total matching items")
    offset: int = Field(description="起始位置 / Offset of the first item")
    limit: int = Field(description="每页条数 / Page size")
