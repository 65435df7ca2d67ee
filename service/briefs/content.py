"""Turn the matching engine's explanation of a pair into BriefData: costs, evidence, risks, talking points."""

from __future__ import annotations

import datetime as dt

from service.briefs import wording as w
from service.briefs.schemas import (
    AnchorLine,
    Bi,
    BriefData,
    BriefFactor,
    BriefFirm,
    BriefPark,
    CostRow,
    ResourceLine,
)
from service.destinations.schemas import KIND_NAMES, DestinationKind
from service.feedback.schemas import STATUS_ZH, Status
from service.firms.schemas import FirmRead
from service.i18n import pick
from service.matching.schemas import CostLine, MatchResult, ProspectRequest, RankedPark
from service.parks.schemas import ParkRead
from service.sourcing import Figure

LEVELS = {"national": Bi(zh="国家级", en="national"), "provincial": Bi(zh="省级", en="provincial"),
          "municipal": Bi(zh="市级", en="municipal"), "unconfirmed": Bi(zh="级别待确认", en="level unconfirmed")}
WEAK_FACTOR = 0.35  # below this a factor is worth raising as a risk before the meeting
STRONG_FACTOR = 0.7
SHAKY_STABILITY = 0.5
YUAN_PER_YEAR = "元/年"


def _dates(figures: list[Figure | None]) -> dt.date | None:
    dates = [f.as_of for f in figures if f is not None and f.as_of is not None]
    return min(dates) if dates else None


def _derived(value: float, inputs: list[Figure | None], how: str, *, estimate: bool = False) -> Figure:
    """A yearly amount computed from figures: an estimate when any input is, else dated by its oldest input."""
    as_of = _dates(inputs)
    estimate = estimate or any(f is None or f.estimate for f in inputs) or as_of is None
    return Figure(value=round(value), unit=YUAN_PER_YEAR, estimate=estimate,
                  source=None if estimate else f"计算 computed: {how}", as_of=None if estimate else as_of)


def cost_row(line: CostLine) -> CostRow:
    saving = None
    if line.yearly_yuan is not None:
        # A purchase's freight has no origin price; a move's line with a missing figure has no yearly amount.
        inputs: list[Figure | None] = [f for f in (line.quantity, line.origin, line.destination) if f is not None]
        saving = _derived(line.yearly_yuan, inputs, line.formula)
    note = Bi(zh=f"{line.label_zh}：用量 {w.figure(line.quantity, 'zh')}；{pick(line.formula, 'zh')}",
              en=f"{line.label_en}: quantity {w.figure(line.quantity, 'en')}; {pick(line.formula, 'en')}")
    return CostRow(item=Bi(zh=line.label_zh, en=line.label_en), origin=line.origin, park=line.destination,
                   yearly_saving=saving, note=note)


def industry_label(code: str, names: dict[str, Bi]) -> Bi:
    """An industry class as code and name ("C3872 照明灯具制造")."""
    name = names.get(code, Bi(zh="", en=""))
    return Bi(zh=f"{code} {name.zh}".strip(), en=f"{code} {name.en}".strip())


def stored_firm(firm: FirmRead, *, town: Bi, industry_names: dict[str, Bi]) -> BriefFirm:
    """What a brief prints about a firm in the database."""
    return BriefFirm(id=firm.id, name_zh=firm.name_zh, name_en=firm.name_en, town=town,
                     industries=[industry_label(c, industry_names) for c in firm.industries],
                     products=list(firm.products), employees=firm.employees, revenue_10k_yuan=firm.revenue_10k_yuan,
                     land_mu=firm.land_mu, description=Bi(zh=firm.description_zh, en=firm.description_en),
                     synthetic=firm.synthetic)


PARK_KIND = Bi(zh=KIND_NAMES[DestinationKind.park][0], en=KIND_NAMES[DestinationKind.park][1])


def kind_bi(kind: DestinationKind | str) -> Bi:
    """The name of a destination kind in both languages, as a brief prints it."""
    zh, en = KIND_NAMES.get(DestinationKind(kind), ("目的地", "destination"))
    return Bi(zh=zh, en=en)


PROSPECT_NAME = Bi(zh="意向企业", en="Prospective firm")


