"""Figures and relocation cues read from a prospect's own words: staff, land, floor, tonnage, power, revenue, exports.

Promotion staff type what a firm told them ("员工约400人，用地50亩，年用铝3000吨，厂房租金上涨"). Each figure
keeps the words it was read from, so the answer can show "从描述中读取 / read from your text" beside it and
staff can see at once when a number was read wrongly. Only explicit numbers are read; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from service.matching import assumptions as a
from service.matching import schemas as s
from service.matching.snapshot.world import CUE_LABELS, READ_FROM_TEXT, World

__all__ = ["CUES", "MATERIALS", "ReadProfile", "TextCue", "TextFigure", "TextReading", "read_profile", "read_resources",
           "read_text", "reading_report", "report"]


# What each figure is, in words (zh, en), and the unit its value is in.
FIELDS: Final[dict[str, tuple[str, str, str]]] = {
    "employees": ("员工人数", "Employees", "人"),
    "land_mu": ("用地", "Land", "亩"),
    "factory_m2": ("厂房面积", "Floor area", "m²"),
    "input": ("年用量", "Yearly quantity", "吨/年"),
    "electricity_kwh": ("年用电量", "Yearly electricity", "kWh/年"),
    "revenue_10k_yuan": ("年营收", "Yearly revenue", "万元"),
    "export_share": ("出口占比", "Export share", "%"),
}

# Material words → resource code, longest first when matched (铝液 before 铝). Words staff use for what a
# firm buys by the tonne; the codes are those of data/resources.yaml, and a code the catalogue lacks is dropped.
MATERIALS: Final[dict[str, str]] = {
    "铝液": "liquid_aluminium", "铝水": "liquid_aluminium", "铝型材": "aluminium_profile", "铝板": "aluminium_profile",
    "铝材": "aluminium_profile", "铝锭": "aluminium_ingot", "铝合金": "aluminium_ingot", "铝": "aluminium_ingot",
    "钢材": "steel", "钢板": "steel", "钢": "steel", "铜材": "copper", "铜": "copper", "焦炭": "coke",
    "煤矸石": "coal_gangue", "煤": "coal", "塑料粒子": "plastic_resin", "塑料": "plastic_resin", "塑胶": "plastic_resin",
    "树脂": "plastic_resin", "玻璃": "glass", "纱线": "yarn", "棉纱": "yarn", "木材": "timber", "石灰石": "limestone",
    "刺梨": "ci_li", "猕猴桃": "kiwifruit", "食用菌": "edible_fungi", "茶青": "tea", "鲜叶": "tea", "猪肉": "pork",
    "liquid aluminium": "liquid_aluminium", "molten aluminium": "liquid_aluminium",
    "aluminium profiles": "aluminium_profile", "aluminum profiles": "aluminium_profile",
    "aluminium": "aluminium_ingot", "aluminum": "aluminium_ingot", "steel": "steel", "copper": "copper",
    "coke": "coke", "coal gangue": "coal_gangue", "coal": "coal", "plastic resin": "plastic_resin",
    "plastics": "plastic_resin", "plastic": "plastic_resin", "resin": "plastic_resin", "glass": "glass",
    "yarn": "yarn", "timber": "timber", "wood": "timber", "limestone": "limestone", "kiwifruit": "kiwifruit",
    "tea leaves": "tea", "pork": "pork",
}

# Relocation cues: code (snapshot.world.CUE_CODES) → patterns. A cue right after a negation (无扩产计划) is not read.
CUES: Final[dict[str, tuple[str, ...]]] = {
    "rent_rising": (
        r"(?:厂房|房|场地)?租金(?:持续|不断|逐年)?(?:上涨|上升|上调|走高|涨|高企|压力)", r"房租(?:上涨|上升|涨)",
        r"ris(?:ing|e in) (?:factory |plant )?rents?", r"rents? (?:is |are |keeps? )?(?:rising|going up|increasing)",
        r"rent increases?"),
    "land_shortage": (
        r"(?:用地|土地|厂地|场地|厂房|空间)(?:不足|紧张|不够|受限|饱和)", r"缺(?:少)?(?:用)?地", r"无地(?:可)?扩",
        r"land shortage", r"short(?:age)? of (?:land|space)", r"(?:lack|lacks|lacking) (?:of )?(?:land|space)",
        r"no (?:room|land|space) to expand", r"not enough (?:land|space)"),
    "hiring_difficulty": (
        r"招工(?:难|困难)", r"用工(?:难|荒|紧张|短缺)", r"招人难", r"缺工", r"人手不足", r"工人难招",
        r"hard to (?:hire|recruit)", r"hiring (?:is )?(?:difficult|hard)", r"difficult(?:y|ies)? (?:in )?(?:hiring|recruiting)",
        r"labou?r shortages?", r"short of (?:workers|labou?r|staff)", r"struggl\w* to (?:hire|recruit)"),
    "expansion": (
        r"扩产", r"扩大(?:产能|生产|规模)", r"扩建", r"新增产能", r"新建(?:产线|生产线|厂房)", r"增资扩",
        r"\bexpan(?:d|ding|sion)\b", r"new production lines?", r"(?:add|adding|increase|increasing) (?:production )?capacity"),
    "southwest_customers": (
        r"西南(?:地区)?(?:的)?(?:客户|市场)", r"(?:客户|市场)(?:主要|多|大多)?(?:在|位于|集中在|来自)(?:西南|云贵川|贵州|四川|重庆|云南|成渝)",
        r"(?:贵州|四川|重庆|云南|成渝|云贵)(?:地区)?(?:的)?(?:客户|市场)",
        r"customers? (?:are |is )?(?:mostly |mainly )?in (?:the )?south-?west", r"south-?west(?:ern)? (?:China )?(?:customers?|markets?|buyers?)",
        r"customers? (?:are |is )?(?:mostly |mainly )?in (?:Guizhou|Sichuan|Chongqing|Yunnan)"),
}
_NEGATION = re.compile(r"(?:无|没有|不|未|暂无|no|not|without)\s*(?:计划)?\s*$", re.IGNORECASE)

# A number as staff write it: 3000, 3,000, 3000.5, with an optional 万 / 千 / 亿 and approximations around it.
_N = r"(\d+(?:[,，]\d{3})*(?:\.\d+)?)\s*(万|千|亿)?"
_ABOUT = r"(?:约|大约|近|将近|接近|超过|逾|共|有|达|达到|为|是|计|合计|目前|现有|:|：|\s)*"
_MORE = r"(?:余|多|左右|以上)?"
_SCALE = {None: 1.0, "": 1.0, "千": 1e3, "万": 1e4, "亿": 1e8}


@dataclass(frozen=True)
class TextFigure:
    """One figure read from the text: what it is, its value in the field's unit, and the words it came from."""

    field: str  # a key of FIELDS
    value: float
    quote: str
    resource: str | None = None  # for a yearly tonnage: the resource code


