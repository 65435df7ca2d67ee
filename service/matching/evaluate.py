"""Measure ranking quality on labelled prospect cases: the engine against baselines and factor ablations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rich.console import Console
from rich.table import Table

from embeddings import hit_at_k, ndcg_at_k, reciprocal_rank
from service.destinations.schemas import KIND_NAMES, DestinationKind
from service.errors import Problem, ServiceError
from service.firms.schemas import Vacancy
from service.matching import constants as c
from service.matching.modes import MODES, Mode
from service.matching.schemas import ProspectInput, ProspectRequest
from service.matching.scoring import FACTOR_NAMES
from service.matching.service import MatchService
from service.schema import Schema

Ranker = Callable[["Case", int], list[str]]
_T = TypeVar("_T", bound=BaseModel)


class Case(Schema):
    """A labelled prospect: free text plus optional fields → acceptable destinations or counties."""

    model_config = ConfigDict(extra="forbid")

    id: str
    description: str
    name: str | None = None
    town: str | None = None
    employees: int | None = None
    land_mu: float | None = None
    industries: list[str] | None = None
    mode: Mode = Mode.relocation
    buys: list[ProspectInput] = Field(default_factory=list, description="采购的产品 / Products it buys")
    vacancies: list[Vacancy] = Field(default_factory=list, description="招工需求 / Vacancies")
    destinations: list[str] = Field(default_factory=list,
                                    description="目的地代码或名称（任何类型）/ Destination codes or Chinese names, any kind")
    counties: list[str] = Field(default_factory=list, description="县区代码或名称 / County codes or Chinese names")
    source: str = Field(min_length=3, description="出处 / Reference fact behind the label")

    @model_validator(mode="before")
    @classmethod
    def _parks_is_destinations(cls, data: Any) -> Any:
        # Older case files name the acceptable answers `parks:`; they are destinations of any kind now.
        if isinstance(data, dict) and "parks" in data:
            if "destinations" in data:
                raise ValueError("parks 与 destinations 只能写一个 / give destinations or parks, not both")
            data = {**data, "destinations": data["parks"]}
            del data["parks"]
        return data

    def request(self, weights: dict[str, float] | None = None) -> ProspectRequest:
        return ProspectRequest(description=self.description, name=self.name, town=self.town, employees=self.employees,
                               land_mu=self.land_mu, industries=self.industries, mode=self.mode, weights=weights,
                               buys=self.buys, vacancies=self.vacancies)


class CasesInvalid(ServiceError):
    status_code = 422
    code = "invalid_cases"


class MetricRow(Schema):
    system: str = Field(examples=["engine"])
    hit_at_1: float
    hit_at_3: float
    mrr: float
    ndcg_at_5: float


class ModeReport(Schema):
    """The same metrics over the cases of one mode."""

    mode: Mode
    cases: int
    rows: list[MetricRow]

    def row(self, system: str) -> MetricRow:
        return next(r for r in self.rows if r.system == system)


class KindReport(Schema):
    """The same metrics over the cases whose right answers are destinations of one kind (``county`` when a case
    is scored on counties)."""

    kind: str = Field(examples=["workshop"])
    cases: int
    rows: list[MetricRow]


class EvalReport(Schema):
    cases: int
    rows: list[MetricRow]
    modes: list[ModeReport] = Field(default_factory=list, description="按合作模式 / Per cooperation mode")
    kinds: list[KindReport] = Field(default_factory=list,
                                    description="按正确答案的目的地类型 / Per kind of the right destinations")
    misses: list[str] = Field(default_factory=list, description="引擎未进前三的案例 / Cases the engine missed in the top 3")

    def row(self, system: str) -> MetricRow:
        return next(r for r in self.rows if r.system == system)

    def mode(self, mode: Mode) -> ModeReport:
        return next(m for m in self.modes if m.mode is mode)


def _load(path: Path, model: type[_T]) -> list[_T]:
    """Read a YAML list and validate every entry; all problems are reported together, by row."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    cases, problems = [], []
    for n, item in enumerate(data, start=1):
        try:
            cases.append(model.model_validate(item))
        except ValidationError as exc:
            problems += Problem.from_validation(exc, file=path.name, row=n)
    if problems:
        raise CasesInvalid(f"案例文件有 {len(problems)} 处问题 / the cases file has {len(problems)} problems", problems=problems)
    return cases