def prospect_firm(request: ProspectRequest, result: MatchResult, *, town: Bi) -> BriefFirm:
    """What a brief prints about a prospect: what staff typed, and the industries the engine read from it."""
    given = request.name.strip() if request.name else ""
    revenue = next((f.value for f in result.read_from_text if f.field == "revenue_10k_yuan" and f.used),
                   request.revenue_10k_yuan)
    read = [Bi(zh=f"{f.label_zh} {w.amount(f.value, f.unit, 'zh', exact=True)}（“{f.quote}”，{f.provenance_zh}"
                  f"{'' if f.used else '；以填写的字段为准'}）",
               en=f"{f.label_en} {w.amount(f.value, f.unit, 'en', exact=True)} (\"{f.quote}\", {f.provenance_en}"
                  f"{'' if f.used else '; the field filled in wins'})") for f in result.read_from_text]
    read += [Bi(zh=f"转移动因：{c.label_zh}（“{c.quote}”，{c.provenance_zh}）",
                en=f"Relocation cue: {c.label_en} (\"{c.quote}\", {c.provenance_en})") for c in result.cues]
    return BriefFirm(id=None, name_zh=given or PROSPECT_NAME.zh, name_en=given or PROSPECT_NAME.en, town=town,
                     industries=[Bi(zh=f"{i.code} {i.name_zh}", en=f"{i.code} {i.name_en}") for i in result.industries],
                     employees=result.prospect.employees, revenue_10k_yuan=revenue, land_mu=result.prospect.land_mu,
                     description=Bi(zh=request.description, en=request.description), read_from_text=read)


def build_data(
    *, firm: BriefFirm, park: ParkRead, item: RankedPark, mode: Bi, of: int | None,
    industry_names: dict[str, Bi], resource_names: dict[str, Bi], env_report: bool = False,
    status: Status | None = None, excluded: Bi | None = None, now: dt.datetime | None = None,
    kind: Bi = PARK_KIND,
) -> BriefData:
    """Assemble the brief for one pair from the engine's ranked item, the firm (stored or prospect) and the
    destination, named by its kind (产业园区, 帮扶车间 …) wherever the brief speaks of it."""
    costs = [cost_row(line) for line in item.cost.lines]
    total = None
    if item.cost.net_yuan is not None and item.cost.model == "site_move":  # a saving only a move makes
        inputs: list[Figure | None] = [f for line in item.cost.lines for f in (line.quantity, line.origin, line.destination)]
        total = _derived(item.cost.net_yuan, inputs, "Σ", estimate=item.cost.estimate)
    factors = [BriefFactor(name=f.name, label=Bi(zh=f.label_zh, en=f.label_en), value=f.value, weight=f.weight,
                           contribution=f.contribution, evidence=Bi(zh=f.evidence.phrase_zh, en=f.evidence.phrase_en))
               for f in item.factors]
    supplies = sorted(park.supplies, key=lambda s: -s.strength)
    data = BriefData(
        firm=firm,
        park=BriefPark(id=park.id, name_zh=park.name_zh, name_en=park.name_en, kind=kind,
                       county=Bi(zh=park.county_name_zh or park.county, en=park.county_name_en or park.county),
                       level=LEVELS.get(park.level.value, Bi(zh=park.level.value, en=park.level.value)),
                       positioning=Bi(zh=park.positioning_zh, en=park.positioning_en),
                       target_industries=[industry_label(c, industry_names) for c in park.target_industries],
                       free_land_mu=park.free_land_mu, free_factory_m2=park.free_factory_m2,
                       labour_pool=park.labour_pool),
        mode=mode, score=item.score, rank=item.rank, of=of, stability=item.stability, excluded=excluded,
        recommended=item.recommended and excluded is None,
        consider_instead=Bi(zh=item.consider_instead_zh, en=item.consider_instead_en or item.consider_instead_zh)
        if item.consider_instead_zh else None,
        reason=Bi(zh=item.reason_zh, en=item.reason_en), factors=factors,
        # Only a factor that really sets the pair apart (or holds it back) against the others is named.
        helps_most=Bi(zh=f"{item.helps_most.label_zh}（{item.helps_most.phrase_zh}）",
                      en=f"{item.helps_most.label_en} ({item.helps_most.phrase_en})") if item.helps_most.impact > 0 else None,
        drags_most=Bi(zh=f"{item.drags_most.label_zh}（{item.drags_most.phrase_zh}）",
                      en=f"{item.drags_most.label_en} ({item.drags_most.phrase_en})") if item.drags_most.impact < 0 else None,
        costs=costs, total_saving=total,
        resources=[ResourceLine(name=resource_names.get(s.resource, Bi(zh=s.resource, en=s.resource)),
                                capacity=s.capacity, price=s.price,
                                note=Bi(zh=s.note_zh, en=s.note_en) if s.note_zh or s.note_en else None)
                   for s in supplies],
        anchors=[AnchorLine(name=Bi(zh=a.name_zh, en=a.name_en), description=Bi(zh=a.description_zh, en=a.description_en))
                 for a in park.anchors],
        paths=[Bi(zh=p.text_zh, en=p.text_en) for p in item.paths],
        status=Bi(zh=STATUS_ZH[status], en=status.value) if status else None,
        generated_at=now or dt.datetime.now(),
    )
    return data.model_copy(update={"risks": risks(data, env_report=env_report, park=park, item=item),
                                   "talking_points": talking_points(data, park=park, item=item),
                                   "next_steps": next_steps(status, kind)})


