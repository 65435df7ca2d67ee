"""Hard constraints by name: each gives a mask of the pairs it excludes and the stated reason for one pair."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from service.matching.schemas import ExclusionReason
from service.matching.scoring.factors.capacity import available_land, line_seats, line_workers
from service.matching.scoring.factors.supply_match import coverage
from service.matching.scoring.registry import Batch
from service.matching.snapshot.world import ENV_ORDER
from service.parks.schemas import RestrictionKind


@dataclass(frozen=True)
class ConstraintResult:
    """Which pairs of a batch a constraint excludes, and why (for an excluded row)."""

    mask: NDArray[np.bool_]
    reasons: Callable[[int], list[ExclusionReason]]


ConstraintFn = Callable[[Batch], ConstraintResult]


@dataclass(frozen=True)
class ConstraintSpec:
    name: str
    label_zh: str
    label_en: str
    fn: ConstraintFn


CONSTRAINTS: dict[str, ConstraintSpec] = {}


def constraint(name: str, label_zh: str, label_en: str) -> Callable[[ConstraintFn], ConstraintFn]:
    """Register a hard constraint under ``name``; a mode names the constraints it applies."""

    def register(fn: ConstraintFn) -> ConstraintFn:
        CONSTRAINTS[name] = ConstraintSpec(name, label_zh, label_en, fn)
        return fn

    return register


@constraint("land_short", "用地不足", "Not enough land")
def land_short(b: Batch) -> ConstraintResult:
    """The destination's free land (factory space included) is known and below the firm's need."""
    avail = available_land(b.world, b.dests)
    short = ~np.isnan(avail) & (avail < b.firms.land_mu)
    # A workshop hosts a line: it is short when it cannot seat the firm's line workers.
    seats, workers = line_seats(b.world, b.dests), line_workers(b.firms.employees)
    short = np.where(np.isnan(seats), short, seats < workers)

    def reasons(i: int) -> list[ExclusionReason]:
        if not np.isnan(seats[i]):
            label_zh, label_en = (b.world.destinations[int(b.dests[i])].label(lang) for lang in ("zh", "en"))
            return [ExclusionReason(
                code="land_short",
                reason_zh=f"需产线工人约 {workers[i]:,.0f} 人，{label_zh}约可容纳 {seats[i]:,.0f} 人",
                reason_en=f"needs about {workers[i]:,.0f} line workers; the {label_en} seats about {seats[i]:,.0f}")]
        return [ExclusionReason(
            code="land_short",
            reason_zh=f"需地约 {b.firms.land_mu[i]:,.0f} 亩，{b.world.destinations[int(b.dests[i])].label('zh')}"
                      f"可用地（含厂房折算）约 {avail[i]:,.0f} 亩",
            reason_en=f"needs about {b.firms.land_mu[i]:,.0f} mu; the {b.world.destinations[int(b.dests[i])].label('en')} "
                      f"has about {avail[i]:,.0f} mu free (factory space included)")]

    return ConstraintResult(short, reasons)


def _restriction_reasons(b: Batch, i: int, kind: RestrictionKind, code: str) -> list[ExclusionReason]:
    w = b.world
    dest = w.destinations[int(b.dests[i])]
    classes = [w.class_codes[j] for j in np.flatnonzero(b.firms.industry[i])]
    out = []
    for restriction in dest.restrictions:
        if restriction.kind is not kind:
            continue
        if kind is RestrictionKind.env_category:
            hit = ENV_ORDER[int(b.firms.env[i])] in restriction.values
        else:
            hit = any(cls.startswith(v) for cls in classes for v in restriction.values)
        if hit:
            out.append(ExclusionReason(code=code, reason_zh=restriction.reason_zh, reason_en=restriction.reason_en))
    return out


@constraint("env_category", "环评类别不符", "EIA category not allowed")
def env_category(b: Batch) -> ConstraintResult:
    """The destination does not admit the firm's environmental-impact category."""
    mask = np.asarray(b.world.dest_arrays.env_banned[b.dests, b.firms.env.astype(np.intp)], dtype=bool)
    return ConstraintResult(mask, lambda i: _restriction_reasons(b, i, RestrictionKind.env_category, "env_category"))


@constraint("industry_restricted", "行业受限", "Industry restricted")
def industry_restricted(b: Batch) -> ConstraintResult:
    """The destination restricts one of the firm's industry classes."""
    mask = np.asarray((b.firms.industry * b.world.dest_arrays.class_banned[b.dests]).any(axis=1), dtype=bool)
    return ConstraintResult(mask, lambda i: _restriction_reasons(b, i, RestrictionKind.industry, "industry_restricted"))


@constraint("supplies_nothing", "无所购产品", "Supplies nothing the firm buys")
def supplies_nothing(b: Batch) -> ConstraintResult:
    """The destination supplies none of what the firm buys (a stored firm that buys nothing is no buyer)."""
    share, total, _ = coverage(b)
    mask = (share <= 0) & ((total > 0) | b.firms.stored)

    def reasons(i: int) -> list[ExclusionReason]:
        dest = b.world.destinations[int(b.dests[i])]
        if total[i] <= 0:
            return [ExclusionReason(code="supplies_nothing", reason_zh="企业未列出采购的农产品",
                                    reason_en="the firm lists no farm product it buys")]
        return [ExclusionReason(code="supplies_nothing", reason_zh=f"{dest.label('zh')}不供应企业采购的产品",
                                reason_en=f"the {dest.label('en')} supplies nothing the firm buys")]

    return ConstraintResult(mask, reasons)


@constraint("not_hiring", "无招工需求", "Not hiring")
def not_hiring(b: Batch) -> ConstraintResult:
    """A stored firm that lists no vacancies is not an employer to place workers with."""
    mask = (b.firms.openings <= 0) & b.firms.stored
    return ConstraintResult(mask, lambda _i: [ExclusionReason(
        code="not_hiring", reason_zh="企业未列出招工需求", reason_en="the firm lists no vacancies")])


@dataclass(frozen=True)
class Exclusions:
    """The combined effect of a mode's constraints on a batch."""

    mask: NDArray[np.bool_]
    reasons: Callable[[int], list[ExclusionReason]]


def masks(b: Batch, names: Sequence[str]) -> dict[str, NDArray[np.bool_]]:
    """Each named constraint's mask over the batch (kept per destination, so any mode can combine them)."""
    return {name: CONSTRAINTS[name].fn(b).mask for name in names}


def exclusions(b: Batch, names: Sequence[str]) -> Exclusions:
    """Pairs that any of the named constraints excludes, with every reason that applies."""
    results = [CONSTRAINTS[name].fn(b) for name in names]
    mask = np.zeros(len(b), dtype=bool)
    for result in results:
        mask |= result.mask

    def reasons(i: int) -> list[ExclusionReason]:
        return [reason for result in results if result.mask[i] for reason in result.reasons(i)]

    return Exclusions(mask, reasons)