def load_cases(path: Path) -> list[Case]:
    """Read and validate a cases file."""
    return _load(path, Case)


def _resolve(engine: MatchService, case: Case) -> tuple[str, set[str]]:
    """Return the level ('destination' or 'county') a case is scored at and its acceptable codes."""
    world = engine.world
    if case.destinations:
        out = set()
        for word in case.destinations:
            found = [p.code for p in world.destinations if word in (p.code, p.name_zh) or p.name_zh.startswith(word)]
            if not found:
                raise CasesInvalid(f"案例 {case.id}：未知目的地 {word} / case {case.id}: unknown destination {word}")
            out.update(found)
        return "destination", out
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


def _metrics(system: str, values: list[tuple[float, float, float, float]]) -> MetricRow:
    h1, h3, rr, nd = (np.array(column) for column in zip(*values, strict=True)) if values else ([0.0],) * 4
    return MetricRow(system=system, hit_at_1=float(np.mean(h1)), hit_at_3=float(np.mean(h3)), mrr=float(np.mean(rr)),
                     ndcg_at_5=float(np.mean(nd)))


def evaluate(*, engine: MatchService, cases: list[Case], only: set[str] | None = None) -> EvalReport:
    """Compute Hit@1, Hit@3, MRR and NDCG@5 for every system over the cases, overall and per mode.

    Every system's ranking is cut to the destination kinds of the case's mode, so a baseline is measured on the
    same candidates as the engine (a random or lexical ranking of parks is no answer to a labour question).
    """
    targets = [_resolve(engine, case) for case in cases]
    kind_of = {d.code: d.kind for d in engine.world.destinations}
    rows, misses = [], []
    per_mode: dict[Mode, dict[str, list[tuple[float, float, float, float]]]] = {}
    per_kind: dict[str, dict[str, list[tuple[float, float, float, float]]]] = {}
    # A case counts under the kind of its right answers (the first in order when they mix kinds).
    case_kind = [min(kind_of[code] for code in relevant) if level == "destination" else "county"
                 for level, relevant in targets]
    for system, rank in systems(engine).items():
        if only is not None and system not in only:
            continue
        values = []
        for n, (case, (level, relevant)) in enumerate(zip(cases, targets, strict=True)):
            kinds = set(MODES[case.mode].destination_kinds)
            ranked = [code for code in rank(case, n) if kind_of.get(code) in kinds]
            if level == "county":
                ranked = _counties(engine, ranked)
            one = (hit_at_k(ranked, relevant, 1), hit_at_k(ranked, relevant, 3), reciprocal_rank(ranked, relevant),
                   ndcg_at_k(ranked, relevant, 5))
            values.append(one)
            per_mode.setdefault(case.mode, {}).setdefault(system, []).append(one)
            per_kind.setdefault(case_kind[n], {}).setdefault(system, []).append(one)
            if system == "engine" and one[1] == 0:
                misses.append(f"{case.id}: {ranked[:3]} ∌ {sorted(relevant)}")
        rows.append(_metrics(system, values))
    modes = [ModeReport(mode=mode, cases=sum(1 for c in cases if c.mode is mode),
                        rows=[_metrics(system, values) for system, values in per_mode[mode].items()])
             for mode in Mode if mode in per_mode]
    by_kind = [KindReport(kind=kind, cases=case_kind.count(kind),
                          rows=[_metrics(system, values) for system, values in per_kind[kind].items()])
               for kind in sorted(per_kind)]
    return EvalReport(cases=len(cases), rows=rows, modes=modes, kinds=by_kind, misses=misses)


def _table(rows: list[MetricRow], title: str) -> Table:
    table = Table(title=title)
    for column in ("系统 system", "Hit@1", "Hit@3", "MRR", "NDCG@5"):
        table.add_column(column, justify="left" if column.startswith("系统") else "right")
    for row in rows:
        style = "bold green" if row.system == "engine" else None
        table.add_row(row.system, f"{row.hit_at_1:.3f}", f"{row.hit_at_3:.3f}", f"{row.mrr:.3f}", f"{row.ndcg_at_5:.3f}",
                      style=style)
    return table


