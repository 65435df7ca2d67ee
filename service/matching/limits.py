"""Checks of ranking parameters that the API, the UI and the CLI share, so each refuses a bad value alike."""

from __future__ import annotations

import math

from service.matching import constants as c
from service.matching.errors import InvalidParameter


def check_top_k(value: int, *, field: str = "top_k", most: int = c.MAX_TOP_K) -> int:
    """A list length from 1 to ``most``."""
    if not 1 <= value <= most:
        raise InvalidParameter(field, f"应为 1–{most} 的整数（收到 {value}）", f"must be a whole number from 1 to {most} (got {value})")
    return value


def check_min_score(value: float, *, field: str = "min_score") -> float:
    """A score bar on the 0–100 scale every score is shown on."""
    if not math.isfinite(value) or not 0 <= value <= c.SCORE_SCALE:
        raise InvalidParameter(field, f"匹配度为 0–100 分，最低分应在 0–100 之间（收到 {value:g}）",
                               f"scores run from 0 to 100, so the minimum must be between 0 and 100 (got {value:g})")
    return value