@dataclass(frozen=True)
class TextCue:
    """A relocation cue read from the text, with the words it came from."""

    code: str  # a key of CUES
    quote: str


@dataclass(frozen=True)
class TextReading:
    """Everything read from one text."""

    figures: tuple[TextFigure, ...] = ()
    cues: tuple[TextCue, ...] = ()

    def value(self, field: str) -> float | None:
        """The first figure of a field (employees, land_mu, …), or None."""
        return next((f.value for f in self.figures if f.field == field), None)

    def inputs(self) -> dict[str, float]:
        """Resource code → yearly tonnage read (the first mention of each material)."""
        out: dict[str, float] = {}
        for f in self.figures:
            if f.field == "input" and f.resource is not None:
                out.setdefault(f.resource, f.value)
        return out

    def cue_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.code for c in self.cues))


def _num(digits: str, scale: str | None) -> float:
    return float(digits.replace(",", "").replace("，", "")) * _SCALE[scale]


def _material(pattern_words: dict[str, str]) -> str:
    words = sorted(pattern_words, key=len, reverse=True)
    return "(" + "|".join(re.escape(w) for w in words) + ")"


_MAT = _material(MATERIALS)
_STAFF_ZH = r"(?:员工|职工|工人|从业人员|用工|人员|雇员)(?:人数|总数|规模)?"
_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("employees", re.compile(_STAFF_ZH + _ABOUT + _N + r"\s*" + _MORE + r"\s*(?:人|名)")),
    ("employees", re.compile(_N + r"\s*" + _MORE + r"\s*(?:名)?(?:员工|工人|职工)")),
    ("employees", re.compile(r"(?:about |around |some |over |nearly )?" + r"(\d+(?:,\d{3})*)()\s*"
                             r"(?:employees|workers|staff|people on (?:the )?payroll)\b", re.IGNORECASE)),
    ("employees", re.compile(r"(?:employs|headcount of|staff of|workforce of)\s*(?:about |around |some |over )?"
                             r"(\d+(?:,\d{3})*)()", re.IGNORECASE)),
    ("employees_loose", re.compile(r"(?:^|[，,。；;、\s（(])(?:约|大约|近|超过|逾|共)?" + _N + r"\s*" + _MORE + r"\s*人(?![次口民])")),
    ("land_mu", re.compile(r"(?:(?:用地|占地|需地|厂区|土地)(?:面积|需求)?" + _ABOUT + r")?" + _N + r"\s*" + _MORE + r"\s*亩")),
    ("land_mu", re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)()\s*mu\b", re.IGNORECASE)),
    ("land_ha", re.compile(_N + r"\s*" + _MORE + r"\s*(?:公顷|hectares?\b|ha\b)", re.IGNORECASE)),
    ("factory_m2", re.compile(_N + r"\s*" + _MORE + r"\s*(?:平方米|平米|㎡|m²|m2\b|sq\.? ?m\b|sqm\b|square met(?:re|er)s?)",
                              re.IGNORECASE)),
    ("input", re.compile(r"(?:年|每年)(?:使用|用|耗|消耗|需|需要|采购|用量)?" + _MAT + r"(?:材|料)?(?:用量|需求|消耗量)?"
                         + _ABOUT + _N + r"\s*" + _MORE + r"\s*(?:吨|t\b)")),
    ("input", re.compile(_MAT + r"(?:年用量|年需求|年消耗|年采购量|用量)" + _ABOUT + _N + r"\s*" + _MORE + r"\s*(?:吨|t\b)")),
    ("input_en", re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)()\s*(?:t|tonnes|tons|metric tons)\s+(?:a year |per year |yearly |annually )?"
                            r"of\s+" + _MAT, re.IGNORECASE)),
    ("electricity_kwh", re.compile(_N + r"\s*(?:度|千瓦时|kWh|kwh)")),
    ("revenue_10k_yuan", re.compile(r"(?:营收|营业收入|产值|销售额|年收入|年销售|销售收入|年营业额|营业额)" + _ABOUT + _N
                                    + r"\s*" + _MORE + r"\s*(元)?")),
    ("revenue_en", re.compile(r"(?:revenue|sales|turnover|output)\s*(?:of|is|at|:)?\s*(?:about |around |over |RMB |CNY |¥)*"
                              r"(\d+(?:,\d{3})*(?:\.\d+)?)()\s*(million|billion|m|bn)\s*(?:yuan|RMB|CNY)?", re.IGNORECASE)),
    ("export_share", re.compile(r"(?:出口|外销|海外销售|海外市场)(?:额|销售)?(?:占比|比例|比重|占|约占)?(?:营收|销售额|产值)?"
                                + _ABOUT + r"(\d+(?:\.\d+)?)()\s*(%|％|成)")),
    ("export_en", re.compile(r"(\d+(?:\.\d+)?)()\s*%\s*(?:of (?:its |our )?(?:sales|revenue|output) )?(?:is |are )?(?:exported|exports?)",
                             re.IGNORECASE)),
    ("export_en", re.compile(r"exports?\s*(?:share )?(?:of |make up |account for |is |are |at )?(?:about |around |over )?"
                             r"(\d+(?:\.\d+)?)()\s*%", re.IGNORECASE)),
)


