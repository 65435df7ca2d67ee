"""Graph construction and schema validation, meta-path walks, evidence paths, export and stats."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from embeddings.graph import (
    Edge,
    GraphError,
    GraphSchema,
    MetaPath,
    Node,
    WalkPath,
    build_graph,
    evidence_paths,
    export,
    node_id,
    paths_by_target,
    stats,
    walk,
)
from tests.embeddings.graph_fixture import EXPECTED_PARK, METAPATHS, SCHEMA, E, N, records


def _build(nodes: list[Node], edges: list[Edge]) -> nx.MultiDiGraph:
    return build_graph(nodes, edges, SCHEMA)


def _evidence(graph: nx.MultiDiGraph, start: str, end: str, k: int = 5) -> list[WalkPath]:
    return evidence_paths(graph, start, end, metapaths=METAPATHS, k=k)


def test_node_ids_use_the_documented_prefixes() -> None:
    assert node_id("firm", 17) == "firm:17"
    assert SCHEMA.node_id(N.FIRM, 17) == "firm:17"
    assert SCHEMA.node_id(N.ANCHOR, "shuangyuan") == "anchor:shuangyuan"


def test_edge_to_unknown_node_is_rejected_with_its_name() -> None:
    nodes = [Node("firm:1", N.FIRM, "灯饰厂")]
    with pytest.raises(GraphError, match="industry:C3872") as err:
        _build(nodes, [Edge("firm:1", "industry:C3872", E.IN_INDUSTRY)])
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
        ([Node("shop:1", "shop", "a")], [], "Unknown node type shop"),
        (
            [Node("firm:1", N.FIRM, "a"), Node("town:guzhen", N.TOWN, "b")],
            [Edge("firm:1", "town:guzhen", "owns")],
            "Unknown edge type owns",
        ),
    ],
)
def test_inconsistent_records_are_rejected(nodes: list[Node], edges: list[Edge], fragment: str) -> None:
    with pytest.raises(GraphError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        _build(nodes, edges)


def test_resource_route_weight_is_the_product_of_edge_weights(fixture_graph: nx.MultiDiGraph) -> None:
    paths = walk(
        fixture_graph,
        "firm:1",
        [(E.IN_INDUSTRY, "out"), (E.CONSUMES, "out"), (E.SUPPLIES, "in")],
        end_types=(N.PARK,),
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
    paths = _evidence(fixture_graph, "firm:1", "park:shuicheng_edz", k=5)
    kinds = [p.kind for p in paths]
    assert kinds[0] == "supply_upstream"  # the park targets 铝压延加工, which supplies 照明灯具制造
    assert paths[0].nodes == ("firm:1", "industry:C3872", "industry:C3252", "park:shuicheng_edz")
    assert "resource" in kinds
    assert all(p.nodes[0] == "firm:1" and p.nodes[-1] == "park:shuicheng_edz" for p in paths)
    as_json = paths[0].to_dict()
    assert as_json["edges"] == ["in_industry", "supplies_industry", "targets"]
    json.dumps(as_json)  # evidence goes straight into API responses


def test_garment_firm_has_no_evidence_for_the_aluminium_park(fixture_graph: nx.MultiDiGraph) -> None:
    assert _evidence(fixture_graph, "firm:2", "park:shuicheng_edz") == []


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
    graph = _build(nodes, edges)
    exact = _evidence(graph, "firm:1", "park:a")
    group = _evidence(graph, "firm:1", "park:b")
    assert [p.kind for p in exact] == ["industry"] and [p.kind for p in group] == ["industry_group"]
    assert group[0].weight < exact[0].weight


def test_town_county_pairing_is_evidence(fixture_graph: nx.MultiDiGraph) -> None:
    paths = _evidence(fixture_graph, "firm:4", "park:hongguo_edz")
    pairing = [p for p in paths if p.kind == "pairing"]
    assert pairing and pairing[0].nodes == ("firm:4", "town:xiaolan", "county:panzhou", "park:hongguo_edz")


def test_strongest_target_per_firm_is_the_expected_park(fixture_graph: nx.MultiDiGraph) -> None:
    for firm, park in EXPECTED_PARK.items():
        by_park = paths_by_target(fixture_graph, f"firm:{firm}", metapaths=METAPATHS)
        best = max(by_park, key=lambda target: sum(p.weight for p in by_park[target]))
        assert best == f"park:{park}", firm


def test_exports_round_trip(fixture_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    export(fixture_graph, tmp_path / "g.graphml")
    export(fixture_graph, tmp_path / "g.json")
    from_graphml = nx.read_graphml(tmp_path / "g.graphml")
    assert from_graphml.number_of_nodes() == fixture_graph.number_of_nodes()
    assert from_graphml.number_of_edges() == fixture_graph.number_of_edges()
    assert from_graphml.nodes["firm:1"]["text"].startswith("中山市古镇镇")
    raw = (tmp_path / "g.json").read_text(encoding="utf-8")
    assert "古镇" in raw  # Chinese is readable, not \u-escaped
    back = nx.node_link_graph(json.loads(raw), edges="edges")
    assert back.number_of_edges() == fixture_graph.number_of_edges()


def test_stats_count_every_type(fixture_graph: nx.MultiDiGraph) -> None:
    counts = stats(fixture_graph, SCHEMA)
    assert counts["node_types"]["firm"] == 5 and counts["node_types"]["park"] == 4
    assert counts["node_types"]["policy"] == 0  # absent types still listed
    assert list(counts["node_types"]) == list(SCHEMA.node_types)  # in the schema's order
    assert counts["edge_types"]["consumes"] == 17
    assert sum(counts["edge_types"].values()) == counts["edges"] == fixture_graph.number_of_edges()
    _, edges = records()
    assert counts["edges"] == len(edges)


def test_a_schema_refuses_types_it_does_not_declare() -> None:
    with pytest.raises(GraphError, match="undeclared types: \\['shop', 'x'\\]"):
        GraphSchema(node_types=("item",), edge_types=("sells",), triples=frozenset({("shop", "sells", "x")}))
    with pytest.raises(GraphError, match="undeclared types: \\['rents'\\]"):
        GraphSchema(
            node_types=("item", "shop"),
            edge_types=("sells",),
            triples=frozenset({("shop", "sells", "item")}),
            metapaths=(MetaPath("rent", (("rents", "in"),), ("shop",)),),
        )
    with pytest.raises(GraphError, match="share an id prefix"):
        GraphSchema(
            node_types=("item", "shop"), edge_types=(), triples=frozenset(), prefixes={"shop": "item"}
        )


def test_a_metapath_ends_on_any_of_its_end_types() -> None:
    schema = GraphSchema(
        node_types=("item", "category", "shop", "market"),
        edge_types=("in_category", "sells"),
        triples=frozenset(
            {
                ("item", "in_category", "category"),
                ("shop", "sells", "category"),
                ("market", "sells", "category"),
            }
        ),
    )
    graph = build_graph(
        [Node("item:1", "item", "lamp"), Node("category:light", "category", "lighting"),
         Node("shop:a", "shop", "a shop"), Node("market:b", "market", "a market")],
        [Edge("item:1", "category:light", "in_category"), Edge("shop:a", "category:light", "sells"),
         Edge("market:b", "category:light", "sells", weight=0.5)],
        schema,
    )
    sellers = MetaPath("sellers", (("in_category", "out"), ("sells", "in")), ("shop", "market"))
    assert [p.nodes[-1] for p in walk(graph, "item:1", sellers)] == ["shop:a", "market:b"]
    assert [p.nodes[-1] for p in walk(graph, "item:1", sellers, end_types=("market",))] == ["market:b"]
    by_target = paths_by_target(graph, "item:1", metapaths=(sellers,))
    assert set(by_target) == {"shop:a", "market:b"} and by_target["market:b"][0].weight == pytest.approx(0.5)
    assert stats(graph, schema)["node_types"] == {"item": 1, "category": 1, "shop": 1, "market": 1}


def test_export_refuses_an_unknown_format(fixture_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="graphml or json"):
        export(fixture_graph, tmp_path / "g.csv")
    export(fixture_graph, tmp_path / "g.txt", format="json")
    assert json.loads((tmp_path / "g.txt").read_text(encoding="utf-8"))["edges"]
