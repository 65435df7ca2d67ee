"""A prospect described in free text: its town, inferred industries and resources, and its vector."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from service.catalog.words import bare_town, town_key, town_words
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.errors import InvalidProspect
from service.matching.retrieval.index import F32, EngineIndex
from service.matching.retrieval.text_figures import read_profile, read_resources
from service.matching.snapshot.graph_schema import NodeType, node_id
from service.matching.snapshot.world import FirmProfile, Opening, World


class Inferred(NamedTuple):
    """The classes a prospect's text was read as: those used, and when unsure, the three to choose from."""

    industries: list[s.InferredIndustry]
    choices: list[s.InferredIndustry]
    unsure: bool


Prospect = tuple[FirmProfile, Inferred, list[s.InferredResource], F32]

# What describes a prospect, as opposed to how it is ranked (mode, weights, length, exclusions shown).
PROSPECT_FIELDS: set[str] = set(s.ProspectRequest.model_fields) - {"mode", "weights", "top_k", "include_excluded"}


def resolve_town(world: World, town: str | None) -> str | None:
    """A town code from a code, a Chinese or English name, an alias ("中山市小榄镇", "火炬开发区", "xiaolan")."""
    if not town:
        return None
    key = town_key(town)
    for code, t in world.towns.items():
        words = town_words(code, t.name_zh, t.name_en, t.aliases, t.includes)
        if key in words or bare_town(key) in words:
            return code
    names = "、".join(t.name_zh for t in world.towns.values())
    raise InvalidProspect(f"未知镇街 {town}（可用：{names}）/ unknown town {town} (known: {names})")


# The text features of every class, in the order of ``constants.INFER_WEIGHTS``.
FEATURES = ("phrases", "bm25_names", "bm25_notes", "cos_class", "cos_best_view", "curated")


def class_features(index: EngineIndex, text: str, q: F32) -> NDArray[np.float64]:
    """Per class (rows aligned with ``index.class_codes``), the evidence the text gives for it (``FEATURES``)."""
    def scaled(x: NDArray[np.float64]) -> NDArray[np.float64]:
        top = float(x.max()) if len(x) else 0.0
        return x / top if top > 0 else x

    best = np.maximum.reduceat((index.view_vecs @ q).astype(np.float64), index.view_starts)
    return np.column_stack([
        index.class_phrases.scores(text),
        scaled(index.industry_bm25.scores(text)),
        scaled(index.note_bm25.scores(text)),
        (index.class_vecs @ q).astype(np.float64),
        best,
        index.class_curated,
    ])


def class_probabilities(features: NDArray[np.float64],
                        weights: Sequence[float] = c.INFER_WEIGHTS) -> NDArray[np.float64]:
    """A softmax over every class of the weighted features: the calibrated confidence of each class.

    The weights are a conditional-logit fit on the tuning split of ``data/eval/industries.yaml`` (maximum
    likelihood, so the probabilities are calibrated on that split; the held-out split reports how well).
    """
    logits = features @ np.asarray(weights, dtype=np.float64)
    logits -= logits.max()
    p = np.exp(logits)
    out: NDArray[np.float64] = p / p.sum()
    return out


def infer_industries(index: EngineIndex, world: World, *, text: str, given: Sequence[str] | None,
                     vec: F32 | None = None) -> tuple[Inferred, F32]:
    """Infer industry classes from free text over the whole catalogue, each with a calibrated confidence.

    The best class is used, and further classes only when they are nearly as likely (a wrong extra class
    inflates industry fit at destinations that target it). Below ``INFER_SURE`` the answer says it is unsure,
    uses no class, and offers the three most likely classes to choose from.
    """
    q = index.encoder.encode([text])[0] if vec is None else vec
    if given:
        unknown = [code for code in given if code not in world.industries]
        if unknown:
            raise InvalidProspect(f"未知行业代码 {', '.join(unknown)} / unknown industry codes {', '.join(unknown)}")
        chosen = [s.InferredIndustry(code=code, name_zh=world.industry_name(code), name_en=world.industry_name(code, "en"),
                                     confidence=1.0, source="given") for code in given]
        return Inferred(chosen, [], False), q
    p = class_probabilities(class_features(index, text, q))
    order = np.argsort(-p, kind="stable")[: max(c.INFER_CHOICES, c.INFER_INDUSTRIES)]
    top = [s.InferredIndustry(code=index.class_codes[i], name_zh=world.industry_name(index.class_codes[i]),
                              name_en=world.industry_name(index.class_codes[i], "en"), confidence=round(float(p[i]), 4),
                              source="text") for i in order]
    if top[0].confidence < c.INFER_SURE:
        # An unsure guess is not ranked on until someone confirms it, since a wrong class pulls the ranking
        # towards destinations that target it. (On the development cases, ranking on the guess anyway scores
        # about the same: MRR 0.893 against 0.888.)
        return Inferred([], top[: c.INFER_CHOICES], True), q
    used = [top[0], *(i for i in top[1: c.INFER_INDUSTRIES] if i.confidence >= c.INFER_EXTRA * top[0].confidence)]
    return Inferred(used, [], False), q


