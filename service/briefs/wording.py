"""How a brief writes numbers, units and names in each language: rounded as a person would, no stray ids."""

from __future__ import annotations

import math
import re

from service.briefs.schemas import Bi
from service.i18n import pick
from service.sourcing import Figure

# Units the data and the cost model use, in English. Longest first, so 元/吨 wins over 元.
UNITS_EN: dict[str, str] = {
    "万元/年": "10k yuan a year", "元/年": "yuan a year", "元/月": "yuan a month", "元/吨": "yuan/t",
    "元/亩": "yuan/mu", "元/kWh": "yuan/kWh", "万吨/年": "10k t a year", "吨/年": "t a year", "t/年": "t a year",
    "kWh/年": "kWh a year", "人/年": "people a year", "亿千瓦时": "100 million kWh", "万千瓦": "10 MW",
    "亿元": "100 million yuan", "万元": "10k yuan", "元": "yuan", "万吨": "10k t", "亿吨": "100 million t",
    "吨": "t", "万m³": "10k m³", "万台": "10k units", "万米": "10k m", "万把": "10k pieces", "万人": "10k people",
    "亩": "mu", "人": "workers", "家": "firms", "个": "", "户": "households", "处": "sites", "辆": "vehicles",
    "栋": "buildings", "头": "head", "年": "years",
}
# Chinese units with a multiplier in them; an English brief writes the plain unit and scales the number
# (3.2 亿元 → 320 million yuan rather than "3.2 100 million yuan").
SCALED_EN: dict[str, tuple[float, str]] = {
    "亿元": (1e8, "元"), "万元": (1e4, "元"), "万元/年": (1e4, "元/年"), "万吨": (1e4, "吨"), "亿吨": (1e8, "吨"),
    "万吨/年": (1e4, "吨/年"), "亿千瓦时": (1e8, "kWh"), "万千瓦": (1e4, "kW"), "万m³": (1e4, "m³"),
    "万台": (1e4, "台"), "万米": (1e4, "m"), "万把": (1e4, "把"), "万人": (1e4, "人"),
}
UNITS_EN.update({"台": "units", "把": "pieces"})
_UNIT_PATTERN = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(" + "|".join(re.escape(u) for u in sorted(UNITS_EN, key=len, reverse=True))
                           + r")")
PUNCTUATION_EN = {"、": ", ", "；": "; ", "：": ": ", "，": ", ", "。": ". ", "（": " (", "）": ")", "“": '"',
                  "”": '"', "—": "–"}
# Graph node ids ("firm:429") that reach a text when a node has no label; a reader gets the kind of node.
_NODE_ID = re.compile(r"\b(firm|prospect|park|destination|industry|resource|town|county|anchor)[:：]([\w.-]+)")
_NODE_WORDS = {"firm": Bi(zh="该企业", en="the firm"), "prospect": Bi(zh="意向企业", en="the prospect"),
               "park": Bi(zh="该园区", en="the park"), "destination": Bi(zh="目的地", en="the destination"),
               "town": Bi(zh="该镇街", en="the town"), "county": Bi(zh="该县区", en="the county"),
               "anchor": Bi(zh="龙头企业", en="the anchor enterprise")}
# 钟山区 (Liupanshui) and 中山 (the firms' city) are both "Zhongshan" in English: say which one is meant.
ZHONGSHAN_DISTRICT = "Zhongshan District"
ZHONGSHAN_DISTRICT_EN = "Zhongshan District (Liupanshui)"
_ZHONGSHAN_DISTRICT = re.compile(r"Zhongshan District(?! \(Liupanshui\)|, Liupanshui)")
_ZHONGSHAN_DISTRICT_IN_BRACKETS = re.compile(r"\(Zhongshan District\)")
# Words of the engine's explanations that speak of the software's tables and graph rather than the deal.
PHRASES: dict[str, dict[str, str]] = {
    "zh": {"按成本表测算": "按成本比较测算", "图谱证据：": "关联："},
    "en": {"The cost table puts": "The cost comparison puts", "Graph evidence: ": "Link: "},
}
# A Chinese phrase inside English text (a firm's name, a figure quoted from the user's own words, "约400人"):
# ideographs with the digits, letters and Chinese punctuation between them, up to the last ideograph or closing
# bracket. English tidying leaves such a phrase as it was written; a bare unit ("150 亩") is not a phrase.
_CHINESE_PHRASE = re.compile(r"[\u3400-\u9fff](?:[\u3400-\u9fff\u3000-\u303f\uff01-\uffef0-9A-Za-z.%·/]*"
                             r"[\u3400-\u9fff\uff09\u300d\u300f])?")
_HELD = "\ue000"  # a private-use mark: no text the software handles contains it
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
MINUS = "\u2212"


def significant(value: float, digits: int = 2) -> float:
    """Round to `digits` significant figures (201.48 → 200, 0.547 → 0.55); whole numbers under 100 stay."""
    if value == 0 or (abs(value) < 100 and float(value).is_integer()):
        return float(value)
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def _plain(value: float) -> str:
    text = f"{abs(value):,.2f}".rstrip("0").rstrip(".")
    return (MINUS if value < 0 else "") + text


def unit(text: str, lang: str) -> str:
    """The unit in the brief's language (亩 → mu, 元/吨 → yuan/t)."""
    return UNITS_EN.get(text, text) if lang == "en" else text


