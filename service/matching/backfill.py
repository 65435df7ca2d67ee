"""Texts a bulk change does not wait for: encoded in a background thread, then swapped into the rankings.

A bulk import answers once its firms are ranked on what is already known: text vectors the encoder's cache
holds, and for a new text the vectors of the firm's industries, town and known products (provisional, and
marked so wherever the firm is ranked). Encoding 50,000 new texts takes about a minute and a half on two
cores; this thread does it in chunks (a prospect's text waits for one chunk at most, not for the import),
logs its progress, and hands the finished firms and their texts' vectors back to the service, which replaces
their vectors (the vector cache keeps them too, but a write it could not make must not leave a firm waiting).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embeddings import Encoder
from service.logs import log

CHUNK = 256  # texts per encode call: a quarter of a second on two cores, and below the progress-bar size
PROGRESS_STEPS = 10  # progress is logged this many times per run


@dataclass(frozen=True)
class BackfillStatus:
    """How far the background encoding is: firms still provisional, and the texts of the current run."""

    provisional_firms: int
    texts_total: int
    texts_encoded: int
    started_at: float | None  # epoch seconds of the current run; None when idle


class TextBackfill:
    """One background thread at a time, started by ``wake`` and ending when nothing is provisional."""

    def __init__(self, *, encoder: Encoder, pending: Callable[[], list[tuple[int, str]]],
                 finish: Callable[[Sequence[int], Mapping[str, NDArray[np.float32]]], None],
                 stop: threading.Event) -> None:
        # ``pending`` must not take the service's lock: ``wake`` may be called while it is held.
        self._encoder = encoder
        self._pending = pending
        self._finish = finish
        self._stop = stop
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._total = 0
        self._done = 0
        self._started: float | None = None

    def wake(self) -> None:
        """Make sure a thread is encoding what is provisional (a running one picks new firms up when done)."""
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="text-backfill", daemon=True)
                self._thread.start()

    def status(self) -> BackfillStatus:
        return BackfillStatus(provisional_firms=len(self._pending()), texts_total=self._total,
                              texts_encoded=self._done, started_at=self._started)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is provisional (or ``timeout`` passes); True when done."""
        with self._guard:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                with self._guard:  # read under the guard: a ``wake`` after this sees the thread gone and starts one
                    work = self._pending()
                    if not work:
                        self._thread, self._total, self._done, self._started = None, 0, 0, None
                        return
                    texts = list(dict.fromkeys(text for _, text in work))
                    self._total, self._done, self._started = len(texts), 0, time.time()
                vectors = self._encode(texts)
                if self._stop.is_set():
                    break
                self._finish([firm_id for firm_id, _ in work], vectors)
                log.info("text_backfill_done", firms=len(work), texts=len(texts),
                         seconds=round(time.time() - (self._started or time.time()), 1))
        except Exception as exc:  # the provisional vectors stay usable; the next bulk change wakes a new thread
            log.warning("text_backfill_failed", error=repr(exc))
        with self._guard:
            self._thread, self._started = None, None

    def _encode(self, texts: list[str]) -> dict[str, NDArray[np.float32]]:
        step = max(1, len(texts) // PROGRESS_STEPS)
        next_report = step
        vectors: dict[str, NDArray[np.float32]] = {}
        for start in range(0, len(texts), CHUNK):
            if self._stop.is_set():
                break
            chunk = texts[start:start + CHUNK]
            vectors.update(zip(chunk, self._encoder.encode(chunk), strict=True))
            self._done += len(chunk)
            if self._done >= next_report or self._done == len(texts):
                log.info("text_backfill_progress", encoded=self._done, total=len(texts))
                next_report += step
        return vectors
