"""The matching engine: built once, ranks parks for a firm or prospect and firms for a park, with explanations."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session, sessionmaker

from embeddings import (
    BM25Index,
    Encoder,
    MetaPath,
    Segmenter,
    VectorIndex,
    build_graph,
    load_or_build,
    make_encoder,
    propagate,
    reciprocal_rank_fusion,
    walk,
)
from embeddings import WalkPath as GPath
from service.config import Settings
from service.database import unit_of_work
from service.errors import NotFound, ServiceError
from service.firms import service as firm_service
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.cost import cost_arrays, cost_table
from service.matching.factors import FACTORS, Batch, FactorOutput, exclusions, score_matrix
from service.matching.graph_schema import METAPATHS, SCHEMA, EdgeType, NodeType, node_id
from service.matching.modes import resolve_weights
from service.matching.world import (
    FirmArrays,
    FirmProfile,
    World,
    firm_records,
    graph_records,
    industry_text,
    load_world,
    park_text,
    profile_arrays,
    with_firm,
    without_firm,
)
from service.parks.schemas import ParkRead

F32 = NDArray[np.float32]


class InvalidProspect(ServiceError):
    status_code = 422
    code = "invalid_prospect"


class ParkNotFound(NotFound):
    pass


class FirmNotFound(NotFound):
    pass


@dataclass(frozen=True)
class _State:
    """What a query reads; replaced as a whole when a firm changes, so readers never see half an update."""

    world: World
    firm_vecs: F32  # propagated vectors, rows aligned with world.firms
    firm_ids: NDArray[np.int64]
    # Rule pre-score of every firm per park row, filled on first use: it depends only on this state's firms.
    prescore: dict[int, NDArray[np.float32]] = field(default_factory=dict, compare=False)
    # Evidence of (firm id, park id) pairs already explained under this state; see MatchEngine._evidence.
    evidence: dict[tuple[int, int], PairEvidence] = field(default_factory=dict, compare=False)
    # Every firm scored exactly against a park row, filled on first use; see MatchEngine._exact_scores.
    exact: dict[int, ExactScores] = field(default_factory=dict, compare=False)
    # Prospects asked for again (the same text and fields under another mode, weighting or length) find their
    # inferred profile and their pairs' evidence here; kept apart, so one-off prospects never push out firms.
    prospects: dict[str, Prospect] = field(default_factory=dict, compare=False)
    prospect_evidence: dict[tuple[FirmProfile, int], PairEvidence] = field(default_factory=dict, compare=False)

    def park_prescore(self, p: int) -> NDArray[np.float32]:
        """Industry affinity + resource coverage of every firm for park row ``p`` (cheap candidate channel)."""
        pre = self.prescore.get(p)
        if pre is None:
            fa, pa = self.world.firm_arrays, self.world.park_arrays
            pre = self.prescore[p] = fa.industry @ pa.affinity[p] + fa.demand @ pa.supply[p]
        return pre


Prospect = tuple[FirmProfile, list[s.InferredIndustry], list[s.InferredResource], F32]


@dataclass(frozen=True)
class ExactScores:
    """Every stored firm against one park: factor values (firms × factors) and who each mode excludes."""

    matrix: NDArray[np.float64]
    excluded_moving: NDArray[np.bool_]  # modes in which production moves (hard constraints apply)
    excluded_staying: NDArray[np.bool_]


@dataclass(frozen=True)
class WeightedExplanation:
    """The part of a pair's explanation that depends on the weights too (not on its rank or stability)."""

    factors: list[s.FactorRow]
    helps: s.FactorImpact
    drags: s.FactorImpact
    middle_zh: str  # the reason between "score and rank" and "stability": helps, drags, cost, path
    middle_en: str


@dataclass(frozen=True)
class PairEvidence:
    """What explains a pair whatever the mode and weights: each factor's evidence, the cost table, the paths.

    ``weighted`` keeps the rest of the explanation for the last few weightings asked for (by normalised
    weights), since staff re-rank the same pairs under the same preset again and again.
    """

    evidence: tuple[s.Evidence, ...]  # in c.FACTOR_NAMES order
    cost: s.CostTable
    paths: list[s.GraphPath]
    weighted: dict[tuple[float, ...], WeightedExplanation] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Scored:
    """Every candidate pair of one query, scored, with what explanations need."""

    batch: Batch
    matrix: NDArray[np.float64]
    outputs: list[FactorOutput]
    weights: NDArray[np.float64]
    scores: NDArray[np.float64]
    excluded: NDArray[np.bool_]
    reasons: Callable[[int], list[s.ExclusionReason]]
    order: NDArray[np.intp]  # rows not excluded, best first


_STOPWORDS = frozenset({"and", "of", "the", "for", "from", "with", "in", "to", "a", "an", "or", "direct", "supply"})


def _content_words(text: str) -> str:
    # Resource names are short, so one shared function word ("and") would otherwise match any English query.
    return " ".join(word for word in text.split() if word.lower().strip("(),") not in _STOPWORDS)


def _fmt_path_text(labels: Sequence[str], directions: Sequence[str]) -> str:
    out = labels[0]
    for label, direction in zip(labels[1:], directions, strict=True):
        out += (" → " if direction == "out" else " ← ") + label
    return out


