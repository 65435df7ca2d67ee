"""BM25 keyword retrieval over jieba-segmented Chinese/English text, so exact product words are never lost."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["DOMAIN_WORDS", "BM25Index", "Segmenter"]

# Trade terms that jieba's general dictionary splits apart ("铝压铸" → "铝" + "压铸"); a query for the
# whole word must match it whole. Extend through Segmenter.add_words() from the data layer.
DOMAIN_WORDS: tuple[str, ...] = (
    "铝压铸",
    "压铸件",
    "铝型材",
    "铝锭",
    "铝水",
    "液态铝",
    "电解铝",
    "铝压延",
    "铝冶炼",
    "铝合金",
    "灯饰",
    "照明灯具",
    "灯具",
    "小家电",
    "厨房电器",
    "电饭煲",
    "电风扇",
    "吸油烟机",
    "机织服装",
    "休闲服装",
    "牛仔服装",
    "纺织服装",
    "针织",
    "五金",
    "注塑",
    "模具",
    "线路板",
    "印制电路板",
    "电子元器件",
    "焦炉煤气",
    "氢能",
    "制氢",
    "加氢站",
    "燃料电池",
    "炼焦",
    "焦炭",
    "煤焦化",
    "红木家具",
    "家具制造",
    "刺梨",
    "猕猴桃",
    "食用菌",
    "小黄牛",
    "茶叶",
    "标准厂房",
    "东西部协作",
    "产业转移",
    "飞地经济",
)

_TOKEN_RE = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
_WORD_FREQ = 200_000
# Texts a segmenter reads word by word from the stored dictionary before it loads the whole one: a command
# that reads one prospect's text needs a few hundred look-ups, an index build needs the dictionary in memory.
STORED_DICT_TEXTS = 64
_log = logging.getLogger(__name__)


def _stored_dict_path() -> Path:
    """Where jieba's prefix dictionary is kept as SQLite, beside jieba's own cache, keyed by its version and
    the size of its word list (a changed jieba gets a file of its own)."""
    import jieba

    words = Path(jieba.__file__).with_name("dict.txt")
    size = words.stat().st_size if words.exists() else 0
    return Path(tempfile.gettempdir()) / f"parkmatch-jieba-{jieba.__version__}-{size}.sqlite"


def _store_dict(freq: dict[str, int], total: int, path: Path) -> None:
    """Write jieba's prefix dictionary (every word and prefix with its count) and total to ``path``, whole or
    not at all: another process may be reading the previous file."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    os.close(fd)
    try:
        with sqlite3.connect(temp) as db:
            db.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (total INTEGER NOT NULL)")
            db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
            db.execute("INSERT INTO meta VALUES (?)", (total,))
        db.close()
        os.replace(temp, path)
    except (OSError, sqlite3.Error) as exc:  # a read-only temp folder: every process loads the whole dictionary
        _log.debug("jieba dictionary not stored: %r", exc)
        Path(temp).unlink(missing_ok=True)


def _own_file(path: Path) -> bool:
    """Whether ``path`` exists and was written by this user: the temp folder is shared, and another user's file
    could carry other counts."""
    try:
        owner = path.stat().st_uid
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    return getuid is None or owner == getuid()