def infer_resources(index: EngineIndex, world: World, *, text: str, industries: Sequence[str],
                    given: Sequence[s.ProspectInput]) -> list[s.InferredResource]:
    """Resources named in the text or stated, plus the inferred industries' typical inputs."""
    out: dict[str, s.InferredResource] = {}
    for item in given:
        if item.resource not in world.resources:
            raise InvalidProspect(f"未知资源 {item.resource} / unknown resource {item.resource}")
        out[item.resource] = s.InferredResource(code=item.resource, name_zh=world.resource_name(item.resource),
                                                name_en=world.resource_name(item.resource, "en"), weight=1.0, source="given")
    for code, _score in index.resource_bm25.search(text, k=c.INFER_RESOURCES):
        code = str(code)
        if code not in out and code not in ("labour", "land"):
            out[code] = s.InferredResource(code=code, name_zh=world.resource_name(code),
                                           name_en=world.resource_name(code, "en"), weight=0.8, source="text")
    for ind in industries:
        for res, inp in sorted(world.inputs.get(ind, {}).items(), key=lambda kv: -kv[1].intensity):
            if res not in out and inp.intensity > 0:
                out[res] = s.InferredResource(code=res, name_zh=world.resource_name(res),
                                              name_en=world.resource_name(res, "en"), weight=round(inp.intensity, 3),
                                              source="industry")
    return sorted(out.values(), key=lambda r: (-r.weight, r.code))[: c.INFER_RESOURCES + len(given)]


def prospect_profile(index: EngineIndex, world: World, request: s.ProspectRequest) -> Prospect:
    """Turn a prospect request into a profile, with what was inferred and its propagated vector."""
    town = resolve_town(world, request.town)
    unknown = [b.resource for b in request.buys if b.resource not in world.resources]
    if unknown:
        raise InvalidProspect(f"buys：未知资源 {', '.join(unknown)} / buys: unknown resource {', '.join(unknown)}")
    inferred, raw = infer_industries(index, world, text=request.description, given=request.industries)
    codes = [i.code for i in inferred.industries]
    # Figures the text states fill the fields the request leaves empty; a stated field always wins.
    read = read_profile(world, request)
    resources = infer_resources(index, world, text=request.description, industries=codes, given=request.inputs)
    resources = read_resources(world, resources, read.inputs)
    stated = {**read.inputs, **{i.resource: i.quantity for i in request.inputs}}
    inputs = tuple((r.code, stated.get(r.code, 0.0)) for r in resources if r.source in ("given", "text"))
    name = request.name or ("意向企业" if not request.description.isascii() else "Prospect")
    profile = FirmProfile(
        id=None, name_zh=name, name_en=request.name or "Prospect", town=town, industries=tuple(codes),
        description_zh=request.description, employees=read.employees, revenue_10k_yuan=read.revenue_10k_yuan,
        land_mu=read.land_mu, electricity_kwh=read.electricity_kwh, inputs=inputs, expansion=read.expansion,
        cues=read.cues, buys=tuple((b.resource, b.quantity) for b in request.buys),
        vacancies=tuple(Opening(count=v.count, role_zh=v.role_zh, role_en=v.role_en, skills=tuple(v.skills),
                                months=tuple(v.months), estimate=v.estimate) for v in request.vacancies),
    )
    neighbours = [node_id(NodeType.INDUSTRY, code) for code in codes]
    if town:
        neighbours.append(node_id(NodeType.TOWN, town))
    neigh = [index.prop[n] for n in neighbours if n in index.prop]
    # A prospect's own words carry more than its inferred industries: an inference error would otherwise
    # be propagated into the vector too (measured on the development cases).
    own = c.PROSPECT_OWN_TEXT
    h = own * raw.astype(np.float64) + (1 - own) * np.mean(neigh, axis=0) if neigh else raw
    vec = (h / max(float(np.linalg.norm(h)), 1e-12)).astype(np.float32)
    return profile, inferred, resources, vec
