"""Synthetic Zhongshan firms drawn from the town clusters in the catalog, written as the firm CSV.

The starter dataset ships no real firm list, so the firms in ``data/firms.csv`` are
synthetic profiles built from the catalog:

- **Town and industry.** A town is drawn by its weight in ``TOWN_WEIGHTS`` (roughly the
  size of its cluster in the reference notes); the industry class is drawn from the
  town's ``cluster_industries``, the leading cluster most often.
- **Size.** Employees are lognormal (median about 40, sigma 1.2) with a Pareto tail for
  1.5% of firms (800+ staff), so most firms have 10–80 staff and a few have more than
  1,000, as in a real town economy.
- **Revenue, land, power and inputs** follow the industry's ``industry_inputs.yaml``
  quantities per 1M yuan of output: revenue = employees ÷ (labour per 1M yuan), then
  land, electricity and every material input scale with revenue, with some noise.
  Units are taken from ``resources.yaml``, so they always match.
- **Export share** depends on the town (Guzhen lighting and Shenwan yachts export much,
  Huangpu cured meat almost nothing); **EIA category** on the industry (plating, dyeing,
  PCB etching and coking need a full report); **expansion** marks growth firms short of land.
- **Names are fictional by rule**: a Chinese name is ``中山市`` + two syllables from
  ``SYLLABLES`` + a trade word + ``有限公司（样例）``, the English name ends in ``(Sample)``,
  every firm has ``synthetic: True`` and no credit code, so none can pass for a real firm.

The same seed and count always give a byte-identical file.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from collections.abc import Sequence
from pathlib import Path

from service.catalog.schemas import IndustryInput, Town
from service.dataset.files import DATA_DIR, FIRMS_FILE, Catalog, read_catalog
from service.firms.columns import columns, firm_to_row, header_row
from service.firms.schemas import EnvCategory, FirmCreate, FirmInput

__all__ = ["DEFAULT_COUNT", "DEFAULT_SEED", "NAME_MARK_EN", "NAME_MARK_ZH", "generate", "main", "write_csv"]

DEFAULT_SEED = 20210217  # the first labour charter flights, 17 Feb 2021
DEFAULT_COUNT = 420
NAME_MARK_ZH = "（样例）"
NAME_MARK_EN = "(Sample)"

# Share of firms per town, roughly following cluster sizes in the reference notes.
TOWN_WEIGHTS: dict[str, float] = {
    "guzhen": 14, "henglan": 5, "xiaolan": 13, "dongfeng": 11, "nantou": 8, "huangpu": 5,
    "shaxi": 10, "dayong": 5, "gangkou": 5, "torch_zone": 8, "cuiheng": 5, "sanjiao": 4,
    "tanzhou": 5, "shenwan": 2, "banfu": 3, "wuguishan": 1,
}
# Mean export share per town; about a quarter of firms sell only at home.
TOWN_EXPORT: dict[str, float] = {
    "guzhen": 0.45, "henglan": 0.35, "xiaolan": 0.25, "dongfeng": 0.35, "nantou": 0.25,
    "huangpu": 0.05, "shaxi": 0.12, "dayong": 0.25, "gangkou": 0.5, "torch_zone": 0.3,
    "cuiheng": 0.25, "sanjiao": 0.1, "tanzhou": 0.4, "shenwan": 0.7, "banfu": 0.3, "wuguishan": 0.05,
}

# Neutral syllables for fictional brand names, with their pinyin.
SYLLABLES: tuple[tuple[str, str], ...] = (
    ("澜", "Lan"), ("禾", "He"), ("曜", "Yao"), ("朗", "Lang"), ("泓", "Hong"), ("岚", "Lan"),
    ("祺", "Qi"), ("睿", "Rui"), ("骏", "Jun"), ("沛", "Pei"), ("栩", "Xu"), ("铭", "Ming"),
    ("璟", "Jing"), ("弘", "Hong"), ("瀚", "Han"), ("嘉", "Jia"), ("颂", "Song"), ("溢", "Yi"),
    ("桦", "Hua"), ("晟", "Sheng"), ("霖", "Lin"), ("熙", "Xi"), ("翊", "Yi"), ("钧", "Jun"),
    ("聿", "Yu"), ("湛", "Zhan"), ("竣", "Jun"), ("昀", "Yun"), ("澄", "Cheng"), ("峦", "Luan"),
)

# Trade words for names, by industry code prefix (longest prefix wins).
TRADES: dict[str, tuple[str, str]] = {
    "C387": ("照明科技", "Lighting Technology"),
    "C3975": ("光电科技", "Optoelectronics"),
    "C385": ("电器", "Electrical Appliances"),
    "C386": ("燃气具", "Gas Appliances"),
    "C3951": ("电子科技", "Electronics Technology"),
    "C335": ("五金制品", "Hardware"),
    "C3399": ("五金制品", "Hardware"),
    "C3360": ("表面处理", "Surface Finishing"),
    "C3392": ("压铸", "Die Casting"),
    "C21": ("家具", "Furniture"),
    "C2929": ("塑胶制品", "Plastics"),
    "C18": ("服饰", "Apparel"),
    "C1713": ("洗水印染", "Washing and Dyeing"),
    "C24": ("动漫科技", "Amusement Technology"),
    "C27": ("医药科技", "Pharmaceutical"),
    "C358": ("医疗器械", "Medical Devices"),
    "C3415": ("风电装备", "Wind Power Equipment"),
    "C3484": ("精密机械", "Precision Machinery"),
    "C397": ("半导体", "Semiconductor"),
    "C398": ("电子", "Electronics"),
    "C384": ("新能源科技", "New Energy Technology"),
    "C3825": ("新能源科技", "New Energy Technology"),
    "C3670": ("汽车部件", "Auto Parts"),
    "C3733": ("游艇", "Yachts"),
    "C3737": ("海洋工程", "Marine Engineering"),
    "C395": ("电子音响", "Audio"),
    "C192": ("皮具", "Leather Goods"),
    "C245": ("玩具", "Toys"),
    "C153": ("茶业", "Tea"),
    "C13": ("食品", "Foods"),
    "F5292": ("电子商务", "E-commerce"),
}

# Products per class: (Chinese, English). Classes missing here fall back to the catalog keywords.
PRODUCTS: dict[str, tuple[tuple[str, str], ...]] = {
    "C3872": (("LED吸顶灯", "LED ceiling lights"), ("水晶吊灯", "crystal chandeliers"), ("铝制灯体", "aluminium lamp bodies"),
              ("LED筒灯", "LED downlights"), ("户外庭院灯", "outdoor garden lights"), ("轨道射灯", "track spotlights")),
    "C3874": (("智能吸顶灯", "smart ceiling lights"), ("调光调色灯具", "tunable-white luminaires"),
              ("智能照明控制系统", "lighting control systems"), ("智能灯带", "smart light strips")),
    "C3879": (("LED驱动电源", "LED drivers"), ("灯头灯座", "lamp holders"), ("灯具五金配件", "lamp fittings"),
              ("灯罩", "lamp shades")),
    "C3871": (("LED灯泡", "LED bulbs"), ("LED灯管", "LED tubes"), ("LED光源模组", "LED light modules")),
    "C3873": (("舞台摇头灯", "moving-head stage lights"), ("LED帕灯", "LED par lights"), ("体育场馆灯", "stadium floodlights")),
    "C3975": (("LED灯珠", "LED beads"), ("COB光源", "COB light sources"), ("LED封装器件", "packaged LEDs")),
    "C3351": (("智能门锁", "smart door locks"), ("指纹锁", "fingerprint locks"), ("机械门锁", "mechanical door locks"),
              ("门窗合页", "door and window hinges"), ("家具拉手", "furniture handles"), ("锁芯", "lock cylinders")),
    "C3353": (("保险柜", "safes"), ("防盗保险箱", "security strongboxes"), ("智能保管箱", "smart lockers")),
    "C3399": (("五金冲压件", "metal stampings"), ("弹簧", "springs"), ("五金配件", "hardware parts")),
    "C3360": (("五金电镀", "electroplating of hardware"), ("铝件阳极氧化", "anodising of aluminium parts"),
              ("静电喷涂", "powder coating")),
    "C3861": (("燃气灶", "gas hobs"), ("燃气热水器", "gas water heaters"), ("集成灶", "integrated stoves")),
    "C3854": (("电饭煲", "rice cookers"), ("空气炸锅", "air fryers"), ("破壁机", "high-speed blenders"),
              ("电压力锅", "electric pressure cookers"), ("电磁炉", "induction cookers"), ("油烟机", "range hoods")),
    "C3856": (("电吹风", "hair dryers"), ("卷发棒", "curling irons"), ("按摩器", "massagers"), ("美容仪", "beauty devices")),
    "C3859": (("加湿器", "humidifiers"), ("除湿机", "dehumidifiers"), ("净水器", "water purifiers"), ("电热毯", "electric blankets")),
    "C3853": (("电风扇", "electric fans"), ("空气循环扇", "air circulators"), ("暖风机", "fan heaters")),
    "C3855": (("吸尘器", "vacuum cleaners"), ("洗地机", "floor washers"), ("电热水器", "electric water heaters")),
    "C3857": (("家电电机", "appliance motors"), ("发热盘", "heating plates"), ("温控器", "thermostats")),
    "C3851": (("冰箱", "refrigerators"), ("冰柜", "freezers"), ("酒柜", "wine coolers")),
    "C3852": (("分体空调", "split air conditioners"), ("移动空调", "portable air conditioners"), ("空调配件", "AC parts")),
    "C3951": (("液晶电视", "LCD TVs"), ("智能电视", "smart TVs"), ("商用显示屏", "commercial displays")),
    "C2929": (("家电塑料外壳", "appliance plastic housings"), ("注塑件", "injection-moulded parts"), ("塑料灯罩", "plastic lamp shades")),
    "C2130": (("办公桌", "office desks"), ("钢制文件柜", "steel filing cabinets"), ("办公椅", "office chairs"),
              ("铝合金家具", "aluminium furniture")),
    "C2190": (("办公屏风", "office partitions"), ("软体沙发", "upholstered sofas"), ("会议桌", "conference tables")),
    "C2110": (("红木家具", "rosewood furniture"), ("实木餐桌", "solid-wood dining tables"), ("红木工艺品", "rosewood crafts"),
              ("新中式沙发", "new Chinese-style sofas")),
    "C1819": (("休闲裤", "casual trousers"), ("休闲衬衫", "casual shirts"), ("夹克", "jackets"), ("牛仔裤", "jeans")),
    "C1821": (("T恤", "T-shirts"), ("卫衣", "hoodies"), ("POLO衫", "polo shirts"), ("针织运动裤", "knitted joggers")),
    "C1811": (("运动服", "sportswear"), ("冲锋衣", "outdoor jackets"), ("运动裤", "track pants")),
    "C1830": (("帽子", "caps"), ("围巾", "scarves"), ("服装辅料", "garment trims")),
    "C1713": (("牛仔布", "denim fabric"), ("牛仔洗水", "denim washing"), ("成衣染色", "garment dyeing")),
    "F5292": (("服装网络销售", "online apparel sales"), ("直播带货服务", "livestream selling"), ("网店运营", "online shop operation")),
    "C2462": (("动漫游戏机", "arcade game machines"), ("娃娃机", "claw machines"), ("模拟赛车", "racing simulators"),
              ("儿童游艺机", "children's amusement machines")),
    "C2461": (("旋转木马", "carousels"), ("儿童游乐设备", "playground rides"), ("大型游乐设施", "theme-park rides")),
    "C1353": (("广式腊肠", "Cantonese sausages"), ("腊肉", "cured pork belly"), ("腊鸭", "cured duck"), ("卤味制品", "braised meat products")),
    "C2720": (("片剂", "tablets"), ("胶囊剂", "capsules"), ("口服溶液", "oral solutions")),
    "C2740": (("中成药颗粒", "Chinese patent medicine granules"), ("中药配方颗粒", "TCM formula granules"), ("保健食品", "health foods")),
    "C2770": (("医用敷料", "medical dressings"), ("医用口罩", "medical masks"), ("医用棉签", "medical swabs")),
    "C3589": (("家用医疗器械", "home medical devices"), ("雾化器", "nebulisers"), ("康复器材", "rehabilitation equipment")),
    "C3581": (("监护仪", "patient monitors"), ("体外诊断设备", "IVD analysers"), ("理疗仪", "physiotherapy devices")),
    "C3415": (("风电机组部件", "wind-turbine components"), ("风电轮毂", "wind-turbine hubs"), ("海上风电装备", "offshore wind equipment")),
    "C3484": (("精密CNC零件", "precision CNC parts"), ("五金车件", "turned parts"), ("设备结构件", "machine structural parts")),
    "C3982": (("PCB线路板", "printed circuit boards"), ("PCBA贴片加工", "PCBA assembly"), ("家电控制板", "appliance control boards"),
              ("LED驱动板", "LED driver boards")),
    "C3981": (("电感", "inductors"), ("电容", "capacitors"), ("磁性元件", "magnetic components")),
    "C3973": (("芯片封装", "chip packaging"), ("功率器件封测", "power-device packaging and testing")),
    "C3841": (("磷酸铁锂电芯", "LFP battery cells"), ("储能电池包", "energy-storage battery packs"), ("电池模组", "battery modules")),
    "C3825": (("光伏组件", "PV modules"), ("光伏逆变器", "PV inverters"), ("储能系统", "energy-storage systems")),
    "C3670": (("新能源汽车结构件", "NEV structural parts"), ("电池托盘", "battery trays"), ("铝合金车身件", "aluminium body parts")),
    "C3392": (("铝合金压铸件", "aluminium die castings"), ("压铸灯体", "die-cast lamp bodies"), ("汽车压铸件", "automotive die castings")),
    "C3733": (("玻璃钢游艇", "fibreglass yachts"), ("铝合金游艇", "aluminium yachts"), ("帆船", "sailing boats")),
    "C3737": (("海上风电安装平台部件", "offshore wind installation parts"), ("海洋工程钢结构", "offshore steel structures"),
              ("船用甲板机械", "deck machinery")),
    "C3952": (("蓝牙音箱", "bluetooth speakers"), ("家庭影院音响", "home-theatre audio"), ("功放", "amplifiers"),
              ("K歌音响", "karaoke speakers")),
    "C1829": (("文胸", "bras"), ("针织内衣", "knitted underwear"), ("睡衣", "pyjamas"), ("家居服", "loungewear")),
    "C1922": (("皮包", "leather bags"), ("拉杆箱", "trolley cases"), ("背包", "backpacks"), ("钱包", "wallets")),
    "C2452": (("塑胶玩具", "plastic toys"), ("积木", "building blocks"), ("玩具车", "toy cars")),
    "C1530": (("红茶", "black tea"), ("绿茶", "green tea"), ("袋泡茶", "tea bags")),
}

# Industries whose firms need a full EIA report (报告书), in whole or with this probability.
REPORT_SHARE: dict[str, float] = {"C3360": 1.0, "C1713": 1.0, "C3982": 0.4, "C3973": 0.3, "C2720": 0.3}
# Light assembly: small firms only register (登记表).
LIGHT_ASSEMBLY_PREFIXES = ("C18", "F", "C3856", "C3879", "C2190", "C3589")
# Secondary activities some firms add (plating in hardware towns, die casting for lamp bodies …).
SECONDARY: dict[str, tuple[tuple[str, float], ...]] = {
    "C3351": (("C3360", 0.08), ("C3399", 0.1)),
    "C3872": (("C3392", 0.08), ("C3879", 0.1)),
    "C3854": (("C2929", 0.1), ("C3857", 0.08)),
    "C3859": (("C2929", 0.08),),
    "C1819": (("C1713", 0.05), ("F5292", 0.1)),
    "C3670": (("C3392", 0.2),),
}
SKIP_AS_INPUT = {"labour", "land", "electricity"}
LARGE_FIRM_SHARE = 0.015


def _trade(code: str) -> tuple[str, str]:
    for length in range(len(code), 0, -1):
        if code[:length] in TRADES:
            return TRADES[code[:length]]
    return ("实业", "Industrial")


def _products(code: str, catalog: Catalog) -> tuple[tuple[str, str], ...]:
    if code in PRODUCTS:
        return PRODUCTS[code]
    industry = next(i for i in catalog.industries if i.code == code)
    return tuple(zip(industry.keywords_zh, industry.keywords_en, strict=False)) or ((industry.name_zh, industry.name_en),)


def _round_sig(value: float, digits: int = 3) -> float:
    """Round to a few significant figures so the CSV shows plausible, not spuriously exact, numbers."""
    if value <= 0:
        return 0.0
    return round(value, max(0, digits - 1 - math.floor(math.log10(value))))


def _join_en(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _env_category(codes: Sequence[str], employees: int, rng: random.Random) -> EnvCategory:
    if any(rng.random() < REPORT_SHARE.get(code, 0.0) for code in codes):
        return EnvCategory.report
    if codes[0].startswith(LIGHT_ASSEMBLY_PREFIXES) and employees < 60:
        return EnvCategory.registration
    return EnvCategory.table


def _pick_town(towns: Sequence[Town], rng: random.Random) -> Town:
    weights = [TOWN_WEIGHTS.get(t.code, 1.0) for t in towns]
    return rng.choices(list(towns), weights=weights)[0]


def _pick_industry(town: Town, rng: random.Random) -> str:
    # The leading cluster is listed first and drawn most often. Firms are manufacturers; a
    # town's trade or service classes (Shaxi's livestream retail) appear only as a second activity.
    codes = [c for c in town.cluster_industries if c.startswith("C")] or list(town.cluster_industries)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(codes))]
    return rng.choices(codes, weights=weights)[0]


def _brand(rng: random.Random, used: set[str]) -> tuple[str, str]:
    while True:
        (zh1, en1), (zh2, en2) = rng.sample(SYLLABLES, 2)
        if zh1 + zh2 not in used:
            used.add(zh1 + zh2)
            return zh1 + zh2, en1 + en2.lower()


def generate(catalog: Catalog, *, seed: int = DEFAULT_SEED, count: int = DEFAULT_COUNT) -> list[FirmCreate]:
    """Generate `count` synthetic Zhongshan firms from the catalog's town clusters, deterministically."""
    rng = random.Random(seed)
    inputs: dict[str, list[IndustryInput]] = {}
    for item in [*catalog.industry_inputs, *catalog.default_inputs]:  # a class's own inputs, else its family's
        inputs.setdefault(item.industry, []).append(item)
    units = {r.code: r.unit for r in catalog.resources}
    towns = [t for t in catalog.towns if t.cluster_industries]
    used: set[str] = set()
    firms: list[FirmCreate] = []
    for _ in range(count):
        town = _pick_town(towns, rng)
        primary = _pick_industry(town, rng)
        codes = [primary] + [extra for extra, p in SECONDARY.get(primary, ()) if rng.random() < p]
        if rng.random() < LARGE_FIRM_SHARE:
            employees = int(min(15000, round(800 * rng.paretovariate(1.3))))  # the town's few big names
        else:
            employees = int(min(15000, max(6, round(rng.lognormvariate(math.log(40), 1.2)))))

        per_million = {i.resource: i.per_million_yuan for i in inputs.get(primary, []) if i.per_million_yuan}
        labour = per_million.get("labour") or 2.5
        # Bigger firms are somewhat more productive per head.
        output_m = employees / labour * rng.lognormvariate(0, 0.25) * (employees / 50) ** 0.08
        expansion = rng.random() < (0.2 if 30 <= employees <= 2000 else 0.07)
        land_factor = 0.7 if expansion else 1.0  # growth firms are the ones short of land
        land = output_m * per_million.get("land", 0.35) * rng.lognormvariate(0, 0.3) * land_factor
        power = output_m * per_million.get("electricity", 30000) * rng.lognormvariate(0, 0.2)
        firm_inputs = [
            FirmInput(
                resource=resource,
                quantity=_round_sig(output_m * quantity * rng.lognormvariate(0, 0.25)),
                unit=units[resource],
            )
            for resource, quantity in per_million.items()
            if resource not in SKIP_AS_INPUT and resource in units
        ]

        export_mean = 0.0 if primary.startswith("F") else TOWN_EXPORT.get(town.code, 0.2)
        if export_mean == 0 or rng.random() < 0.25:
            export_share = 0.0
        else:
            export_share = round(rng.betavariate(4 * export_mean, 4 * (1 - export_mean)), 2)

        offered = _products(primary, catalog)
        chosen = sorted(rng.sample(range(len(offered)), min(len(offered), rng.randint(2, 4))))
        products = [offered[i] for i in chosen]
        brand_zh, brand_en = _brand(rng, used)
        trade_zh, trade_en = _trade(primary)
        names_zh = "、".join(p[0] for p in products)
        names_en = _join_en([p[1] for p in products])
        if primary.startswith("F"):
            scope_zh, scope_en = f"网上销售：{names_zh}", f"Online sale of {names_en}"
        else:
            scope_zh, scope_en = f"研发、生产、销售：{names_zh}", f"R&D, manufacture and sale of {names_en}"
        trade_tail_zh = "；货物及技术进出口。" if export_share > 0 else "。"
        trade_tail_en = "; import and export of goods and technology." if export_share > 0 else "."

        firms.append(
            FirmCreate(
                name_zh=f"中山市{brand_zh}{trade_zh}有限公司{NAME_MARK_ZH}",
                name_en=f"Zhongshan {brand_en} {trade_en} Co., Ltd. {NAME_MARK_EN}",
                town=town.code,
                industries=codes,
                products=[p[0] for p in products],
                description_zh=scope_zh + trade_tail_zh,
                description_en=scope_en + trade_tail_en,
                employees=employees,
                revenue_10k_yuan=_round_sig(output_m * 100),
                land_mu=max(0.5, round(land, 1)),
                electricity_kwh=float(max(1000, round(power, -3))),
                inputs=firm_inputs,
                export_share=export_share,
                env_category=_env_category(codes, employees, rng),
                expansion=expansion,
                synthetic=True,
            )
        )
    return firms


