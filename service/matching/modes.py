"""Mode weight presets, per-query overrides and their validation."""

from __future__ import annotations

import math
from collections.abc import Mapping

from service.errors import ServiceError
from service.matching.constants import FACTOR_NAMES, MODE_PRESETS, Mode


class InvalidWeights(ServiceError):
    """A weight override is unknown, negative, not a number, or leaves every weight at zero."""

    status_code = 422
    code = "invalid_weights"


def parse_weights(text: str | None) -> dict[str, float]:
    """Read ``industry_fit:0.3,cost_advantage:0.2`` into a dict."""
    if not text or not text.strip():
        return {}
    out: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition(":")
        if not sep:
            raise InvalidWeights(
                f"权重格式应为 因子:数值，收到 {part.strip()!r} / weights must look like factor:number, got {part.strip()!r}")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InvalidWeights(
                f"权重 {name.strip()} 的值不是数字：{value.strip()!r} / weight {name.strip()} is not a number: {value.strip()!r}"
            ) from None
    return out


def resolve_weights(*, mode: Mode, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Start from the mode's preset, apply overrides, check them, and normalise to sum 1."""
    weights = dict(MODE_PRESETS[mode])
    known = ", ".join(FACTOR_NAMES)
    for name, value in (overrides or {}).items():
        if name not in weights:
            raise InvalidWeights(f"未知因子 {name}（可用：{known}） / unknown factor {name} (known: {known})")
        if not math.isfinite(value):
            raise InvalidWeights(f"权重 {name} 不是有限数 / weight {name} is not a finite number")
        if value < 0:
            raise InvalidWeights(f"权重 {name} 不能为负（{value}） / weight {name} cannot be negative ({value})")
        weights[name] = float(value)
    total = sum(weights.values())
    if total <= 0:
        raise InvalidWeights("权重不能全为零 / weights cannot all be zero")
    return {name: weights[name] / total for name in FACTOR_NAMES}