def print_report(report: EvalReport, console: Console, *, title: str) -> None:
    """Print the engine, baselines and ablations over every case, then one table per mode."""
    console.print(_table(report.rows, f"{title}（{report.cases} 例 cases）"))
    for part in report.modes:
        spec = MODES[part.mode]
        console.print(_table(part.rows, f"{spec.label_zh} / {spec.label_en}（{part.cases} 例 cases）"))
    for by_kind in report.kinds:
        zh, en = (KIND_NAMES[DestinationKind(by_kind.kind)] if by_kind.kind in DestinationKind.__members__
                  else ("县区", "county"))
        console.print(_table(by_kind.rows, f"答案为{zh} / answers are {en}s（{by_kind.cases} 例 cases）"))
    for miss in report.misses:
        console.print(f"  [yellow]未进前三 / missed top 3[/] {miss}")


# ---------- industry inference ----------


class IndustryCase(Schema):
    """A description as staff type it → the GB/T 4754-2017 class it belongs to."""

    model_config = ConfigDict(extra="forbid")

    id: str
    split: Literal["tune", "holdout"] = Field(description="tune（调参与拟合）| holdout（只报告）/ tune | holdout")
    text: str = Field(min_length=2)
    code: str = Field(pattern=r"^[A-T]\d{4}$", description="正确的小类 / The correct class")
    why: str = ""


class InferenceRow(Schema):
    """Accuracy and calibration of industry inference on one split."""

    split: str = Field(examples=["holdout"])
    cases: int
    top_1: float = Field(description="首选正确的比例 / Share whose best class is right")
    top_3: float = Field(description="前三含正确类的比例 / Share with the right class among the three best")
    ece: float = Field(description="期望校准误差（10 档）/ Expected calibration error of the best class's confidence, 10 bins")
    mean_confidence: float
    log_loss: float = Field(description="正确类的平均负对数概率 / Mean negative log probability of the right class")
    unsure: float = Field(description="标为不确定的比例 / Share answered as unsure")
    top_1_when_sure: float | None = Field(description="确定时首选正确的比例 / Top-1 accuracy of the answers given as sure")
    misses: list[str] = Field(default_factory=list, description="首选错误的案例 / Cases whose best class is wrong")


class InferenceReport(Schema):
    weights: list[float] = Field(description="所用特征权重 / Feature weights used")
    features: list[str]
    rows: list[InferenceRow]
    reliability: list[tuple[float, float, int]] = Field(
        default_factory=list, description="留出集可靠性：每档（平均置信度，准确率，例数）/ Held-out reliability per bin")

    def row(self, split: str) -> InferenceRow:
        return next(r for r in self.rows if r.split == split)


def load_industry_cases(path: Path) -> list[IndustryCase]:
    """Read and validate a labelled inference file."""
    return _load(path, IndustryCase)


def inference_features(engine: MatchService,
                       cases: list[IndustryCase]) -> tuple[list[NDArray[np.float64]], NDArray[np.intp]]:
    """Every case's class features and the row of its correct class."""
    from service.matching.retrieval.prospect import class_features

    index = engine.retrieval
    row = {code: i for i, code in enumerate(index.class_codes)}
    unknown = [f"{case.id}: {case.code}" for case in cases if case.code not in row]
    if unknown:
        raise CasesInvalid(f"未知行业代码 / unknown classes: {', '.join(unknown)}")
    vecs = index.encoder.encode([case.text for case in cases])
    feats = [class_features(index, case.text, vecs[n]) for n, case in enumerate(cases)]
    return feats, np.array([row[case.code] for case in cases], dtype=np.intp)


def fit_inference_weights(feats: list[NDArray[np.float64]], targets: NDArray[np.intp], *, l2: float = 0.001,
                          steps: int = 4000) -> list[float]:
    """Maximum-likelihood weights of a conditional logit over the classes (Adam on the mean negative log
    likelihood plus a small L2 penalty), so the softmax confidences are calibrated on these cases."""
    x = np.stack(feats)  # cases × classes × features
    n, _, k = x.shape
    w = np.zeros(k)
    m, v = np.zeros(k), np.zeros(k)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for t in range(1, steps + 1):
        logits = x @ w
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        expected = np.einsum("nc,nck->nk", p, x)
        grad = (expected - x[np.arange(n), targets]).mean(axis=0) + l2 * w
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        w -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
    return [round(float(x_), 4) for x_ in w]


