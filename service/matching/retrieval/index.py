"""EngineIndex: the encoder, the shared graph, propagated vectors, BM25 channels and the firms' faiss index."""

from __future__ import annotations

import hashlib
import importlib
import io
import math
import pickle
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from embeddings import (
    BM25Index,
    Edge,
    Encoder,
    Node,
    Segmenter,
    VectorIndex,
    build_graph,
    load_or_build,
    propagate,
)
from service.logs import log
from service.matching.snapshot.graph import (
    destination_names_text,
    destination_node,
    destination_text,
    explained_texts,
    graph_records,
    industry_text,
    skeleton,
)
from service.matching.snapshot.graph_schema import SCHEMA, NodeType, node_id
from service.matching.snapshot.saved import SnapshotUnusable, no_gc, read_blob, write_blob
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


def _letter(text: str, at: int) -> bool:
    return at < len(text) and "a" <= text[at] <= "z"


def contains_word(text: str, phrase: str) -> bool:
    """Whether lower-case ``text`` holds ``phrase`` with no ASCII letter right before it and none right after
    it or after a plural "s" / "es" (the regular expression ``(?<![a-z])phrase(?:e?s)?(?![a-z])``, without
    compiling one per phrase)."""
    at = text.find(phrase)
    while at != -1:
        if not (at and _letter(text, at - 1)):
            end = at + len(phrase)
            if any(text.startswith(tail, end) and not _letter(text, end + len(tail)) for tail in ("", "s", "es")):
                return True
        at = text.find(phrase, at + 1)
    return False


class PhraseMatcher:
    """Which classes' phrases a text contains, each phrase weighted by how few classes share it.

    Chinese phrases match as substrings; English ones on word boundaries, with a plural "s" allowed. A phrase
    inside a longer phrase that also matched ("刺梨" in "刺梨汁") counts for little: the longer one says more.
    The matcher pickles as its phrases and indexes them on first use.
    """

    def __init__(self, phrases: Sequence[Sequence[str]]) -> None:
        self.phrases = [list(plist) for plist in phrases]
        self.n = len(self.phrases)
        self._entries: list[tuple[str, NDArray[np.intp], bool]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"phrases": self.phrases}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["phrases"])  # type: ignore[misc]

    def _indexed(self) -> list[tuple[str, NDArray[np.intp], bool]]:
        entries = self._entries
        if entries is None:  # two threads may both index; either result is the same
            owners: dict[str, list[int]] = {}
            for i, plist in enumerate(self.phrases):
                for p in plist:
                    owners.setdefault(p, []).append(i)
            entries = self._entries = [(p, np.array(sorted(set(idx)), dtype=np.intp), p.isascii())
                                       for p, idx in owners.items()]
        return entries

    def scores(self, text: str) -> NDArray[np.float64]:
        """Per class: Σ over its matched phrases of √(length) / (classes sharing the phrase)."""
        low = text.lower()
        hits = [(p, idx) for p, idx, ascii_word in self._indexed()
                if p in low and (not ascii_word or contains_word(low, p))]
        out = np.zeros(self.n, dtype=np.float64)
        for p, idx in hits:
            inner = any(p != q and p in q for q, _ in hits)
            out[idx] += (0.25 if inner else 1.0) * math.sqrt(len(p)) / len(idx)
        return out


REMEMBERED_TEXTS = 20_000  # texts whose segmentation a saved index keeps (each firm has one or two)


class NodeVectors:
    """Propagated vectors by node id, held as one matrix: a saved index loads it as one array, not thousands.

    A node added later (a new destination) is kept beside the matrix; ``vectors[node] = v`` replaces a row.
    """

    def __init__(self, ids: Sequence[str], matrix: F32) -> None:
        self._row = {nid: i for i, nid in enumerate(ids)}
        self._matrix = matrix
        self._added: dict[str, F32] = {}

    def __getitem__(self, node: str) -> F32:
        added = self._added.get(node)
        if added is not None:
            return added
        row: F32 = self._matrix[self._row[node]]
        return row

    def __setitem__(self, node: str, vector: F32) -> None:
        self._added[node] = vector

    def __contains__(self, node: object) -> bool:
        return node in self._added or node in self._row

    def __len__(self) -> int:
        return len(self._row.keys() | self._added.keys())


