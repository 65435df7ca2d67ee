"""The full GB/T 4754-2017 catalogue, the 23 Zhongshan units with their aliases, and the 组团 pairings."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service.catalog.schemas import NameSource, TownKind
from service.catalog.service import lookup
from service.database import make_engine
from service.dataset import standard
from service.dataset.check import check_dataset
from service.dataset.files import DATA_DIR, Catalog, read_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    records, problems = read_catalog(DATA_DIR)
    assert problems == []
    return records


def test_the_catalogue_holds_every_code_of_the_standard(catalog: Catalog) -> None:
    numbers = standard.counts(catalog.industries)
    # The standard states 20 / 97 / 473 / 1,380. The shipped file has one class more: the reference copy
    # listed 飞机制造 as a second group C374, which is the class C3741 (corrected in data/standards/).
    assert (numbers["sections"], numbers["divisions"], numbers["groups"]) == (20, 97, 473)
    assert numbers["classes"] == 1381
    with (DATA_DIR / standard.STANDARD_FILE).open(encoding="utf-8") as handle:
        rows = {r["code"]: r for r in csv.DictReader(handle)}
    by_code = {i.code: i for i in catalog.industries}
    assert set(by_code) == set(rows)
    for code, row in rows.items():
        assert by_code[code].name_zh == row["name_zh"]
        assert by_code[code].note_zh == row["note_zh"]
        assert by_code[code].name_en and by_code[code].name_en_source is NameSource.translation


def test_the_standards_notes_and_the_hand_written_keywords_survive(catalog: Catalog) -> None:
    by_code = {i.code: i for i in catalog.industries}
    assert by_code["C3741"].name_zh == "飞机制造" and by_code["C3741"].level.value == "class"
    assert "不包括舞台及场地用灯制造" in by_code["C3872"].note_zh
    # Hand-written keywords and supply links kept; synonyms added.
    assert {"灯饰", "照明", "灯具"} <= set(by_code["C3872"].keywords_zh)
    assert {"lighting", "luminaire"} <= set(by_code["C3872"].keywords_en)
    assert by_code["A0159"].supplies_to == ["C1373", "C1523", "F5123"]
    assert by_code["C1353"].keywords_zh[:3] == ["腊味", "腊肠", "广式腊肠"]
    for code, word in (("C2682", "化妆品"), ("C2730", "中药饮片"), ("C1492", "保健食品"), ("C3952", "音响"),
                       ("C3984", "电声"), ("C2110", "红木"), ("A0159", "刺梨"), ("A0142", "食用菌"),
                       ("C1530", "茶"), ("C3399", "五金"), ("C1819", "牛仔"), ("C3252", "铝型材"), ("C3392", "压铸"),
                       ("C3854", "小家电")):
        assert word in by_code[code].keywords_zh, code
        assert by_code[code].keywords_en, code


def test_industries_yaml_is_what_the_sources_generate(tmp_path: Path) -> None:
    assert standard.stale(DATA_DIR) == []
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy, ignore=shutil.ignore_patterns("eval"))
    path = copy / standard.INDUSTRIES_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("照明灯具制造", "照明器具制造", 1), encoding="utf-8")
    problems = check_dataset(copy).problems
    assert any(p.file == standard.INDUSTRIES_FILE and "build-industries" in p.message for p in problems)
    standard.write(copy)
    assert standard.stale(copy) == []


def test_a_broken_standard_file_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy, ignore=shutil.ignore_patterns("eval"))
    path = copy / standard.STANDARD_FILE
    text = path.read_text(encoding="utf-8").replace("C3741,class,C374,", "C374,group,C37,", 1)
    path.write_text(text, encoding="utf-8")
    _, problems = standard.build_industries(copy)
    assert any(p.file == standard.STANDARD_FILE and "C374" in p.message for p in problems)


def test_every_class_has_input_intensities(catalog: Catalog) -> None:
    have = {(i.industry, i.resource) for i in [*catalog.industry_inputs, *catalog.default_inputs]}
    classes = [i.code for i in catalog.industries if i.level.value == "class"]
    for code in classes:
        assert {(code, r) for r in ("labour", "land", "electricity")} <= have, code
    own = {i.industry for i in catalog.industry_inputs}
    defaults = list(catalog.default_inputs)
    assert defaults and all(i.estimate and "默认值" in i.note and "default" in i.note for i in defaults)
    assert not own & {i.industry for i in defaults}, "a class with its own inputs must not get a family default"
    # The group default wins over the division's: C2682 cosmetics takes C268, not C26.
    cosmetics = {i.resource: i for i in defaults if i.industry == "C2682"}
    assert "C268" in cosmetics["labour"].note and cosmetics["electricity"].per_million_yuan == 20000


def test_the_23_town_level_units(catalog: Catalog) -> None:
    kinds = {t.code: t.kind for t in catalog.towns}
    assert len(kinds) == 23
    assert sum(k is TownKind.subdistrict for k in kinds.values()) == 8
    assert sum(k is TownKind.town for k in kinds.values()) == 15
    # The 14 codes firms.csv and earlier data use are unchanged.
    assert {"guzhen", "henglan", "xiaolan", "dongfeng", "nantou", "huangpu", "shaxi", "dayong", "gangkou",
            "torch_zone", "cuiheng", "sanjiao", "tanzhou", "shenwan"} <= set(kinds)
    towns = {t.code: t for t in catalog.towns}
    assert towns["xiaolan"].includes == ["东升镇"]
    assert [h.date.isoformat() for h in towns["xiaolan"].history if h.date] == ["2021-07-19"]
    assert any("街道" in h.change_zh for h in towns["minzhong"].history)
    assert any("南朗街道" in h.change_zh for h in towns["cuiheng"].history)
    for town in catalog.towns:
        assert town.sources and all(s.url for s in town.sources)
        if not town.cluster_industries:  # no source names a cluster: the text says so
            assert "未见" in town.clusters_zh, town.code


ALIASES = {
    "中山市小榄镇": "xiaolan", "小榄镇": "xiaolan", "小榄": "xiaolan", "xiaolan": "xiaolan", "Xiaolan Town": "xiaolan",
    "XIAOLAN": "xiaolan", "东升镇": "xiaolan", "东升": "xiaolan",
    "火炬开发区": "torch_zone", "中山港": "torch_zone", "中山港街道": "torch_zone", "中山火炬开发区": "torch_zone",
    "翠亨新区": "cuiheng", "中山翠亨新区": "cuiheng", "南朗": "cuiheng", "南朗镇": "cuiheng", "南朗街道": "cuiheng",
    "民众": "minzhong", "民众镇": "minzhong", "石岐": "shiqi", "石岐街道": "shiqi", "东区": "dongqu", "西区": "xiqu",
    "南区": "nanqu", "五桂山": "wuguishan", "三乡镇": "sanxiang", "板芙": "banfu", "阜沙镇": "fusha",
    "古镇": "guzhen", "古镇镇": "guzhen", "中山市古镇镇": "guzhen", "Guzhen Town": "guzhen", "guzhen": "guzhen",
    "广东省中山市三角镇": "sanjiao", " 沙溪 ": "shaxi",
}


def test_every_town_name_and_alias_resolves(db_url: str, catalog: Catalog) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        ref = lookup(session=session)
    engine.dispose()
    for word, code in ALIASES.items():
        assert ref.town(word) == code, word
    for town in catalog.towns:
        for word in (town.code, town.name_zh, town.name_en, *town.aliases, *town.includes):
            assert ref.town(word) == town.code, (word, town.code)
    assert ref.town("火星镇") is None
    message = ref.unknown_town("火星镇")
    zh, en = message.split(" / ")
    assert zh.startswith("未知镇街 火星镇") and en.startswith("unknown town 火星镇")
    for town in catalog.towns:
        assert town.name_zh in zh and town.name_en in en


def test_pairings_are_the_sourced_groups(catalog: Catalog) -> None:
    pairs = {(p.town, p.county): p for p in catalog.pairings}
    assert set(pairs) == {("torch_zone", "shuicheng"), ("xiaolan", "panzhou"), ("dongqu", "liuzhi"),
                          ("cuiheng", "shuicheng")}
    assert pairs[("torch_zone", "shuicheng")].group_zh == "火炬开发区组团"
    assert pairs[("xiaolan", "panzhou")].group_zh == "小榄组团"
    assert pairs[("dongqu", "liuzhi")].group_zh == "东区组团"
    assert "8 个镇街" in pairs[("dongqu", "liuzhi")].members_note
    fa_er = pairs[("cuiheng", "shuicheng")]
    assert fa_er.township_zh == "发耳镇" and not fa_er.group_zh
    for pairing in catalog.pairings:
        assert pairing.source.url.startswith("http")
        assert pairing.members == []  # no source names a group's members
    assert all(p.since is not None for p in catalog.pairings if p.group_zh)
    assert not any(p.county == "zhongshan_district" for p in catalog.pairings)