class MatchEngine:
    """Holds the world, encoder, propagated vectors, faiss index and BM25 channels; answers ranking queries."""

    def __init__(
        self, *, world: World, encoder: Encoder, hops: int, alpha: float,
        session_factory: sessionmaker[Session] | None = None, index_dir: Path | None = None,
    ) -> None:
        self.encoder = encoder
        self.alpha = alpha
        self.hops = hops
        self.session_factory = session_factory
        self._lock = threading.RLock()
        nodes, edges = graph_records(world)
        self.graph: nx.MultiDiGraph = build_graph(nodes, edges, SCHEMA)
        # Evidence walks start from a firm's industries and town on the graph without firm nodes: an
        # industry node has thousands of firm in-edges that every reverse step would otherwise scan.
        self.skeleton: nx.MultiDiGraph = self.graph.subgraph(
            [n for n in self.graph if not n.startswith("firm:")]).copy()
        self._path_cache: dict[tuple[tuple[str, ...], str | None], dict[str, list[GPath]]] = {}
        self._label_cache: dict[str, tuple[str, str]] = {}
        self._gpath_cache: dict[tuple[GPath, str], s.GraphPath] = {}
        node_ids = [n.id for n in nodes]
        self.segmenter = Segmenter()
        self.segmenter.add_words([*(k for ind in world.industries.values() for k in ind.keywords_zh),
                                  *(r.name_zh for r in world.resources.values())])
        raw = encoder.encode([n.text for n in nodes])
        prop = propagate(self.graph, node_ids, raw, hops=hops, alpha=alpha)
        self._node_pos = {nid: i for i, nid in enumerate(node_ids)}
        self._prop = {nid: prop[i] for i, nid in enumerate(node_ids) if not nid.startswith("firm:")}
        self.park_vecs: F32 = np.stack([prop[self._node_pos[node_id(NodeType.PARK, p.id)]] for p in world.parks])
        firm_vecs = (np.stack([prop[self._node_pos[node_id(NodeType.FIRM, f.id or 0)]] for f in world.firms])
                     if world.firms else np.zeros((0, encoder.dim), dtype=np.float32))
        self._state = _State(world=world, firm_vecs=firm_vecs.astype(np.float32),
                             firm_ids=np.array([f.id or 0 for f in world.firms], dtype=np.int64))
        # Inference channels over industry classes and resources; a baseline channel over parks.
        self.class_codes = world.class_codes
        self.class_vecs: F32 = np.stack([raw[self._node_pos[node_id(NodeType.INDUSTRY, code)]] for code in world.class_codes])
        self.industry_bm25 = BM25Index(world.class_codes, [self._class_doc(world, code) for code in world.class_codes], segmenter=self.segmenter)
        self.resource_bm25 = BM25Index(
            world.resource_codes,
            [_content_words(f"{r.name_zh} {r.name_en} {r.code.replace('_', ' ')}")
             for r in (world.resources[k] for k in world.resource_codes)], segmenter=self.segmenter)
        self.park_bm25 = BM25Index([p.id for p in world.parks], [park_text(world, p) for p in world.parks], segmenter=self.segmenter)
        self.index = self._build_index(index_dir)

    # ---------- construction ----------

    @classmethod
    def build(
        cls, *, session_factory: sessionmaker[Session], settings: Settings,
        firms: Sequence[FirmProfile] | None = None, persist_index: bool = True,
    ) -> MatchEngine:
        """Load the world from the database and build everything once (the encoder reads its on-disk cache)."""
        with unit_of_work(session_factory) as session:
            world = load_world(session=session, firms=firms)
        encoder = make_encoder(settings.encoder_backend, settings.encoder_model_dir, cache_dir=settings.cache_dir)
        return cls(world=world, encoder=encoder, hops=settings.propagation_hops, alpha=settings.propagation_alpha,
                   session_factory=session_factory, index_dir=settings.index_dir / "firms" if persist_index else None)

    @staticmethod
    def _class_doc(world: World, code: str) -> str:
        ind = world.industries[code]
        parent = world.industries.get(ind.parent or "")
        return industry_text(ind) + (f" {parent.name_zh} {parent.name_en}" if parent else "")

    def _build_index(self, index_dir: Path | None) -> VectorIndex:
        world, vecs = self._state.world, self._state.firm_vecs
        ids = np.array([f.id for f in world.firms], dtype=np.int64)

        def build() -> VectorIndex:
            return VectorIndex.build(ids, vecs) if len(ids) else VectorIndex(self.encoder.dim)

        if index_dir is None:
            return build()
        data_hash = f"{world.data_hash()}:h{self.hops}:a{self.alpha}"
        return load_or_build(index_dir, expected_fingerprint=self.encoder.fingerprint, expected_data_hash=data_hash,
                             build_fn=build)

    @property
    def world(self) -> World:
        return self._state.world

    # ---------- updates ----------

    def _local_vector(self, text: str, neighbours: Sequence[str]) -> F32:
        """Propagate a node that is not in the propagated matrix: its text mixed with its neighbours' vectors.

        One step of the same personalised propagation (α own text, 1 − α the mean of its neighbours'
        propagated vectors), which is what a full re-propagation would give it up to second-order effects.
        """
        x = self.encoder.encode([text])[0].astype(np.float64)
        neigh = [self._prop[n] for n in neighbours if n in self._prop]
        h = self.alpha * x + (1 - self.alpha) * np.mean(neigh, axis=0) if neigh else x
        norm = float(np.linalg.norm(h))
        out: F32 = (h / norm if norm > 0 else h).astype(np.float32)
        return out

    def firms_changed(self, firm_ids: Sequence[int], *, deleted: bool = False) -> None:
        """Refresh the given firms from the database (or drop them), updating graph, vectors and index in place."""
        if self.session_factory is None:
            return
        profiles: dict[int, FirmProfile | None] = {}
        if deleted:
            profiles = dict.fromkeys(firm_ids)
        else:
            with unit_of_work(self.session_factory) as session:
                for fid in firm_ids:
                    try:
                        profiles[fid] = FirmProfile.from_read(firm_service.get(session=session, firm_id=fid))
                    except NotFound:
                        profiles[fid] = None
        for fid, profile in profiles.items():
            self.refresh_firm(firm_id=fid, profile=profile)

    def refresh_firm(self, *, firm_id: int, profile: FirmProfile | None) -> None:
        """Add, change (profile given) or delete (profile None) one firm without reloading the rest."""
        with self._lock:
            self._gpath_cache.clear()
            state = self._state
            fid = node_id(NodeType.FIRM, firm_id)
            if fid in self.graph:
                self.graph.remove_node(fid)
            if profile is None:
                if firm_id in state.world.firm_row:
                    row = state.world.firm_row[firm_id]
                    vecs = np.delete(state.firm_vecs, row, axis=0)
                    self._state = _State(without_firm(state.world, firm_id), vecs, np.delete(state.firm_ids, row))
                self.index.remove([firm_id])
                return
            world = with_firm(state.world, profile)
            nodes, edges = firm_records(world, profile)
            for node in nodes:
                self.graph.add_node(node.id, type=str(node.type), text=node.text, attrs=dict(node.attrs))
            for edge in edges:
                self.graph.add_edge(edge.source, edge.target, key=str(edge.type), type=str(edge.type),
                                    weight=edge.weight, attrs=dict(edge.attrs))
            vec = self._local_vector(profile.text(), [e.target for e in edges])
            row = world.firm_row[firm_id]
            if row < len(state.firm_vecs):
                vecs = state.firm_vecs.copy()
                vecs[row] = vec
            else:
                vecs = np.concatenate([state.firm_vecs, vec[None, :]])
            self.index.upsert([firm_id], vec[None, :])
            self._state = _State(world, vecs, np.array([f.id or 0 for f in world.firms], dtype=np.int64))

    # ---------- scoring core ----------

    def _batch(self, world: World, firms: FirmArrays, parks: NDArray[np.intp], semantic: NDArray[np.float64],
               names: Callable[[int], tuple[str, str]]) -> Batch:
        return Batch(world=world, firms=firms, parks=parks, semantic=semantic,
                     costs=cost_arrays(world, firms, parks), firm_names=names)

    def score(self, batch: Batch, *, mode: c.Mode, weights: Mapping[str, float], tiebreak: NDArray[np.int64]) -> Scored:
        """Score every pair of a batch on every factor and sort what the hard constraints allow."""
        matrix, outputs = score_matrix(batch)
        w = np.array([weights[name] for name in c.FACTOR_NAMES], dtype=np.float64)
        scores = matrix @ w
        excl = exclusions(batch, moving=mode in c.MOVING_MODES)
        ok = np.flatnonzero(~excl.mask)
        order = ok[np.lexsort((tiebreak[ok], -np.round(scores[ok], 12)))]
        return Scored(batch, matrix, outputs, w, scores, excl.mask, excl.reasons, order)

    @staticmethod
    def stability(matrix: NDArray[np.float64], weights: NDArray[np.float64], rows: NDArray[np.intp]) -> NDArray[np.float64]:
        """Share of seeded ±30% weight perturbations under which each row stays in the top 3 of ``rows``."""
        if len(rows) == 0:
            return np.zeros(0)
        # Leave out of the trials every row that no perturbation can lift over any of the k leaders (the
        # rows with the k best unperturbed scores): it is below k rows in every trial, so it is never in the
        # top k and removing it changes no trial's k-th score. The most a row can gain on a leader is
        # Σ_f (m_rf − m_qf)·w_f·(1 + s if the difference is positive else 1 − s); normalising the
        # perturbed weights scales every row of a trial alike, so it cannot change an order.
        contrib = matrix[rows] * weights[None, :]
        k = min(c.STABILITY_TOP, len(rows))
        leaders = np.argpartition(-(contrib.sum(axis=1)), k - 1)[:k]
        diff = contrib[:, None, :] - contrib[leaders][None, :, :]
        gain = np.where(diff > 0, diff * (1 + c.STABILITY_SPREAD), diff * (1 - c.STABILITY_SPREAD)).sum(axis=2)
        reach = (gain >= -1e-9).any(axis=1)
        out = np.zeros(len(rows))
        out[reach] = MatchEngine._stability_trials(matrix[rows[reach]], weights)
        return out

    @staticmethod
    def _stability_trials(sub: NDArray[np.float64], weights: NDArray[np.float64]) -> NDArray[np.float64]:
        rng = np.random.default_rng(c.SEED)
        factors = rng.uniform(1 - c.STABILITY_SPREAD, 1 + c.STABILITY_SPREAD, size=(c.STABILITY_TRIALS, len(weights)))
        trial_w = weights[None, :] * factors
        trial_w /= np.maximum(trial_w.sum(axis=1, keepdims=True), 1e-12)
        sc = sub @ trial_w.T  # (candidates, trials)
        k = min(c.STABILITY_TOP, len(sub))
        kth = np.partition(sc, len(sub) - k, axis=0)[len(sub) - k]
        return np.asarray((sc >= kth[None, :] - 1e-12).mean(axis=1), dtype=np.float64)

    # ---------- explanations ----------

    def park_ref(self, world: World, park: ParkRead) -> s.ParkRef:
        return s.ParkRef(id=park.id, code=park.code, name_zh=park.name_zh, name_en=park.name_en, county=park.county,
                         county_name_zh=world.county_name(park.county), county_name_en=world.county_name(park.county, "en"))

    @staticmethod
    def firm_ref(world: World, firm: FirmProfile) -> s.FirmRef:
        return s.FirmRef(id=firm.id, name_zh=firm.name_zh, name_en=firm.name_en, town=firm.town,
                         town_name_zh=world.town_name(firm.town) if firm.town else None,
                         industries=list(firm.industries), employees=firm.employees, land_mu=firm.land_mu,
                         synthetic=firm.synthetic)

    def _labels(self, node: str, prospect_name: str) -> tuple[str, str]:
        """(zh, en) name of a graph node; skeleton nodes are cached, firm nodes are read (their names may change)."""
        if node == "prospect":
            return prospect_name, prospect_name
        cached = self._label_cache.get(node)
        if cached is not None:
            return cached
        attrs = self.graph.nodes[node].get("attrs", {}) if node in self.graph else {}
        pair = str(attrs.get("name_zh") or node), str(attrs.get("name_en") or node)
        if node in self.skeleton:
            self._label_cache[node] = pair
        return pair

    def _graph_path(self, path: GPath, prospect_name: str = "") -> s.GraphPath:
        # The same firm–park paths come back on every query for that park, so each is rendered once; the
        # cache is dropped whenever a firm changes (its name is a label). Responses never mutate a path.
        key = (path, prospect_name)
        cached = self._gpath_cache.get(key)
        if cached is not None:
            return cached
        if len(self._gpath_cache) >= c.PATH_CACHE_SIZE:
            self._gpath_cache.clear()
        out = self._gpath_cache[key] = self._render_path(path, prospect_name)
        return out

    def _render_path(self, path: GPath, prospect_name: str) -> s.GraphPath:
        pairs = [self._labels(n, prospect_name) for n in path.nodes]
        zh = [p[0] for p in pairs]
        en = [p[1] for p in pairs]
        return s.GraphPath(
            kind=path.kind, nodes=list(path.nodes), labels_zh=zh, labels_en=en, edges=[str(e) for e in path.edges],
            weight=round(float(path.weight), 4), text_zh=_fmt_path_text(zh, path.directions),
            text_en=_fmt_path_text(en, path.directions))

    def _input_paths(self, start: str, firm: FirmProfile, park: ParkRead) -> list[GPath]:
        """Paths for inputs the firm states itself (the graph links industries, not firms, to resources)."""
        pid = node_id(NodeType.PARK, park.id)
        out = []
        for res, _qty in firm.inputs:
            rid = node_id(NodeType.RESOURCE, res)
            if rid in self.graph and self.graph.has_edge(pid, rid, key=EdgeType.SUPPLIES.value):
                weight = float(self.graph.edges[pid, rid, EdgeType.SUPPLIES.value]["weight"])
                out.append(GPath("stated_input", (start, rid, pid), (EdgeType.CONSUMES, EdgeType.SUPPLIES),
                                 ("out", "in"), weight))
        return out

    def _profile_paths(self, firm: FirmProfile, start: str, park: str | None = None) -> dict[str, list[GPath]]:
        """Meta-path walks from a firm (``start`` names its node, "prospect" for a prospect), grouped by park.

        The walks begin at the firm's industries and town on the skeleton graph and are cached per
        (industries, town), which many firms share.
        """
        key = (firm.industries, firm.town)
        grouped = self._path_cache.get(key)
        if grouped is None:
            grouped = self._walk_profile(firm)
            if len(self._path_cache) < 50_000:
                self._path_cache[key] = grouped
        if park is not None:
            grouped = {park: grouped.get(park, [])}
        if start == "prospect":
            return grouped
        return {target: [GPath(p.kind, (start, *p.nodes[1:]), p.edges, p.directions, p.weight) for p in paths]
                for target, paths in grouped.items()}

    def _walk_profile(self, firm: FirmProfile) -> dict[str, list[GPath]]:
        grouped: dict[str, list[GPath]] = {}
        for meta in METAPATHS:
            first, rest = meta.steps[0], meta.steps[1:]
            if first[0] is EdgeType.IN_INDUSTRY:
                starts = [node_id(NodeType.INDUSTRY, code) for code in firm.industries]
            elif first[0] is EdgeType.LOCATED_IN and firm.town:
                starts = [node_id(NodeType.TOWN, firm.town)]
            else:
                continue
            sub = MetaPath(meta.name, rest, meta.end_types, meta.prior)
            for start in starts:
                if start not in self.skeleton:
                    continue
                for p in walk(self.skeleton, start, sub):
                    full = GPath(p.kind, ("prospect", *p.nodes), (first[0], *p.edges), (first[1], *p.directions), p.weight)
                    grouped.setdefault(full.nodes[-1], []).append(full)
        return grouped

    def _top_paths(self, paths: list[GPath]) -> list[GPath]:
        seen: set[tuple[str, ...]] = set()
        out = []
        for p in sorted(paths, key=lambda p: (-p.weight, p.kind, p.nodes)):
            if p.nodes not in seen:
                seen.add(p.nodes)
                out.append(p)
        return out[: c.PATHS_PER_ITEM]

    def _evidence(
        self, state: _State, scored: Scored, row: int, firm: FirmProfile, park: ParkRead,
        paths: Callable[[], list[GPath]], prospect_name: str,
    ) -> PairEvidence:
        """A pair's evidence, built once per data state.

        Factor values, their evidence, the cost table and the graph paths depend only on the data (the firm,
        the park, their vectors), never on the mode or the weights, so they are kept on the state and dropped
        with it when a firm changes. A park's lead list shows the same pairs on every view; building their
        evidence again was most of the cost of a ranking. Prospects (no id) are kept apart, by their profile.
        """
        def build() -> PairEvidence:
            return PairEvidence(
                evidence=tuple(output.explain(row) for output in scored.outputs),
                cost=cost_table(scored.batch.world, scored.batch.firms, row, park, scored.batch.costs),
                paths=[self._graph_path(p, prospect_name) for p in self._top_paths(paths())])

        if firm.id is None:
            return _remember(state.prospect_evidence, (firm, park.id), c.PROSPECT_EVIDENCE_CACHE_SIZE, build)
        return _remember(state.evidence, (firm.id, park.id), c.EVIDENCE_CACHE_SIZE, build)

    def _explain(
        self, scored: Scored, row: int, *, rank: int, stability: float, firm: FirmProfile, park: ParkRead,
        paths: Callable[[], list[GPath]], state: _State, prospect_name: str = "",
    ) -> dict[str, Any]:
        world = scored.batch.world
        pair = self._evidence(state, scored, row, firm, park, paths, prospect_name)
        part = _remember(pair.weighted, tuple(scored.weights.tolist()), c.WEIGHTINGS_PER_PAIR,
                         lambda: self._weighted(scored, row, pair))
        score = float(scored.scores[row])
        county_zh, county_en = world.county_name(park.county), world.county_name(park.county, "en")
        reason_zh = (
            f"{park.name_zh}（{county_zh}）与{firm.name_zh}的匹配得分 {score:.2f}，排第 {rank}。{part.middle_zh}"
            f"权重随机扰动 ±30% 时，{stability:.0%} 的情形下仍居前三。"
        )
        reason_en = (
            f"{park.name_en} ({county_en}) scores {score:.2f} for {firm.name_en or firm.name_zh}, rank {rank}. "
            f"{part.middle_en}Under random ±30% weight changes it stays in the top 3 in {stability:.0%} of cases."
        )
        return {"rank": rank, "score": round(score, 4), "factors": part.factors, "paths": pair.paths,
                "helps_most": part.helps, "drags_most": part.drags, "reason_zh": reason_zh, "reason_en": reason_en,
                "stability": round(float(stability), 4), "cost": pair.cost}

    @staticmethod
    def _weighted(scored: Scored, row: int, pair: PairEvidence) -> WeightedExplanation:
        """The factor table, what helps and drags most, and the middle of the reason, under one weighting."""
        factors = []
        impacts = []
        for k, name in enumerate(c.FACTOR_NAMES):
            spec = FACTORS[name]
            value = float(scored.matrix[row, k])
            weight = float(scored.weights[k])
            evidence = pair.evidence[k]
            factors.append(s.FactorRow(
                name=name, label_zh=spec.label_zh, label_en=spec.label_en, value=round(value, 4),
                weight=round(weight, 4), contribution=round(weight * value, 4), evidence=evidence))
            impacts.append(s.FactorImpact(
                name=name, label_zh=spec.label_zh, label_en=spec.label_en, impact=round(weight * (value - 0.5), 4),
                phrase_zh=evidence.phrase_zh, phrase_en=evidence.phrase_en))
        weighted = [i for i in impacts if scored.weights[c.FACTOR_NAMES.index(i.name)] > 0] or impacts
        helps = max(weighted, key=lambda i: (i.impact, -c.FACTOR_NAMES.index(i.name)))
        drags = min(weighted, key=lambda i: (i.impact, c.FACTOR_NAMES.index(i.name)))
        second = sorted(weighted, key=lambda i: -i.impact)[1] if len(weighted) > 1 else None
        also_zh = f"；其次是{second.label_zh}（{second.phrase_zh}）" if second and second.impact > 0 else ""
        also_en = f"; next, {second.label_en.lower()} ({second.phrase_en})" if second and second.impact > 0 else ""
        net = pair.cost.net_yuan or 0.0
        cost_zh = (f"按成本表测算，每年净节省约 {net / 10_000:,.0f} 万元（含估算值）" if net >= 0
                   else f"按成本表测算，每年净增成本约 {-net / 10_000:,.0f} 万元（含估算值）")
        cost_en = (f"The cost table puts the net yearly saving at about {net / 1e6:,.2f} million yuan (includes estimates)"
                   if net >= 0 else f"The cost table puts the net yearly added cost at about {-net / 1e6:,.2f} million yuan (includes estimates)")
        gpaths = pair.paths
        path_zh = f"图谱证据：{gpaths[0].text_zh}。" if gpaths else ""
        path_en = f"Graph evidence: {gpaths[0].text_en}. " if gpaths else ""
        return WeightedExplanation(
            factors=factors, helps=helps, drags=drags,
            middle_zh=(f"最有利的是{helps.label_zh}：{helps.phrase_zh}{also_zh}。"
                       f"最不利的是{drags.label_zh}：{drags.phrase_zh}。{cost_zh}。{path_zh}"),
            middle_en=(f"What helps most is {helps.label_en.lower()}: {helps.phrase_en}{also_en}. "
                       f"What drags most is {drags.label_en.lower()}: {drags.phrase_en}. {cost_en}. {path_en}"),
        )

    # ---------- firm → parks ----------

    def _parks_for(
        self, state: _State, firms: FirmArrays, vec: F32, firm: FirmProfile, *, mode: c.Mode,
        weights: Mapping[str, float], top_k: int, include_excluded: bool,
        paths: Callable[[ParkRead], list[GPath]], prospect_name: str = "",
    ) -> tuple[list[s.RankedPark], list[s.ExcludedPark] | None]:
        world = state.world
        n_parks = len(world.parks)
        parks = np.arange(n_parks, dtype=np.intp)
        batch = self._batch(world, firms.take(np.zeros(n_parks, dtype=np.intp)), parks,
                            (self.park_vecs @ vec).astype(np.float64), lambda _i: (firm.name_zh, firm.name_en))
        scored = self.score(batch, mode=mode, weights=weights, tiebreak=np.array([p.id for p in world.parks]))
        stab = self.stability(scored.matrix, scored.weights, scored.order)
        items = []
        for rank, row in enumerate(scored.order[:top_k], start=1):
            park = world.parks[int(row)]
            detail = self._explain(scored, int(row), rank=rank, stability=float(stab[rank - 1]), firm=firm, park=park,
                                   paths=partial(paths, park), prospect_name=prospect_name, state=state)
            items.append(s.RankedPark(park=self.park_ref(world, park), **detail))
        excluded = None
        if include_excluded:
            excluded = [s.ExcludedPark(park=self.park_ref(world, world.parks[int(i)]), reasons=scored.reasons(int(i)))
                        for i in np.flatnonzero(scored.excluded)]
        return items, excluded

    def recommend(
        self, *, firm_id: int, mode: c.Mode = c.DEFAULT_MODE, top_k: int = c.DEFAULT_TOP_K,
        weights: Mapping[str, float] | None = None, include_excluded: bool = False,
    ) -> s.Recommendations:
        """Rank parks for a stored firm."""
        w = resolve_weights(mode=mode, overrides=weights)
        state = self._state
        world = state.world
        if firm_id not in world.firm_row:
            raise FirmNotFound(f"企业 {firm_id} 不存在 / firm {firm_id} not found")
        row = world.firm_row[firm_id]
        firm = world.firms[row]
        fnode = node_id(NodeType.FIRM, firm_id)
        by_park = self._profile_paths(firm, fnode)

        def paths(park: ParkRead) -> list[GPath]:
            return by_park.get(node_id(NodeType.PARK, park.id), []) + self._input_paths(fnode, firm, park)

        items, excluded = self._parks_for(state, world.firm_arrays.take([row]), state.firm_vecs[row], firm, mode=mode,
                                          weights=w, top_k=top_k, include_excluded=include_excluded, paths=paths)
        return s.Recommendations(firm=self.firm_ref(world, firm), mode=mode, weights=w, items=items, excluded=excluded)

    # ---------- prospect → parks ----------

    def resolve_town(self, world: World, town: str | None) -> str | None:
        if not town:
            return None
        key = town.strip().lower()
        for code, t in world.towns.items():
            words = {code, t.name_zh, t.name_en.lower(), t.name_zh.removesuffix("镇").removesuffix("区"), *t.includes}
            if key in {w.lower() for w in words}:
                return code
        raise InvalidProspect(f"未知镇街 {town} / unknown town {town}")

    def infer(
        self, *, text: str, given: Sequence[str] | None, vec: F32 | None = None,
    ) -> tuple[list[s.InferredIndustry], F32]:
        """Infer industry classes from free text (BM25 over the catalogue fused with encoder similarity)."""
        world = self._state.world
        q = self.encoder.encode([text])[0] if vec is None else vec
        if given:
            unknown = [code for code in given if code not in world.industries]
            if unknown:
                raise InvalidProspect(f"未知行业代码 {', '.join(unknown)} / unknown industry codes {', '.join(unknown)}")
            return [s.InferredIndustry(code=code, name_zh=world.industry_name(code), name_en=world.industry_name(code, "en"),
                                       score=1.0, source="given") for code in given], q
        lexical = [str(code) for code, _ in self.industry_bm25.search(text, k=10)]
        sims = self.class_vecs @ q
        vector = [self.class_codes[i] for i in np.argsort(-sims, kind="stable")[:10]]
        fused = reciprocal_rank_fusion([lexical, vector])
        # The first fused class always counts; further ones only when both channels agree on them, since a
        # wrong extra class inflates industry fit at parks that target it.
        agreed = set(lexical[: c.INFER_AGREE_DEPTH]) & set(vector[: c.INFER_AGREE_DEPTH])
        fused = (fused[:1] + [(code, score) for code, score in fused[1:] if code in agreed])[: c.INFER_INDUSTRIES]
        return [s.InferredIndustry(code=str(code), name_zh=world.industry_name(str(code)),
                                   name_en=world.industry_name(str(code), "en"), score=round(score, 5), source="text")
                for code, score in fused], q

    def infer_resources(self, *, text: str, industries: Sequence[str], given: Sequence[s.ProspectInput]) -> list[s.InferredResource]:
        """Resources named in the text or stated, plus the inferred industries' typical inputs."""
        world = self._state.world
        out: dict[str, s.InferredResource] = {}
        for item in given:
            if item.resource not in world.resources:
                raise InvalidProspect(f"未知资源 {item.resource} / unknown resource {item.resource}")
            out[item.resource] = s.InferredResource(code=item.resource, name_zh=world.resource_name(item.resource),
                                                    name_en=world.resource_name(item.resource, "en"), weight=1.0, source="given")
        for code, _score in self.resource_bm25.search(text, k=c.INFER_RESOURCES):
            code = str(code)
            if code not in out and code not in ("labour", "land"):
                out[code] = s.InferredResource(code=code, name_zh=world.resource_name(code),
                                               name_en=world.resource_name(code, "en"), weight=0.8, source="text")
        for ind in industries:
            for res, inp in sorted(world.inputs.get(ind, {}).items(), key=lambda kv: -kv[1].intensity):
                if res not in out and inp.intensity > 0:
                    out[res] = s.InferredResource(code=res, name_zh=world.resource_name(res),
                                                  name_en=world.resource_name(res, "en"), weight=round(inp.intensity, 3),
                                                  source="industry")
        return sorted(out.values(), key=lambda r: (-r.weight, r.code))[: c.INFER_RESOURCES + len(given)]

    def prospect_profile(self, request: s.ProspectRequest) -> tuple[FirmProfile, list[s.InferredIndustry],
                                                                     list[s.InferredResource], F32]:
        """Turn a prospect request into a profile, with what was inferred and its propagated vector."""
        world = self._state.world
        town = self.resolve_town(world, request.town)
        industries, raw = self.infer(text=request.description, given=request.industries)
        codes = [i.code for i in industries]
        resources = self.infer_resources(text=request.description, industries=codes, given=request.inputs)
        stated = {i.resource: i.quantity for i in request.inputs}
        inputs = tuple((r.code, stated.get(r.code, 0.0)) for r in resources if r.source in ("given", "text"))
        name = request.name or ("意向企业" if not request.description.isascii() else "Prospect")
        profile = FirmProfile(
            id=None, name_zh=name, name_en=request.name or "Prospect", town=town, industries=tuple(codes),
            description_zh=request.description, employees=request.employees, revenue_10k_yuan=request.revenue_10k_yuan,
            land_mu=request.land_mu, electricity_kwh=request.electricity_kwh, inputs=inputs,
        )
        neighbours = [node_id(NodeType.INDUSTRY, code) for code in codes]
        if town:
            neighbours.append(node_id(NodeType.TOWN, town))
        neigh = [self._prop[n] for n in neighbours if n in self._prop]
        # A prospect's own words carry more than its inferred industries: an inference error would otherwise
        # be propagated into the vector too (measured on the development cases).
        own = c.PROSPECT_OWN_TEXT
        h = own * raw.astype(np.float64) + (1 - own) * np.mean(neigh, axis=0) if neigh else raw
        vec = (h / max(float(np.linalg.norm(h)), 1e-12)).astype(np.float32)
        return profile, industries, resources, vec

    def _prospect(self, state: _State, request: s.ProspectRequest) -> Prospect:
        """prospect_profile, kept per data state for requests that describe the same prospect."""
        return _remember(state.prospects, request.model_dump_json(include=_PROSPECT_FIELDS), c.PROSPECT_CACHE_SIZE,
                         lambda: self.prospect_profile(request))

    def match(self, request: s.ProspectRequest) -> s.MatchResult:
        """Rank parks for a prospect described in free text (plus optional fields)."""
        w = resolve_weights(mode=request.mode, overrides=request.weights)
        state = self._state
        profile, industries, resources, vec = self._prospect(state, request)
        arrays = profile_arrays(state.world, [profile])
        grouped = self._profile_paths(profile, "prospect")

        def paths(park: ParkRead) -> list[GPath]:
            return grouped.get(node_id(NodeType.PARK, park.id), []) + self._input_paths("prospect", profile, park)

        items, excluded = self._parks_for(state, arrays, vec, profile, mode=request.mode, weights=w, top_k=request.top_k,
                                          include_excluded=request.include_excluded, paths=paths,
                                          prospect_name=profile.name_zh)
        return s.MatchResult(prospect=self.firm_ref(state.world, profile), mode=request.mode, weights=w,
                             industries=industries, resources=resources, items=items, excluded=excluded)

    def rank_prospect_parks(self, request: s.ProspectRequest) -> list[str]:
        """Park codes best first, without explanations (for evaluation)."""
        w = resolve_weights(mode=request.mode, overrides=request.weights)
        state = self._state
        profile, _, _, vec = self.prospect_profile(request)
        arrays = profile_arrays(state.world, [profile])
        n_parks = len(state.world.parks)
        batch = self._batch(state.world, arrays.take(np.zeros(n_parks, dtype=np.intp)),
                            np.arange(n_parks, dtype=np.intp), (self.park_vecs @ vec).astype(np.float64),
                            lambda _i: (profile.name_zh, profile.name_en))
        scored = self.score(batch, mode=request.mode, weights=w,
                            tiebreak=np.array([p.id for p in state.world.parks]))
        # Excluded parks go last rather than vanish, so every case has a full ranking to measure.
        rest = np.flatnonzero(scored.excluded)
        rest = rest[np.argsort(-scored.scores[rest], kind="stable")]
        return [state.world.parks[int(i)].code for i in [*scored.order, *rest]]

    # ---------- park → firms ----------

    def candidates(
        self, *, park_id: int, mode: c.Mode = c.DEFAULT_MODE, top_k: int = c.DEFAULT_CANDIDATES_TOP_K,
        weights: Mapping[str, float] | None = None, town: str | None = None, industry: str | None = None,
        min_employees: int | None = None, max_employees: int | None = None, min_score: float = 0.0,
        include_excluded: bool = False,
    ) -> s.Candidates:
        """Rank stored firms for a park: vector-index and industry candidates, then exact vectorised scoring."""
        w = resolve_weights(mode=mode, overrides=weights)
        state = self._state
        world = state.world
        if park_id not in world.park_row:
            raise ParkNotFound(f"园区 {park_id} 不存在 / park {park_id} not found")
        p = world.park_row[park_id]
        park = world.parks[p]
        fa = world.firm_arrays
        n = len(fa)
        mask = np.ones(n, dtype=bool)
        if town:
            code = self.resolve_town(world, town)
            mask &= fa.town == world.town_codes.index(code or "")
        if industry:
            cols = [j for j, cls in enumerate(world.class_codes) if cls.startswith(industry)]
            mask &= fa.industry[:, cols].any(axis=1) if cols else False
        if min_employees is not None:
            mask &= fa.employees >= min_employees
        if max_employees is not None:
            mask &= fa.employees <= max_employees
        allowed = np.flatnonzero(mask)
        ids = state.firm_ids
        rows, considered = self._candidate_rows(state, p, allowed, mode=mode, weights=w,
                                                include_excluded=include_excluded)
        firms = fa.take(rows)
        parks = np.full(len(rows), p, dtype=np.intp)
        batch = self._batch(world, firms, parks, (state.firm_vecs[rows] @ self.park_vecs[p]).astype(np.float64),
                            _firm_names(world, rows))
        scored = self.score(batch, mode=mode, weights=w, tiebreak=ids[rows])
        order = scored.order[scored.scores[scored.order] >= min_score]
        stab = self.stability(scored.matrix, scored.weights, order)
        pnode = node_id(NodeType.PARK, park.id)
        items = []
        for rank, i in enumerate(order[:top_k], start=1):
            firm = world.firms[int(rows[i])]

            def paths(firm: FirmProfile = firm) -> list[GPath]:
                fnode = node_id(NodeType.FIRM, firm.id or 0)
                return self._profile_paths(firm, fnode, pnode)[pnode] + self._input_paths(fnode, firm, park)

            detail = self._explain(scored, int(i), rank=rank, stability=float(stab[rank - 1]), firm=firm, park=park,
                                   paths=paths, state=state)
            items.append(s.RankedFirm(firm=self.firm_ref(world, firm), **detail))
        excluded = None
        if include_excluded:
            excluded = [s.ExcludedFirm(firm=self.firm_ref(world, world.firms[int(rows[i])]), reasons=scored.reasons(int(i)))
                        for i in np.flatnonzero(scored.excluded)]
        return s.Candidates(park=self.park_ref(world, park), mode=mode, weights=w, considered=considered, items=items,
                            excluded=excluded)

    def _candidate_rows(
        self, state: _State, p: int, allowed: NDArray[np.intp], *, mode: c.Mode, weights: Mapping[str, float],
        include_excluded: bool,
    ) -> tuple[NDArray[np.intp], int]:
        """Firm rows to score and explain for park row ``p``, and how many firms were scored exactly.

        Up to c.EXACT_CANDIDATES_MAX_FIRMS firms, every allowed firm has an exact score, and the best
        c.VECTOR_CANDIDATES (and as many of the best excluded, when those are listed) go on. Beyond it, two
        channels propose them: nearest firms in the vector index, and the best cheap rule pre-score.
        """
        world = state.world
        n = len(world.firm_arrays)
        k = min(c.VECTOR_CANDIDATES, len(allowed))
        if k == 0:
            return np.zeros(0, dtype=np.intp), 0
        if n <= c.EXACT_CANDIDATES_MAX_FIRMS:
            exact = self._exact_scores(state, p)
            w = np.array([weights[name] for name in c.FACTOR_NAMES], dtype=np.float64)
            scores = exact.matrix[allowed] @ w
            barred = (exact.excluded_moving if mode in c.MOVING_MODES else exact.excluded_staying)[allowed]
            groups = [~barred, barred] if include_excluded else [~barred]
            picked = []
            for group in groups:
                idx = np.flatnonzero(group)
                if len(idx) > k:
                    idx = idx[np.argpartition(-scores[idx], k - 1)[:k]]
                picked.append(allowed[idx])
            return np.unique(np.concatenate(picked)), len(allowed)
        ids = state.firm_ids
        _, hit = self.index.search(self.park_vecs[p][None, :], k, allowed_ids=None if len(allowed) == n else ids[allowed])
        vector_rows = np.array([world.firm_row[int(i)] for i in hit[0] if int(i) in world.firm_row], dtype=np.intp)
        # Over the full arrays once per park and state, then the filter: gathering rows first would copy
        # the (firms × classes) matrix on every query.
        pre = state.park_prescore(p)[allowed]
        top = np.argpartition(-pre, k - 1)[:k] if k < len(pre) else np.arange(len(pre))
        rows = np.unique(np.concatenate([vector_rows, allowed[top]]))
        return rows, len(rows)

    def _exact_scores(self, state: _State, p: int) -> ExactScores:
        """Score every stored firm against park row ``p`` on every factor, in chunks; kept on the state."""
        cached = state.exact.get(p)
        if cached is not None:
            return cached
        world = state.world
        fa = world.firm_arrays
        n = len(fa)
        matrix = np.empty((n, len(c.FACTOR_NAMES)), dtype=np.float64)
        moving = np.empty(n, dtype=bool)
        staying = np.empty(n, dtype=bool)
        for lo in range(0, n, c.EXACT_CHUNK):
            rows = np.arange(lo, min(n, lo + c.EXACT_CHUNK), dtype=np.intp)
            batch = self._batch(world, fa.take(rows), np.full(len(rows), p, dtype=np.intp),
                                (state.firm_vecs[rows] @ self.park_vecs[p]).astype(np.float64),
                                _firm_names(world, rows))
            matrix[rows], _ = score_matrix(batch)
            moving[rows] = exclusions(batch, moving=True).mask
            staying[rows] = exclusions(batch, moving=False).mask
        out = state.exact[p] = ExactScores(matrix, moving, staying)
        return out

    # ---------- all pairs (plans, evaluation) ----------

    def pair_scores(
        self, *, firm_rows: NDArray[np.intp], mode: c.Mode, weights: Mapping[str, float],
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_], Scored]:
        """Scores and exclusions of every (firm, park) pair as (firms × parks) matrices."""
        state = self._state
        world = state.world
        n_parks = len(world.parks)
        rows = np.repeat(firm_rows, n_parks)
        parks = np.tile(np.arange(n_parks, dtype=np.intp), len(firm_rows))
        semantic = np.einsum("ij,ij->i", state.firm_vecs[rows], self.park_vecs[parks]).astype(np.float64)
        batch = self._batch(world, world.firm_arrays.take(rows), parks, semantic,
                            _firm_names(world, rows))
        scored = self.score(batch, mode=mode, weights=resolve_weights(mode=mode, overrides=weights),
                            tiebreak=np.arange(len(rows), dtype=np.int64))
        shape = (len(firm_rows), n_parks)
        return scored.scores.reshape(shape), scored.excluded.reshape(shape), scored

    def park_bm25_ranking(self, text: str) -> list[str]:
        """Park codes by BM25 of the text against park documents (a baseline)."""
        world = self._state.world
        scores = self.park_bm25.scores(text)
        order = np.lexsort((np.array([p.id for p in world.parks]), -scores))
        return [world.parks[int(i)].code for i in order]