class EngineIndex:
    """Everything vector- and text-shaped that ranking reads, built once from a world."""

    def __init__(self, *, world: World, encoder: Encoder, hops: int, alpha: float, index_dir: Path | None) -> None:
        self.encoder = encoder
        self.alpha = alpha
        self.hops = hops
        nodes, edges = graph_records(world)
        self.graph: nx.MultiDiGraph = build_graph(nodes, edges, SCHEMA)
        self.skeleton = skeleton(self.graph)  # saved with the index: a start does not copy the graph
        node_ids = [n.id for n in nodes]
        self.segmenter = Segmenter()
        self.segmenter.add_words([*(k for ind in world.industries.values() for k in ind.keywords_zh),
                                  *(r.name_zh for r in world.resources.values())])
        raw = encoder.encode([n.text for n in nodes])
        prop = propagate(self.graph, node_ids, raw, hops=hops, alpha=alpha)
        pos = {nid: i for i, nid in enumerate(node_ids)}
        # Propagated vectors of every node but firms: a firm or prospect vector mixes its text with these.
        kept = [i for i, nid in enumerate(node_ids) if not nid.startswith("firm:")]
        self.prop = NodeVectors([node_ids[i] for i in kept], prop[kept])
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
        # Saved with the index: a later process explains a stored pair's shared terms without jieba. Segmenting
        # costs about 0.1 ms a text, so a very large firm list keeps only the first texts (destinations first).
        self.segmenter.remember(explained_texts(world), limit=REMEMBERED_TEXTS)
        self._faiss_lock = threading.Lock()
        self._faiss: VectorIndex | None = self._build_faiss(world, index_dir)
        self._faiss_source: tuple[World, Path | None] | None = None

    @classmethod
    def restored(cls, state: dict[str, Any], *, world: World, index_dir: Path) -> EngineIndex:
        """An index from saved attributes (see ``load_snapshot``); its faiss index is loaded from ``index_dir``
        when first used (ranking destinations for a firm never reads it; ``warm`` loads it in a server)."""
        index = cls.__new__(cls)
        vars(index).update(state)
        index.defer_faiss(world, index_dir)
        return index

    def defer_faiss(self, world: World, index_dir: Path | None) -> None:
        """Load (or build) the firms' faiss index for ``world`` on first use."""
        self._faiss_lock = threading.Lock()
        self._faiss = None
        self._faiss_source = (world, index_dir)

    @property
    def faiss(self) -> VectorIndex:
        """The firms' vector index (loaded, or built and saved, on first use after a restore)."""
        return self.load_faiss()

    @faiss.setter
    def faiss(self, index: VectorIndex) -> None:
        self._faiss, self._faiss_source = index, None

    def load_faiss(self) -> VectorIndex:
        loaded = self._faiss
        if loaded is None:
            with self._faiss_lock:
                if self._faiss is None and self._faiss_source is not None:
                    world, index_dir = self._faiss_source
                    self._faiss = self._build_faiss(world, index_dir)
                    self._faiss_source = None
                loaded = self._faiss
            assert loaded is not None
        return loaded

    @staticmethod
    def _dest_bm25(world: World, segmenter: Segmenter) -> BM25Index:
        return BM25Index([d.id for d in world.destinations], [destination_text(world, d) for d in world.destinations],
                         segmenter=segmenter)

    def refresh_destination_text(self, world: World) -> None:
        """Destinations changed (the graph edited in place): their lexical channel and the graph's skeleton are
        rebuilt (a few dozen documents, a few thousand nodes)."""
        self.dest_bm25 = self._dest_bm25(world, self.segmenter)
        self.segmenter.remember(t for d in world.destinations
                                for t in (destination_text(world, d), destination_names_text(world, d)))
        self.skeleton = skeleton(self.graph)

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
        """Load the encoder's model, the segmenter's dictionary and the firms' faiss index now (a build from
        cached vectors or a loaded snapshot needs none of them), so the first change, prospect or lead list
        after start-up does not pay for them. Nothing is written to the vector cache."""
        inner = getattr(self.encoder, "inner", self.encoder)
        inner.encode(["预热 warm-up"])
        self.segmenter.load()
        self.load_faiss()  # a restore leaves the firms' index for its first use

    def warm_in_background(self) -> threading.Thread:
        """``warm`` in a daemon thread; the encoder's, segmenter's and faiss' code is imported first, in this
        thread."""
        for part in (getattr(self.encoder, "inner", self.encoder), self.segmenter):
            import_code = getattr(part, "import_code", None)
            if import_code is not None:
                import_code()
        importlib.import_module("faiss")
        thread = threading.Thread(target=self.warm, name="warm-up", daemon=True)
        thread.start()
        return thread

    def local_vector(self, text: str, neighbours: Sequence[str]) -> F32:
        """Propagate a node that is not in the propagated matrix: its text mixed with its neighbours' vectors.

        One step of the same personalised propagation (α own text, 1 − α the mean of its neighbours'
        propagated vectors), which is what a full re-propagation would give it up to second-order effects.
        """
        vectors, _ = self.local_vectors([text], [neighbours])
        row: F32 = vectors[0]
        return row

    def local_vectors(self, texts: Sequence[str], neighbours: Sequence[Sequence[str]], *, encode: bool = True,
                      vectors: F32 | None = None) -> tuple[F32, NDArray[np.bool_]]:
        """``local_vector`` for many nodes at once, and which of them are provisional.

        With ``encode=False`` nothing is encoded: a text the encoder's cache holds is read from it, and a node
        whose text it does not hold is placed by its neighbours alone (its industries, town and known products)
        until its text is encoded; those rows are True in the second array. Encoders without a cache encode.
        ``vectors``: the texts' vectors, already encoded (the background encoding's).
        """
        known = None if encode else getattr(self.encoder, "known", None)
        if vectors is not None:
            x, provisional = vectors.astype(np.float64), np.zeros(len(texts), dtype=bool)
        elif known is None:
            x = self.encoder.encode(list(texts)).astype(np.float64)
            provisional = np.zeros(len(texts), dtype=bool)
        else:
            found, hit = known(list(texts))
            x, provisional = found.astype(np.float64), ~hit
        h = x.copy()
        for i, neigh in enumerate(neighbours):
            around = [self.prop[n] for n in neigh if n in self.prop]
            if around:
                h[i] = self.alpha * x[i] + (1 - self.alpha) * np.mean(around, axis=0)
        norms = np.linalg.norm(h, axis=1, keepdims=True)
        np.divide(h, norms, out=h, where=norms > 0)
        return h.astype(np.float32), provisional


