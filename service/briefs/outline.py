"""The brief as an ordered list of blocks in one language only; each renderer only lays the blocks out."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.briefs import wording as w
from service.briefs.schemas import Bi, BriefData, Comparison
from service.textguard import neutralise_model

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
    level: int = 1  # 1 for a section, 2 for a part of one (Word's Heading 1 and Heading 2)


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


def title_of(blocks: list[Block]) -> str:
    """The document title for file properties: the Title block's text."""
    return next((b.text for b in blocks if isinstance(b, Title)), "ParkMatch")


def t(lang: str, zh: str, en: str) -> str:
    """The text in the brief's one language: a zh brief has no English headings, an en brief no Chinese."""
    return en if lang == "en" else zh


def name(zh: str, en: str, lang: str) -> str:
    """A firm's or park's name: the English one in an English brief, the Chinese one where that is all there is."""
    return w.tidy(en, lang) if lang == "en" and en else zh


def text(value: Bi | None, lang: str) -> str:
    return w.tidy(value.get(lang), lang) if value is not None else ""


NUMERALS = "一二三四五六七八九十"


def heading(lang: str, number: int, zh: str, en: str) -> Heading:
    return Heading(f"{NUMERALS[number - 1]}、{zh}" if lang == "zh" else f"{number}. {en}")