class _StoredFreq:
    """jieba's ``FREQ`` mapping read from the stored file one word at a time (what jieba's segmentation of a
    text looks up: its substrings), answers remembered; words added later live in memory on top."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._seen: dict[str, int | None] = {}
        self._added: dict[str, int] = {}
        self.total = int(self._db.execute("SELECT total FROM meta").fetchone()[0])

    def _count(self, word: str) -> int | None:
        if word in self._added:
            return self._added[word]
        if word in self._seen:
            return self._seen[word]
        with self._lock:
            row = self._db.execute("SELECT n FROM freq WHERE word = ?", (word,)).fetchone()
        self._seen[word] = None if row is None else int(row[0])
        return self._seen[word]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._count(word) is not None

    def __getitem__(self, word: str) -> int:
        count = self._count(word)
        if count is None:
            raise KeyError(word)
        return count

    def get(self, word: str, default: int | None = None) -> int | None:
        count = self._count(word)
        return default if count is None else count

    def __setitem__(self, word: str, count: int) -> None:
        self._added[word] = count


class Segmenter:
    """A jieba tokenizer of its own (``jieba.Tokenizer()``, not jieba's global), taught ``words``.

    Words added to one segmenter never reach another, so two indexes built in one process segment
    alike whatever else the process has taught. The dictionary loads on first use (about a second).
    A segmenter pickles as its words and the segmentations it was asked to ``remember``: unpickled, it
    answers those texts without jieba and segments exactly as before. The first load stores jieba's prefix
    dictionary as SQLite beside jieba's cache; while it has read fewer than ``STORED_DICT_TEXTS`` other texts, a
    segmenter looks their substrings up there (milliseconds) instead of loading the dictionary (about a second),
    with the same counts and so the same tokens.
    """

    def __init__(self, words: Iterable[str] = DOMAIN_WORDS) -> None:
        self._lock = threading.Lock()
        self._words = tuple(words)
        self._tokenizer: Any = None
        self._remembered: dict[str, tuple[str, ...]] = {}
        self._stored: Any = None  # a jieba tokenizer over the stored dictionary, until the whole one loads
        self._stored_texts = 0

    def __getstate__(self) -> dict[str, Any]:
        return {"words": self._words, "remembered": self._remembered}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._words = tuple(state["words"])
        self._tokenizer = None
        self._remembered = dict(state.get("remembered", {}))
        self._stored = None
        self._stored_texts = 0

    @property
    def loaded(self) -> bool:
        """Whether jieba's dictionary was consulted, whole or stored (a remembered text never needs it)."""
        return self._tokenizer is not None or self._stored is not None

    @property
    def fully_loaded(self) -> bool:
        """Whether jieba's whole dictionary is in memory."""
        return self._tokenizer is not None

    def load(self) -> None:
        """Load jieba's whole dictionary now (a server's warm-up), so no request pays for it."""
        self._ready()

    def remember(self, texts: Iterable[str], *, limit: int = 50_000) -> None:
        """Segment ``texts`` now and keep the results (up to ``limit`` texts in all), so a copy unpickled in
        another process answers them without loading jieba's dictionary. Tokens are interned: a pickle stores
        each distinct token once."""
        for text in texts:
            if len(self._remembered) >= limit:
                break
            if text not in self._remembered:
                self._remembered[text] = tuple(sys.intern(t) for t in self._segment(text))

    def _ready(self) -> Any:
        tokenizer = self._tokenizer
        if tokenizer is not None:
            return tokenizer
        with self._lock:
            if self._tokenizer is None:
                import jieba

                # jieba logs "Building prefix dict…" at INFO on first use; keep library users' logs clean.
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                path = _stored_dict_path()
                if not path.exists():
                    _store_dict(tokenizer.FREQ, tokenizer.total, path)
                for word in self._words:
                    tokenizer.add_word(word, freq=_WORD_FREQ)
                self._tokenizer, self._stored = tokenizer, None
            return self._tokenizer

    def _stored_tokenizer(self) -> Any:
        """A jieba tokenizer over the stored dictionary, taught this segmenter's words; None once it has read
        ``STORED_DICT_TEXTS`` texts or when no dictionary is stored."""
        with self._lock:
            self._stored_texts += 1
            if self._stored_texts > STORED_DICT_TEXTS:
                self._stored = None
                return None
            if self._stored is None:
                path = _stored_dict_path()
                if not _own_file(path):
                    return None
                import jieba

                tokenizer = jieba.Tokenizer()
                try:
                    freq = _StoredFreq(path)
                except sqlite3.Error as exc:  # damaged, or another user's: the whole dictionary (which stores
                    _log.debug("stored jieba dictionary unreadable: %r", exc)  # it again where it may)
                    with contextlib.suppress(OSError):
                        path.unlink(missing_ok=True)
                    return None
                tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, freq.total, True
                for word in self._words:
                    tokenizer.add_word(word, freq=_WORD_FREQ)
                self._stored = tokenizer
            return self._stored

    def import_code(self) -> None:
        """Import jieba in the calling thread, ahead of a first use (the dictionary load) in another thread."""
        import jieba
        import jieba.finalseg

        del jieba

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the segmenter extra single-token words (product names, local brands); what it remembered is
        forgotten (a new word can change how a text segments)."""
        words = tuple(words)
        tokenizer = self._ready()
        with self._lock:
            for word in words:
                tokenizer.add_word(word, freq=_WORD_FREQ)
            self._words += words  # so a pickled copy is taught them too
            self._remembered, self._stored = {}, None

    def tokenize(self, text: str) -> list[str]:
        """Segment with jieba (precise mode); lowercase ASCII; drop punctuation and whitespace.

        ASCII runs such as "PCB", "LED" or "C3872" come out whole because jieba keeps alphanumeric runs
        together. A remembered text is answered from memory, token for token what jieba would say.
        """
        remembered = self._remembered.get(text)
        if remembered is not None:
            return list(remembered)
        return self._segment(text)

    def _segment(self, text: str) -> list[str]:
        tokenizer = self._tokenizer
        if tokenizer is None:
            tokenizer = self._stored_tokenizer() or self._ready()
        tokens = []
        for token in tokenizer.lcut(text, HMM=True):
            token = token.strip().lower()
            if token and _TOKEN_RE.search(token):
                tokens.append(token)
        return tokens


class BM25Index:
    """Okapi BM25 (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009).

    score(q, d) = Σ_{t∈q} idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl)),
    idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5)) — the Lucene form, always positive, so a term
    present in most documents still counts a little instead of turning negative.
    """

    def __init__(
        self,
        ids: Sequence[int | str],
        texts: Sequence[str],
        *,
        segmenter: Segmenter,
        k1: float = 1.5,
        b: float = 0.75,
    ) -> None:
        import scipy.sparse as sp

        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        self.ids = list(ids)
        self.segmenter = segmenter
        self.k1, self.b = k1, b
        docs = [Counter(segmenter.tokenize(t)) for t in texts]
        self.vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, counts in enumerate(docs):
            for term, tf in counts.items():
                rows.append(row)
                cols.append(self.vocab.setdefault(term, len(self.vocab)))
                vals.append(float(tf))
        n = len(docs)
        tf_matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(self.vocab)), dtype=np.float64)
        lengths = np.asarray(tf_matrix.sum(axis=1)).ravel()
        avgdl = float(lengths.mean()) if n and lengths.mean() > 0 else 1.0
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(self.vocab)).astype(np.float64)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5))
        # Precompute the saturated term weights once, kept as the arrays of a sparse matrix with a column per
        # term: a query adds up its terms' columns with numpy alone (a process that queries a saved index does
        # not import scipy, a third of a second).
        coo = tf_matrix.tocoo()
        norm = k1 * (1.0 - b + b * lengths[coo.row] / avgdl)
        weighted = coo.data * (k1 + 1.0) / (coo.data + norm) * self.idf[coo.col]
        weights = sp.csc_matrix((weighted, (coo.row, coo.col)), shape=tf_matrix.shape)
        self._data, self._rows, self._starts = weights.data, weights.indices, weights.indptr

    def scores(self, query: str) -> NDArray[np.float64]:
        """BM25 score of every document (aligned with ``ids``); repeated query terms count once each."""
        out = np.zeros(len(self.ids))
        data, rows, starts = self._data, self._rows, self._starts
        for term in self.segmenter.tokenize(query):
            col = self.vocab.get(term)
            if col is not None:  # a column holds each document once: no two additions land on one row
                lo, hi = starts[col], starts[col + 1]
                out[rows[lo:hi]] += data[lo:hi]
        return out

    def search(self, query: str, k: int = 10) -> list[tuple[int | str, float]]:
        """Top-``k`` (id, score), best first; documents sharing no term with the query are left out."""
        s = self.scores(query)
        hits = np.flatnonzero(s > 0)
        order = hits[np.lexsort((hits, -s[hits]))][:k]
        return [(self.ids[i], float(s[i])) for i in order]