def risks(data: BriefData, *, env_report: bool, park: ParkRead, item: RankedPark) -> list[Bi]:
    """What could sink the deal or what the negotiator must check first."""
    out: list[Bi] = []
    if not data.recommended:
        out.append(not_recommended(data))
    if data.excluded is not None:
        out.append(Bi(zh=f"硬约束不满足：{data.excluded.zh}", en=f"A hard constraint fails: {data.excluded.en}"))
    for f in item.factors:
        if f.weight > 0 and f.value < WEAK_FACTOR:
            out.append(Bi(zh=f"{f.label_zh}偏弱（{f.value * 100:.0f}/100）：{f.evidence.phrase_zh}",
                          en=f"Weak {f.label_en.lower()} ({f.value * 100:.0f}/100): {f.evidence.phrase_en}"))
    if item.cost.model == "site_move" and item.cost.net_yuan is not None and item.cost.net_yuan < 0:
        out.append(Bi(zh="综合成本高于在中山生产，需以资源、市场或政策弥补。",
                      en="Overall yearly cost is higher than in Zhongshan; resources, markets or policy must make up for it."))
    kind = data.park.kind
    if item.cost.estimate or data.has_estimates:
        out.append(Bi(zh=f"成本与{kind.zh}容量含估算值（已标注“估算”），洽谈前须向{kind.zh}索取正式报价与可用地证明。",
                      en=f"Cost and capacity figures include estimates (marked); ask the {kind.en} for formal quotes "
                         "and land availability before the meeting."))
    if item.stability < SHAKY_STABILITY:
        out.append(Bi(zh=f"排名对权重较敏感（稳定性 {item.stability * 100:.0f}%），其他目的地可能同样合适。",
                      en=f"The rank is sensitive to weights (stability {item.stability * 100:.0f}%); other destinations "
                         "may fit as well."))
    if env_report:
        out.append(Bi(zh="企业环评类别为报告书，审批周期长，需提前与生态环境部门沟通。",
                      en="The firm needs a full EIA report; approval takes long, engage the environment bureau early."))
    for restriction in park.restrictions:
        out.append(Bi(zh=f"{kind.zh}限制：{restriction.reason_zh}",
                      en=f"{kind.en[:1].upper()}{kind.en[1:]} restriction: {restriction.reason_en}"))
    if data.firm.synthetic:
        out.append(Bi(zh="该企业为合成样例数据，实际洽谈前请替换为真实企业资料。",
                      en="The firm is a synthetic sample; replace it with the real firm's data before any meeting."))
    return out


def not_recommended(data: BriefData) -> Bi:
    """The line a brief leads with for a pair it does not recommend."""
    if data.consider_instead is not None:
        return Bi(zh=f"不推荐，可考虑 {data.consider_instead.zh}", en=f"Not recommended, consider {data.consider_instead.en} instead")
    return Bi(zh="不推荐：本次排序中没有达到推荐线的目的地", en="Not recommended: no destination in this ranking reaches the bar")


