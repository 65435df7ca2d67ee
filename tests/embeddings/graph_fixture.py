"""A small, realistic Zhongshan–Liupanshui graph for the embeddings tests (firms are synthetic profiles).

The tests declare their own schema here (plain string types, no enum), so the library is exercised the
way any caller uses it and never through the service's schema. Park positioning follows
../shared/reference/zhongshan-liupanshui.md where a source exists; the textile park and 红果's
PCB/hardware targets are fixture-only assumptions.
"""

from __future__ import annotations

from embeddings import Edge, GraphSchema, MetaPath, Node


class N:
    """Node types."""

    FIRM = "firm"
    PARK = "park"
    COUNTY = "county"
    TOWN = "town"
    INDUSTRY = "industry"
    RESOURCE = "resource"
    ANCHOR = "anchor_enterprise"
    POLICY = "policy"  # declared but never used: stats must still list it


class E:
    """Edge types."""

    IN_INDUSTRY = "in_industry"
    LOCATED_IN = "located_in"
    CONSUMES = "consumes"
    SUPPLIES = "supplies"
    TARGETS = "targets"
    IN_COUNTY = "in_county"
    PAIRED_WITH = "paired_with"
    SUPPLIES_INDUSTRY = "supplies_industry"
    SUBCLASS_OF = "subclass_of"


METAPATHS: tuple[MetaPath, ...] = (
    MetaPath("resource", ((E.IN_INDUSTRY, "out"), (E.CONSUMES, "out"), (E.SUPPLIES, "in")), (N.PARK,)),
    MetaPath("industry", ((E.IN_INDUSTRY, "out"), (E.TARGETS, "in")), (N.PARK,)),
    MetaPath(
        "industry_group", ((E.IN_INDUSTRY, "out"), (E.SUBCLASS_OF, "out"), (E.TARGETS, "in")), (N.PARK,), 0.5
    ),
    MetaPath(
        "industry_division",
        ((E.IN_INDUSTRY, "out"), (E.SUBCLASS_OF, "out"), (E.SUBCLASS_OF, "out"), (E.TARGETS, "in")),
        (N.PARK,),
        0.25,
    ),
    MetaPath(
        "supply_upstream",
        ((E.IN_INDUSTRY, "out"), (E.SUPPLIES_INDUSTRY, "in"), (E.TARGETS, "in")),
        (N.PARK,),
        0.7,
    ),
    MetaPath(
        "supply_downstream",
        ((E.IN_INDUSTRY, "out"), (E.SUPPLIES_INDUSTRY, "out"), (E.TARGETS, "in")),
        (N.PARK,),
        0.7,
    ),
    MetaPath("pairing", ((E.LOCATED_IN, "out"), (E.PAIRED_WITH, "out"), (E.IN_COUNTY, "in")), (N.PARK,)),
)

SCHEMA = GraphSchema(
    node_types=(N.FIRM, N.PARK, N.COUNTY, N.TOWN, N.INDUSTRY, N.RESOURCE, N.ANCHOR, N.POLICY),
    edge_types=(
        E.IN_INDUSTRY,
        E.LOCATED_IN,
        E.CONSUMES,
        E.SUPPLIES,
        E.TARGETS,
        E.IN_COUNTY,
        E.PAIRED_WITH,
        E.SUPPLIES_INDUSTRY,
        E.SUBCLASS_OF,
    ),
    triples=frozenset(
        {
            (N.FIRM, E.IN_INDUSTRY, N.INDUSTRY),
            (N.FIRM, E.LOCATED_IN, N.TOWN),
            (N.ANCHOR, E.LOCATED_IN, N.PARK),
            (N.INDUSTRY, E.CONSUMES, N.RESOURCE),
            (N.PARK, E.SUPPLIES, N.RESOURCE),
            (N.PARK, E.TARGETS, N.INDUSTRY),
            (N.PARK, E.IN_COUNTY, N.COUNTY),
            (N.TOWN, E.PAIRED_WITH, N.COUNTY),
            (N.INDUSTRY, E.SUPPLIES_INDUSTRY, N.INDUSTRY),
            (N.INDUSTRY, E.SUBCLASS_OF, N.INDUSTRY),
        }
    ),
    metapaths=METAPATHS,
    prefixes={N.ANCHOR: "anchor"},
    max_weights={E.CONSUMES: 1.0},  # an input's share of an industry's costs
)

