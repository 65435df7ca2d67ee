"""The mode's own brief section: a buyer reads supply, price and logistics; an employer reads the county's
outflow, placements, training and stations. Built from the engine's snapshot of the destination."""

from __future__ import annotations

from service.briefs import wording as w
from service.briefs.schemas import Bi, ModeSection, SectionRow
from service.matching.modes import MODES, Mode
from service.matching.schemas import RankedBase
from service.matching.scoring.factors.supply_match import cold_chain, volume
from service.matching.service import MatchService
from service.matching.snapshot.world import DestinationProfile
from service.sourcing import Figure

NONE = Bi(zh="未见出处", en="not on record")


def _figure(figure: Figure | None) -> Bi:
    """A figure with its source (an estimate says so instead)."""
    if figure is None:
        return NONE

    def one(lang: str) -> str:
        source = w.source(figure, lang)
        return w.figure(figure, lang) + (f"（{source}）" if source and lang == "zh" else f" ({source})" if source else "")

    return Bi(zh=one("zh"), en=one("en"))


def _money(item: RankedBase) -> SectionRow | None:
    """The pair's yearly money in the terms of its cost model (freight for a purchase, extra pay for a placement)."""
    cost = item.cost
    amount = cost.shown_yuan()
    if amount is None:
        return None
    flag_zh, flag_en = ("（估算）", " (estimate)") if cost.estimate else ("", "")
    return SectionRow(label=Bi(zh=cost.net_label_zh, en=cost.net_label_en),
                      value=Bi(zh=w.amount(amount, "元/年", "zh") + flag_zh, en=w.amount(amount, "元/年", "en") + flag_en))


def _evidence(item: RankedBase, name: str) -> Bi | None:
    row = next((f for f in item.factors if f.name == name), None)
    return None if row is None else Bi(zh=row.evidence.phrase_zh, en=row.evidence.phrase_en)


def _supply(engine: MatchService, dest: DestinationProfile, item: RankedBase) -> ModeSection:
    world = engine.world
    farm = [s for s in dest.supplies if s.resource in world.resources]
    rows = [SectionRow(label=Bi(zh="产品", en="Products"),
                       value=Bi(zh="、".join(dest.products) or "、".join(world.resource_name(s.resource) for s in farm)
                                or "—",
                                en=", ".join(world.resource_name(s.resource, "en") for s in farm) or "—")),
            SectionRow(label=Bi(zh="规模（面积或产能）", en="Size (area or capacity)"), value=_figure(volume(dest)))]
    for s in farm:
        season = world.region.seasons.get(s.resource)
        if season is not None:
            flag_zh, flag_en = ("", "") if season.source else ("（估算）", " (estimate)")
            rows.append(SectionRow(
                label=Bi(zh=f"{world.resource_name(s.resource)}上市期", en=f"{world.resource_name(s.resource, 'en')} season"),
                value=Bi(zh=season.text("zh") + flag_zh + f"：{season.note_zh}",
                         en=season.text("en") + flag_en + f": {season.note_en}")))
        rows.append(SectionRow(
            label=Bi(zh=f"{world.resource_name(s.resource)}价格", en=f"{world.resource_name(s.resource, 'en')} price"),
            value=_figure(s.price) if s.price is not None else Bi(zh="价格未见出处，洽谈时询价",
                                                                   en="no price on record: ask for a quote")))
    rows.append(SectionRow(label=Bi(zh=f"冷链运输至{world.region.origin_zh}", en=f"Cold chain to {world.region.origin_en}"),
                           value=_figure(cold_chain(world, dest))))
    freight = _money(item)
    if freight is not None:
        rows.append(freight)
    notes = [e for e in (_evidence(item, "supply_match"), _evidence(item, "cooperation_ties")) if e is not None]
    return ModeSection(kind="supply", title=Bi(zh="供货、价格与物流", en="Supply, price and logistics"), rows=rows,
                       notes=notes)


def _labour(engine: MatchService, dest: DestinationProfile, item: RankedBase) -> ModeSection:
    world = engine.world
    rows = [SectionRow(label=Bi(zh="每年外出务工", en="Workers leaving each year"), value=_figure(dest.outflow)),
            SectionRow(label=Bi(zh="经协作到东部就业", en="Placed in the east"), value=_figure(dest.placed_east)),
            SectionRow(label=Bi(zh="培训", en="Trained"), value=_figure(dest.trained)),
            SectionRow(label=Bi(zh="本地已有技能", en="Local skills"),
                       value=Bi(zh="、".join(dest.skills) or NONE.zh, en=", ".join(dest.skills) or NONE.en)),
            SectionRow(label=Bi(zh="外出高峰月份", en="Peak departure months"),
                       value=Bi(zh="、".join(f"{m}月" for m in dest.peak_months) or NONE.zh,
                                en=", ".join(str(m) for m in dest.peak_months) or NONE.en))]
    pay = _money(item)
    if pay is not None:
        rows.append(pay)
    for policy in dest.policies:
        rows.append(SectionRow(label=Bi(zh="劳务协作与培训", en="Cooperation and training"),
                               value=Bi(zh=policy.title_zh + (f"（{policy.source.url}）" if policy.source else ""),
                                        en=policy.title_en + (f" ({policy.source.url})" if policy.source else ""))))
    for zh, en, workers, source in dest.placements:
        rows.append(SectionRow(label=Bi(zh="已有输送", en="Earlier placement"),
                               value=Bi(zh=f"{zh} {w.figure(workers, 'zh') if workers else ''}（{source}）",
                                        en=f"{en} {w.figure(workers, 'en') if workers else ''} ({source})")))
    notes = [Bi(zh=f"全市：{zh}（{source}）", en=f"Citywide: {en} ({source})") for zh, en, source in world.region.labour_facts]
    notes += [e for e in (_evidence(item, "labour_supply"), _evidence(item, "cooperation_ties")) if e is not None]
    return ModeSection(kind="labour", title=Bi(zh="劳务：输出、培训与输送记录", en="Labour: outflow, training and placements"),
                       rows=rows, notes=notes)


def mode_section(*, engine: MatchService, mode: Mode, destination_id: int, item: RankedBase) -> ModeSection | None:
    """The section a brief of this mode prints in place of land and costs (None for the site modes)."""
    world = engine.world
    brief = MODES[mode].brief
    if brief == "site" or destination_id not in world.dest_row:
        return None
    dest = world.destinations[world.dest_row[destination_id]]
    return _supply(engine, dest, item) if brief == "supply" else _labour(engine, dest, item)