# ---------- persistence: the whole index, saved by `parkmatch init`, loaded by every later start ----------

SNAPSHOT_FORMAT = 1
SNAPSHOT_FOLDER, SNAPSHOT_FILE, SNAPSHOT_MANIFEST = "engine", "index.pickle", "manifest.json"
# Modules whose code decides what a saved index holds: editing any of them makes every saved index stale,
# so a snapshot can never outlive the code that built it.
_SNAPSHOT_CODE = ("embeddings.graph", "embeddings.lexical", "embeddings.propagation",
                  "service.matching.retrieval.index", "service.matching.snapshot.graph",
                  "service.matching.snapshot.graph_schema")
_ENCODER = "encoder"  # the encoder is not saved: the loading process hands in its own


def snapshot_key(nodes: Sequence[Node], edges: Sequence[Edge], *, encoder: Encoder, hops: int, alpha: float,
                 texts: Sequence[str] = ()) -> str:
    """Fingerprint of everything an index is built from: graph records (every text and link), other texts it reads
    (the catalogue's records in full), model, settings, code."""
    digest = hashlib.sha256(f"{SNAPSHOT_FORMAT}|{encoder.fingerprint}|h{hops}|a{alpha}".encode())
    for text in texts:
        digest.update(f"{text}\x1e".encode())
    for name in _SNAPSHOT_CODE:
        module = importlib.import_module(name)
        digest.update(Path(module.__file__ or "").read_bytes())
    for node in nodes:
        digest.update(f"{node.id}\x1f{node.type}\x1f{node.text}\x1f{sorted(node.attrs.items())}\x1e".encode())
    for edge in edges:
        digest.update(f"{edge.source}\x1f{edge.target}\x1f{edge.type}\x1f{edge.weight!r}\x1e".encode())
    return digest.hexdigest()[:32]


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, encoder: Encoder) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._encoder = encoder

    def persistent_id(self, obj: Any) -> str | None:
        return _ENCODER if obj is self._encoder else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, encoder: Encoder) -> None:
        super().__init__(file)
        self._encoder = encoder

    def persistent_load(self, pid: Any) -> Any:
        if pid != _ENCODER:
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self._encoder