def build(data: BriefData, lang: str) -> list[Block]:
    """Lay out the sections of the brief in the order negotiators read them."""
    data = neutralise_model(data)  # a control character stored before input was checked
    firm, park = data.firm, data.park
    firm_name = name(firm.name_zh, firm.name_en, lang)
    park_name = name(park.name_zh, park.name_en, lang)
    colon = ": " if lang == "en" else "："
    dash = "—"
    blocks: list[Block] = [
        Title(
            text=f"{firm_name} × {park_name}",
            subtitle=(f"洽谈简报 · {data.mode.zh} · 生成于 {data.generated_at:%Y-%m-%d %H:%M}" if lang == "zh" else
                      f"Negotiation brief · {w.tidy(data.mode.en, lang)} · generated {data.generated_at:%Y-%m-%d %H:%M}"),
        ),
    ]
    if firm.synthetic:
        blocks.append(Para(SYNTHETIC_NOTE.get(lang), strong=True))

    # 1. Summary and recommendation
    blocks.append(heading(lang, 1, "摘要与建议", "Summary and recommendation"))
    rank = ""
    if data.rank is not None:
        of = f"/{data.of}" if data.of else ""
        rank = (f"，在该企业的推荐中排第 {data.rank}{of} 位" if lang == "zh"
                else f", ranked {data.rank}{of} among destinations for this firm")
    score = f"{data.score * 100:.0f}"
    blocks.append(Para(f"匹配度 {score}/100{rank}。" if lang == "zh" else f"Match score {score}/100{rank}.", strong=True))
    if data.excluded is not None:
        blocks.append(Para(t(lang, "硬约束排除：", "Excluded by a hard constraint: ") + text(data.excluded, lang),
                           strong=True))
    blocks.append(Para(text(data.reason, lang)))
    facts: list[str] = []
    if data.helps_most:
        facts.append(t(lang, "最有利因素", "Helps most") + colon + text(data.helps_most, lang))
    if data.drags_most:
        facts.append(t(lang, "最不利因素", "Drags most") + colon + text(data.drags_most, lang))
    if data.stability is not None:
        tail = ("（权重随机扰动 ±30% 时仍居前三的比例）" if lang == "zh"
                else " (share of ±30% weight changes that keep this destination in the top 3)")
        facts.append(f"{t(lang, '排名稳定性', 'Stability')}{colon}{data.stability * 100:.0f}%{tail}")
    site = data.brief == "site"  # a buyer or an employer moves nothing: no land, no relocation savings
    if data.total_saving is not None and site:
        facts.append(t(lang, "预计年节省成本", "Estimated yearly saving") + colon + w.figure(data.total_saving, lang))
    if data.status is not None:
        facts.append(t(lang, "当前进展", "Pipeline status") + colon + text(data.status, lang))
    if facts:
        blocks.append(Bullets(facts))

    # 2. Profiles
    blocks.append(heading(lang, 2, "双方概况", "Profiles"))
    firm_rows = [
        [t(lang, "企业", "Firm"), firm_name],
        [t(lang, "所在镇街", "Town"), text(firm.town, lang) or dash],
        [t(lang, "行业", "Industry"), w.join([text(i, lang) for i in firm.industries], lang, long=True) or dash],
        [t(lang, "主要产品", "Products"), w.join(firm.products, lang) or dash],
        [t(lang, "员工人数", "Employees"), w.amount(firm.employees, "人", lang, exact=True) if firm.employees is not None
         else dash],
        [t(lang, "年营业收入", "Revenue"), w.money_10k(firm.revenue_10k_yuan, lang) if firm.revenue_10k_yuan is not None
         else dash],
    ]
    if site:
        firm_rows.append([t(lang, "用地", "Land"), w.amount(firm.land_mu, "亩", lang) if firm.land_mu is not None else dash])
    if text(firm.description, lang):
        firm_rows.append([t(lang, "经营范围", "Business scope"), text(firm.description, lang)])
    blocks.append(Table(header=[t(lang, "中山企业", "Zhongshan firm"), ""], rows=firm_rows, widths=[1, 3]))
    park_rows = [
        [t(lang, "目的地", "Destination"), park_name],
        [t(lang, "类型", "Kind"), text(park.kind, lang)],
        [t(lang, "所属县区", "County"), w.place(park.county, lang)],
        [t(lang, "级别", "Level"), text(park.level, lang) or dash],
        [t(lang, "产业定位", "Positioning"), text(park.positioning, lang) or dash],
        [t(lang, "主导产业", "Target industries"), w.join([text(i, lang) for i in park.target_industries], lang, long=True) or dash],
    ]
    if site:
        park_rows += [[t(lang, "可用工业用地", "Free industrial land"), w.figure(park.free_land_mu, lang)],
                      [t(lang, "可用标准厂房", "Free factory space"), w.figure(park.free_factory_m2, lang)]]
    if data.brief != "supply":
        park_rows.append([t(lang, "可用劳动力", "Labour pool"), w.figure(park.labour_pool, lang)])
    blocks.append(Table(header=[t(lang, "六盘水目的地", "Liupanshui destination"), ""], rows=park_rows, widths=[1, 3]))

    # 3. Score and factors
    blocks.append(heading(lang, 3, "匹配度与因素", "Score and factors"))
    if data.factors:
        blocks.append(Chart(
            title=t(lang, "各因素得分（0–100）", "Factor values (0–100)"),
            bars=[Bar(label=text(f.label, lang), value=f.value, weight=f.weight, contribution=f.contribution)
                  for f in data.factors],
        ))
        blocks.append(Table(
            header=[t(lang, "因素", "Factor"), t(lang, "得分", "Value"), t(lang, "权重", "Weight"),
                    t(lang, "贡献", "Contribution"), t(lang, "依据", "Evidence")],
            rows=[[text(f.label, lang), f"{f.value * 100:.0f}", f"{f.weight:.2f}", f"{f.contribution * 100:.1f}",
                   text(f.evidence, lang)] for f in data.factors],
            widths=[1.3, 0.8, 0.8, 1.0, 2.8],
        ))

    # 4. Costs, or the mode's own section (supply, price and logistics; labour facts)
    if data.section is not None:
        blocks.append(heading(lang, 4, data.section.title.zh, data.section.title.en))
        blocks.append(Table(header=[t(lang, "项目", "Item"), t(lang, "内容", "Detail")],
                            rows=[[text(r.label, lang), text(r.value, lang)] for r in data.section.rows], widths=[1.3, 4]))
        if data.section.notes:
            blocks.append(Bullets([text(n, lang) for n in data.section.notes]))
        blocks.append(Para(ESTIMATE_NOTE.get(lang)))
    else:
        blocks.extend(_costs(data, lang))

    # 5. Resources and anchors
    blocks.append(heading(lang, 5, "资源与周边龙头企业", "Resources and anchor enterprises nearby"))
    if data.resources:
        blocks.append(Table(
            header=[t(lang, "资源", "Resource"), t(lang, "供应能力", "Capacity"), t(lang, "价格", "Price"),
                    t(lang, "说明", "Note")],
            rows=[[text(r.name, lang), w.figure(r.capacity, lang), w.figure(r.price, lang), text(r.note, lang)]
                  for r in data.resources],
            widths=[1.2, 1.3, 1.3, 2.6],
        ))
    if data.anchors:
        blocks.append(Bullets([
            text(a.name, lang) + (colon + text(a.description, lang) if text(a.description, lang) else "")
            for a in data.anchors
        ]))
    if not data.resources and not data.anchors:
        blocks.append(Para(t(lang, "资料未列出资源与龙头企业。", "No resources or anchor enterprises are listed.")))

    # 6. Graph evidence
    blocks.append(heading(lang, 6, "关联依据", "How the two are linked"))
    blocks.append(Bullets([text(p, lang) for p in data.paths]) if data.paths
                  else Para(t(lang, "无直接关联路径。", "No direct link found.")))

    # 7–9. Risks, talking points, next steps
    for number, (zh, en, items) in enumerate(
        (("风险提示", "Risks", data.risks), ("洽谈要点", "Talking points", data.talking_points),
         ("下一步", "Next steps", data.next_steps)), start=7):
        blocks.append(heading(lang, number, zh, en))
        blocks.append(Bullets([text(i, lang) for i in items]) if items else Para(dash))
    return blocks


