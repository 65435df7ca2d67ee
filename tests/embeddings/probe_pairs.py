"""Chinese/English translation pairs of firm and park descriptions, for the cross-lingual encoder tests."""

from __future__ import annotations

PROBE_PAIRS: list[tuple[str, str]] = [
    (
        "古镇灯饰企业，生产LED吸顶灯和筒灯",
        "A Guzhen lighting company making LED ceiling lights and downlights",
    ),
    ("户外路灯和景观照明灯具制造商", "Manufacturer of outdoor street lamps and landscape lighting"),
    (
        "灯体采用铝压铸工艺，年耗铝约三千吨",
        "Lamp bodies are aluminium die-cast; about three thousand tonnes of aluminium a year",
    ),
    ("沙溪镇休闲服装厂，主营牛仔裤和衬衫", "A Shaxi casual-wear factory mainly making jeans and shirts"),
    (
        "服装加工企业，缝纫工人六百人，旺季招工难",
        "Garment maker with six hundred sewing workers, hard to hire in peak season",
    ),
    (
        "东凤镇小家电企业，生产电饭煲和空气炸锅",
        "A Dongfeng small-appliance maker producing rice cookers and air fryers",
    ),
    ("电热水壶和榨汁机的设计与生产", "Design and production of electric kettles and juicers"),
    ("小榄镇智能门锁和五金配件制造商", "Xiaolan manufacturer of smart door locks and hardware fittings"),
    (
        "坦洲电子企业，生产多层印制电路板",
        "A Tanzhou electronics firm producing multilayer printed circuit boards",
    ),
    ("红木家具生产企业，位于大涌镇", "A rosewood furniture manufacturer located in Dayong town"),
    (
        "游戏游艺设备制造，产品出口中东和东南亚",
        "Amusement and gaming machines, exported to the Middle East and Southeast Asia",
    ),
    ("腊肉腊肠食品加工厂", "A food plant making cured pork and Cantonese sausages"),
    ("新能源汽车结构件冲压和焊接", "Stamping and welding of structural parts for new-energy vehicles"),
    ("医疗器械和生物医药研发生产", "Research and production of medical devices and biopharmaceuticals"),
    ("游艇设计与制造企业", "A company that designs and builds yachts"),
    (
        "水城经济开发区，铝及铝加工产业园",
        "Shuicheng Economic Development Zone, an aluminium and aluminium-processing park",
    ),
    (
        "依托电解铝产能，铝液就地加工成铝型材",
        "Based on electrolytic aluminium capacity, liquid aluminium is processed on site into extrusions",
    ),
    ("园区提供标准厂房和工业用地", "The park offers standard factory buildings and industrial land"),
    ("六枝煤焦化循环经济产业园", "Liuzhi coal and coking circular-economy industrial park"),
    ("焦炉煤气制氢，发展氢能重卡", "Hydrogen from coke-oven gas, developing hydrogen heavy trucks"),
    ("煤炭资源丰富，火电装机容量大", "Rich coal resources and large coal-fired power capacity"),
    (
        "纺织服装产业园，发展棉纺纱和服装加工",
        "A textile and garment park developing cotton spinning and clothing production",
    ),
    ("当地劳动力充足，工资成本较低", "Local labour is plentiful and wage costs are low"),
    (
        "盘州红果经济开发区，位于沪昆高速和高铁沿线",
        "Hongguo Economic Development Zone in Panzhou, on the Shanghai–Kunming expressway and high-speed rail",
    ),
    ("发展电子电路和芯片封装产业", "Developing electronic circuits and chip packaging"),
    ("刺梨种植和初加工基地", "A base for growing and primary processing of Rosa roxburghii fruit"),
    ("猕猴桃种植基地和冷链物流", "Kiwifruit plantations and cold-chain logistics"),
    ("食用菌种植和深加工项目", "An edible-fungus growing and deep-processing project"),
    ("小黄牛养殖场，供应优质牛肉", "A yellow-cattle farm supplying quality beef"),
    ("磷酸铁锂电池材料项目", "A lithium iron phosphate battery-materials project"),
    ("钢铁企业生产螺纹钢和线材", "A steel company producing rebar and wire rod"),
    (
        "工业用电价格较低，适合高耗能产业",
        "Industrial electricity is cheap, suitable for energy-intensive industries",
    ),
    (
        "企业计划把生产基地转移到贵州，总部留在中山",
        "The company plans to move its production base to Guizhou and keep its headquarters in Zhongshan",
    ),
    ("中山市场加六盘水产品的合作模式", "A cooperation model of Zhongshan markets plus Liupanshui products"),
]