_NOT_SAVED = frozenset({"_faiss", "_faiss_lock", "_faiss_source"})  # the faiss index is saved by its own manifest


def save_snapshot(index: EngineIndex, folder: Path, *, key: str) -> None:
    """Write the index (all but the faiss index, saved beside it by its own manifest) and its manifest."""
    state = {k: v for k, v in vars(index).items() if k not in _NOT_SAVED}
    buffer = io.BytesIO()
    _Pickler(buffer, index.encoder).dump(state)
    write_blob(folder, file=SNAPSHOT_FILE, manifest=SNAPSHOT_MANIFEST, key=key, blob=buffer.getvalue(),
               format=SNAPSHOT_FORMAT, encoder=index.encoder.fingerprint)


def load_snapshot(folder: Path, *, key: str, encoder: Encoder) -> dict[str, Any]:
    """The saved index's attributes, if its key matches; raise SnapshotUnusable otherwise.

    The file is one this application wrote into its own var folder (pickle trusts its input), and its
    checksum is verified before it is read.
    """
    blob, _ = read_blob(folder, file=SNAPSHOT_FILE, manifest=SNAPSHOT_MANIFEST, key=key)
    try:
        with no_gc():
            state: dict[str, Any] = _Unpickler(io.BytesIO(blob), encoder).load()
    except Exception as exc:  # a checksum-valid file from an incompatible library version
        raise SnapshotUnusable(f"索引文件无法读取 / index file unreadable: {exc!r}", reason="corrupt") from exc
    return state


def index_key(world: World, *, encoder: Encoder, hops: int, alpha: float) -> str:
    """The key a saved index must carry to be used for ``world``."""
    nodes, edges = graph_records(world)
    # Industry records in full: the lexical channels read their notes and keywords, not only the node texts.
    catalogue = [ind.model_dump_json() for ind in world.industries.values()]
    return snapshot_key(nodes, edges, encoder=encoder, hops=hops, alpha=alpha, texts=catalogue)


def load_or_build_index(*, world: World, encoder: Encoder, hops: int, alpha: float,
                        index_dir: Path | None, key: str | None = None) -> EngineIndex:
    """The index saved under ``index_dir`` when it was built from the same data, model and code; else build
    it (the encoder's progress bar shows), log why, and save it. No ``index_dir``: build in memory only.
    ``key``: ``index_key(world, …)`` when the caller already knows it (a saved world carries it)."""
    if index_dir is None:
        return EngineIndex(world=world, encoder=encoder, hops=hops, alpha=alpha, index_dir=None)
    if key is None:
        key = index_key(world, encoder=encoder, hops=hops, alpha=alpha)
    folder = index_dir / SNAPSHOT_FOLDER
    started = time.perf_counter()
    try:
        state = load_snapshot(folder, key=key, encoder=encoder)
    except SnapshotUnusable as exc:
        (log.info if exc.reason == "missing" else log.warning)(
            "index_snapshot_rebuild", reason=exc.reason, detail=str(exc), folder=str(folder))
    else:
        index = EngineIndex.restored(state, world=world, index_dir=index_dir / "firms")
        log.info("index_snapshot_loaded", seconds=round(time.perf_counter() - started, 2), folder=str(folder))
        return index
    index = EngineIndex(world=world, encoder=encoder, hops=hops, alpha=alpha, index_dir=index_dir / "firms")
    try:
        save_snapshot(index, folder, key=key)
    except OSError as exc:  # a read-only var folder: serve from memory, build again next start
        log.warning("index_snapshot_not_saved", error=repr(exc), folder=str(folder))
    log.info("index_snapshot_built", seconds=round(time.perf_counter() - started, 1), folder=str(folder))
    return index
