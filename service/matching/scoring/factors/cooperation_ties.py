"""Cooperation ties: town–county pairing, the city-level pairing every town shares, earlier projects."""

from __future__ import annotations

from typing import Final

import numpy as np

from service.matching.schemas import Evidence
from service.matching.scoring.registry import Batch, FactorOutput, factor

# A town–county pairing beats the city-level pairing every town shares; earlier projects add a little.
TIE_TOWN_COUNTY: Final = 1.0
TIE_CITY: Final = 0.4
TIE_EARLIER_PROJECTS: Final = 0.1
# A town paired with one township of the county: full strength there, less elsewhere in the county.
TIE_TOWNSHIP_ELSEWHERE: Final = 0.7


@factor("cooperation_ties", "协作关系", "Cooperation ties", order=70)
def cooperation_ties(b: Batch) -> FactorOutput:
    """1.0 for a town–county pairing; the city-level pairing plus earlier projects in the county otherwise."""
    w = b.world
    region = w.region
    county = w.dest_arrays.county[b.dests]
    paired = w.paired[b.firms.town, county]
    township = w.township_paired[b.firms.town, county]
    # A park co-built with the firm's own town is as close a tie as a town–county pairing.
    town_col = {code: i for i, code in enumerate(w.town_codes)}
    partner = np.array([town_col.get(d.partner_town or "", -2) for d in w.destinations], dtype=np.int32)[b.dests]
    co_built = partner == b.firms.town
    paired = paired | co_built
    projects = np.array([code in region.county_projects for code in w.county_codes] + [False])[county]
    values = np.where(paired, TIE_TOWN_COUNTY, TIE_CITY + np.where(projects, TIE_EARLIER_PROJECTS, 0.0))
    for i in np.flatnonzero(township & ~paired):
        values[i] = TIE_TOWN_COUNTY if _in_township(b, int(i)) else TIE_TOWNSHIP_ELSEWHERE

    def explain(i: int) -> Evidence:
        dest = w.destinations[int(b.dests[i])]
        town = w.town_codes[int(b.firms.town[i])] if b.firms.town[i] >= 0 else None
        if co_built[i]:
            return Evidence(phrase_zh=f"{dest.name_zh}由{w.town_name(town)}与{w.county_name(dest.county)}共建",
                            phrase_en=f"{dest.name_en} was co-built by {w.town_name(town, 'en')} and "
                                      f"{w.county_name(dest.county, 'en')}")
        pairing = w.pairings.get((town or "", dest.county))
        if pairing is not None and pairing.township_zh:
            here = _in_township(b, i)
            zh = f"{w.town_name(town)}与{w.county_name(dest.county)}{pairing.township_zh}结对协作"
            en = f"{w.town_name(town, 'en')} is paired with {pairing.township_en or pairing.township_zh}, " \
                 f"{w.county_name(dest.county, 'en')}"
            if not here:
                zh += "（不在本目的地所在乡镇）"
                en += " (not the township this destination is in)"
            return Evidence(phrase_zh=zh, phrase_en=en)
        if pairing is not None:
            return Evidence(phrase_zh=f"{w.town_name(town)}与{w.county_name(dest.county)}结对协作：{pairing.description_zh[:60]}",
                            phrase_en=f"{w.town_name(town, 'en')} is paired with {w.county_name(dest.county, 'en')}",
                            numbers=[])
        zh, en = region.pairing_zh, region.pairing_en
        if dest.county in region.county_projects:
            zh += f"；{w.county_name(dest.county)}已有协作项目：{region.county_projects[dest.county]}"
            en += f"; {w.county_name(dest.county, 'en')} already hosts cooperation projects"
        return Evidence(phrase_zh=zh, phrase_en=en)

    return FactorOutput(values.astype(np.float64), explain)


def _in_township(b: Batch, i: int) -> bool:
    """The destination of pair ``i`` lies in the township its county is paired through."""
    w = b.world
    dest = w.destinations[int(b.dests[i])]
    town = w.town_codes[int(b.firms.town[i])] if b.firms.town[i] >= 0 else ""
    pairing = w.pairings.get((town, dest.county))
    return bool(pairing and pairing.township_zh and dest.township
                and (pairing.township_zh in dest.township or dest.township in pairing.township_zh))
