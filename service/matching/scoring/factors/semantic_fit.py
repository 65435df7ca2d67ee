"""Semantic fit: similarity of the graph-propagated firm and destination vectors."""

from __future__ import annotations

from typing import Final

import numpy as np

from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import estimate
from service.matching.scoring.registry import Batch, FactorOutput, factor

# The propagated-vector cosine is mapped from [LOW, HIGH] onto [0, 1].
SEMANTIC_LOW: Final = 0.1
SEMANTIC_HIGH: Final = 0.8


@factor("semantic_fit", "语义相似", "Semantic fit", order=60)
def semantic_fit(b: Batch) -> FactorOutput:
    """Cosine of the graph-propagated firm and destination vectors, mapped from [SEMANTIC_LOW, SEMANTIC_HIGH] to [0, 1]."""
    values = np.clip((b.semantic - SEMANTIC_LOW) / (SEMANTIC_HIGH - SEMANTIC_LOW), 0.0, 1.0)

    def explain(i: int) -> Evidence:
        dest = b.world.destinations[int(b.dests[i])]
        return Evidence(
            phrase_zh=f"企业与{dest.label('zh')}描述在图传播向量空间中的相似度为 {b.semantic[i]:.2f}",
            phrase_en=f"the firm's and the {dest.label('en')}'s graph-propagated text vectors have cosine {b.semantic[i]:.2f}",
            numbers=[EvidenceNumber(label_zh="余弦相似度", label_en="Cosine similarity",
                                    figure=estimate(b.semantic[i], "cos", "多语种 USE 向量经图传播 / multilingual USE vectors propagated over the graph"))])

    return FactorOutput(values.astype(np.float64), explain)