INDUSTRIES: dict[str, tuple[str, str | None]] = {
    # code: (text, parent code)
    "C38": ("电气机械和器材制造业 Electrical machinery and equipment manufacturing", None),
    "C387": ("照明器具制造 Lighting appliance manufacturing", "C38"),
    "C3872": ("照明灯具制造：室内外照明灯具、LED灯饰 Lighting fixture manufacturing", "C387"),
    "C385": ("家用电力器具制造 Household electric appliance manufacturing", "C38"),
    "C3856": (
        "家用厨房电器具制造：电饭煲、电热水壶、空气炸锅 Household kitchen appliance manufacturing",
        "C385",
    ),
    "C18": ("纺织服装、服饰业 Textile garments and apparel", None),
    "C181": ("机织服装制造 Woven garment manufacturing", "C18"),
    "C1810": ("机织服装制造：衬衫、牛仔裤、休闲服装 Woven garments: shirts, jeans, casual wear", "C181"),
    "C17": ("纺织业 Textile industry", None),
    "C171": ("棉纺织及印染精加工 Cotton spinning, weaving and dyeing", "C17"),
    "C1711": ("棉纺纱加工 Cotton yarn spinning", "C171"),
    "C32": ("有色金属冶炼和压延加工业 Non-ferrous metal smelting and rolling", None),
    "C321": ("常用有色金属冶炼 Common non-ferrous metal smelting", "C32"),
    "C3216": ("铝冶炼：电解铝、铝液、铝锭 Aluminium smelting: electrolytic aluminium, ingots", "C321"),
    "C325": ("有色金属压延加工 Non-ferrous metal rolling and extrusion", "C32"),
    "C3252": ("铝压延加工：铝型材、铝板带、铝压铸件 Aluminium rolling, extrusion and die-cast parts", "C325"),
    "C25": ("石油、煤炭及其他燃料加工业 Petroleum, coal and other fuel processing", None),
    "C252": ("煤炭加工 Coal processing", "C25"),
    "C2521": ("炼焦：焦炭、焦炉煤气、焦化副产品 Coking: coke, coke-oven gas and by-products", "C252"),
    "C33": ("金属制品业 Fabricated metal products", None),
    "C335": ("建筑、安全用金属制品制造 Metal products for construction and security", "C33"),
    "C3351": ("建筑、家具用金属配件制造：锁具、五金配件 Metal fittings: locks and hardware", "C335"),
    "C39": ("计算机、通信和其他电子设备制造业 Computers, communication and electronic equipment", None),
    "C398": ("电子元件及电子专用材料制造 Electronic components and materials", "C39"),
    "C3982": (
        "电子电路制造：印制电路板 PCB Electronic circuit manufacturing: printed circuit boards",
        "C398",
    ),
}

RESOURCES: dict[str, str] = {
    "aluminium_ingot": "铝锭与铝液（电解铝）Aluminium ingot and liquid aluminium",
    "coke": "焦炭 Metallurgical coke",
    "coke_oven_hydrogen": "焦炉煤气制氢 Hydrogen from coke-oven gas",
    "coal": "煤炭 Coal",
    "electricity": "工业用电 Industrial electricity",
    "labour": "劳动力（一线工人）Labour (production workers)",
    "cotton_yarn": "棉纱 Cotton yarn",
    "land": "工业用地与标准厂房 Industrial land and standard factory buildings",
}

