"""Text encoders, a schema-typed graph with meta-path walks, propagation, vector and BM25 retrieval, metrics.

The library knows no application: node and edge types, the triples they may form and the meta-paths
read off a graph are data a caller passes in as a :class:`GraphSchema`.
"""

from __future__ import annotations

from .encoders import (
    BACKENDS,
    DEFAULT_BACKEND,
    CachedEncoder,
    Encoder,
    EncoderError,
    HashEncoder,
    SentenceTransformerEncoder,
    UseEncoder,
    make_encoder,
)
from .fusion import RRF_K, reciprocal_rank_fusion
from .graph import (
    Direction,
    Edge,
    GraphError,
    GraphSchema,
    MetaPath,
    Node,
    Step,
    WalkPath,
    build_graph,
    evidence_paths,
    export,
    node_id,
    node_type,
    paths_by_target,
    stats,
    walk,
)
from .index import (
    APPROX_THRESHOLD,
    CorruptIndex,
    IndexKind,
    IndexLoadError,
    Manifest,
    StaleIndex,
    VectorIndex,
    default_nlist,
    load_or_build,
    measure_recall,
    recall_at_k,
)
from .lexical import DOMAIN_WORDS, BM25Index, Segmenter
from .metrics import DEFAULT_K, hit_at_k, mean_reciprocal_rank, ndcg_at_k, reciprocal_rank
from .propagation import DEFAULT_ALPHA, DEFAULT_HOPS, normalised_adjacency, propagate

__all__ = [
    "APPROX_THRESHOLD",
    "BACKENDS",
    "DEFAULT_ALPHA",
    "DEFAULT_BACKEND",
    "DEFAULT_HOPS",
    "DEFAULT_K",
    "DOMAIN_WORDS",
    "RRF_K",
    "BM25Index",
    "CachedEncoder",
    "CorruptIndex",
    "Direction",
    "Edge",
    "Encoder",
    "EncoderError",
    "GraphError",
    "GraphSchema",
    "HashEncoder",
    "IndexKind",
    "IndexLoadError",
    "Manifest",
    "MetaPath",
    "Node",
    "Segmenter",
    "SentenceTransformerEncoder",
    "StaleIndex",
    "Step",
    "UseEncoder",
    "VectorIndex",
    "WalkPath",
    "build_graph",
    "default_nlist",
    "evidence_paths",
    "export",
    "hit_at_k",
    "load_or_build",
    "make_encoder",
    "mean_reciprocal_rank",
    "measure_recall",
    "ndcg_at_k",
    "node_id",
    "node_type",
    "normalised_adjacency",
    "paths_by_target",
    "propagate",
    "recall_at_k",
    "reciprocal_rank",
    "reciprocal_rank_fusion",
    "stats",
    "walk",
]
