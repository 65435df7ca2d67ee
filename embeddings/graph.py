"""The shared firm–park heterogeneous graph: typed records, validation, meta-path walks, export and stats."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import networkx as nx

__all__ = [
    "DEFAULT_METAPATHS",
    "EDGE_SCHEMA",
    "NODE_PREFIX",
    "Direction",
    "Edge",
    "EdgeType",
    "GraphError",
    "MetaPath",
    "Node",
    "NodeType",
    "Path",
    "Step",
    "build_graph",
    "evidence_paths",
    "export_graphml",
    "export_json",
    "graph_stats",
    "node_id",
    "node_type",
    "paths_by_target",
    "walk",
]


class GraphError(ValueError):
    """The graph records are inconsistent; the message is Chinese first, then English."""


class NodeType(StrEnum):
    FIRM = "firm"
    PARK = "park"
    COUNTY = "county"
    TOWN = "town"
    INDUSTRY = "industry"
    RESOURCE = "resource"
    PRODUCT = "product"
    ANCHOR_ENTERPRISE = "anchor_enterprise"
    POLICY = "policy"


class EdgeType(StrEnum):
    IN_INDUSTRY = "in_industry"
    LOCATED_IN = "located_in"
    CONSUMES = "consumes"
    SUPPLIES = "supplies"
    TARGETS = "targets"
    IN_COUNTY = "in_county"
    PAIRED_WITH = "paired_with"
    SUPPLIES_INDUSTRY = "supplies_industry"
    SUBCLASS_OF = "subclass_of"
    MAKES = "makes"
    APPLIES_TO = "applies_to"


# Id prefixes: the type name itself, except anchor enterprises, which are "anchor:…" in every data file.
NODE_PREFIX: Mapping[NodeType, str] = {
    t: ("anchor" if t is NodeType.ANCHOR_ENTERPRISE else t.value) for t in NodeType
}
_PREFIX_TYPE = {prefix: t for t, prefix in NODE_PREFIX.items()}

_N = NodeType
# Allowed (source type, target type) per edge type; edges are directed source → target.
EDGE_SCHEMA: Mapping[EdgeType, frozenset[tuple[NodeType, NodeType]]] = {
    EdgeType.IN_INDUSTRY: frozenset({(_N.FIRM, _N.INDUSTRY)}),
    EdgeType.LOCATED_IN: frozenset({(_N.FIRM, _N.TOWN), (_N.ANCHOR_ENTERPRISE, _N.PARK)}),
    EdgeType.CONSUMES: frozenset({(_N.INDUSTRY, _N.RESOURCE)}),
    EdgeType.SUPPLIES: frozenset({(_N.PARK, _N.RESOURCE)}),
    EdgeType.TARGETS: frozenset({(_N.PARK, _N.INDUSTRY)}),
    EdgeType.IN_COUNTY: frozenset({(_N.PARK, _N.COUNTY)}),
    EdgeType.PAIRED_WITH: frozenset({(_N.TOWN, _N.COUNTY)}),
    EdgeType.SUPPLIES_INDUSTRY: frozenset({(_N.INDUSTRY, _N.INDUSTRY)}),
    EdgeType.SUBCLASS_OF: frozenset({(_N.INDUSTRY, _N.INDUSTRY)}),
    EdgeType.MAKES: frozenset({(_N.FIRM, _N.PRODUCT)}),
    EdgeType.APPLIES_TO: frozenset({(_N.POLICY, _N.PARK)}),
}


def node_id(type_: NodeType | str, key: str | int) -> str:
    """Return the canonical id ``"{prefix}:{key}"``, e.g. ``node_id("firm", 17) == "firm:17"``."""
    return f"{NODE_PREFIX[NodeType(type_)]}:{key}"


def node_type(graph: nx.MultiDiGraph, node: str) -> NodeType:
    return NodeType(graph.nodes[node]["type"])


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    type: NodeType
    text: str
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    type: EdgeType
    weight: float = 1.0
    attrs: Mapping[str, Any] = field(default_factory=dict)


def build_graph(nodes: Iterable[Node], edges: Iterable[Edge]) -> nx.MultiDiGraph:
    """Validate the records and build the graph (edge key = edge type, so a pair has one edge per type).

    Rejects: duplicate node ids, an id whose prefix disagrees with its type, an edge to an unknown node,
    an edge whose endpoint types the edge type does not allow, a negative or non-finite weight, a
    ``consumes`` intensity above 1, and duplicate edges.
    """
    graph = nx.MultiDiGraph()
    for node in nodes:
        ntype = NodeType(node.type)
        prefix, sep, key = node.id.partition(":")
        if not sep or not key or _PREFIX_TYPE.get(prefix) is not ntype:
            raise GraphError(
                f"节点编号应为 '{NODE_PREFIX[ntype]}:<键>': {node.id!r} / "
                f"Node id must look like '{NODE_PREFIX[ntype]}:<key>': {node.id!r}"
            )
        if node.id in graph:
            raise GraphError(f"节点编号重复: {node.id} / Duplicate node id: {node.id}")
        # Plain str values (not the enum) so GraphML/JSON writers accept them.
        graph.add_node(node.id, type=ntype.value, text=node.text, attrs=dict(node.attrs))
    for edge in edges:
        etype = EdgeType(edge.type)
        for end in (edge.source, edge.target):
            if end not in graph:
                raise GraphError(
                    f"边 {edge.source} -[{etype}]-> {edge.target} 引用了不存在的节点: {end} / "
                    f"Edge {edge.source} -[{etype}]-> {edge.target} refers to an unknown node: {end}"
                )
        pair = (node_type(graph, edge.source), node_type(graph, edge.target))
        if pair not in EDGE_SCHEMA[etype]:
            allowed = ", ".join(sorted(f"{s}→{t}" for s, t in EDGE_SCHEMA[etype]))
            raise GraphError(
                f"{etype} 边不能连接 {pair[0]}→{pair[1]}（允许: {allowed}）: {edge.source} → {edge.target} / "
                f"A {etype} edge cannot join {pair[0]}→{pair[1]} (allowed: {allowed}): {edge.source} → {edge.target}"
            )
        weight = float(edge.weight)
        if not math.isfinite(weight) or weight < 0 or (etype is EdgeType.CONSUMES and weight > 1):
            limit = "[0, 1]" if etype is EdgeType.CONSUMES else ">= 0"
            raise GraphError(
                f"边权重必须 {limit}: {edge.source} -[{etype}]-> {edge.target} = {edge.weight} / "
                f"Edge weight must be {limit}: {edge.source} -[{etype}]-> {edge.target} = {edge.weight}"
            )
        if graph.has_edge(edge.source, edge.target, key=etype.value):
            raise GraphError(
                f"重复的边: {edge.source} -[{etype}]-> {edge.target} / "
                f"Duplicate edge: {edge.source} -[{etype}]-> {edge.target}"
            )
        graph.add_edge(
            edge.source, edge.target, key=etype.value, type=etype.value, weight=weight, attrs=dict(edge.attrs)
        )
    return graph


Direction = Literal["out", "in"]
# One hop of a meta-path: the edge type and whether it is followed along ("out", source → target)
# or against ("in", target ← source) its direction.
Step = tuple[EdgeType, Direction]


@dataclass(frozen=True, slots=True)
class MetaPath:
    """A typed walk pattern. ``prior`` discounts weaker kinds of evidence (e.g. a park targeting only
    the firm's industry group rather than its exact class)."""

    name: str
    steps: tuple[Step, ...]
    end_type: NodeType
    prior: float = 1.0


@dataclass(frozen=True, slots=True)
class Path:
    """A concrete path: ``nodes[i] -edges[i]-> nodes[i+1]`` (or against the edge when ``directions[i]``
    is "in"). ``weight`` = prior of the meta-path × product of the edge weights along the path."""

    kind: str
    nodes: tuple[str, ...]
    edges: tuple[EdgeType, ...]
    directions: tuple[Direction, ...]
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "nodes": list(self.nodes),
            "edges": [e.value for e in self.edges],
            "directions": list(self.directions),
            "weight": self.weight,
        }