# industry → resource input intensity (share of what the industry's cost structure depends on it)
CONSUMES: list[tuple[str, str, float]] = [
    ("C3872", "aluminium_ingot", 0.35),
    ("C3872", "labour", 0.3),
    ("C3872", "electricity", 0.1),
    ("C3856", "aluminium_ingot", 0.2),
    ("C3856", "labour", 0.35),
    ("C3856", "electricity", 0.15),
    ("C1810", "labour", 0.6),
    ("C1810", "cotton_yarn", 0.4),
    ("C1711", "labour", 0.4),
    ("C1711", "electricity", 0.2),
    ("C3216", "electricity", 0.9),
    ("C3252", "aluminium_ingot", 0.8),
    ("C3252", "electricity", 0.3),
    ("C2521", "coal", 0.9),
    ("C3351", "labour", 0.3),
    ("C3982", "labour", 0.3),
    ("C3982", "electricity", 0.2),
]

SUPPLY_CHAIN: list[tuple[str, str]] = [
    ("C3216", "C3252"),  # liquid aluminium → rolling/extrusion
    ("C3252", "C3872"),  # extrusions and die-cast bodies → lamps
    ("C3252", "C3856"),  # aluminium parts → kitchen appliances
    ("C1711", "C1810"),  # yarn → garments
]

COUNTIES = {
    "shuicheng": "水城区 Shuicheng District, Liupanshui",
    "liuzhi": "六枝特区 Liuzhi Special District, Liupanshui",
    "panzhou": "盘州市 Panzhou City, Liupanshui",
}

TOWNS = {
    "guzhen": "古镇镇：中国灯饰之都 Guzhen, China's lighting capital",
    "shaxi": "沙溪镇：休闲服装名镇 Shaxi, casual-wear town",
    "dongfeng": "东凤镇：小家电产业基地 Dongfeng, small-appliance base",
    "xiaolan": "小榄镇：五金锁具产业集群 Xiaolan, hardware and lock cluster",
    "tanzhou": "坦洲镇：电子信息产业 Tanzhou, electronics",
}

PAIRING = [("xiaolan", "panzhou")]

PARKS: dict[str, dict[str, object]] = {
    "shuicheng_edz": {
        "text": "水城经济开发区（铝及铝加工产业园）：依托双元铝业电解铝产能，铝液就地加工，发展铝冶炼、"
        "铝压延加工和铝精深加工，提供标准厂房。Shuicheng Economic Development Zone, an aluminium park "
        "built around Shuangyuan's electrolytic aluminium, with liquid aluminium processed on site.",
        "county": "shuicheng",
        "targets": ["C3216", "C3252"],
        "supplies": ["aluminium_ingot", "electricity", "land"],
    },
    "liuzhi_luxi": {
        "text": "六枝路喜循环经济产业园：煤—焦—化、煤—焦—氢示范，美锦华宇焦炉煤气制氢、氢能重卡。"
        "Liuzhi Luxi circular-economy park: coal, coking and chemicals, hydrogen from coke-oven gas.",
        "county": "liuzhi",
        "targets": ["C2521"],
        "supplies": ["coke", "coke_oven_hydrogen", "coal", "electricity"],
    },
    "liuzhi_textile": {
        "text": "六枝纺织服装产业园：浙黔纺织绿色纺织项目，棉纺纱、服装加工，劳动力充足。"
        "Liuzhi textile and garment park: green textiles, cotton spinning and garment making.",
        "county": "liuzhi",
        "targets": ["C1711", "C1810"],
        "supplies": ["cotton_yarn", "labour", "land"],
    },
    "hongguo_edz": {
        "text": "红果经济开发区（盘州）：沪昆高速与高铁沿线，发展电子电路、五金制品等加工制造，工业用地充足。"
        "Hongguo Economic Development Zone in Panzhou: electronics and hardware manufacturing on the "
        "Shanghai–Kunming corridor.",
        "county": "panzhou",
        "targets": ["C3982", "C3351"],
        "supplies": ["labour", "land", "electricity"],
    },
}

