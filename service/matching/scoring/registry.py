"""The factor registry: Batch, FactorOutput, FactorSpec and the factor() decorator; FACTORS is the only list of factors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from service.matching.snapshot.world import FirmArrays, World

if TYPE_CHECKING:
    from service.matching.schemas import Evidence
    from service.matching.scoring.cost import CostArrays

Values = NDArray[np.float64]


@dataclass(frozen=True)
class Batch:
    """Pairs to score: row i pairs firm row i of ``firms`` with destination row ``dests[i]`` of the world."""

    world: World
    firms: FirmArrays
    dests: NDArray[np.intp]
    semantic: NDArray[np.float64]  # cosine of the propagated firm and destination vectors
    costs: CostArrays
    firm_names: Callable[[int], tuple[str, str]]  # row → (zh, en) name, for phrases

    def __len__(self) -> int:
        return int(self.dests.shape[0])


@dataclass(frozen=True)
class FactorOutput:
    """Values in [0, 1] for every pair, and the evidence of any one pair on demand."""

    values: Values
    explain: Callable[[int], Evidence]


FactorFn = Callable[[Batch], FactorOutput]


@dataclass(frozen=True)
class FactorSpec:
    """A factor: its name, its labels (the UI, briefs, sliders and evaluation ablations read them), its place
    in display order, and the function that scores a batch."""

    name: str
    label_zh: str
    label_en: str
    order: int
    fn: FactorFn


FACTORS: dict[str, FactorSpec] = {}


def factor(name: str, label_zh: str, label_en: str, *, order: int) -> Callable[[FactorFn], FactorFn]:
    """Register a factor function under ``name``; adding a factor is this decorator and one function."""

    def register(fn: FactorFn) -> FactorFn:
        if name in FACTORS:
            raise ValueError(f"factor {name} is registered twice")
        FACTORS[name] = FactorSpec(name, label_zh, label_en, order, fn)
        return fn

    return register


def ordered_names() -> tuple[str, ...]:
    """Registered factor names in display order."""
    return tuple(sorted(FACTORS, key=lambda n: (FACTORS[n].order, n)))


def score_matrix(b: Batch, names: tuple[str, ...]) -> tuple[NDArray[np.float64], list[FactorOutput]]:
    """Run the named factors; return the (pairs × factors) value matrix and the outputs for explanations."""
    outputs = [FACTORS[name].fn(b) for name in names]
    matrix = np.stack([np.clip(o.values, 0.0, 1.0) for o in outputs], axis=1) if outputs else np.zeros((len(b), 0))
    return matrix, outputs