def talking_points(data: BriefData, *, park: ParkRead, item: RankedPark) -> list[Bi]:
    """What to lead with at the table: the strongest factors, resources, savings, anchors and ties; nothing for a
    pair that is not recommended (a confident point for a weak pair misleads the negotiator)."""
    out: list[Bi] = []
    if not data.recommended:
        return out
    strong = sorted((f for f in item.factors if f.value >= STRONG_FACTOR and f.weight > 0), key=lambda f: -f.contribution)
    for f in strong[:3]:
        out.append(Bi(zh=f"{f.label_zh}：{f.evidence.phrase_zh}", en=f"{f.label_en}: {f.evidence.phrase_en}"))
    if data.total_saving is not None and data.total_saving.value > 0:
        out.append(Bi(zh=f"迁入后预计可节省{w.figure(data.total_saving, 'zh')}，来自工资、电价和地价，已扣除新增物流。",
                      en=f"Moving is expected to save {w.figure(data.total_saving, 'en')}, from wages, power and land, "
                         "net of added logistics."))
    pay = item.cost.lines[0] if item.cost.model == "labour" and item.cost.lines else None
    if pay is not None and pay.yearly_yuan is not None and pay.yearly_yuan > 0:
        gain = _derived(pay.yearly_yuan, [pay.quantity, *(f for f in (pay.origin, pay.destination) if f)], pay.formula)
        out.append(Bi(zh=f"按两地工资差，受聘的 {pay.quantity.value:,.0f} 名工人每年合计可比在当地多挣{w.figure(gain, 'zh')}。",
                      en=f"At the wage gap, the {pay.quantity.value:,.0f} workers hired would earn "
                         f"{w.figure(gain, 'en')} more than at home."))
    if park.anchors:
        names_zh = "、".join(a.name_zh for a in park.anchors[:3])
        names_en = ", ".join(a.name_en for a in park.anchors[:3])
        out.append(Bi(zh=f"当地龙头企业{names_zh}可提供上下游配套。",
                      en=f"Anchor enterprises in the {data.park.kind.en} ({names_en}) offer upstream and downstream links."))
    for policy in park.policies[:2]:
        # Data files often already say 未证实 in the title; do not say it twice.
        unmarked = policy.estimate and "证实" not in policy.title_zh
        mark_zh, mark_en = ("（未经证实）", " (unconfirmed)") if unmarked else ("", "")
        out.append(Bi(zh=f"政策：{policy.title_zh}{mark_zh}", en=f"Policy: {policy.title_en}{mark_en}"))
    out.append(Bi(zh="东西部协作：中山与六盘水结对（2021 年起），可对接劳务协作与协作资金。",
                  en="East–West cooperation: Zhongshan and Liupanshui are paired since 2021; labour cooperation and "
                     "cooperation funds can support the move."))
    return out


# What to agree with the other side (the firm, or the destination's investment office) at or after the meeting.
NEXT_STEPS: dict[Status | None, list[Bi]] = {
    None: [Bi(zh="请企业确认扩产或转移意向，以及用地、厂房和用工需求。",
              en="Ask the firm to confirm its plans to expand or move, and its land, factory and labour needs."),
           Bi(zh="请{kind}书面提供用地、厂房和电价报价，以替换本简报中的估算值。",
              en="Ask the {kind} for written land, factory and power quotes to replace the estimates in this brief.")],
    Status.contacted: [Bi(zh="邀请企业赴{kind}实地考察，并安排与当地龙头企业座谈。",
                          en="Invite the firm to visit the {kind} and meet the local anchor enterprises.")],
    Status.visited: [Bi(zh="与企业交换考察意见，商定投资意向书与政策清单的初稿。",
                        en="Go over the visit with the firm and agree a first draft of the letter of intent and the "
                           "list of policies on offer.")],
    Status.negotiating: [Bi(zh="与双方明确用地指标、厂房交付时间与扶持条款，商定签约日期。",
                            en="Settle the land quota, factory hand-over date and support terms with both sides, and "
                               "agree a signing date.")],
    Status.signed: [Bi(zh="与企业和{kind}约定注册、环评与招聘的时间表。",
                       en="Agree a timetable for registration, the EIA and hiring with the firm and the {kind}.")],
    Status.rejected: [Bi(zh="请企业说明放弃的原因，并询问其是否愿意了解排名靠前的其他目的地。",
                         en="Ask the firm why it declined, and whether it would look at the next-ranked destinations.")],
}
CLOSING_STEP = Bi(zh="与对方约定下次沟通的时间和双方联系人。",
                  en="Agree with the other side when to speak next and who the contact on each side is.")


def next_steps(status: Status | None, kind: Bi = PARK_KIND) -> list[Bi]:
    """Steps to agree with the firm or the destination (named by its kind), for the pair's pipeline status."""
    named = [Bi(zh=s.zh.replace("{kind}", kind.zh), en=s.en.replace("{kind}", kind.en)) for s in NEXT_STEPS[status]]
    return [*named, CLOSING_STEP]
