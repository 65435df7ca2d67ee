"""A generic typed graph: records validated against a schema, meta-path walks, export and stats."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

import networkx as nx

__all__ = [
    "Direction",
    "Edge",
    "GraphError",
    "GraphSchema",
    "MetaPath",
    "Node",
    "Step",
    "WalkPath",
    "build_graph",
    "evidence_paths",
    "export",
    "node_id",
    "node_type",
    "paths_by_target",
    "stats",
    "walk",
]


class GraphError(ValueError):
    """The graph records are inconsistent; the message is Chinese first, then English."""


Direction = Literal["out", "in"]
# One hop of a meta-path: the edge type and whether it is followed along ("out", source → target)
# or against ("in", target ← source) its direction.
Step = tuple[str, Direction]


def node_id(type_: str, key: str | int) -> str:
    """Return ``"{type}:{key}"``, e.g. ``node_id("author", 17) == "author:17"``.

    This is the id of a node whose schema gives its type no other prefix; :meth:`GraphSchema.node_id`
    applies the schema's prefixes.
    """
    return f"{type_}:{key}"


def node_type(graph: nx.MultiDiGraph, node: str) -> str:
    """Return the type a node was built with."""
    return str(graph.nodes[node]["type"])


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    type: str
    text: str
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    type: str
    weight: float = 1.0
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MetaPath:
    """A typed walk pattern that ends on a node of any of ``end_types``.

    ``prior`` discounts weaker kinds of evidence (e.g. a match on an item's broader category rather
    than its exact one).
    """

    name: str
    steps: tuple[Step, ...]
    end_types: tuple[str, ...]
    prior: float = 1.0


@dataclass(frozen=True, slots=True)
class WalkPath:
    """A concrete path: ``nodes[i] -edges[i]-> nodes[i+1]`` (or against the edge when ``directions[i]``
    is "in"). ``weight`` = prior of the meta-path × product of the edge weights along the path."""

    kind: str
    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    directions: tuple[Direction, ...]
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "nodes": list(self.nodes),
            "edges": [str(e) for e in self.edges],
            "directions": list(self.directions),
            "weight": self.weight,
        }


@dataclass(frozen=True)
class GraphSchema:
    """What a graph may hold: its node and edge types, the (source type, edge type, target type) triples
    an edge may form, and the meta-paths that read evidence off it.

    ``node_types`` and ``edge_types`` are ordered (:func:`stats` lists them in that order). A node id
    is ``"{prefix}:{key}"``, the prefix being the type itself unless ``prefixes`` names another one.
    ``max_weights`` caps the weight of an edge type (e.g. a share that cannot exceed 1).
    """

    node_types: tuple[str, ...]
    edge_types: tuple[str, ...]
    triples: frozenset[tuple[str, str, str]]
    metapaths: tuple[MetaPath, ...] = ()
    prefixes: Mapping[str, str] = field(default_factory=dict)
    max_weights: Mapping[str, float] = field(default_factory=dict)
    _prefix_type: dict[str, str] = field(init=False, repr=False, compare=False)
    _pairs: dict[str, frozenset[tuple[str, str]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        nodes, edges = set(self.node_types), set(self.edge_types)
        if len(nodes) != len(self.node_types) or len(edges) != len(self.edge_types):
            raise GraphError("图模式中有重复的类型 / The schema lists a type twice")
        used_nodes = {*self.prefixes, *(s for s, _, _ in self.triples), *(t for _, _, t in self.triples)}
        used_edges = {*(e for _, e, _ in self.triples), *self.max_weights}
        for metapath in self.metapaths:
            used_nodes.update(metapath.end_types)
            used_edges.update(e for e, _ in metapath.steps)
        unknown = sorted(str(t) for t in (used_nodes - nodes) | (used_edges - edges))
        if unknown:
            raise GraphError(
                f"图模式引用了未声明的类型: {unknown} / The schema refers to undeclared types: {unknown}"
            )
        prefix_type = {self.prefix(t): str(t) for t in self.node_types}
        if len(prefix_type) != len(self.node_types):
            raise GraphError("两个节点类型共用一个编号前缀 / Two node types share an id prefix")
        pairs: dict[str, set[tuple[str, str]]] = {str(e): set() for e in self.edge_types}
        for source, etype, target in self.triples:
            pairs[str(etype)].add((str(source), str(target)))
        object.__setattr__(self, "_prefix_type", prefix_type)
        object.__setattr__(self, "_pairs", {e: frozenset(p) for e, p in pairs.items()})

    def prefix(self, type_: str) -> str:
        """Return the id prefix of a node type."""
        return str(self.prefixes.get(type_, type_))

    def node_id(self, type_: str, key: str | int) -> str:
        """Return the canonical id ``"{prefix}:{key}"`` of a node of this schema."""
        return f"{self.prefix(type_)}:{key}"

    def allowed(self, edge_type: str) -> frozenset[tuple[str, str]]:
        """Return the (source type, target type) pairs an edge type may join."""
        return self._pairs.get(str(edge_type), frozenset())

    def type_of_prefix(self, prefix: str) -> str | None:
        """Return the node type whose ids start with ``prefix``, if any."""
        return self._prefix_type.get(prefix)


def build_graph(nodes: Iterable[Node], edges: Iterable[Edge], schema: GraphSchema) -> nx.MultiDiGraph:
    """Validate the records against ``schema`` and build the graph (edge key = edge type, so a pair has
    one edge per type).

    Rejects: a node or edge type the schema does not declare, duplicate node ids, an id whose prefix
    disagrees with its type, an edge to an unknown node, an edge whose (source type, edge type, target
    type) the schema does not allow, a negative or non-finite weight, a weight above the schema's cap
    for its edge type, and duplicate edges.
    """
    node_types, edge_types = set(schema.node_types), set(schema.edge_types)
    graph = nx.MultiDiGraph()
    for node in nodes:
        # Plain str values (not a caller's enum) so GraphML/JSON writers accept them.
        ntype = str(node.type)
        if ntype not in node_types:
            raise GraphError(f"未知的节点类型 {ntype}: {node.id!r} / Unknown node type {ntype}: {node.id!r}")
        prefix, sep, key = node.id.partition(":")
        if not sep or not key or schema.type_of_prefix(prefix) != ntype:
            raise GraphError(
                f"节点编号应为 '{schema.prefix(ntype)}:<键>': {node.id!r} / "
                f"Node id must look like '{schema.prefix(ntype)}:<key>': {node.id!r}"
            )
        if node.id in graph:
            raise GraphError(f"节点编号重复: {node.id} / Duplicate node id: {node.id}")
        graph.add_node(node.id, type=ntype, text=node.text, attrs=dict(node.attrs))
    for edge in edges:
        etype = str(edge.type)
        if etype not in edge_types:
            raise GraphError(
                f"未知的边类型 {etype}: {edge.source} → {edge.target} / "
                f"Unknown edge type {etype}: {edge.source} → {edge.target}"
            )
        for end in (edge.source, edge.target):
            if end not in graph:
                raise GraphError(
                    f"边 {edge.source} -[{etype}]-> {edge.target} 引用了不存在的节点: {end} / "
                    f"Edge {edge.source} -[{etype}]-> {edge.target} refers to an unknown node: {end}"
                )
        pair = (node_type(graph, edge.source), node_type(graph, edge.target))
        if pair not in schema.allowed(etype):
            allowed = ", ".join(sorted(f"{s}→{t}" for s, t in schema.allowed(etype)))
            raise GraphError(
                f"{etype} 边不能连接 {pair[0]}→{pair[1]}（允许: {allowed}）: {edge.source} → {edge.target} / "
                f"A {etype} edge cannot join {pair[0]}→{pair[1]} (allowed: {allowed}): "
                f"{edge.source} → {edge.target}"
            )
        weight = float(edge.weight)
        cap = schema.max_weights.get(etype)
        if not math.isfinite(weight) or weight < 0 or (cap is not None and weight > cap):
            limit = ">= 0" if cap is None else f"[0, {cap:g}]"
            raise GraphError(
                f"边权重必须 {limit}: {edge.source} -[{etype}]-> {edge.target} = {edge.weight} / "
                f"Edge weight must be {limit}: {edge.source} -[{etype}]-> {edge.target} = {edge.weight}"
            )
        if graph.has_edge(edge.source, edge.target, key=etype):
            raise GraphError(
                f"重复的边: {edge.source} -[{etype}]-> {edge.target} / "
                f"Duplicate edge: {edge.source} -[{etype}]-> {edge.target}"
            )
        graph.add_edge(edge.source, edge.target, key=etype, type=etype, weight=weight, attrs=dict(edge.attrs))
    return graph


def _neighbours(graph: nx.MultiDiGraph, node: str, step: Step) -> Iterable[tuple[str, float]]:
    etype, direction = step
    # The adjacency dicts themselves (other node → edge key → data), in the order out_edges / in_edges give:
    # asking each neighbour for the one key is six times faster than filtering every edge, and walks are most
    # of what a destination's first leads cost.
    adjacency = (graph._succ if direction == "out" else graph._pred)[node]  # noqa: SLF001
    for other, keys in adjacency.items():
        data = keys.get(etype)
        if data is not None:
            yield other, float(data["weight"])


def walk(
    graph: nx.MultiDiGraph,
    start: str,
    pattern: Sequence[Step] | MetaPath,
    *,
    end_types: Collection[str] | None = None,
    end: str | None = None,
    top_n: int | None = None,
) -> list[WalkPath]:
    """Follow a meta-path from ``start``; return the simple paths (no node twice), strongest first.

    ``pattern`` is a sequence of (edge type, direction) steps or a :class:`MetaPath` (whose
    ``end_types`` and ``prior`` then apply). Path weight = prior × product of edge weights, so a weak
    link anywhere weakens the whole chain. ``end_types`` keeps only paths ending on a node of those
    types, ``end`` only paths ending on that node; ``top_n`` cuts the list.
    """
    if start not in graph:
        raise GraphError(f"节点不存在: {start} / Unknown node: {start}")
    if isinstance(pattern, MetaPath):
        steps, kind, prior = pattern.steps, pattern.name, pattern.prior
        end_types = end_types or pattern.end_types
    else:
        steps, kind, prior = tuple(pattern), "custom", 1.0
    frontier: list[tuple[tuple[str, ...], float]] = [((start,), prior)]
    for step in steps:
        nxt: list[tuple[tuple[str, ...], float]] = []
        for nodes, weight in frontier:
            for other, w in _neighbours(graph, nodes[-1], step):
                if other not in nodes:
                    nxt.append(((*nodes, other), weight * w))
        frontier = nxt
    etypes = tuple(s[0] for s in steps)
    directions = tuple(s[1] for s in steps)
    paths = [
        WalkPath(kind, nodes, etypes, directions, weight)
        for nodes, weight in frontier
        if (end is None or nodes[-1] == end)
        and (end_types is None or node_type(graph, nodes[-1]) in end_types)
    ]
    paths.sort(key=lambda p: (-p.weight, p.nodes))
    return paths[:top_n] if top_n is not None else paths


def paths_by_target(
    graph: nx.MultiDiGraph,
    start: str,
    *,
    metapaths: Sequence[MetaPath],
    k: int = 5,
) -> dict[str, list[WalkPath]]:
    """Walk every meta-path from ``start`` once and group the paths by end node (top ``k`` each).

    Cheaper than calling :func:`evidence_paths` per end node when ranking many targets for one start.
    """
    grouped: dict[str, list[WalkPath]] = {}
    for metapath in metapaths:
        for path in walk(graph, start, metapath):
            grouped.setdefault(path.nodes[-1], []).append(path)
    return {
        target: sorted(paths, key=lambda p: (-p.weight, p.kind, p.nodes))[:k]
        for target, paths in grouped.items()
    }


def evidence_paths(
    graph: nx.MultiDiGraph,
    start: str,
    end: str,
    *,
    metapaths: Sequence[MetaPath],
    k: int = 5,
) -> list[WalkPath]:
    """Return the ``k`` strongest paths of all kinds from ``start`` to ``end`` (the "graph evidence")."""
    if end not in graph:
        raise GraphError(f"节点不存在: {end} / Unknown node: {end}")
    paths = [p for m in metapaths for p in walk(graph, start, m, end=end)]
    paths.sort(key=lambda p: (-p.weight, p.kind, p.nodes))
    return paths[:k]


def _scalar(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _export_graphml(graph: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        extra = {f"attr_{k}": _scalar(v) for k, v in data.get("attrs", {}).items()}
        flat.add_node(node, type=data["type"], text=data["text"], **extra)
    for u, v, key, data in graph.edges(keys=True, data=True):
        extra = {f"attr_{k}": _scalar(val) for k, val in data.get("attrs", {}).items()}
        flat.add_edge(u, v, key=key, type=data["type"], weight=data["weight"], **extra)
    nx.write_graphml(flat, os.fspath(path), encoding="utf-8")


def _export_json(graph: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    data = nx.node_link_data(graph, edges="edges")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1, default=str)


def export(
    graph: nx.MultiDiGraph,
    path: str | os.PathLike[str],
    *,
    format: Literal["graphml", "json"] | None = None,
) -> None:
    """Write the graph for inspection, as ``format`` or as the file's suffix (``.graphml``/``.json``) says.

    GraphML (for Gephi/yEd) flattens nested ``attrs`` into ``attr_<name>`` scalar attributes; JSON is
    node-link data (UTF-8, Chinese unescaped) that ``networkx.node_link_graph`` reads back.
    """
    chosen = format or PurePath(os.fspath(path)).suffix.lower().lstrip(".")
    if chosen == "graphml":
        _export_graphml(graph, path)
    elif chosen == "json":
        _export_json(graph, path)
    else:
        raise GraphError(
            f"导出格式须为 graphml 或 json: {os.fspath(path)} / "
            f"Export format must be graphml or json: {os.fspath(path)}"
        )


def stats(graph: nx.MultiDiGraph, schema: GraphSchema) -> dict[str, Any]:
    """Count nodes per node type and edges per edge type (every schema type, in order, zeros included)."""
    node_counts = {str(t): 0 for t in schema.node_types}
    for _, data in graph.nodes(data=True):
        node_counts[data["type"]] += 1
    edge_counts = {str(t): 0 for t in schema.edge_types}
    for _, _, key in graph.edges(keys=True):
        edge_counts[key] += 1
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "node_types": node_counts,
        "edge_types": edge_counts,
    }
