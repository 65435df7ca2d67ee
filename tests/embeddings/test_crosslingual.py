"""Cross-lingual behaviour of the real USE encoder: a firm described in Chinese or English lands in the same place."""

from __future__ import annotations

import numpy as np

from embeddings import UseEncoder
from tests.embeddings.graph_fixture import FIRMS, PARKS
from tests.embeddings.probe_pairs import PROBE_PAIRS

FIRM_TRANSLATIONS = {
    1: "A lighting company in Guzhen, Zhongshan, making LED ceiling lights, downlights and outdoor street lamps; "
    "lamp bodies are aluminium die-cast and extruded, using about 3,000 tonnes of aluminium a year, 420 staff.",
    2: "A casual-wear company in Shaxi, Zhongshan, mainly making jeans and casual shirts; 600 sewing workers, "
    "short of labour in the peak order season.",
    3: "A small-appliance company in Dongfeng, Zhongshan, making rice cookers, air fryers and electric kettles; "
    "inner pots and housings are aluminium, with stamping and injection-moulding shops.",
}


def test_probe_set_is_large_enough() -> None:
    assert len(PROBE_PAIRS) >= 30


def test_translation_pairs_are_closer_than_unrelated_pairs(use_encoder: UseEncoder) -> None:
    zh = use_encoder.encode([z for z, _ in PROBE_PAIRS])
    en = use_encoder.encode([e for _, e in PROBE_PAIRS])
    sims = zh @ en.T
    n = len(PROBE_PAIRS)
    pair_mean = float(np.diag(sims).mean())
    unrelated_mean = float(sims[~np.eye(n, dtype=bool)].mean())
    assert pair_mean > unrelated_mean + 0.3, (pair_mean, unrelated_mean)


def test_translation_is_nearest_neighbour_for_most_pairs(use_encoder: UseEncoder) -> None:
    zh = use_encoder.encode([z for z, _ in PROBE_PAIRS])
    en = use_encoder.encode([e for _, e in PROBE_PAIRS])
    sims = zh @ en.T
    zh_to_en = float((sims.argmax(axis=1) == np.arange(len(sims))).mean())
    en_to_zh = float((sims.argmax(axis=0) == np.arange(len(sims))).mean())
    assert zh_to_en >= 0.9 and en_to_zh >= 0.9, (zh_to_en, en_to_zh)


def test_chinese_and_english_firm_profiles_pick_the_same_best_park(use_encoder: UseEncoder) -> None:
    park_keys = list(PARKS)
    parks = use_encoder.encode([str(PARKS[k]["text"]) for k in park_keys])
    for firm_id, english in FIRM_TRANSLATIONS.items():
        zh, en = use_encoder.encode([str(FIRMS[firm_id]["text"]), english])
        best_zh = park_keys[int(np.argmax(parks @ zh))]
        best_en = park_keys[int(np.argmax(parks @ en))]
        assert best_zh == best_en, (firm_id, best_zh, best_en)