def amount(value: float, unit_zh: str, lang: str, *, digits: int = 2, exact: bool = False) -> str:
    """A number with its unit, rounded unless exact, in 万/亿 (zh) or million (en) when large; 约/about if rounded."""
    shown = value if exact else significant(value, digits)
    about = "" if shown == value else ("约 " if lang == "zh" else "about ")
    size = abs(shown)
    if lang == "zh":
        gap = " " if unit_zh[:1].isascii() else ""  # 万元 but 万 kWh
        if not exact and size >= 1e8 and not unit_zh.startswith(("万", "亿")):
            return f"{about}{_plain(shown / 1e8)} 亿{gap}{unit_zh}"
        if not exact and size >= 1e5 and not unit_zh.startswith(("万", "亿")):
            return f"{about}{_plain(shown / 1e4)} 万{gap}{unit_zh}"
        return f"{about}{_plain(shown)} {unit_zh}"
    if unit_zh in SCALED_EN:
        factor, unit_zh = SCALED_EN[unit_zh]
        value, shown = value * factor, shown * factor
    english = unit(unit_zh, "en")
    money = english.startswith("yuan") and english.endswith("a year")  # 150,000 yuan/mu stays in yuan
    size = abs(shown)
    in_millions = not exact or shown / 1e6 == round(shown / 1e6, 2)  # an exact figure only when nothing is lost
    if in_millions and (size >= 1e6 or (money and size >= 1e5)):
        return f"{about}{_plain(shown / 1e6)} million {english}".rstrip()
    return f"{about}{_plain(shown)} {english}".rstrip()


def figure(value: Figure | None, lang: str) -> str:
    """A sourced figure as its source gives it; an estimate or a computed figure rounded; estimates marked."""
    if value is None:
        return "—"
    computed = value.source is not None and value.source.startswith("计算")
    text = amount(value.value, value.unit, lang, exact=not (value.estimate or computed))
    return text + (("（估算）" if lang == "zh" else " (estimate)") if value.estimate else "")


def money_10k(value_10k: float, lang: str) -> str:
    """An amount recorded in 万元 (revenue), rounded to three figures: 15,172 万元 → 约 1.52 亿元 / 150 million yuan."""
    return amount(value_10k * 10_000, "元", lang, digits=3)


def source(value: Figure | None, lang: str) -> str:
    """Where a figure comes from, with its date; empty for an estimate."""
    if value is None or not value.source:
        return ""
    where = pick(value.source, lang)
    if where.startswith("计算 computed: "):
        where = ("计算" if lang == "zh" else "computed")
    return f"{where}（{value.as_of:%Y-%m}）" if lang == "zh" and value.as_of else (
        f"{where} ({value.as_of:%Y-%m})" if value.as_of else where)


def place(bi: Bi, lang: str) -> str:
    """A county or district name that cannot be read as another place (钟山区 is not 中山)."""
    if lang == "en" and (bi.zh == "钟山区" or bi.en == ZHONGSHAN_DISTRICT):
        return ZHONGSHAN_DISTRICT_EN
    return tidy(bi.get(lang), lang)


def _node(match: re.Match[str], lang: str) -> str:
    kind, key = match.group(1), match.group(2)
    word = _NODE_WORDS.get(kind)
    return word.get(lang) if word else key.replace("_", " ")


def _english_unit(match: re.Match[str]) -> str:
    number, unit_zh = match.group(1), match.group(2)
    if unit_zh in SCALED_EN:  # "3.2 亿元" → "320 million yuan", not "3.2 100 million yuan"
        try:
            return amount(float(number.replace(",", "")), unit_zh, "en", exact=True)
        except ValueError:
            pass
    return f"{number} {UNITS_EN[unit_zh]}".rstrip()


def tidy(text: str, lang: str) -> str:
    """Ids become words; in English also units after numbers, Chinese punctuation and 钟山区's name."""
    text = _NODE_ID.sub(lambda m: _node(m, lang), text)
    for engine_words, plain in PHRASES.get(lang, {}).items():
        text = text.replace(engine_words, plain)
    if lang != "en":
        return text
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        phrase = match.group(0)
        if phrase in UNITS_EN:
            return phrase
        held.append(phrase)
        return f"{_HELD}{len(held) - 1}{_HELD}"

    text = _CHINESE_PHRASE.sub(hold, text)
    text = _UNIT_PATTERN.sub(_english_unit, text)
    for zh, en in PUNCTUATION_EN.items():
        text = text.replace(zh, en)
    text = _ZHONGSHAN_DISTRICT_IN_BRACKETS.sub("(Zhongshan District, Liupanshui)", text)
    text = _ZHONGSHAN_DISTRICT.sub(ZHONGSHAN_DISTRICT_EN, text)
    text = re.sub(f"{_HELD}(\\d+){_HELD}", lambda m: held[int(m.group(1))], text)
    return re.sub(r" {2,}", " ", text).replace("( ", "(").strip()


def join(items: list[str], lang: str, *, long: bool = False) -> str:
    """A list in running text: 、 or ", "; for items that hold commas themselves (long), ； or "; "."""
    if long:
        return ("；" if lang == "zh" else "; ").join(items)
    return ("、" if lang == "zh" else ", ").join(items)
