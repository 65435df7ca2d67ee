"""Semantic fit: similarity of the graph-propagated firm and destination vectors."""

from __future__ import annotations

from typing import Final

import numpy as np

from service.matching.schemas import Evidence
from service.matching.scoring.registry import Batch, FactorOutput, factor

# The propagated-vector cosine is mapped from [LOW, HIGH] onto [0, 1].
SEMANTIC_LOW: Final = 0.1
SEMANTIC_HIGH: Final = 0.8


@factor("semantic_fit", "语义相似", "Semantic fit", order=60)
def semantic_fit(b: Batch) -> FactorOutput:
    """Cosine of the graph-propagated firm and destination vectors, mapped from [SEMANTIC_LOW, SEMANTIC_HIGH] to [0, 1]."""
    values = np.clip((b.semantic - SEMANTIC_LOW) / (SEMANTIC_HIGH - SEMANTIC_LOW), 0.0, 1.0)

    def explain(i: int) -> Evidence:
        # Told in words, never as a cosine: explain/terms.py names the shared terms or the graph link.
        dest = b.world.destinations[int(b.dests[i])]
        level = values[i]
        zh, en = ("相近", "close") if level >= 0.6 else ("部分相近", "partly close") if level >= 0.3 else ("相去较远", "far apart")
        return Evidence(phrase_zh=f"企业描述与{dest.label('zh')}资料{zh}", phrase_en=f"the firm's description and the "
                        f"{dest.label('en')}'s profile are {en}")

    return FactorOutput(values.astype(np.float64), explain)