def _costs(data: BriefData, lang: str) -> list[Block]:
    """Section 4 of a site brief: the yearly cost comparison."""
    blocks: list[Block] = [heading(lang, 4, "成本比较", "Cost comparison")]
    if data.costs:
        separator = "；" if lang == "zh" else "; "
        blocks.append(Table(
            header=[t(lang, "项目", "Item"), t(lang, "中山", "Zhongshan"), t(lang, "目的地", "Destination"),
                    t(lang, "年节省", "Yearly saving"), t(lang, "出处", "Source")],
            rows=[[text(row.item, lang), w.figure(row.origin, lang), w.figure(row.park, lang),
                   w.figure(row.yearly_saving, lang),
                   separator.join(dict.fromkeys(s for s in (w.source(row.origin, lang), w.source(row.park, lang),
                                                            w.source(row.yearly_saving, lang)) if s))
                   or t(lang, "估算", "estimate")]
                  for row in data.costs],
            widths=[1.0, 1.2, 1.2, 1.2, 2.4],
        ))
        notes = [text(row.note, lang) for row in data.costs if row.note and text(row.note, lang)]
        if notes:
            blocks.append(Bullets(notes))
    else:
        blocks.append(Para(t(lang, "暂无成本数据。", "No cost figures available.")))
    if data.has_estimates:
        blocks.append(Para(ESTIMATE_NOTE.get(lang)))
    return blocks


def build_comparison(data: Comparison, lang: str) -> list[Block]:
    """One firm against 2–4 destinations: one table side by side, then the reasons for each destination."""
    data = neutralise_model(data)
    firm = data.firm
    firm_name = name(firm.name_zh, firm.name_en, lang)
    names = [name(b.park.name_zh, b.park.name_en, lang) for b in data.briefs]
    blocks: list[Block] = [Title(
        text=t(lang, f"{firm_name}：目的地比较", f"{firm_name}: destinations compared"),
        subtitle=(f"比较简报 · {data.mode.zh} · 生成于 {data.generated_at:%Y-%m-%d %H:%M}" if lang == "zh" else
                  f"Comparison brief · {w.tidy(data.mode.en, lang)} · generated {data.generated_at:%Y-%m-%d %H:%M}"),
    )]
    if firm.synthetic:
        blocks.append(Para(SYNTHETIC_NOTE.get(lang), strong=True))
    blocks.append(heading(lang, 1, "并列比较", "Side by side"))
    rows: list[list[str]] = [
        [t(lang, "所属县区", "County")] + [w.place(b.park.county, lang) for b in data.briefs],
        [t(lang, "匹配度", "Match score")] + [f"{b.score * 100:.0f}/100" for b in data.briefs],
        [t(lang, "名次", "Rank")] + [f"{b.rank}/{b.of}" if b.rank and b.of else (str(b.rank) if b.rank else "—")
                                     for b in data.briefs],
    ]
    labels = list(dict.fromkeys(f.name for b in data.briefs for f in b.factors))
    for factor in labels:
        found = [next((f for f in b.factors if f.name == factor), None) for b in data.briefs]
        label = next(text(f.label, lang) for f in found if f is not None)
        rows.append([label] + [f"{f.value * 100:.0f}" if f is not None else "—" for f in found])
    rows += [
        [t(lang, "预计年节省成本", "Estimated yearly saving")] + [w.figure(b.total_saving, lang) for b in data.briefs],
        [t(lang, "可用工业用地", "Free industrial land")] + [w.figure(b.park.free_land_mu, lang) for b in data.briefs],
        [t(lang, "可用劳动力", "Labour pool")] + [w.figure(b.park.labour_pool, lang) for b in data.briefs],
        [t(lang, "最有利因素", "Helps most")] + [text(b.helps_most, lang) for b in data.briefs],
        [t(lang, "最不利因素", "Drags most")] + [text(b.drags_most, lang) for b in data.briefs],
        [t(lang, "主要风险", "Main risk")] + [text(b.risks[0], lang) if b.risks else "—" for b in data.briefs],
    ]
    blocks.append(Table(header=[t(lang, "项目", "Item"), *names], rows=rows, widths=[1.2] + [2.0] * len(names)))
    if any(b.has_estimates for b in data.briefs):
        blocks.append(Para(ESTIMATE_NOTE.get(lang)))
    blocks.append(heading(lang, 2, "各目的地的理由", "Reasons by destination"))
    for brief, shown in zip(data.briefs, names, strict=True):
        blocks.append(Heading(shown, level=2))
        blocks.append(Para(text(brief.reason, lang)))
        points = [text(p, lang) for p in brief.talking_points[:3]] + [text(r, lang) for r in brief.risks[:2]]
        if points:
            blocks.append(Bullets(points))
    return blocks
