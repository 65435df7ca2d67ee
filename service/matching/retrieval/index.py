"""EngineIndex: the encoder, the shared graph, propagated vectors, BM25 channels and the firms' faiss index."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from embeddings import BM25Index, Encoder, Segmenter, VectorIndex, build_graph, load_or_build, propagate
from service.matching.snapshot.graph import destination_node, destination_text, graph_records, industry_text
from service.matching.snapshot.graph_schema import SCHEMA, NodeType, node_id
from service.matching.snapshot.world import World

F32 = NDArray[np.float32]

_STOPWORDS = frozenset({"and", "of", "the", "for", "from", "with", "in", "to", "a", "an", "or", "direct", "supply"})


def _content_words(text: str) -> str:
    # Resource names are short, so one shared function word ("and") would otherwise match any English query.
    return " ".join(word for word in text.split() if word.lower().strip("(),") not in _STOPWORDS)


# Words nearly every class name carries ("…制造", "…生产和供应", "manufacture of …"): left out of the class
# documents, a query's "生产" or "manufacture" no longer pulls it towards the shortest names that contain them.
GENERIC_CLASS_WORDS = frozenset({
    "制造", "生产", "加工", "和", "及", "与", "的", "其他", "供应", "服务", "业", "产品", "用品", "设备",
    "manufacture", "manufacturing", "of", "and", "production", "processing", "other", "products", "product",
    "services", "service", "supply", "the", "for", "equipment",
})


# The standard's notes open with "指…的活动" and list what a class includes or leaves out: those words say
# nothing about which class a text belongs to.
GENERIC_NOTE_WORDS = GENERIC_CLASS_WORDS | frozenset({
    "指", "活动", "包括", "不包括", "以及", "等", "各种", "用于", "主要", "为", "以", "或", "在", "上述", "未", "列明",
    "其他", "材料", "制品", "制作", "生产活动", "的", "和", "及", "与", "但",
})


def class_doc(world: World, code: str, segmenter: Segmenter) -> str:
    """The lexical document of an industry class: its own words and its parent's name, generic words left out."""
    ind = world.industries[code]
    parent = world.industries.get(ind.parent or "")
    text = industry_text(ind) + (f" {parent.name_zh} {parent.name_en}" if parent else "")
    return " ".join(t for t in segmenter.tokenize(text) if t not in GENERIC_CLASS_WORDS)


def note_doc(world: World, code: str, segmenter: Segmenter) -> str:
    """The standard's own note of a class and of its group (a group note often says what its classes hold)."""
    ind = world.industries[code]
    group = world.industries.get(ind.parent or "")
    text = f"{ind.note_zh} {group.note_zh if group else ''}"
    return " ".join(t for t in segmenter.tokenize(text) if t not in GENERIC_NOTE_WORDS)


# A class name with its generic ending cut ("照明灯具制造" → "照明灯具") is a phrase staff type too.
_NAME_ENDINGS = ("制造", "加工", "生产", "种植", "饲养", "开采洗选", "采选", "冶炼", "业")


def class_phrases(world: World, code: str) -> list[str]:
    """The phrases whose appearance in a text names the class: its keywords and its shortened Chinese name."""
    ind = world.industries[code]
    name = ind.name_zh
    for ending in _NAME_ENDINGS:
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            name = name[: -len(ending)]
            break
    phrases = [*ind.keywords_zh, *ind.keywords_en, name]
    return list(dict.fromkeys(p.strip().lower() for p in phrases if len(p.strip()) >= 2))


class PhraseMatcher:
    """Which classes' phrases a text contains, each phrase weighted by how few classes share it.

    Chinese phrases match as substrings; English ones on word boundaries, with a plural "s" allowed. A phrase
    inside a longer phrase that also matched ("刺梨" in "刺梨汁") counts for little: the longer one says more.
    """

    def __init__(self, phrases: Sequence[Sequence[str]]) -> None:
        owners: dict[str, list[int]] = {}
        for i, plist in enumerate(phrases):
            for p in plist:
                owners.setdefault(p, []).append(i)
        self.n = len(phrases)
        self.entries = [(p, np.array(sorted(set(idx)), dtype=np.intp),
                         re.compile(rf"(?<![a-z]){re.escape(p)}(?:e?s)?(?![a-z])") if p.isascii() else None)
                        for p, idx in owners.items()]

    def scores(self, text: str) -> NDArray[np.float64]:
        """Per class: Σ over its matched phrases of √(length) / (classes sharing the phrase)."""
        low = text.lower()
        hits = [(p, idx) for p, idx, rx in self.entries if (rx.search(low) if rx is not None else p in low)]
        out = np.zeros(self.n, dtype=np.float64)
        for p, idx in hits:
            inner = any(p != q and p in q for q, _ in hits)
            out[idx] += (0.25 if inner else 1.0) * math.sqrt(len(p)) / len(idx)
        return out


