"""Graph construction, validation, meta-path walks, evidence paths, export and stats."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from embeddings.graph import (
    Edge,
    EdgeType,
    GraphError,
    Node,
    NodeType,
    build_graph,
    evidence_paths,
    export_graphml,
    export_json,
    graph_stats,
    node_id,
    paths_by_target,
    walk,
)
from tests.embeddings.graph_fixture import EXPECTED_PARK, records

E, N = EdgeType, NodeType


def test_node_ids_use_the_documented_prefixes() -> None:
    assert node_id("firm", 17) == "firm:17"
    assert node_id(NodeType.ANCHOR_ENTERPRISE, "shuangyuan") == "anchor:shuangyuan"


def test_edge_to_unknown_node_is_rejected_with_its_name() -> None:
    nodes = [Node("firm:1", N.FIRM, "灯饰厂")]
    with pytest.raises(GraphError, match="industry:C3872") as err:
        build_graph(nodes, [Edge("firm:1", "industry:C3872", E.IN_INDUSTRY)])
    assert "不存在" in str(err.value) and "unknown node" in str(err.value)


@pytest.mark.parametrize(
    ("nodes", "edges", "fragment"),
    [
        ([Node("firm:1", N.FIRM, "a"), Node("firm:1", N.FIRM, "b")], [], "Duplicate node id"),
        ([Node("park:1", N.FIRM, "a")], [], "must look like 'firm:<key>'"),
        (
            [Node("firm:1", N.FIRM, "a"), Node("park:p", N.PARK, "b")],
            [Edge("firm:1", "park:p", E.TARGETS)],
            "cannot join firm→park",
        ),
        (
            [Node("industry:C3872", N.INDUSTRY, "a"), Node("resource:al", N.RESOURCE, "b")],
            [Edge("industry:C3872", "resource:al", E.CONSUMES, weight=1.5)],
            "must be [0, 1]",
        ),
        (
            [Node("firm:1", N.FIRM, "a"), Node("town:guzhen", N.TOWN, "b")],
            [Edge("firm:1", "town:guzhen", E.LOCATED_IN), Edge("firm:1", "town:guzhen", E.LOCATED_IN)],
            "Duplicate edge",
        ),
    ],
)
def test_inconsistent_records_are_rejected(nodes: list[Node], edges: list[Edge], fragment: str) -> None:
    with pytest.raises(GraphError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        build_graph(nodes, edges)


def test_resource_route_weight_is_the_product_of_edge_weights(fixture_graph: nx.MultiDiGraph) -> None:
    paths = walk(
        fixture_graph,
        "firm:1",
        [(E.IN_INDUSTRY, "out"), (E.CONSUMES, "out"), (E.SUPPLIES, "in")],
        end_type=N.PARK,
    )
    aluminium = [
        p
        for p in paths
        if p.nodes == ("firm:1", "industry:C3872", "resource:aluminium_ingot", "park:shuicheng_edz")
    ]
    assert len(aluminium) == 1
    assert aluminium[0].weight == pytest.approx(0.35)  # 1.0 (in_industry) × 0.35 (consumes) × 1.0 (supplies)
    assert [p.weight for p in paths] == sorted((p.weight for p in paths), reverse=True)
    assert (
        walk(
            fixture_graph,
            "firm:1",
            [(E.IN_INDUSTRY, "out"), (E.CONSUMES, "out"), (E.SUPPLIES, "in")],
            top_n=2,
        )
        == paths[:2]
    )


def test_lighting_firm_evidence_for_aluminium_park(fixture_graph: nx.MultiDiGraph) -> None:
    paths = evidence_paths(fixture_graph, "firm:1", "park:shuicheng_edz", k=5)
    kinds = [p.kind for p in paths]
    assert kinds[0] == "supply_upstream"  # the park targets 铝压延加工, which supplies 照明灯具制造
    assert paths[0].nodes == ("firm:1", "industry:C3872", "industry:C3252", "park:shuicheng_edz")
    assert "resource" in kinds
    assert all(p.nodes[0] == "firm:1" and p.nodes[-1] == "park:shuicheng_edz" for p in paths)
    as_json = paths[0].to_dict()
    assert as_json["edges"] == ["in_industry", "supplies_industry", "targets"]
    json.dumps(as_json)  # evidence goes straight into API responses


def test_garment_firm_has_no_evidence_for_the_aluminium_park(fixture_graph: nx.MultiDiGraph) -> None:
    assert evidence_paths(fixture_graph, "firm:2", "park:shuicheng_edz") == []


def test_group_level_targeting_counts_but_weighs_less() -> None:
    nodes = [
        Node("firm:1", N.FIRM, "灯饰厂"),
        Node("industry:C3872", N.INDUSTRY, "照明灯具制造"),
        Node("industry:C387", N.INDUSTRY, "照明器具制造"),
        Node("park:a", N.PARK, "targets the class"),
        Node("park:b", N.PARK, "targets the group"),
    ]
    edges = [
        Edge("firm:1", "industry:C3872", E.IN_INDUSTRY),
        Edge("industry:C3872", "industry:C387", E.SUBCLASS_OF),
        Edge("park:a", "industry:C3872", E.TARGETS),
        Edge("park:b", "industry:C387", E.TARGETS),
    ]
    graph = build_graph(nodes, edges)
    exact = evidence_paths(graph, "firm:1", "park:a")
    group = evidence_paths(graph, "firm:1", "park:b")
    assert [p.kind for p in exact] == ["industry"] and [p.kind for p in group] == ["industry_group"]
    assert group[0].weight < exact[0].weight


def test_town_county_pairing_is_evidence(fixture_graph: nx.MultiDiGraph) -> None:
    paths = evidence_paths(fixture_graph, "firm:4", "park:hongguo_edz")
    pairing = [p for p in paths if p.kind == "pairing"]
    assert pairing and pairing[0].nodes == ("firm:4", "town:xiaolan", "county:panzhou", "park:hongguo_edz")


def test_strongest_target_per_firm_is_the_expected_park(fixture_graph: nx.MultiDiGraph) -> None:
    for firm, park in EXPECTED_PARK.items():
        by_park = paths_by_target(fixture_graph, f"firm:{firm}")
        best = max(by_park, key=lambda target: sum(p.weight for p in by_park[target]))
        assert best == f"park:{park}", firm


def test_exports_round_trip(fixture_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    export_graphml(fixture_graph, tmp_path / "g.graphml")
    export_json(fixture_graph, tmp_path / "g.json")
    from_graphml = nx.read_graphml(tmp_path / "g.graphml")
    assert from_graphml.number_of_nodes() == fixture_graph.number_of_nodes()
    assert from_graphml.number_of_edges() == fixture_graph.number_of_edges()
    assert from_graphml.nodes["firm:1"]["text"].startswith("中山市古镇镇")
    raw = (tmp_path / "g.json").read_text(encoding="utf-8")
    assert "古镇" in raw  # Chinese is readable, not \u-escaped
    back = nx.node_link_graph(json.loads(raw), edges="edges")
    assert back.number_of_edges() == fixture_graph.number_of_edges()


def test_stats_count_every_type(fixture_graph: nx.MultiDiGraph) -> None:
    stats = graph_stats(fixture_graph)
    assert stats["node_types"]["firm"] == 5 and stats["node_types"]["park"] == 4
    assert stats["node_types"]["policy"] == 0  # absent types still listed
    assert stats["edge_types"]["consumes"] == 17
    assert sum(stats["edge_types"].values()) == stats["edges"] == fixture_graph.number_of_edges()
    _, edges = records()
    assert stats["edges"] == len(edges)
