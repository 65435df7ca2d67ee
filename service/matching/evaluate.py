"""Measure ranking quality on labelled prospect cases: the engine against baselines and factor ablations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console
from rich.table import Table

from embeddings import hit_at_k, ndcg_at_k, reciprocal_rank
from service.errors import Problem, ServiceError
from service.matching import constants as c
from service.matching.modes import MODES, Mode
from service.matching.schemas import ProspectRequest
from service.matching.scoring import FACTOR_NAMES
from service.matching.service import MatchService

Ranker = Callable[["Case", int], list[str]]


class Case(BaseModel):
    """A labelled prospect: free text plus optional fields → acceptable parks or counties."""

    model_config = ConfigDict(extra="forbid")

    id: str
    description: str
    name: str | None = None
    town: str | None = None
    employees: int | None = None
    land_mu: float | None = None
    industries: list[str] | None = None
    mode: Mode = Mode.relocation
    parks: list[str] = Field(default_factory=list, description="园区代码或名称 / Park codes or Chinese names")
    counties: list[str] = Field(default_factory=list, description="县区代码或名称 / County codes or Chinese names")
    source: str = Field(min_length=3, description="出处 / Reference fact behind the label")

    def request(self, weights: dict[str, float] | None = None) -> ProspectRequest:
        return ProspectRequest(description=self.description, name=self.name, town=self.town, employees=self.employees,
                               land_mu=self.land_mu, industries=self.industries, mode=self.mode, weights=weights)


class CasesInvalid(ServiceError):
    status_code = 422
    code = "invalid_cases"


class MetricRow(BaseModel):
    system: str = Field(examples=["engine"])
    hit_at_1: float
    hit_at_3: float
    mrr: float
    ndcg_at_5: float


class EvalReport(BaseModel):
    cases: int
    rows: list[MetricRow]
    misses: list[str] = Field(default_factory=list, description="引擎未进前三的案例 / Cases the engine missed in the top 3")

    def row(self, system: str) -> MetricRow:
        return next(r for r in self.rows if r.system == system)


def load_cases(path: Path) -> list[Case]:
    """Read and validate a cases file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    cases, problems = [], []
    for n, item in enumerate(data, start=1):
        try:
            cases.append(Case.model_validate(item))
        except ValidationError as exc:
            problems += Problem.from_validation(exc, file=path.name, row=n)
    if problems:
        raise CasesInvalid(f"案例文件有 {len(problems)} 处问题 / the cases file has {len(problems)} problems", problems=problems)
    return cases


def _resolve(engine: MatchService, case: Case) -> tuple[str, set[str]]:
    """Return the level ('park' or 'county') a case is scored at and its acceptable codes."""
    world = engine.world
    if case.parks:
        out = set()
        for word in case.parks:
            found = [p.code for p in world.destinations if word in (p.code, p.name_zh) or p.name_zh.startswith(word)]
            if not found:
                raise CasesInvalid(f"案例 {case.id}：未知园区 {word} / case {case.id}: unknown park {word}")
            out.update(found)
        return "park", out
    out = set()
    for word in case.counties:
        found = [code for code, k in world.counties.items() if word in (code, k.name_zh)]
        if not found:
            raise CasesInvalid(f"案例 {case.id}：未知县区 {word} / case {case.id}: unknown county {word}")
        out.update(found)
    return "county", out


def _counties(engine: MatchService, parks: list[str]) -> list[str]:
    by_code = {p.code: p.county for p in engine.world.destinations}
    return list(dict.fromkeys(by_code[code] for code in parks))


SEMANTIC = "semantic_fit"


def _weights_only(names: set[str], mode: Mode) -> dict[str, float]:
    preset = MODES[mode].weights
    return {n: (preset[n] if n in names else 0.0) for n in FACTOR_NAMES}


def systems(engine: MatchService) -> dict[str, Ranker]:
    """The engine, the baselines and one ablation per factor, as case → ranked park codes."""
    def weighted(make: Callable[[Mode], dict[str, float] | None]) -> Ranker:
        return lambda case, _n: engine.rank_prospect_parks(case.request(make(case.mode)))

    def random_rank(_case: Case, n: int) -> list[str]:
        codes = [p.code for p in engine.world.destinations]
        rng = np.random.default_rng(c.SEED + n)
        return [codes[i] for i in rng.permutation(len(codes))]

    out: dict[str, Ranker] = {
        "engine": weighted(lambda _m: None),
        "random": random_rank,
        "semantic_only": weighted(lambda m: {n: (1.0 if n == SEMANTIC else 0.0) for n in FACTOR_NAMES}),
        "rules_only": weighted(lambda m: _weights_only(set(FACTOR_NAMES) - {SEMANTIC}, m)),
        "bm25_only": lambda case, _n: engine.park_bm25_ranking(case.description),
    }
    for name in FACTOR_NAMES:
        out[f"without_{name}"] = weighted(lambda m, name=name: _weights_only(set(FACTOR_NAMES) - {name}, m)  # type: ignore[misc]
                                          if any(v > 0 for k, v in MODES[m].weights.items() if k != name) else None)
    return out


def evaluate(*, engine: MatchService, cases: list[Case], only: set[str] | None = None) -> EvalReport:
    """Compute Hit@1, Hit@3, MRR and NDCG@5 for every system over the cases."""
    targets = [_resolve(engine, case) for case in cases]
    rows, misses = [], []
    for system, rank in systems(engine).items():
        if only is not None and system not in only:
            continue
        h1, h3, rr, nd = [], [], [], []
        for n, (case, (level, relevant)) in enumerate(zip(cases, targets, strict=True)):
            ranked = rank(case, n)
            if level == "county":
                ranked = _counties(engine, ranked)
            h1.append(hit_at_k(ranked, relevant, 1))
            h3.append(hit_at_k(ranked, relevant, 3))
            rr.append(reciprocal_rank(ranked, relevant))
            nd.append(ndcg_at_k(ranked, relevant, 5))
            if system == "engine" and h3[-1] == 0:
                misses.append(f"{case.id}: {ranked[:3]} ∌ {sorted(relevant)}")
        rows.append(MetricRow(system=system, hit_at_1=float(np.mean(h1)), hit_at_3=float(np.mean(h3)),
                              mrr=float(np.mean(rr)), ndcg_at_5=float(np.mean(nd))))
    return EvalReport(cases=len(cases), rows=rows, misses=misses)


def print_report(report: EvalReport, console: Console, *, title: str) -> None:
    """Print one table: the engine, baselines and ablations."""
    table = Table(title=f"{title}（{report.cases} 例 cases）")
    for column in ("系统 system", "Hit@1", "Hit@3", "MRR", "NDCG@5"):
        table.add_column(column, justify="left" if column.startswith("系统") else "right")
    for row in report.rows:
        style = "bold green" if row.system == "engine" else None
        table.add_row(row.system, f"{row.hit_at_1:.3f}", f"{row.hit_at_3:.3f}", f"{row.mrr:.3f}", f"{row.ndcg_at_5:.3f}",
                      style=style)
    console.print(table)
    for miss in report.misses:
        console.print(f"  [yellow]未进前三 / missed top 3[/] {miss}")
