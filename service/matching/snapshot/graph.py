"""World → the embeddings library's graph records (ids like ``park:3``), and the texts the encoder reads."""

from __future__ import annotations

import networkx as nx

from embeddings import Edge, Node
from service.catalog import schemas as cs
from service.matching.snapshot.build import supplied
from service.matching.snapshot.graph_schema import EdgeType, NodeType, node_id
from service.matching.snapshot.world import DestinationProfile, FirmProfile, World


def destination_node(dest: DestinationProfile) -> str:
    """The graph node id of a destination: its kind and id (``park:3``, ``workshop:12``; ids are unique across kinds)."""
    return node_id(NodeType(dest.kind), dest.id)


def destination_text(world: World, dest: DestinationProfile) -> str:
    """The text the encoder reads for a destination: names, positioning, anchors, what it supplies and targets."""
    targets = "、".join(world.industry_name(code) for code in dest.target_industries)
    supplies = "、".join(world.resource_name(s.resource) for s in dest.supplies)
    anchors = "；".join(f"{a.name_zh}：{a.description_zh}" for a in dest.anchors)
    products = "、".join([*dest.products,
                          *(world.resource_name(r) for r in world.region.county_products.get(dest.county, {}))])
    parts = [dest.name_zh, dest.name_en, dest.positioning_zh, dest.positioning_en, targets, supplies, anchors,
             products, world.county_name(dest.county)]
    return "\n".join(p for p in parts if p)


def destination_names_text(world: World, dest: DestinationProfile) -> str:
    """A destination's own names and its county's: words that say where it is, not what fits it."""
    return f"{dest.name_zh} {dest.name_en} {world.county_name(dest.county)}"


def firm_term_texts(world: World, firm: FirmProfile) -> list[str]:
    """The texts whose words can be a firm's shared terms with a destination: its own text and its industries'
    names in both languages (segmented one by one, as jieba would segment them joined by line breaks)."""
    return [firm.text(), *(world.industry_name(code) for code in firm.industries),
            *(world.industry_name(code, "en") for code in firm.industries)]


def explained_texts(world: World) -> list[str]:
    """Every text shared-term explanations segment for the stored firms and destinations: an index that
    remembers their segmentation explains a stored pair without jieba's dictionary."""
    texts = [t for d in world.destinations for t in (destination_text(world, d), destination_names_text(world, d))]
    return texts + [t for f in world.firms for t in firm_term_texts(world, f)]


