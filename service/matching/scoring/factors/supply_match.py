"""Supply match (market cooperation): what a buyer buys against what a base or centre supplies, with volume,
season and cold-chain time to the buyer's city."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from service.catalog.schemas import ResourceCategory
from service.matching import assumptions as a
from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import stated
from service.matching.scoring.registry import Batch, FactorOutput, factor
from service.matching.snapshot.world import DestinationProfile, World
from service.sourcing import Figure

F64 = NDArray[np.float64]


def wanted(b: Batch) -> NDArray[np.float32]:
    """(pairs, resources): what each firm buys; for a firm that lists no purchases, the farm products its
    industry or its own words lean on."""
    w = b.world
    farm = np.array([w.resources[code].category is ResourceCategory.agricultural for code in w.resource_codes])
    bought: NDArray[np.bool_] = np.asarray((b.firms.buys > 0) | b.firms.buys_unsized, dtype=bool)
    listed: NDArray[np.bool_] = np.asarray(bought.any(axis=1), dtype=bool)
    out: NDArray[np.float32] = np.where(listed[:, None], bought, b.firms.demand * farm).astype(np.float32)
    return out


def coverage(b: Batch) -> tuple[F64, F64, NDArray[np.float32]]:
    """Share of what each firm buys that the destination supplies, the total it buys, and the covered matrix."""
    want = wanted(b)
    covered = want * b.world.dest_arrays.supply[b.dests]
    total = want.sum(axis=1).astype(np.float64)
    share = np.divide(covered.sum(axis=1), total, out=np.zeros(len(b)), where=total > 0).astype(np.float64)
    return share, total, covered


def volume(dest: DestinationProfile) -> Figure | None:
    """How much a destination grows or processes: its own volume, else a supply's yearly capacity."""
    if dest.volume is not None:
        return dest.volume
    return next((s.capacity for s in dest.supplies if s.capacity is not None), None)


def cold_chain(world: World, dest: DestinationProfile) -> Figure | None:
    """Cold-chain hours from the destination's county to the buyers' city (the county's, else the citywide one)."""
    return world.region.cold_chain.get(dest.county) or world.region.cold_chain.get("")


@factor("supply_match", "供货匹配", "Supply match", order=25)
def supply_match(b: Batch) -> FactorOutput:
    """Share of what the firm buys that the destination supplies; a volume on record counts a little more."""
    share, total, covered = coverage(b)
    w = b.world
    on_record = np.array([volume(d) is not None for d in w.destinations], dtype=bool)[b.dests]
    values = share * ((1 - a.VOLUME_ON_RECORD_SHARE) + a.VOLUME_ON_RECORD_SHARE * on_record)

    def explain(i: int) -> Evidence:
        dest = w.destinations[int(b.dests[i])]
        kind, kind_en = dest.label("zh"), dest.label("en")
        hits = [int(r) for r in np.argsort(-covered[i], kind="stable")[:3] if covered[i, r] > 0]
        numbers: list[EvidenceNumber] = []
        size = volume(dest)
        if size is not None:
            numbers.append(EvidenceNumber(label_zh=f"{kind}规模", label_en=f"Size of the {kind_en}", figure=size))
        hours = cold_chain(w, dest)
        if hours is not None:
            numbers.append(EvidenceNumber(label_zh=f"冷链运输至{w.region.origin_zh}",
                                          label_en=f"Cold chain to {w.region.origin_en}", figure=hours))
        if total[i] <= 0:
            return Evidence(phrase_zh="企业未列出采购的农产品", phrase_en="the firm lists no farm product it buys",
                            numbers=numbers)
        if not hits:
            return Evidence(phrase_zh=f"{kind}不供应企业采购的产品", phrase_en=f"the {kind_en} supplies nothing the firm buys",
                            numbers=numbers)
        names_zh = "、".join(w.resource_name(w.resource_codes[r]) for r in hits)
        names_en = ", ".join(w.resource_name(w.resource_codes[r], "en") for r in hits)
        zh, en = f"{kind}供应企业采购的{names_zh}", f"the {kind_en} supplies the {names_en} the firm buys"
        firm = b.firms
        seasons_zh, seasons_en = [], []
        for r in hits:
            code = w.resource_codes[r]
            season = w.region.seasons.get(code)
            if season is not None:
                flag_zh, flag_en = ("", "") if season.source else ("（估算）", " (estimate)")
                seasons_zh.append(f"{w.resource_name(code)}{season.text('zh')}{flag_zh}")
                seasons_en.append(f"{w.resource_name(code, 'en')} {season.text('en')}{flag_en}")
            quantity = float(firm.buys[i, r])
            if quantity > 0:
                numbers.append(EvidenceNumber(
                    label_zh=f"企业年采购{w.resource_name(code)}", label_en=f"Firm buys {w.resource_name(code, 'en')} a year",
                    figure=stated(quantity, w.resources[code].unit, "采购量 / purchases")))
        if seasons_zh:
            zh += "；上市期 " + "，".join(seasons_zh)
            en += "; in season " + "; ".join(seasons_en)
        if hours is not None:
            flag_zh, flag_en = ("（估算）", " (estimate)") if hours.estimate else ("", "")
            zh += f"；冷链约 {hours.value:,.0f} 小时到{w.region.origin_zh}{flag_zh}"
            en += f"; about {hours.value:,.0f} h by cold chain to {w.region.origin_en}{flag_en}"
        if size is None:
            zh += "；规模未见出处"
            en += "; no size on record"
        return Evidence(phrase_zh=zh, phrase_en=en, numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)