def _figures(text: str) -> list[TextFigure]:
    found: list[tuple[int, TextFigure]] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            span = m.span()
            if not free(span):
                continue
            groups = m.groups()
            quote = m.group(0).strip(" ，,。；;、（(")
            figure: TextFigure | None = None
            if kind in ("input", "input_en"):
                word, digits, scale = (groups[0], groups[1], groups[2]) if kind == "input" else (groups[2], groups[0], None)
                code = MATERIALS.get(word) or MATERIALS.get(word.lower())
                if code is not None:
                    figure = TextFigure("input", _num(digits, scale), quote, resource=code)
            elif kind == "employees_loose":
                if any(f.field == "employees" for _, f in found):
                    continue
                figure = TextFigure("employees", _num(groups[0], groups[1]), quote)
            elif kind == "land_ha":
                figure = TextFigure("land_mu", _num(groups[0], groups[1]) * 15.0, quote)
            elif kind == "revenue_10k_yuan":
                value = _num(groups[0], groups[1])
                yuan = groups[2] == "元"
                # 5000万 and 5000万元 are 10k yuan; 3亿 is 30,000 万元; a bare 元 amount is yuan.
                if groups[1] is None and yuan:
                    value /= 1e4
                elif groups[1] is None:
                    continue  # "产值3000" without a unit is not read: it could be anything
                else:
                    value /= 1e4
                figure = TextFigure("revenue_10k_yuan", value, quote)
            elif kind == "revenue_en":
                unit = groups[2].lower()
                scale = 1e6 if unit in ("million", "m") else 1e9
                figure = TextFigure("revenue_10k_yuan", _num(groups[0], None) * scale / 1e4, quote)
            elif kind in ("export_share", "export_en"):
                value = _num(groups[0], None)
                if kind == "export_share" and groups[2] == "成":
                    value *= 10
                if 0 <= value <= 100:
                    figure = TextFigure("export_share", value, quote)
            elif kind == "electricity_kwh":
                figure = TextFigure("electricity_kwh", _num(groups[0], groups[1]), quote)
            else:
                figure = TextFigure(kind, _num(groups[0], groups[1]), quote)
            if figure is not None and (figure.value > 0 or figure.field == "export_share"):
                found.append((span[0], figure))
                taken.append(span)
    return [f for _, f in sorted(found, key=lambda x: x[0])]