def skeleton(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph without its firm nodes: evidence walks run on it (an industry node has thousands of firm
    in-edges that every reverse step would otherwise scan)."""
    out: nx.MultiDiGraph = graph.subgraph([n for n in graph if not n.startswith("firm:")]).copy()
    return out


def industry_text(ind: cs.Industry) -> str:
    return " ".join([ind.name_zh, ind.name_en, " ".join(ind.keywords_zh), " ".join(ind.keywords_en)]).strip()


def destination_records(world: World, dest: DestinationProfile) -> tuple[list[Node], list[Edge]]:
    """The node and edges of one destination, with its anchors and policies."""
    pid = destination_node(dest)
    nodes = [Node(pid, NodeType(dest.kind), destination_text(world, dest),
                  {"name_zh": dest.name_zh, "name_en": dest.name_en, "code": dest.code})]
    edges: list[Edge] = []
    if dest.partner_town and dest.partner_town in world.towns:
        edges.append(Edge(pid, node_id(NodeType.TOWN, dest.partner_town), EdgeType.PAIRED_WITH))
    if dest.county in world.counties:
        edges.append(Edge(pid, node_id(NodeType.COUNTY, dest.county), EdgeType.IN_COUNTY))
    for code in dict.fromkeys(dest.target_industries):
        if code in world.industries:
            edges.append(Edge(pid, node_id(NodeType.INDUSTRY, code), EdgeType.TARGETS))
    for res_code, strength in supplied(dest, world.region).items():
        if res_code in world.resources and strength > 0:
            edges.append(Edge(pid, node_id(NodeType.RESOURCE, res_code), EdgeType.SUPPLIES, strength))
    for anchor in dest.anchors:
        aid = node_id(NodeType.ANCHOR_ENTERPRISE, anchor.code)
        nodes.append(Node(aid, NodeType.ANCHOR_ENTERPRISE,
                          f"{anchor.name_zh} {anchor.name_en} {anchor.description_zh} {' '.join(anchor.products)}",
                          {"name_zh": anchor.name_zh, "name_en": anchor.name_en}))
        edges.append(Edge(aid, pid, EdgeType.LOCATED_IN))
    for policy in dest.policies:
        pol = node_id(NodeType.POLICY, f"{dest.code}.{policy.code}")
        nodes.append(Node(pol, NodeType.POLICY, f"{policy.title_zh} {policy.title_en} {policy.text_zh}",
                          {"name_zh": policy.title_zh, "name_en": policy.title_en}))
        edges.append(Edge(pol, pid, EdgeType.APPLIES_TO))
    return nodes, edges


def graph_records(world: World) -> tuple[list[Node], list[Edge]]:
    """Turn the world into the embeddings library's plain graph records."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    for code, ind in world.industries.items():
        nodes.append(Node(node_id(NodeType.INDUSTRY, code), NodeType.INDUSTRY, industry_text(ind),
                          {"name_zh": ind.name_zh, "name_en": ind.name_en}))
    for code, ind in world.industries.items():
        if ind.parent and ind.parent in world.industries:
            edges.append(Edge(node_id(NodeType.INDUSTRY, code), node_id(NodeType.INDUSTRY, ind.parent),
                              EdgeType.SUBCLASS_OF))
        for down in ind.supplies_to:
            if down in world.industries and down != code:
                edges.append(Edge(node_id(NodeType.INDUSTRY, code), node_id(NodeType.INDUSTRY, down),
                                  EdgeType.SUPPLIES_INDUSTRY))
    for code, res in world.resources.items():
        nodes.append(Node(node_id(NodeType.RESOURCE, code), NodeType.RESOURCE,
                          f"{res.name_zh} {res.name_en} {res.description_zh} {res.description_en}",
                          {"name_zh": res.name_zh, "name_en": res.name_en}))
    for code, by_res in world.inputs.items():
        for res_code, item in by_res.items():
            if code in world.industries and res_code in world.resources and item.intensity > 0:
                edges.append(Edge(node_id(NodeType.INDUSTRY, code), node_id(NodeType.RESOURCE, res_code),
                                  EdgeType.CONSUMES, item.intensity))
    for code, county in world.counties.items():
        nodes.append(Node(node_id(NodeType.COUNTY, code), NodeType.COUNTY,
                          f"{county.name_zh} {county.name_en} {county.description_zh} {county.description_en}",
                          {"name_zh": county.name_zh, "name_en": county.name_en}))
    for code, town in world.towns.items():
        nodes.append(Node(node_id(NodeType.TOWN, code), NodeType.TOWN,
                          f"{town.name_zh} {town.name_en} {town.clusters_zh} {town.clusters_en}",
                          {"name_zh": town.name_zh, "name_en": town.name_en}))
    for town_code, county_code in world.pairings:
        if town_code in world.towns and county_code in world.counties:
            edges.append(Edge(node_id(NodeType.TOWN, town_code), node_id(NodeType.COUNTY, county_code),
                              EdgeType.PAIRED_WITH))
    for dest in world.destinations:
        nodes_, edges_ = destination_records(world, dest)
        nodes += nodes_
        edges += edges_
    for firm in world.firms:
        nodes_, edges_ = firm_records(world, firm)
        nodes += nodes_
        edges += edges_
    return _dedupe_nodes(nodes), edges


def firm_records(world: World, firm: FirmProfile) -> tuple[list[Node], list[Edge]]:
    """The node and edges of one firm."""
    assert firm.id is not None
    fid = node_id(NodeType.FIRM, firm.id)
    nodes = [Node(fid, NodeType.FIRM, firm.text(), {"name_zh": firm.name_zh, "name_en": firm.name_en})]
    edges = [Edge(fid, node_id(NodeType.INDUSTRY, code), EdgeType.IN_INDUSTRY)
             for code in dict.fromkeys(firm.industries) if code in world.industries]
    if firm.town in world.towns:
        edges.append(Edge(fid, node_id(NodeType.TOWN, firm.town), EdgeType.LOCATED_IN))
    # Firms that make the same product meet at its node; one node per product name, however many makers.
    for product in dict.fromkeys(p.strip() for p in firm.products if p.strip()):
        pid = node_id(NodeType.PRODUCT, product_key(product))
        nodes.append(Node(pid, NodeType.PRODUCT, product, {"name_zh": product, "name_en": product}))
        edges.append(Edge(fid, pid, EdgeType.MAKES))
    return nodes, edges


def product_key(name: str) -> str:
    """A stable node key for a product name: case and spacing do not make two products."""
    return "_".join(name.lower().split())


def _dedupe_nodes(nodes: list[Node]) -> list[Node]:
    # The same anchor may be listed under two destinations; the graph wants each id once.
    seen: dict[str, Node] = {}
    for node in nodes:
        seen.setdefault(node.id, node)
    return list(seen.values())
