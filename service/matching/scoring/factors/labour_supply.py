"""Labour supply (labour cooperation): a county's outflow, earlier placements, training and local skills against
an employer's vacancies and the months it hires in."""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from service.matching import assumptions as a
from service.matching.schemas import Evidence, EvidenceNumber
from service.matching.scoring.figures import estimate, stated
from service.matching.scoring.registry import Batch, FactorOutput, factor
from service.matching.snapshot.world import DestinationProfile, FirmArrays
from service.sourcing import Figure

# Parts of the value: outflow against openings, a record of placements in the east, training on record,
# local skills the roles need, and hiring in the months workers leave.
PARTS: Final[dict[str, float]] = {"pool": 0.35, "record": 0.30, "training": 0.15, "skills": 0.10, "season": 0.10}
NAMED_PLACEMENTS: Final = 0.3  # a placement with a named employer counts this much towards the record


def openings_needed(firms: FirmArrays) -> NDArray[np.float64]:
    """Openings a firm lists; when it lists none, its production staff (an estimate)."""
    need: NDArray[np.float64] = np.where(firms.openings > 0, firms.openings,
                                         np.maximum(firms.employees * a.PRODUCTION_STAFF_SHARE, 1.0))
    return need


def _value(fig: Figure | None) -> float:
    return float("nan") if fig is None else float(fig.value)


def _bigrams(text: str) -> set[str]:
    return {text[k:k + 2] for k in range(len(text) - 1)} if len(text) > 1 else {text}


def skill_overlap(words: tuple[str, ...], skills: tuple[str, ...]) -> bool:
    """A role or skill shares a two-character word with a local skill (装配工 ~ 耳机装配)."""
    local = set().union(*(_bigrams(s) for s in skills)) if skills else set()
    return any(_bigrams(w) & local for w in words)


@factor("labour_supply", "劳务供给", "Labour supply", order=45)
def labour_supply(b: Batch) -> FactorOutput:
    """Outflow, placements, training, skills and season of a labour source against the firm's vacancies."""
    w = b.world
    dests = [w.destinations[int(p)] for p in b.dests]
    need = openings_needed(b.firms)
    pool = np.array([_value(d.outflow or d.labour_pool) for d in dests])
    placed = np.array([_value(d.placed_east) for d in dests])
    named = np.array([bool(d.placements) for d in dests])
    scale = np.where(np.isnan(pool), 0.0, np.clip(pool / (need * a.LABOUR_SOURCE_COMFORT), 0.0, 1.0))
    record = np.clip(np.where(np.isnan(placed), 0.0, np.clip(placed / need, 0.0, 1.0)) * (1 - NAMED_PLACEMENTS)
                     + NAMED_PLACEMENTS * named, 0.0, 1.0)
    training = np.array([(0.5 if d.trained is not None else 0.0) + (0.5 if d.policies else 0.0) for d in dests])
    firm_words = _firm_words(b)
    skills = np.array([(a.NEUTRAL_VALUE if not words or not d.skills else float(skill_overlap(words, d.skills)))
                       for words, d in zip(firm_words, dests, strict=True)])
    peak = np.zeros((len(dests), 12), dtype=bool)
    for k, d in enumerate(dests):
        for m in d.peak_months:
            peak[k, m - 1] = True
    has_peak: NDArray[np.bool_] = np.asarray(peak.any(axis=1), dtype=bool)
    season = np.where(has_peak, (peak & b.firms.hiring_months).any(axis=1).astype(np.float64), a.NEUTRAL_VALUE)
    values = (PARTS["pool"] * scale + PARTS["record"] * record + PARTS["training"] * training
              + PARTS["skills"] * skills + PARTS["season"] * season)

    def explain(i: int) -> Evidence:
        dest = dests[i]
        listed = b.firms.openings[i] > 0
        numbers = [EvidenceNumber(
            label_zh="招工人数", label_en="Openings",
            figure=stated(need[i], "人", "招工需求 / vacancies") if listed
            else estimate(need[i], "人", "未列招工需求：员工 × 生产人员比例 / no vacancies listed: staff × production share"))]
        for label_zh, label_en, fig in (("每年外出务工", "Workers leaving each year", dest.outflow),
                                        ("经协作到东部就业", "Placed in the east", dest.placed_east),
                                        ("培训", "Trained", dest.trained)):
            if fig is not None:
                numbers.append(EvidenceNumber(label_zh=label_zh, label_en=label_en, figure=fig))
        if dest.outflow is None and dest.placed_east is None:
            return Evidence(phrase_zh=f"{dest.label('zh')}无劳务输出数据", phrase_en=f"no labour-outflow figures for the "
                            f"{dest.label('en')}", numbers=numbers)
        zh = [f"需招约 {need[i]:,.0f} 人"]
        en = [f"about {need[i]:,.0f} openings"]
        if dest.outflow is not None:
            flag_zh, flag_en = ("（估算）", " (estimate)") if dest.outflow.estimate else ("", "")
            zh.append(f"每年外出务工约 {dest.outflow.value:,.0f} 人{flag_zh}")
            en.append(f"about {dest.outflow.value:,.0f} workers leave each year{flag_en}")
        if dest.placed_east is not None:
            zh.append(f"经协作到东部就业 {dest.placed_east.value:,.0f} 人")
            en.append(f"{dest.placed_east.value:,.0f} placed in the east through the cooperation")
        if dest.placements:
            zh.append("曾输送至" + "、".join(p[0] for p in dest.placements[:3]))
            en.append("earlier placements with " + ", ".join(p[1] for p in dest.placements[:3]))
        if dest.trained is not None:
            zh.append(f"培训 {dest.trained.value:,.0f} 人")
            en.append(f"{dest.trained.value:,.0f} trained")
        if dest.skills and firm_words[i] and skills[i] >= 1.0:
            zh.append("本地已有相关技能：" + "、".join(dest.skills))
            en.append("local skills that fit: " + ", ".join(dest.skills))
        if has_peak[i]:
            months_zh = "、".join(f"{m}月" for m in dest.peak_months)
            zh.append(f"外出高峰 {months_zh}" + ("，与招工月份相合" if season[i] >= 1.0 else "，与招工月份不合"))
            en.append("peak departures in month(s) " + ", ".join(str(m) for m in dest.peak_months)
                      + (", when the firm hires" if season[i] >= 1.0 else ", outside the firm's hiring months"))
        return Evidence(phrase_zh="；".join(zh), phrase_en="; ".join(en), numbers=numbers)

    return FactorOutput(values.astype(np.float64), explain)


def _firm_words(b: Batch) -> list[tuple[str, ...]]:
    """Roles and skills each pair's firm hires for."""
    return [tuple(words) for words in b.firms.roles]


def labour_facts(dest: DestinationProfile) -> list[tuple[str, str]]:
    """The labour facts of a destination as (zh, en) lines, for lists and briefs."""
    out = []
    for label_zh, label_en, fig in (("每年外出务工", "Workers leaving each year", dest.outflow),
                                    ("经协作到东部就业", "Placed in the east", dest.placed_east),
                                    ("培训", "Trained", dest.trained)):
        if fig is not None:
            flag_zh, flag_en = ("（估算）", " (estimate)") if fig.estimate else (f"（{fig.source}）", f" ({fig.source})")
            out.append((f"{label_zh} {fig.value:,.0f} {fig.unit}{flag_zh}", f"{label_en}: {fig.value:,.0f} {fig.unit}{flag_en}"))
    return out
