"""The matching graph's schema: ids keep their prefixes; every meta-path reaches every destination type."""

from __future__ import annotations

from service.matching.snapshot.graph_schema import (
    DESTINATION_TYPES,
    METAPATHS,
    SCHEMA,
    TRIPLES,
    NodeType,
    node_id,
)


def test_node_ids_keep_the_prefixes_the_data_files_use() -> None:
    assert node_id(NodeType.PARK, 3) == "park:3"
    assert node_id(NodeType.FIRM, 17) == "firm:17"
    assert node_id(NodeType.ANCHOR_ENTERPRISE, "shuangyuan") == "anchor:shuangyuan"


def test_the_schema_carries_the_evidence_meta_paths_in_their_display_order() -> None:
    assert SCHEMA.metapaths == METAPATHS
    assert [m.name for m in METAPATHS] == [
        "resource", "industry", "industry_group", "industry_division", "supply_upstream", "supply_downstream",
        "pairing",
    ]


def test_every_meta_path_leads_from_a_firm_to_every_destination_type() -> None:
    for metapath in METAPATHS:
        types: set[str] = {NodeType.FIRM}
        for etype, direction in metapath.steps:
            if direction == "out":
                types = {t for s, e, t in TRIPLES if e == etype and s in types}
            else:
                types = {s for s, e, t in TRIPLES if e == etype and t in types}
        assert metapath.end_types == DESTINATION_TYPES, metapath.name
        assert set(DESTINATION_TYPES) <= types, metapath.name
