"""The brief as an ordered list of blocks in one language; each renderer only lays the blocks out."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.briefs.schemas import Bi, BriefData
from service.sourcing import Figure

ESTIMATE_NOTE = Bi(
    zh="标注（估算）的数值没有公开出处，是可修改的估算，洽谈前须核实。",
    en="Figures marked (estimate) come from no public source; they are editable estimates to verify before the meeting.",
)
SYNTHETIC_NOTE = Bi(zh="注意：该企业为合成样例数据，并非真实企业。", en="Note: this firm is a synthetic sample profile, not a real company.")


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    strong: bool = False


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float] = field(default_factory=list)  # relative column widths


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # 0–1
    weight: float
    contribution: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]


Block = Title | Heading | Para | Bullets | Table | Chart


def t(lang: str, zh: str, en: str) -> str:
    """Chinese with the English term beside it for lang=zh (what negotiators asked for), English for lang=en."""
    return en if lang == "en" else f"{zh} {en}"


def fig(value: Figure | None, lang: str) -> str:
    """Render a sourced figure with its estimate mark, or a dash."""
    return "—" if value is None else value.label(lang)


def source(value: Figure | None) -> str:
    if value is None or not value.source:
        return ""
    return f"{value.source}（{value.as_of:%Y-%m}）" if value.as_of else value.source


def money(value: float, lang: str) -> str:
    """Yuan in 万元 for Chinese readers, in yuan for English ones."""
    if lang == "en":
        return f"{value:,.0f} yuan"
    return f"{value / 10_000:,.1f} 万元"


def _name(zh: str, en: str, lang: str) -> str:
    if lang == "en":
        return f"{en} ({zh})" if en else zh
    return zh


def build(data: BriefData, lang: str) -> list[Block]:
    """Lay out the sections of the brief in the order negotiators read them."""
    firm, park = data.firm, data.park
    firm_name = _name(firm.name_zh, firm.name_en, lang)
    park_name = _name(park.name_zh, park.name_en, lang)
    blocks: list[Block] = [
        Title(
            text=f"{firm.name_zh} × {park.name_zh}" if lang == "zh" else f"{firm_name} × {park_name}",
            subtitle=(f"洽谈简报 Negotiation brief · {data.mode.zh} · 生成于 {data.generated_at:%Y-%m-%d %H:%M}"
                      if lang == "zh" else
                      f"Negotiation brief (洽谈简报) · {data.mode.en} · generated {data.generated_at:%Y-%m-%d %H:%M}"),
        ),
    ]
    if firm.synthetic:
        blocks.append(Para(SYNTHETIC_NOTE.get(lang), strong=True))

    # 1. Summary and recommendation
    blocks.append(Heading(t(lang, "一、摘要与建议", "Summary and recommendation") if lang == "zh"
                          else "1. Summary and recommendation"))
    rank = ""
    if data.rank is not None:
        of = f"/{data.of}" if data.of else ""
        rank = f"，在该企业的园区推荐中排第 {data.rank}{of} 位" if lang == "zh" else f", ranked {data.rank}{of} among parks for this firm"
    score = f"{data.score * 100:.0f}"
    if lang == "zh":
        blocks.append(Para(f"匹配度 Score {score}/100{rank}。", strong=True))
    else:
        blocks.append(Para(f"Match score {score}/100{rank}.", strong=True))
    if data.excluded is not None:
        blocks.append(Para(t(lang, "硬约束排除：", "Excluded by a hard constraint: ") + data.excluded.get(lang), strong=True))
    blocks.append(Para(data.reason.get(lang)))
    colon = ": " if lang == "en" else "："
    facts: list[str] = []
    if data.helps_most:
        facts.append(t(lang, "最有利因素", "Helps most") + colon + data.helps_most.get(lang))
    if data.drags_most:
        facts.append(t(lang, "最不利因素", "Drags most") + colon + data.drags_most.get(lang))
    if data.stability is not None:
        label = t(lang, "排名稳定性", "Stability")
        tail = ("（权重随机扰动 ±30% 时仍居前三的比例）" if lang == "zh"
                else " (share of ±30 % weight perturbations that keep this park in the top 3)")
        facts.append(f"{label}{colon}{data.stability * 100:.0f}%{tail}")
    if data.total_saving is not None:
        facts.append(t(lang, "预计年节省成本", "Estimated yearly saving") + colon + fig(data.total_saving, lang))
    if data.status is not None:
        facts.append(t(lang, "当前进展", "Pipeline status") + colon + data.status.get(lang))
    if facts:
        blocks.append(Bullets(facts))

    # 2. Profiles
    blocks.append(Heading(t(lang, "二、双方概况", "Profiles") if lang == "zh" else "2. Profiles"))
    dash = "—"
    firm_rows = [
        [t(lang, "企业", "Firm"), firm_name],
        [t(lang, "所在镇街", "Town"), firm.town.get(lang)],
        [t(lang, "行业", "Industry"), "；".join(i.get(lang) for i in firm.industries) or dash],
        [t(lang, "主要产品", "Products"), "、".join(firm.products) if firm.products else dash],
        [t(lang, "员工人数", "Employees"), f"{firm.employees:,}" if firm.employees is not None else dash],
        [t(lang, "年营业收入", "Revenue"),
         money(firm.revenue_10k_yuan * 10_000, lang) if firm.revenue_10k_yuan is not None else dash],
        [t(lang, "用地", "Land"), f"{firm.land_mu:g} 亩" + (" (mu)" if lang == "en" else "") if firm.land_mu is not None else dash],
    ]
    if firm.description.get(lang):
        firm_rows.append([t(lang, "经营范围", "Business scope"), firm.description.get(lang)])
    blocks.append(Table(header=[t(lang, "中山企业", "Zhongshan firm"), ""], rows=firm_rows, widths=[1, 3]))
    park_rows = [
        [t(lang, "园区", "Park"), park_name],
        [t(lang, "所属县区", "County"), park.county.get(lang)],
        [t(lang, "级别", "Level"), park.level.get(lang) or dash],
        [t(lang, "产业定位", "Positioning"), park.positioning.get(lang) or dash],
        [t(lang, "主导产业", "Target industries"), "；".join(i.get(lang) for i in park.target_industries) or dash],
        [t(lang, "可用工业用地", "Free industrial land"), fig(park.free_land_mu, lang)],
        [t(lang, "可用标准厂房", "Free factory space"), fig(park.free_factory_m2, lang)],
        [t(lang, "可用劳动力", "Labour pool"), fig(park.labour_pool, lang)],
    ]
    blocks.append(Table(header=[t(lang, "六盘水园区", "Liupanshui park"), ""], rows=park_rows, widths=[1, 3]))

    # 3. Score and factors
    blocks.append(Heading(t(lang, "三、匹配度与因素", "Score and factors") if lang == "zh" else "3. Score and factors"))
    if data.factors:
        blocks.append(Chart(
            title=t(lang, "各因素得分（0–100）", "Factor values (0–100)"),
            bars=[Bar(label=f.label.get(lang), value=f.value, weight=f.weight, contribution=f.contribution)
                  for f in data.factors],
        ))
        blocks.append(Table(
            header=[t(lang, "因素", "Factor"), t(lang, "得分", "Value"), t(lang, "权重", "Weight"),
                    t(lang, "贡献", "Contribution"), t(lang, "依据", "Evidence")],
            rows=[[f.label.get(lang), f"{f.value * 100:.0f}", f"{f.weight:.2f}", f"{f.contribution * 100:.1f}",
                   f.evidence.get(lang)] for f in data.factors],
            widths=[1.3, 0.8, 0.8, 1.0, 2.8],
        ))

    # 4. Costs
    blocks.append(Heading(t(lang, "四、成本比较", "Cost comparison") if lang == "zh" else "4. Cost comparison"))
    if data.costs:
        blocks.append(Table(
            header=[t(lang, "项目", "Item"), t(lang, "中山", "Zhongshan"), t(lang, "园区", "Park"),
                    t(lang, "年节省", "Yearly saving"), t(lang, "出处", "Source")],
            rows=[[row.item.get(lang), fig(row.zhongshan, lang), fig(row.park, lang), fig(row.yearly_saving, lang),
                   "；".join(s for s in (source(row.zhongshan), source(row.park), source(row.yearly_saving)) if s)
                   or t(lang, "估算", "estimate")]
                  for row in data.costs],
            widths=[1.0, 1.2, 1.2, 1.2, 2.4],
        ))
        notes = [row.note.get(lang) for row in data.costs if row.note and row.note.get(lang)]
        if notes:
            blocks.append(Bullets(notes))
    else:
        blocks.append(Para(t(lang, "暂无成本数据。", "No cost figures available.")))
    if data.has_estimates:
        blocks.append(Para(ESTIMATE_NOTE.get(lang)))

    # 5. Resources and anchors
    blocks.append(Heading(t(lang, "五、资源与周边龙头企业", "Resources and anchor enterprises") if lang == "zh"
                          else "5. Resources and anchor enterprises nearby"))
    if data.resources:
        blocks.append(Table(
            header=[t(lang, "资源", "Resource"), t(lang, "供应能力", "Capacity"), t(lang, "价格", "Price"),
                    t(lang, "说明", "Note")],
            rows=[[r.name.get(lang), fig(r.capacity, lang), fig(r.price, lang), r.note.get(lang) if r.note else ""]
                  for r in data.resources],
            widths=[1.2, 1.3, 1.3, 2.6],
        ))
    if data.anchors:
        blocks.append(Bullets([
            a.name.get(lang) + (colon + a.description.get(lang) if a.description.get(lang) else "")
            for a in data.anchors
        ]))
    if not data.resources and not data.anchors:
        blocks.append(Para(t(lang, "园区资料未列出资源与龙头企业。", "The park lists no resources or anchor enterprises.")))

    # 6. Graph evidence
    blocks.append(Heading(t(lang, "六、关联依据", "Graph evidence") if lang == "zh" else "6. Graph evidence"))
    blocks.append(Bullets([p.get(lang) for p in data.paths]) if data.paths
                  else Para(t(lang, "无直接关联路径。", "No direct path in the graph.")))

    # 7–9. Risks, talking points, next steps
    for number, (zh, en, items) in enumerate(
        (("七、风险提示", "Risks", data.risks), ("八、洽谈要点", "Talking points", data.talking_points),
         ("九、下一步", "Next steps", data.next_steps)), start=7):
        blocks.append(Heading(t(lang, zh, en) if lang == "zh" else f"{number}. {en}"))
        blocks.append(Bullets([i.get(lang) for i in items]) if items else Para("—"))
    return blocks
