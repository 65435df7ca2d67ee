"""BM25 over jieba tokens and reciprocal rank fusion: an exact product word is never lost."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

import numpy as np
import pytest

from embeddings import BM25Index, Segmenter, UseEncoder, lexical, reciprocal_rank_fusion
from embeddings.lexical import STORED_DICT_TEXTS

# Loading jieba's dictionary takes about a second; the tests that do not teach words share one segmenter.
SEGMENTER = Segmenter()

# Aluminium and electronics firms: semantically close to the queries, but only one contains the word.
DOCS = {
    1: "水城铝业公司，电解铝和铝锭冶炼，铝液就地供应。",
    2: "铝型材挤压企业，生产门窗和幕墙铝型材。",
    3: "铝合金门窗安装与销售。",
    4: "东凤小家电企业，生产电饭煲和空气炸锅，外壳采用铝压铸。",
    5: "铝板带箔压延加工企业。",
    6: "多层线路板和柔性电路板制造企业。",
    7: "集成电路封装测试企业。",
    8: "电子元器件贸易公司，销售电阻电容和电路板配件。",
    9: "坦洲小家电企业，生产电热水壶，自建PCB贴片车间。",
    10: "半导体芯片设计公司。",
}


def test_tokenizer_keeps_domain_and_ascii_words_whole() -> None:
    tokens = SEGMENTER.tokenize("灯体采用铝压铸工艺，生产PCB印制电路板和LED灯，行业C3872。")
    assert "铝压铸" in tokens
    assert "pcb" in tokens and "led" in tokens and "c3872" in tokens  # lowercased, not split
    assert "，" not in tokens and "。" not in tokens


def test_words_taught_to_one_segmenter_reach_no_other() -> None:
    text = "黄河牌电饭煲"
    taught = Segmenter()
    taught.add_words(["黄河牌"])
    assert "黄河牌" in taught.tokenize(text)
    assert "黄河牌" not in Segmenter().tokenize(text)
    assert "黄河牌" not in SEGMENTER.tokenize(text)


def test_bm25_leaves_out_documents_without_a_query_term() -> None:
    index = BM25Index(list(DOCS), list(DOCS.values()), segmenter=SEGMENTER)
    assert [doc for doc, _ in index.search("铝压铸")] == [4]
    assert index.search("完全无关的词语 zzz") == []


def test_bm25_prefers_the_shorter_document_for_the_same_term() -> None:
    long_doc = "铝型材 以及 很多 其他 的 内容 和 说明 文字 还有 更多"
    index = BM25Index(["short", "long"], ["铝型材", long_doc], segmenter=SEGMENTER)
    assert [doc for doc, _ in index.search("铝型材")] == ["short", "long"]


@pytest.mark.parametrize(("query", "target"), [("铝压铸", 4), ("PCB", 9)])
def test_fusion_ranks_the_document_with_the_exact_word_first(
    use_encoder: UseEncoder, query: str, target: int
) -> None:
    ids = list(DOCS)
    doc_vectors = use_encoder.encode(list(DOCS.values()))
    scores = doc_vectors @ use_encoder.encode([query])[0]
    vector_ranking = [ids[i] for i in np.argsort(-scores, kind="stable")]
    bm25 = BM25Index(ids, list(DOCS.values()), segmenter=SEGMENTER)
    bm25_ranking = [doc for doc, _ in bm25.search(query, k=10)]
    assert vector_ranking[0] != target  # the vector channel alone misses it …
    fused = reciprocal_rank_fusion([vector_ranking, bm25_ranking])
    assert fused[0][0] == target  # … and fusion recovers it


def test_rrf_scores_follow_the_formula() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["c"] == pytest.approx(1 / 62)
    assert [item for item, _ in reciprocal_rank_fusion([["a", "b"], ["b", "c"]])] == ["b", "a", "c"]


def test_rrf_weights_top_n_and_duplicates() -> None:
    fused = reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0, 2.0], top_n=1)
    assert fused == [("b", pytest.approx(2 / 61))]
    dup = dict(reciprocal_rank_fusion([["a", "a", "b"]]))
    assert dup["a"] == pytest.approx(1 / 61) and dup["b"] == pytest.approx(1 / 63)


def test_a_remembered_text_is_answered_as_jieba_would_without_its_dictionary() -> None:
    taught = Segmenter()
    text = "中山市某灯饰企业，生产LED照明灯具与铝压铸灯体"
    taught.remember([text])
    copy = pickle.loads(pickle.dumps(taught))
    assert copy.tokenize(text) == SEGMENTER.tokenize(text)
    assert not copy.loaded, "a remembered text must not load jieba's dictionary"
    assert copy.tokenize("猕猴桃冷链") == SEGMENTER.tokenize("猕猴桃冷链")  # any other text: jieba, as before
    assert copy.loaded


def test_a_word_taught_later_is_not_hidden_by_what_was_remembered() -> None:
    taught = Segmenter()
    taught.remember(["生产黄河牌灯具"])
    taught.add_words(["黄河牌"])
    assert "黄河牌" in taught.tokenize("生产黄河牌灯具")


def test_an_unpickled_bm25_index_scores_as_the_one_it_was_saved_from() -> None:
    index = BM25Index(list(DOCS), list(DOCS.values()), segmenter=SEGMENTER)
    copy = pickle.loads(pickle.dumps(index))
    for query in ("铝型材", "服装 加工", "照明"):
        np.testing.assert_array_equal(copy.scores(query), index.scores(query))


def _starter_texts() -> list[str]:
    with open(Path(__file__).parents[2] / "data" / "firms.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [f"{r['企业名称 name_zh']} {r['主要产品 products']} {r['经营范围 description_zh']} {r['英文经营范围 description_en']}"
            for r in rows] + list(DOCS.values()) + ["古镇灯饰企业，生产LED吸顶灯，灯体铝压铸，年用铝约3000吨", "刺梨汁 kiwifruit 冷链"]


def test_the_stored_dictionary_segments_as_the_whole_one_without_loading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A command that reads one new text looks its substrings up in the stored dictionary instead of loading the
    # whole one (about a second); the tokens must be those of the whole dictionary, taught words included.
    stored = tmp_path / "jieba.sqlite"
    monkeypatch.setattr(lexical, "_stored_dict_path", lambda: stored)
    texts = _starter_texts()
    whole = Segmenter()
    whole.load()
    assert stored.exists(), "the first whole load stores the dictionary"
    fresh = Segmenter()
    for text in texts[:STORED_DICT_TEXTS]:
        assert fresh.tokenize(text) == whole.tokenize(text), text
    assert fresh.loaded and not fresh.fully_loaded
    # Past that many texts the whole dictionary loads (an index build), still with the same tokens.
    assert [fresh.tokenize(t) for t in texts[STORED_DICT_TEXTS:]] == [whole.tokenize(t) for t in texts[STORED_DICT_TEXTS:]]
    assert fresh.fully_loaded
    assert len(texts) > 2 * STORED_DICT_TEXTS


def test_a_missing_or_damaged_stored_dictionary_falls_back_to_the_whole_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = tmp_path / "jieba.sqlite"
    monkeypatch.setattr(lexical, "_stored_dict_path", lambda: stored)
    text = "中山市某灯饰企业，生产LED照明灯具与铝压铸灯体"
    missing = Segmenter()
    assert missing.tokenize(text) == SEGMENTER.tokenize(text) and missing.fully_loaded
    stored.write_bytes(b"not a database")
    damaged = Segmenter()
    assert damaged.tokenize(text) == SEGMENTER.tokenize(text) and damaged.fully_loaded
    assert not stored.exists() or stored.read_bytes() != b"not a database"