_E = EdgeType
DEFAULT_METAPATHS: tuple[MetaPath, ...] = (
    # firm → industry → resource ← park: the park supplies what the firm's industry consumes.
    MetaPath("resource", ((_E.IN_INDUSTRY, "out"), (_E.CONSUMES, "out"), (_E.SUPPLIES, "in")), _N.PARK),
    # firm → industry ← park: the park officially targets the firm's industry class.
    MetaPath("industry", ((_E.IN_INDUSTRY, "out"), (_E.TARGETS, "in")), _N.PARK),
    # The park targets the firm's group (class → group) or division (class → group → division): weaker.
    MetaPath(
        "industry_group",
        ((_E.IN_INDUSTRY, "out"), (_E.SUBCLASS_OF, "out"), (_E.TARGETS, "in")),
        _N.PARK,
        prior=0.5,
    ),
    MetaPath(
        "industry_division",
        ((_E.IN_INDUSTRY, "out"), (_E.SUBCLASS_OF, "out"), (_E.SUBCLASS_OF, "out"), (_E.TARGETS, "in")),
        _N.PARK,
        prior=0.25,
    ),
    # firm → industry → industry ← park: the park targets an industry upstream (it supplies the firm's
    # industry) or downstream (the firm's industry supplies it) of the firm.
    MetaPath(
        "supply_upstream",
        ((_E.IN_INDUSTRY, "out"), (_E.SUPPLIES_INDUSTRY, "in"), (_E.TARGETS, "in")),
        _N.PARK,
        prior=0.7,
    ),
    MetaPath(
        "supply_downstream",
        ((_E.IN_INDUSTRY, "out"), (_E.SUPPLIES_INDUSTRY, "out"), (_E.TARGETS, "in")),
        _N.PARK,
        prior=0.7,
    ),
    # firm → town → county ← park: the firm's town is paired with the park's county.
    MetaPath("pairing", ((_E.LOCATED_IN, "out"), (_E.PAIRED_WITH, "out"), (_E.IN_COUNTY, "in")), _N.PARK),
)


