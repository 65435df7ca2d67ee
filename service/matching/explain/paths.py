"""Meta-path evidence between a firm (or prospect) and a destination: walks, the strongest paths, their labels."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from embeddings import MetaPath, walk
from embeddings import WalkPath as GPath
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.snapshot.graph import destination_node
from service.matching.snapshot.graph_schema import METAPATHS, EdgeType, NodeType, node_id
from service.matching.snapshot.world import DestinationProfile, FirmProfile

PROSPECT_NODE = "prospect"


def _fmt_path_text(labels: Sequence[str], directions: Sequence[str]) -> str:
    out = labels[0]
    for label, direction in zip(labels[1:], directions, strict=True):
        out += (" → " if direction == "out" else " ← ") + label
    return out


class PathFinder:
    """Walks and renders evidence paths on the shared graph, with the caches that make them cheap.

    Walks start from a firm's industries and town on the skeleton (the graph without firm nodes): an
    industry node has thousands of firm in-edges that every reverse step would otherwise scan.
    """

    def __init__(self, graph: nx.MultiDiGraph, skeleton: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.skeleton = skeleton
        self._walks: dict[tuple[tuple[str, ...], str | None], dict[str, list[GPath]]] = {}
        self._labels: dict[str, tuple[str, str]] = {}
        self._rendered: dict[tuple[GPath, str], s.GraphPath] = {}

    def firm_changed(self) -> None:
        """A firm's name is a label of the paths that start at it: drop the rendered paths."""
        self._rendered.clear()

    def skeleton_changed(self, graph: nx.MultiDiGraph, skeleton: nx.MultiDiGraph) -> None:
        """Destinations (or the catalogue) changed: walks, labels and renders all go."""
        self.graph = graph
        self.skeleton = skeleton
        self._walks.clear()
        self._labels.clear()
        self._rendered.clear()

    def labels(self, node: str, prospect_name: str) -> tuple[str, str]:
        """(zh, en) name of a graph node; skeleton nodes are cached, firm nodes are read (their names may change)."""
        if node == PROSPECT_NODE:
            return prospect_name, prospect_name
        cached = self._labels.get(node)
        if cached is not None:
            return cached
        attrs = self.graph.nodes[node].get("attrs", {}) if node in self.graph else {}
        pair = str(attrs.get("name_zh") or node), str(attrs.get("name_en") or node)
        if node in self.skeleton:
            self._labels[node] = pair
        return pair

    def render(self, path: GPath, prospect_name: str = "") -> s.GraphPath:
        # The same firm–destination paths come back on every query for that destination, so each is rendered
        # once; the cache is dropped whenever a firm changes (its name is a label). Responses never mutate a path.
        key = (path, prospect_name)
        cached = self._rendered.get(key)
        if cached is not None:
            return cached
        if len(self._rendered) >= c.PATH_CACHE_SIZE:
            self._rendered.clear()
        pairs = [self.labels(n, prospect_name) for n in path.nodes]
        zh = [p[0] for p in pairs]
        en = [p[1] for p in pairs]
        out = self._rendered[key] = s.GraphPath(
            kind=path.kind, nodes=list(path.nodes), labels_zh=zh, labels_en=en, edges=[str(e) for e in path.edges],
            weight=round(float(path.weight), 4), text_zh=_fmt_path_text(zh, path.directions),
            text_en=_fmt_path_text(en, path.directions))
        return out

    def input_paths(self, start: str, firm: FirmProfile, dest: DestinationProfile) -> list[GPath]:
        """Paths for inputs the firm states itself (the graph links industries, not firms, to resources)."""
        pid = destination_node(dest)
        out = []
        for res, _qty in firm.inputs:
            rid = node_id(NodeType.RESOURCE, res)
            if rid in self.graph and self.graph.has_edge(pid, rid, key=EdgeType.SUPPLIES.value):
                weight = float(self.graph.edges[pid, rid, EdgeType.SUPPLIES.value]["weight"])
                out.append(GPath("stated_input", (start, rid, pid), (EdgeType.CONSUMES, EdgeType.SUPPLIES),
                                 ("out", "in"), weight))
        return out

    def profile_paths(self, firm: FirmProfile, start: str, target: str | None = None) -> dict[str, list[GPath]]:
        """Meta-path walks from a firm (``start`` names its node, "prospect" for a prospect), grouped by target.

        The walks begin at the firm's industries and town on the skeleton graph and are cached per
        (industries, town), which many firms share.
        """
        key = (firm.industries, firm.town)
        grouped = self._walks.get(key)
        if grouped is None:
            grouped = self._walk_profile(firm)
            if len(self._walks) < c.WALK_CACHE_SIZE:
                self._walks[key] = grouped
        if target is not None:
            grouped = {target: grouped.get(target, [])}
        if start == PROSPECT_NODE:
            return grouped
        return {t: [GPath(p.kind, (start, *p.nodes[1:]), p.edges, p.directions, p.weight) for p in paths]
                for t, paths in grouped.items()}

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
                    full = GPath(p.kind, (PROSPECT_NODE, *p.nodes), (first[0], *p.edges), (first[1], *p.directions),
                                 p.weight)
                    grouped.setdefault(full.nodes[-1], []).append(full)
        return grouped


def top_paths(paths: list[GPath]) -> list[GPath]:
    """The strongest distinct paths, at most c.PATHS_PER_ITEM."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for p in sorted(paths, key=lambda p: (-p.weight, p.kind, p.nodes)):
        if p.nodes not in seen:
            seen.add(p.nodes)
            out.append(p)
    return out[: c.PATHS_PER_ITEM]