def write_csv(firms: Sequence[FirmCreate], path: Path) -> None:
    """Write firms as the UTF-8 firm CSV with Chinese headers (see service.firms.columns); synthetic firms have
    no contacts, so the contact columns stay out of the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = [c.key for c in columns(contacts=False)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(header_row("zh", contacts=False))
        for firm in firms:
            row = firm_to_row(firm)
            writer.writerow([row[key] for key in keys])


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the synthetic firm file from the catalog in data/."""
    parser = argparse.ArgumentParser(
        prog="python -m service.dataset.synthetic",
        description="生成合成中山企业样例 / Generate synthetic Zhongshan sample firms",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子 / random seed")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="企业数 / number of firms")
    parser.add_argument("-o", "--output", type=Path, default=DATA_DIR / FIRMS_FILE, help="输出文件 / output CSV")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="数据目录 / catalog directory")
    args = parser.parse_args(argv)
    catalog, problems = read_catalog(args.data_dir)
    if problems:
        for problem in problems:
            print(problem)
        print("目录数据有误，未生成 / the catalog has problems; nothing written")
        return 1
    firms = generate(catalog, seed=args.seed, count=args.count)
    write_csv(firms, args.output)
    print(f"已写入 {len(firms)} 家合成企业 / wrote {len(firms)} synthetic firms to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