def _neighbours(graph: nx.MultiDiGraph, node: str, step: Step) -> Iterable[tuple[str, float]]:
    etype, direction = step
    if direction == "out":
        for _, other, key, data in graph.out_edges(node, keys=True, data=True):
            if key == etype.value:
                yield other, float(data["weight"])
    else:
        for other, _, key, data in graph.in_edges(node, keys=True, data=True):
            if key == etype.value:
                yield other, float(data["weight"])


def walk(
    graph: nx.MultiDiGraph,
    start: str,
    pattern: Sequence[Step] | MetaPath,
    *,
    end_type: NodeType | None = None,
    end: str | None = None,
    top_n: int | None = None,
) -> list[Path]:
    """Follow a meta-path from ``start``; return the simple paths (no node twice), strongest first.

    ``pattern`` is a sequence of (edge type, direction) steps or a :class:`MetaPath` (whose ``end_type``
    and ``prior`` then apply). Path weight = prior × product of edge weights, so a weak link anywhere
    weakens the whole chain. ``end`` keeps only paths ending on that node; ``top_n`` cuts the list.
    """
    if start not in graph:
        raise GraphError(f"节点不存在: {start} / Unknown node: {start}")
    if isinstance(pattern, MetaPath):
        steps, kind, prior = pattern.steps, pattern.name, pattern.prior
        end_type = end_type or pattern.end_type
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
        Path(kind, nodes, etypes, directions, weight)
        for nodes, weight in frontier
        if (end is None or nodes[-1] == end) and (end_type is None or node_type(graph, nodes[-1]) is end_type)
    ]
    paths.sort(key=lambda p: (-p.weight, p.nodes))
    return paths[:top_n] if top_n is not None else paths


def paths_by_target(
    graph: nx.MultiDiGraph,
    start: str,
    *,
    metapaths: Sequence[MetaPath] = DEFAULT_METAPATHS,
    k: int = 5,
) -> dict[str, list[Path]]:
    """Walk every meta-path from ``start`` once and group the paths by end node (top ``k`` each).

    Cheaper than calling :func:`evidence_paths` per park when ranking many parks for one firm.
    """
    grouped: dict[str, list[Path]] = {}
    for metapath in metapaths:
        for path in walk(graph, start, metapath):
            grouped.setdefault(path.nodes[-1], []).append(path)
    return {
        target: sorted(paths, key=lambda p: (-p.weight, p.kind, p.nodes))[:k]
        for target, paths in grouped.items()
    }


def evidence_paths(
    graph: nx.MultiDiGraph,
    firm: str,
    park: str,
    *,
    k: int = 5,
    metapaths: Sequence[MetaPath] = DEFAULT_METAPATHS,
) -> list[Path]:
    """Return the ``k`` strongest paths of all kinds from a firm to a park (the "graph evidence")."""
    if park not in graph:
        raise GraphError(f"节点不存在: {park} / Unknown node: {park}")
    paths = [p for m in metapaths for p in walk(graph, firm, m, end=park)]
    paths.sort(key=lambda p: (-p.weight, p.kind, p.nodes))
    return paths[:k]


def _scalar(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def export_graphml(graph: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """Write GraphML (for Gephi/yEd); nested ``attrs`` become ``attr_<name>`` scalar attributes."""
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        extra = {f"attr_{k}": _scalar(v) for k, v in data.get("attrs", {}).items()}
        flat.add_node(node, type=data["type"], text=data["text"], **extra)
    for u, v, key, data in graph.edges(keys=True, data=True):
        extra = {f"attr_{k}": _scalar(val) for k, val in data.get("attrs", {}).items()}
        flat.add_edge(u, v, key=key, type=data["type"], weight=data["weight"], **extra)
    nx.write_graphml(flat, os.fspath(path), encoding="utf-8")


def export_json(graph: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """Write node-link JSON (UTF-8, Chinese unescaped) that ``networkx.node_link_graph`` reads back."""
    data = nx.node_link_data(graph, edges="edges")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1, default=str)


def graph_stats(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Count nodes per node type and edges per edge type (every type listed, zeros included)."""
    node_counts = {t.value: 0 for t in NodeType}
    for _, data in graph.nodes(data=True):
        node_counts[data["type"]] += 1
    edge_counts = {t.value: 0 for t in EdgeType}
    for _, _, key in graph.edges(keys=True):
        edge_counts[key] += 1
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "node_types": node_counts,
        "edge_types": edge_counts,
    }
