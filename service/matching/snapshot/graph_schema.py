"""The matching graph's schema: node and edge types, the triples edges may form, the evidence meta-paths."""

from __future__ import annotations

from enum import StrEnum

from embeddings import GraphSchema, MetaPath

__all__ = [
    "DESTINATION_TYPES",
    "METAPATHS",
    "SCHEMA",
    "TRIPLES",
    "EdgeType",
    "NodeType",
    "node_id",
]


class NodeType(StrEnum):
    FIRM = "firm"
    PARK = "park"
    WORKSHOP = "workshop"
    AGRI_BASE = "agri_base"
    PROCESSING_CENTRE = "processing_centre"
    CO_BUILT_PARK = "co_built_park"
    LABOUR_SOURCE = "labour_source"
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


_N, _E = NodeType, EdgeType

# The node types a firm can be matched to, one per destination kind (the type is the kind, so a park stays
# "park:3" and a workshop is "workshop:12"; ids are unique across kinds, so no two nodes share a number).
# Every meta-path ends on one of them; a new kind adds its type here and gets every destination triple.
DESTINATION_TYPES: tuple[NodeType, ...] = (_N.PARK, _N.WORKSHOP, _N.AGRI_BASE, _N.PROCESSING_CENTRE, _N.CO_BUILT_PARK,
                                         _N.LABOUR_SOURCE)

# Allowed (source type, edge type, target type); edges are directed source → target.
TRIPLES: frozenset[tuple[NodeType, EdgeType, NodeType]] = frozenset(
    {
        (_N.FIRM, _E.IN_INDUSTRY, _N.INDUSTRY),
        (_N.FIRM, _E.LOCATED_IN, _N.TOWN),
        (_N.FIRM, _E.MAKES, _N.PRODUCT),
        (_N.INDUSTRY, _E.CONSUMES, _N.RESOURCE),
        (_N.INDUSTRY, _E.SUPPLIES_INDUSTRY, _N.INDUSTRY),
        (_N.INDUSTRY, _E.SUBCLASS_OF, _N.INDUSTRY),
        (_N.TOWN, _E.PAIRED_WITH, _N.COUNTY),
        (_N.CO_BUILT_PARK, _E.PAIRED_WITH, _N.TOWN),  # a co-built park and the origin town it was built with
        *((_N.ANCHOR_ENTERPRISE, _E.LOCATED_IN, d) for d in DESTINATION_TYPES),
        *((d, _E.SUPPLIES, _N.RESOURCE) for d in DESTINATION_TYPES),
        *((d, _E.TARGETS, _N.INDUSTRY) for d in DESTINATION_TYPES),
        *((d, _E.IN_COUNTY, _N.COUNTY) for d in DESTINATION_TYPES),
        *((_N.POLICY, _E.APPLIES_TO, d) for d in DESTINATION_TYPES),
    }
)

METAPATHS: tuple[MetaPath, ...] = (
    # firm → industry → resource ← destination: it supplies what the firm's industry consumes.
    MetaPath(
        "resource", ((_E.IN_INDUSTRY, "out"), (_E.CONSUMES, "out"), (_E.SUPPLIES, "in")), DESTINATION_TYPES
    ),
    # firm → industry ← destination: it targets the firm's industry class (sourced or assumed: see the record).
    MetaPath("industry", ((_E.IN_INDUSTRY, "out"), (_E.TARGETS, "in")), DESTINATION_TYPES),
    # It targets the firm's group (class → group) or division (class → group → division): weaker.
    MetaPath(
        "industry_group",
        ((_E.IN_INDUSTRY, "out"), (_E.SUBCLASS_OF, "out"), (_E.TARGETS, "in")),
        DESTINATION_TYPES,
        prior=0.5,
    ),
    MetaPath(
        "industry_division",
        ((_E.IN_INDUSTRY, "out"), (_E.SUBCLASS_OF, "out"), (_E.SUBCLASS_OF, "out"), (_E.TARGETS, "in")),
        DESTINATION_TYPES,
        prior=0.25,
    ),
    # firm → industry → industry ← destination: it targets an industry upstream (one that supplies the
    # firm's industry) or downstream (one the firm's industry supplies) of the firm.
    MetaPath(
        "supply_upstream",
        ((_E.IN_INDUSTRY, "out"), (_E.SUPPLIES_INDUSTRY, "in"), (_E.TARGETS, "in")),
        DESTINATION_TYPES,
        prior=0.7,
    ),
    MetaPath(
        "supply_downstream",
        ((_E.IN_INDUSTRY, "out"), (_E.SUPPLIES_INDUSTRY, "out"), (_E.TARGETS, "in")),
        DESTINATION_TYPES,
        prior=0.7,
    ),
    # firm → town → county ← destination: the firm's town is paired with the destination's county.
    MetaPath(
        "pairing", ((_E.LOCATED_IN, "out"), (_E.PAIRED_WITH, "out"), (_E.IN_COUNTY, "in")), DESTINATION_TYPES
    ),
)

SCHEMA = GraphSchema(
    node_types=tuple(NodeType),
    edge_types=tuple(EdgeType),
    triples=TRIPLES,
    metapaths=METAPATHS,
    # Anchor enterprises are "anchor:…" in every data file; every other id prefix is its type.
    prefixes={_N.ANCHOR_ENTERPRISE: "anchor"},
    # A consumes edge weighs the share of an industry's inputs that a resource makes up.
    max_weights={_E.CONSUMES: 1.0},
)


def node_id(type_: NodeType | str, key: str | int) -> str:
    """Return the canonical id ``"{prefix}:{key}"``, e.g. ``node_id(NodeType.PARK, 3) == "park:3"``."""
    return SCHEMA.node_id(type_, key)
