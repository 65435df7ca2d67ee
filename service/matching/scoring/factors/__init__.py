"""One module per factor; importing this package registers them all."""

from __future__ import annotations

from service.matching.scoring.factors import (
    capacity,
    cooperation_ties,
    cost_advantage,
    industry_fit,
    labour_fit,
    labour_supply,
    relocation_readiness,
    resource_fit,
    semantic_fit,
    supply_match,
)

__all__ = ["capacity", "cooperation_ties", "cost_advantage", "industry_fit", "labour_fit", "labour_supply",
           "relocation_readiness", "resource_fit", "semantic_fit", "supply_match"]