def _cues(text: str) -> list[TextCue]:
    out: list[tuple[int, TextCue]] = []
    for code, patterns in CUES.items():
        for pattern in patterns:
            m = re.search(pattern, text, re.IGNORECASE)
            if m is None or _NEGATION.search(text[max(0, m.start() - 6): m.start()]):
                continue
            out.append((m.start(), TextCue(code, m.group(0))))
            break
    return [c for _, c in sorted(out, key=lambda x: x[0])]


def read_text(text: str) -> TextReading:
    """Read the figures and relocation cues a description states (nothing when it states none)."""
    return TextReading(figures=tuple(_figures(text)), cues=tuple(_cues(text)))


def report(reading: TextReading, *, stated: set[str], used_inputs: set[str],
           resource_name: Callable[[str, str], str]) -> tuple[list[s.ReadFigure], list[s.ReadCue]]:
    """What was read, as the API shows it: each figure marked used unless the request stated that field."""
    figures: list[s.ReadFigure] = []
    seen: set[tuple[str, str | None]] = set()
    for f in reading.figures:
        zh, en, unit = FIELDS[f.field]
        if f.resource is not None:
            zh, en = f"年用{resource_name(f.resource, 'zh')}", f"Yearly {resource_name(f.resource, 'en').lower()}"
        first = (f.field, f.resource) not in seen
        seen.add((f.field, f.resource))
        used = first and (f.resource in used_inputs if f.field == "input" else f.field not in stated)
        figures.append(s.ReadFigure(field=f.field, label_zh=zh, label_en=en, value=round(f.value, 4), unit=unit,
                                    resource=f.resource, quote=f.quote, used=used, provenance_zh=READ_FROM_TEXT[0],
                                    provenance_en=READ_FROM_TEXT[1]))
    cues = [s.ReadCue(code=c.code, label_zh=CUE_LABELS[c.code][0], label_en=CUE_LABELS[c.code][1], quote=c.quote,
                      provenance_zh=READ_FROM_TEXT[0], provenance_en=READ_FROM_TEXT[1])
            for c in reading.cues]
    return figures, cues


@dataclass(frozen=True)
class ReadProfile:
    """The prospect's size, inputs and cues: the request's fields, else what its text states."""

    employees: int | None
    land_mu: float | None
    electricity_kwh: float | None
    revenue_10k_yuan: float | None
    inputs: dict[str, float]  # resource → yearly quantity read from the text (materials the request does not list)
    cues: tuple[str, ...]
    expansion: bool


def read_profile(world: World, request: s.ProspectRequest) -> ReadProfile:
    """Merge the request's stated fields with the figures and cues read from its description."""
    reading = read_text(request.description)
    employees = request.employees
    if employees is None and reading.value("employees") is not None:
        employees = round(reading.value("employees") or 0)
    land = request.land_mu if request.land_mu is not None else reading.value("land_mu")
    floor = reading.value("factory_m2")
    if land is None and floor is not None:
        land = round(floor / a.FACTORY_M2_PER_MU, 2)  # floor space as land at the assumed plot ratio
    given = {i.resource for i in request.inputs}
    inputs = {code: qty for code, qty in reading.inputs().items() if code in world.resources and code not in given}
    cues = reading.cue_codes()
    return ReadProfile(
        employees=employees, land_mu=land,
        electricity_kwh=request.electricity_kwh if request.electricity_kwh is not None
        else reading.value("electricity_kwh"),
        revenue_10k_yuan=request.revenue_10k_yuan if request.revenue_10k_yuan is not None
        else reading.value("revenue_10k_yuan"),
        inputs=inputs, cues=cues, expansion="expansion" in cues)


def read_resources(world: World, resources: list[s.InferredResource], read: dict[str, float]) -> list[s.InferredResource]:
    """Materials the text gives a tonnage for count as named in the text, at full reliance."""
    out = [r for r in resources if r.code not in read]
    named = [s.InferredResource(code=code, name_zh=world.resource_name(code), name_en=world.resource_name(code, "en"),
                                weight=1.0, source="text") for code in read]
    return named + out


def reading_report(world: World, request: s.ProspectRequest) -> tuple[list[s.ReadFigure], list[s.ReadCue]]:
    """The figures and cues read from a request's description, each marked whether the profile uses it."""
    stated = {name for name in ("employees", "land_mu", "electricity_kwh", "revenue_10k_yuan")
              if getattr(request, name) is not None}
    if request.land_mu is not None or read_text(request.description).value("land_mu") is not None:
        stated.add("factory_m2")  # floor space stands in for land only when no land figure is known
    return report(read_text(request.description), stated=stated,
                  used_inputs=set(read_profile(world, request).inputs), resource_name=world.resource_name)
