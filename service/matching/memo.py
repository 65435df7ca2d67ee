"""A bounded memo: built on first use, cleared whole when full (its entries are cheap to rebuild)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, limit: int, build: Callable[[], V]) -> V:
    """memo[key], built on first use; a full memo starts again empty."""
    got = memo.get(key)
    if got is not None:
        return got
    got = build()
    if len(memo) >= limit:
        memo.clear()
    memo[key] = got
    return got
