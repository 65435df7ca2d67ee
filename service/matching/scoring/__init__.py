"""Scoring: factors registered by name, hard constraints, the cost model and the ranker.

Importing the package registers every factor; ``FACTOR_NAMES`` is derived from the registry.
"""

from __future__ import annotations

from service.matching.scoring import factors
from service.matching.scoring.registry import FACTORS, ordered_names

FACTOR_NAMES: tuple[str, ...] = ordered_names()

__all__ = ["FACTORS", "FACTOR_NAMES", "factors"]
