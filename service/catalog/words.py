"""How staff write catalogue names: folding town and resource words, resolving them, converting units.

Plain Python: the ranking of a prospect folds town names with these on a path that reads no table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

TOWN_PREFIXES = ("广东省中山市", "广东中山", "中山市", "zhongshancity")
TOWN_SUFFIXES = ("街道办事处", "街道办", "街道", "镇", "subdistrict", "town", "street")


def town_key(word: str) -> str:
    """Fold a town name for lookup: no spaces, lower case, no leading 中山市 / Zhongshan."""
    key = "".join(word.split()).lower().replace("（", "(").replace("）", ")")
    for prefix in TOWN_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


def bare_town(key: str) -> str:
    """A folded town name without its 镇 / 街道 / Town ending."""
    for suffix in TOWN_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def town_words(code: str, name_zh: str, name_en: str, aliases: Sequence[str], includes: Sequence[str]) -> set[str]:
    """Every folded form a town answers to: code, names, aliases and merged former towns, with and without 镇/街道."""
    words = {town_key(w) for w in (code, name_zh, name_en, *aliases, *includes) if w.strip()}
    return words | {bare_town(w) for w in words}


def resource_key(word: str) -> str:
    """Fold a resource word: no spaces, underscores or hyphens, lower case."""
    return "".join(word.split()).lower().replace("_", "").replace("-", "")


def resource_words(code: str, name_zh: str, name_en: str, aliases: Sequence[str] = ()) -> set[str]:
    """A resource answers to its code, its names, each name before a bracket, and its aliases."""
    words = {code, name_zh, name_en, *aliases}
    for name in (name_zh, name_en):
        for bracket in ("（", "("):
            if bracket in name:
                words.add(name.split(bracket, 1)[0])
    return {resource_key(w) for w in words if w.strip()}


@dataclass(frozen=True)
class Lookup:
    """What an import needs to resolve codes and names: towns, industry classes, resource names and units."""

    town_by_word: dict[str, str]
    industry_codes: frozenset[str]
    class_codes: frozenset[str]
    resource_units: dict[str, str]
    town_names: tuple[tuple[str, str], ...] = ()
    resource_by_word: dict[str, str] = field(default_factory=dict)

    def town(self, word: str) -> str | None:
        """Resolve a town code, name or alias: 中山市小榄镇, 小榄镇, 小榄, xiaolan, Xiaolan Town, 东升 …"""
        key = town_key(word)
        return self.town_by_word.get(key) or self.town_by_word.get(bare_town(key))

    def unknown_town(self, word: str) -> str:
        """The message for a town no name resolves: Chinese first, then English, each listing the valid names."""
        zh = "、".join(name for name, _ in self.town_names)
        en = ", ".join(name for _, name in self.town_names)
        return f"未知镇街 {word}；可用的镇街：{zh} / unknown town {word}; valid towns: {en}"

    def resource(self, word: str) -> str | None:
        """Resolve a resource code or its Chinese or English name (铝锭, aluminium ingot, 液态铝, 电 …)."""
        return self.resource_by_word.get(resource_key(word))

    def resolve_input(self, resource: str, quantity: float, unit: str) -> tuple[str, float, str]:
        """A firm input as (resource code, quantity, catalogue unit), from names and units staff write.

        "铝锭:150:吨" → aluminium_ingot 150 t; "天然气:3000:m3" → natural_gas 0.3 万m³; "电:1e6:千瓦时" →
        electricity 1,000,000 kWh. Raises ValueError (Chinese / English) for an unknown resource or a unit
        that does not measure it.
        """
        code = self.resource(resource)
        if code is None:
            raise ValueError(f"未知资源 {resource} / unknown resource {resource}")
        target = self.resource_units[code]
        if not unit.strip():
            return code, quantity, target
        factor = convert(unit, target)
        if factor is None:
            raise ValueError(f"单位 {unit} 不适用于 {code}（应为 {target}） / unit {unit} does not fit {code}: use {target}")
        return code, float(f"{quantity * factor:.12g}"), target


# Everyday names staff write for a resource beside its catalogue names (which count too).
RESOURCE_ALIASES: dict[str, tuple[str, ...]] = {
    "aluminium_ingot": ("铝锭", "铝合金锭", "aluminum ingot", "aluminium ingots"),
    "liquid_aluminium": ("液态铝", "铝水", "铝液", "molten aluminium", "liquid aluminum", "molten aluminum"),
    "aluminium_profile": ("铝型材", "铝板", "铝材", "aluminum profile"),
    "electricity": ("电", "电力", "用电", "power", "electric power"),
    "water": ("水", "用水", "工业用水"),
    "natural_gas": ("天然气", "燃气", "natural gas", "LNG", "CNG"),
    "coal": ("煤", "原煤"),
    "labour": ("工人", "用工", "labor", "workers"),
    "land": ("土地", "用地"),
    "steel": ("钢", "钢铁"),
    "copper": ("铜",),
    "plastic_resin": ("塑料", "塑胶原料", "塑料粒子", "plastic", "plastics"),
    "ci_li": ("cili", "rosa roxburghii", "chestnut rose"),
    "kiwifruit": ("奇异果", "kiwi"),
    "edible_fungi": ("菌菇", "蘑菇", "mushrooms"),
    "tea": ("鲜叶", "茶叶鲜叶", "fresh tea leaves"),
    "timber": ("木料", "红木", "wood"),
    "fabric": ("布料", "布"),
    "yarn": ("纱",),
    "coke": ("焦",),
}


# Units by what they measure and their size in the base unit of that measure (t, m³, kWh, m, head, person, 亩).
UNITS: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("t", "吨", "tonne", "tonnes", "ton", "tons", "公吨"), ("mass", 1.0)),
    **dict.fromkeys(("kg", "千克", "公斤"), ("mass", 0.001)),
    **dict.fromkeys(("万吨", "万t"), ("mass", 10000.0)),
    **dict.fromkeys(("m³", "m3", "m^3", "立方米", "立方", "方", "cbm", "cubicmetre", "cubicmetres"), ("volume", 1.0)),
    **dict.fromkeys(("万m³", "万m3", "万立方米", "万方", "10^4m3", "10⁴m³"), ("volume", 10000.0)),
    **dict.fromkeys(("亿m³", "亿m3", "亿立方米", "亿方"), ("volume", 100000000.0)),
    **dict.fromkeys(("kwh", "kw·h", "kw.h", "千瓦时", "度"), ("energy", 1.0)),
    **dict.fromkeys(("mwh", "兆瓦时"), ("energy", 1000.0)),
    **dict.fromkeys(("万kwh", "万千瓦时", "万度"), ("energy", 10000.0)),
    **dict.fromkeys(("m", "米"), ("length", 1.0)),
    **dict.fromkeys(("万米", "万m"), ("length", 10000.0)),
    **dict.fromkeys(("头", "head"), ("head", 1.0)),
    **dict.fromkeys(("人", "person", "persons", "people", "名"), ("persons", 1.0)),
    **dict.fromkeys(("亩", "mu"), ("area_mu", 1.0)),
}


def unit_key(unit: str) -> str:
    return "".join(unit.split()).lower()


def convert(given: str, target: str) -> float | None:
    """The factor that turns a quantity in `given` into `target`, or None when they measure different things."""
    a, b = UNITS.get(unit_key(given)), UNITS.get(unit_key(target))
    if unit_key(given) == unit_key(target):
        return 1.0
    if a is None or b is None or a[0] != b[0]:
        return None
    return a[1] / b[1]