# What describes a prospect, as opposed to how it is ranked (mode, weights, length, exclusions shown).
_PROSPECT_FIELDS: set[str] = set(s.ProspectRequest.model_fields) - {"mode", "weights", "top_k", "include_excluded"}


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _remember(memo: dict[K, V], key: K, limit: int, build: Callable[[], V]) -> V:
    """memo[key], built on first use; a full memo starts again empty (its entries are cheap to rebuild)."""
    got = memo.get(key)
    if got is not None:
        return got
    got = build()
    if len(memo) >= limit:
        memo.clear()
    memo[key] = got
    if len(memo) % c.MEMO_FREEZE_EVERY == 0:
        # A full memo is some 250,000 objects, and each full collection walked them all: about 200 ms on one
        # unlucky request. The entries are trees of models (no cycles), freed by reference counting when the
        # memo drops them, so moving them out of the collector's reach loses nothing.
        gc.freeze()
    return got


def _firm_names(world: World, rows: NDArray[np.intp]) -> Callable[[int], tuple[str, str]]:
    """(zh, en) names of a batch's firms, by position in the batch."""
    return lambda i: (world.firms[int(rows[i])].name_zh, world.firms[int(rows[i])].name_en)


def engine_from_settings(settings: Settings, session_factory: sessionmaker[Session]) -> MatchEngine:
    """Build the engine the way the application's lifespan does."""
    engine = MatchEngine.build(session_factory=session_factory, settings=settings)
    # The engine is a few hundred thousand long-lived objects (graph, arrays, caches). Left in the collected
    # generations, every full collection walks them all: about 100 ms, landing on whichever request
    # happens to trigger it (the p99 of a single client). Frozen, they are skipped.
    gc.collect()
    gc.freeze()
    return engine