def _reliability(conf: NDArray[np.float64], right: NDArray[np.bool_], bins: int = 10) -> list[tuple[float, float, int]]:
    edges = np.linspace(0, 1, bins + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if inside.any():
            out.append((round(float(conf[inside].mean()), 3), round(float(right[inside].mean()), 3), int(inside.sum())))
    return out


def evaluate_inference(*, engine: MatchService, cases: list[IndustryCase],
                       weights: list[float] | None = None, fit: bool = False) -> InferenceReport:
    """Top-1 and top-3 accuracy and calibration (ECE) of industry inference, per split.

    With ``fit`` the weights are first fitted on the tuning split; the held-out split never touches them.
    """
    from service.matching.retrieval.prospect import FEATURES, class_probabilities

    feats, targets = inference_features(engine, cases)
    tune = [n for n, case in enumerate(cases) if case.split == "tune"]
    if fit:
        weights = fit_inference_weights([feats[n] for n in tune], targets[tune])
    used = list(weights if weights is not None else c.INFER_WEIGHTS)
    rows, reliability = [], []
    for split in ("tune", "holdout"):
        idx = [n for n, case in enumerate(cases) if case.split == split]
        if not idx:
            continue
        probs = [class_probabilities(feats[n], used) for n in idx]
        best = np.array([int(np.argmax(p)) for p in probs])
        conf = np.array([float(p.max()) for p in probs])
        right = best == targets[idx]
        top3 = np.array([targets[n] in np.argsort(-p)[:3] for n, p in zip(idx, probs, strict=True)])
        bins = _reliability(conf, right)
        ece = sum(cnt * abs(acc - mean) for mean, acc, cnt in bins) / len(idx)
        sure = conf >= c.INFER_SURE
        codes = engine.retrieval.class_codes
        rows.append(InferenceRow(
            split=split, cases=len(idx), top_1=float(right.mean()), top_3=float(top3.mean()), ece=round(float(ece), 4),
            mean_confidence=round(float(conf.mean()), 4),
            log_loss=round(float(np.mean([-np.log(max(float(p[t]), 1e-12)) for p, t in zip(probs, targets[idx], strict=True)])), 4),
            unsure=float((~sure).mean()),
            top_1_when_sure=float(right[sure].mean()) if sure.any() else None,
            misses=[f"{cases[n].id}: {codes[b]} ({p:.2f}) ≠ {cases[n].code} 「{cases[n].text}」"
                    for n, b, p, ok in zip(idx, best, conf, right, strict=True) if not ok]))
        if split == "holdout":
            reliability = bins
    return InferenceReport(weights=used, features=list(FEATURES), rows=rows, reliability=reliability)


def print_inference_report(report: InferenceReport, console: Console, *, title: str) -> None:
    """Print inference accuracy and calibration per split, then the misses."""
    table = Table(title=f"行业推断 / Industry inference: {title}")
    for column in ("部分 split", "例数 cases", "Top-1", "Top-3", "ECE", "对数损失 log loss", "平均置信 mean conf.",
                   "不确定 unsure", "确定时 Top-1 when sure"):
        table.add_column(column, justify="left" if column.startswith("部分") else "right")
    for row in report.rows:
        table.add_row(row.split, str(row.cases), f"{row.top_1:.3f}", f"{row.top_3:.3f}", f"{row.ece:.3f}",
                      f"{row.log_loss:.3f}", f"{row.mean_confidence:.3f}", f"{row.unsure:.1%}",
                      "—" if row.top_1_when_sure is None else f"{row.top_1_when_sure:.3f}")
    console.print(table)
    console.print("权重 / weights: " + ", ".join(f"{n}={w:g}" for n, w in zip(report.features, report.weights, strict=True)))
    if report.reliability:
        console.print("留出集可靠性（平均置信度 → 准确率，例数）/ held-out reliability (mean confidence → accuracy, cases): "
                      + "; ".join(f"{m:.2f}→{a:.2f} ({n})" for m, a, n in report.reliability))
    for row in report.rows:
        for miss in row.misses:
            console.print(f"  [yellow]{row.split} 首选错误 / top-1 wrong[/] {miss}")