FIRMS: dict[int, dict[str, object]] = {
    1: {
        "text": "中山市古镇镇灯饰照明企业，生产LED吸顶灯、筒灯和户外路灯，灯体采用铝压铸和铝型材，"
        "年耗铝约3000吨，员工420人。",
        "industry": "C3872",
        "town": "guzhen",
    },
    2: {
        "text": "中山市沙溪镇休闲服装企业，主营牛仔裤、休闲衬衫等机织服装，缝纫工人600人，订单旺季用工紧张。",
        "industry": "C1810",
        "town": "shaxi",
    },
    3: {
        "text": "中山市东凤镇小家电企业，生产电饭煲、空气炸锅和电热水壶，内胆和外壳使用铝材，设有冲压和注塑车间。",
        "industry": "C3856",
        "town": "dongfeng",
    },
    4: {
        "text": "中山市小榄镇智能锁具企业，生产指纹锁、门锁五金配件，锌合金压铸与表面处理。",
        "industry": "C3351",
        "town": "xiaolan",
    },
    5: {
        "text": "中山市坦洲镇电子企业，生产双面及多层PCB印制电路板，服务家电和照明客户。",
        "industry": "C3982",
        "town": "tanzhou",
    },
}

ANCHORS = {
    "shuangyuan": (
        "双元铝业：电解铝 14.5 万吨 Shuangyuan Aluminium, electrolytic aluminium",
        "shuicheng_edz",
    ),
    "meijin_huayu": ("美锦华宇：煤焦氢一体化 Meijin Huayu coal-coke-hydrogen", "liuzhi_luxi"),
}

# The park each firm belongs with (what the tests expect the graph to bring out).
EXPECTED_PARK = {
    1: "shuicheng_edz",
    2: "liuzhi_textile",
    3: "shuicheng_edz",
    4: "hongguo_edz",
    5: "hongguo_edz",
}


def records() -> tuple[list[Node], list[Edge]]:
    """Return the fixture as plain graph records, the way the service hands them over."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    for code, (text, parent) in INDUSTRIES.items():
        nodes.append(Node(f"industry:{code}", N.INDUSTRY, text, {"code": code}))
        if parent:
            edges.append(Edge(f"industry:{code}", f"industry:{parent}", E.SUBCLASS_OF))
    for key, text in RESOURCES.items():
        nodes.append(Node(f"resource:{key}", N.RESOURCE, text))
    for key, text in COUNTIES.items():
        nodes.append(Node(f"county:{key}", N.COUNTY, text))
    for key, text in TOWNS.items():
        nodes.append(Node(f"town:{key}", N.TOWN, text))
    for town, county in PAIRING:
        edges.append(Edge(f"town:{town}", f"county:{county}", E.PAIRED_WITH))
    for code, res, w in CONSUMES:
        edges.append(Edge(f"industry:{code}", f"resource:{res}", E.CONSUMES, w))
    for up, down in SUPPLY_CHAIN:
        edges.append(Edge(f"industry:{up}", f"industry:{down}", E.SUPPLIES_INDUSTRY))
    for key, park in PARKS.items():
        pid = f"park:{key}"
        nodes.append(Node(pid, N.PARK, str(park["text"])))
        edges.append(Edge(pid, f"county:{park['county']}", E.IN_COUNTY))
        for code in park["targets"]:  # type: ignore[attr-defined]
            edges.append(Edge(pid, f"industry:{code}", E.TARGETS))
        for res in park["supplies"]:  # type: ignore[attr-defined]
            edges.append(Edge(pid, f"resource:{res}", E.SUPPLIES, attrs={"unit": "t"}))
    for key, (text, park_key) in ANCHORS.items():
        nodes.append(Node(f"anchor:{key}", N.ANCHOR, text))
        edges.append(Edge(f"anchor:{key}", f"park:{park_key}", E.LOCATED_IN))
    for fid, firm in FIRMS.items():
        nodes.append(Node(f"firm:{fid}", N.FIRM, str(firm["text"]), {"synthetic": True}))
        edges.append(Edge(f"firm:{fid}", f"industry:{firm['industry']}", E.IN_INDUSTRY))
        edges.append(Edge(f"firm:{fid}", f"town:{firm['town']}", E.LOCATED_IN))
    return nodes, edges
