"""Product → buyers (market cooperation, the Liupanshui side asking): the Zhongshan firms that buy a product,
ranked by their best market match among the destinations that supply it."""

from __future__ import annotations

import numpy as np

from service.errors import NotFound
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.limits import check_top_k
from service.matching.modes import Mode
from service.matching.scoring import FACTOR_NAMES
from service.matching.scoring.factors.supply_match import cold_chain, volume
from service.matching.scoring.figures import stated
from service.matching.service import MatchService
from service.matching.snapshot.world import World


class ProductNotFound(NotFound):
    code = "product_not_found"


def resolve_product(world: World, word: str) -> str:
    """A resource code from its code or its Chinese or English name (猕猴桃, kiwifruit, Kiwifruit)."""
    key = word.strip().lower()
    for code, res in world.resources.items():
        names = {code.lower(), res.name_zh, res.name_en.lower(), res.name_zh.split("（")[0], res.name_en.lower().split(" (")[0]}
        if key in names:
            return code
    farm = "、".join(r.name_zh for r in world.resources.values() if r.category.value == "agricultural")
    raise ProductNotFound(f"未知产品 {word}（可选：{farm}）/ unknown product {word} (known: {farm})")


def product_buyers(*, engine: MatchService, product: str, top_k: int = c.DEFAULT_CANDIDATES_TOP_K) -> s.ProductBuyers:
    """Buyers of one product: firms that state they buy it first, then firms whose industry leans on it."""
    check_top_k(top_k)
    world = engine.world
    code = resolve_product(world, product)
    res = world.resources[code]
    r = world.resource_col()[code]
    fa = world.firm_arrays
    listed = ((fa.buys > 0) | fa.buys_unsized).any(axis=1)
    states = (fa.buys[:, r] > 0) | fa.buys_unsized[:, r]
    # Inferred only from a firm's main industry (listed first): a garment maker that also sells online is no
    # buyer of kiwifruit because online retail in general sells farm products.
    main_input = np.array([bool(f.industries) and code in world.inputs.get(f.industries[0], {}) for f in world.firms],
                          dtype=bool)
    inferred = ~listed & (fa.demand[:, r] > 0) & main_input
    rows = np.flatnonzero(states | inferred).astype(np.intp)
    season = world.region.seasons.get(code)
    ref = s.ProductRef(code=code, name_zh=res.name_zh, name_en=res.name_en, unit=res.unit,
                       season_zh=None if season is None else season.text("zh") + ("" if season.source else "（估算）"),
                       season_en=None if season is None else season.text("en") + ("" if season.source else " (estimate)"))
    scores, excluded, scored, dest_rows = engine.pair_scores(firm_rows=rows, mode=Mode.market, weights={})
    supplying = np.flatnonzero(world.dest_arrays.supply[dest_rows, r] > 0)
    suppliers = [s.ProductSupplier(destination=engine.dest_ref(world, d), kind=d.kind, volume=volume(d),
                                   cold_chain=cold_chain(world, d))
                 for d in (world.destinations[int(dest_rows[j])] for j in supplying)]
    supply_col = FACTOR_NAMES.index("supply_match")
    ranked: list[tuple[bool, float, int, s.ProductBuyer]] = []
    for i, row in enumerate(rows):
        firm = world.firms[int(row)]
        allowed = supplying[~excluded[i, supplying]] if len(supplying) else supplying
        best = int(allowed[np.argmax(scores[i, allowed])]) if len(allowed) else None
        qty = next((q for code_, q in firm.buys if code_ == code), 0.0)
        quantity = stated(qty, res.unit, "年采购量 / yearly purchases") if qty > 0 else None
        basis = "stated" if states[row] else "industry"
        why_zh = f"{firm.name_zh}采购{res.name_zh}" + (f"约 {qty:,.0f} {res.unit}/年" if qty > 0 else "（采购量未填报）")
        why_en = f"{firm.name_en or firm.name_zh} buys {res.name_en}" + (
            f", about {qty:,.0f} {res.unit} a year" if qty > 0 else " (quantity not stated)")
        if basis == "industry":
            why_zh = f"{firm.name_zh}所属行业通常采购{res.name_zh}（按行业推断，企业未填报）"
            why_en = f"{firm.name_en or firm.name_zh} is in an industry that usually buys {res.name_en} (inferred, not stated)"
        if best is None:
            why_zh += "；六盘水暂无可供该企业的货源记录"
            why_en += "; no Liupanshui supplier on record fits it"
            dest_ref, score = None, 0.0
        else:
            dest = world.destinations[int(dest_rows[best])]
            pair = i * len(dest_rows) + best
            evidence = scored.outputs[supply_col].explain(pair)
            why_zh += f"；最佳货源：{dest.name_zh}（{world.county_name(dest.county)}），{evidence.phrase_zh}"
            why_en += f"; best supplier: {dest.name_en} ({world.county_name(dest.county, 'en')}), {evidence.phrase_en}"
            dest_ref, score = engine.dest_ref(world, dest), round(float(scores[i, best]) * c.SCORE_SCALE, 2)
        item = s.ProductBuyer(rank=1, firm=engine.firm_ref(world, firm), score=score, quantity=quantity, basis=basis,
                              best_supplier=dest_ref, reason_zh=why_zh, reason_en=why_en)
        ranked.append((basis == "stated", score, firm.id or 0, item))
    ranked.sort(key=lambda t: (not t[0], -t[1], t[2]))
    items = [t[3].model_copy(update={"rank": n}) for n, t in enumerate(ranked[:top_k], start=1)]
    return s.ProductBuyers(product=ref, suppliers=suppliers, items=items)