class EngineIndex:
    """Everything vector- and text-shaped that ranking reads, built once from a world."""

    def __init__(self, *, world: World, encoder: Encoder, hops: int, alpha: float, index_dir: Path | None) -> None:
        self.encoder = encoder
        self.alpha = alpha
        self.hops = hops
        nodes, edges = graph_records(world)
        self.graph: nx.MultiDiGraph = build_graph(nodes, edges, SCHEMA)
        node_ids = [n.id for n in nodes]
        self.segmenter = Segmenter()
        self.segmenter.add_words([*(k for ind in world.industries.values() for k in ind.keywords_zh),
                                  *(r.name_zh for r in world.resources.values())])
        raw = encoder.encode([n.text for n in nodes])
        prop = propagate(self.graph, node_ids, raw, hops=hops, alpha=alpha)
        pos = {nid: i for i, nid in enumerate(node_ids)}
        # Propagated vectors of every node but firms: a firm or prospect vector mixes its text with these.
        self.prop: dict[str, F32] = {nid: prop[i] for i, nid in enumerate(node_ids) if not nid.startswith("firm:")}
        self.dest_vecs: F32 = np.stack([prop[pos[destination_node(d)]] for d in world.destinations])
        firm_vecs = (np.stack([prop[pos[node_id(NodeType.FIRM, f.id or 0)]] for f in world.firms])
                     if world.firms else np.zeros((0, encoder.dim), dtype=np.float32))
        self.initial_firm_vecs: F32 = firm_vecs.astype(np.float32)
        # Inference channels over industry classes and resources; a baseline channel over destinations.
        self.class_codes = world.class_codes
        self.class_vecs: F32 = np.stack([raw[pos[node_id(NodeType.INDUSTRY, code)]] for code in world.class_codes])
        self.industry_bm25 = BM25Index(world.class_codes, [class_doc(world, code, self.segmenter) for code in world.class_codes],
                                       segmenter=self.segmenter)
        self.note_bm25 = BM25Index(world.class_codes, [note_doc(world, code, self.segmenter) for code in world.class_codes],
                                   segmenter=self.segmenter)
        phrases = [class_phrases(world, code) for code in world.class_codes]
        self.class_phrases = PhraseMatcher(phrases)
        self.class_curated = np.array([bool(world.industries[code].keywords_zh) for code in world.class_codes], dtype=np.float64)
        # Each class seen one phrase at a time (its names, each keyword, its note): a short query close to one
        # keyword is not diluted by the class's other words.
        views: list[str] = []
        owner: list[int] = []
        for i, code in enumerate(world.class_codes):
            ind = world.industries[code]
            texts = [f"{ind.name_zh} {ind.name_en}", *phrases[i], *([ind.note_zh] if ind.note_zh else [])]
            views += texts
            owner += [i] * len(texts)
        self.view_vecs: F32 = encoder.encode(views).astype(np.float32)
        # Views are laid out class by class (every class has at least its name), so a per-class maximum is
        # one reduceat over these starts.
        self.view_starts = np.searchsorted(np.array(owner, dtype=np.intp), np.arange(len(world.class_codes)))
        self.resource_bm25 = BM25Index(
            world.resource_codes,
            [_content_words(f"{r.name_zh} {r.name_en} {r.code.replace('_', ' ')}")
             for r in (world.resources[k] for k in world.resource_codes)], segmenter=self.segmenter)
        self.dest_bm25 = self._dest_bm25(world, self.segmenter)
        self.faiss = self._build_faiss(world, index_dir)

    @staticmethod
    def _dest_bm25(world: World, segmenter: Segmenter) -> BM25Index:
        return BM25Index([d.id for d in world.destinations], [destination_text(world, d) for d in world.destinations],
                         segmenter=segmenter)

    def refresh_destination_text(self, world: World) -> None:
        """Destinations changed: their lexical channel is rebuilt (a few dozen documents)."""
        self.dest_bm25 = self._dest_bm25(world, self.segmenter)

    def _build_faiss(self, world: World, index_dir: Path | None) -> VectorIndex:
        ids = np.array([f.id for f in world.firms], dtype=np.int64)
        vecs = self.initial_firm_vecs

        def build() -> VectorIndex:
            return VectorIndex.build(ids, vecs) if len(ids) else VectorIndex(self.encoder.dim)

        if index_dir is None:
            return build()
        data_hash = f"{world.data_hash()}:h{self.hops}:a{self.alpha}"
        return load_or_build(index_dir, expected_fingerprint=self.encoder.fingerprint, expected_data_hash=data_hash,
                             build_fn=build)

    def warm(self) -> None:
        """Load the encoder's model now (a build from cached vectors never loads it), so the first change
        after start-up is not the one that pays for it. Nothing is written to the vector cache."""
        inner = getattr(self.encoder, "inner", self.encoder)
        inner.encode(["预热 warm-up"])

    def local_vector(self, text: str, neighbours: Sequence[str]) -> F32:
        """Propagate a node that is not in the propagated matrix: its text mixed with its neighbours' vectors.

        One step of the same personalised propagation (α own text, 1 − α the mean of its neighbours'
        propagated vectors), which is what a full re-propagation would give it up to second-order effects.
        """
        x = self.encoder.encode([text])[0].astype(np.float64)
        neigh = [self.prop[n] for n in neighbours if n in self.prop]
        h = self.alpha * x + (1 - self.alpha) * np.mean(neigh, axis=0) if neigh else x
        norm = float(np.linalg.norm(h))
        out: F32 = (h / norm if norm > 0 else h).astype(np.float32)
        return out
