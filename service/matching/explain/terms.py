"""Semantic fit in words: the terms a firm's text and a destination's text share, or the graph link between them.

A negotiator cannot say "cosine 0.30" at the table; "both mention 铝 and 压铸" or "linked through
照明灯具制造 → 铝锭" can be checked by anyone who reads the two profiles.
"""

from __future__ import annotations

import re
from typing import Final

from embeddings import Segmenter
from service.matching import schemas as s
from service.matching.retrieval.index import GENERIC_CLASS_WORDS
from service.matching.snapshot.graph import destination_names_text, destination_text, firm_term_texts
from service.matching.snapshot.world import DestinationProfile, FirmProfile, World

# Words every profile on either side carries: sharing them says nothing about fit.
GENERIC_PROFILE_WORDS: Final = GENERIC_CLASS_WORDS | frozenset({
    "企业", "公司", "有限公司", "园区", "产业", "产业园", "基地", "工业", "主要", "发展", "建设", "项目", "新型", "配套",
    "集聚", "打造", "以及", "相关", "年产", "万吨", "吨", "亩", "中山", "六盘水", "贵州", "广东", "省级", "国家级", "开发区",
    "经济", "经济开发区", "工业园区", "市", "区", "县", "镇", "等", "为主", "重点", "领域", "行业", "销售", "研发",
    "company", "park", "industrial", "industry", "industries", "zone", "development", "economic", "main", "mainly",
    "new", "based", "base", "province", "city", "county", "town", "zhongshan", "liupanshui", "guizhou", "guangdong",
    "ltd", "co", "limited", "about", "year", "yearly", "tonnes", "makes", "maker", "makers", "plant", "firm",
})
MAX_TERMS: Final = 4
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _keep(token: str) -> bool:
    if token in GENERIC_PROFILE_WORDS or token.isdigit():
        return False
    return len(token) >= 2 if _CJK.search(token) else len(token) >= 3 and token.isalpha()


class TermFinder:
    """Finds the shared terms of a pair; a destination's terms are kept per data state (there are a few dozen)."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter
        self._dest_terms: dict[tuple[int, str], frozenset[str]] = {}

    def destination_terms(self, world: World, dest: DestinationProfile) -> frozenset[str]:
        key = (dest.id, dest.fingerprint)
        terms = self._dest_terms.get(key)
        if terms is None:
            names = set(self.segmenter.tokenize(destination_names_text(world, dest)))
            terms = frozenset(t for t in self.segmenter.tokenize(destination_text(world, dest))
                              if _keep(t) and t not in names)
            if len(self._dest_terms) > 1_000:
                self._dest_terms.clear()
            self._dest_terms[key] = terms
        return terms

    def shared(self, world: World, firm: FirmProfile, dest: DestinationProfile) -> list[str]:
        """Terms of the firm's own text (and its industries' names) that the destination's text uses too."""
        theirs = self.destination_terms(world, dest)
        tokens = [t for text in firm_term_texts(world, firm) for t in self.segmenter.tokenize(text)]
        out = list(dict.fromkeys(t for t in tokens if _keep(t) and t in theirs))
        # A longer term says more than a part of it ("铝压铸" over "压铸").
        out = [t for t in out if not any(t != u and t in u for u in out)]
        return out[:MAX_TERMS]


def semantic_evidence(terms: list[str], paths: list[s.GraphPath], kind: tuple[str, str]) -> s.Evidence:
    """The semantic factor's evidence in words: shared terms, else the strongest graph path, never a cosine."""
    zh_kind, en_kind = kind
    zh_terms = [t for t in terms if _CJK.search(t)] or terms
    en_terms = [t for t in terms if not _CJK.search(t)] or terms
    if terms:
        return s.Evidence(
            phrase_zh=f"企业描述与{zh_kind}资料都提到" + "、".join(f"“{t}”" for t in zh_terms),
            phrase_en=f"the firm's description and the {en_kind}'s profile both mention " + ", ".join(
                f'"{t}"' for t in en_terms),
            numbers=[])
    if paths:
        return s.Evidence(phrase_zh=f"双方描述用词少有重合，但在图谱中相连：{paths[0].text_zh}",
                          phrase_en=f"the two descriptions share few words but are linked in the graph: {paths[0].text_en}",
                          numbers=[])
    return s.Evidence(phrase_zh=f"企业描述与{zh_kind}资料少有共同用词",
                      phrase_en=f"the firm's description and the {en_kind}'s profile share few words",
                      numbers=[])
