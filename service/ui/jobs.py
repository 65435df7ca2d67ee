"""Import checks as server-side jobs: the upload is checked in a thread while the page polls its status.

Jobs live in this process's memory only (a restart forgets them; the user uploads again). Each belongs to
the key that started it, holds the uploaded bytes until it is committed or expires, and at most MAX_JOBS
are kept.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from service.logs import log

MAX_JOBS = 32
JOB_TTL_S = 3600


class Phase(StrEnum):
    queued = "queued"
    reading = "reading"
    checking = "checking"
    ready = "ready"  # checked; the preview is ready, nothing written
    failed = "failed"  # the file could not be read at all
    committed = "committed"


PHASE_STEP = {Phase.queued: 0, Phase.reading: 1, Phase.checking: 2, Phase.ready: 3, Phase.failed: 3,
              Phase.committed: 4}
PHASE_ZH = {Phase.queued: "排队中", Phase.reading: "读取文件", Phase.checking: "逐行检查",
            Phase.ready: "检查完成（未写入）", Phase.failed: "无法读取", Phase.committed: "已导入"}
PHASE_EN = {Phase.queued: "queued", Phase.reading: "reading the file", Phase.checking: "checking every row",
            Phase.ready: "checked (nothing written)", Phase.failed: "could not be read", Phase.committed: "imported"}


@dataclass
class Job:
    token: str
    key_id: int
    filename: str
    data: bytes
    started: float = field(default_factory=time.monotonic)
    phase: Phase = Phase.queued
    rows: int = 0
    result: Any = None  # the preview once ready, the import report once committed
    message: str = ""

    @property
    def done(self) -> bool:
        return self.phase in (Phase.ready, Phase.failed, Phase.committed)

    @property
    def percent(self) -> int:
        return round(100 * PHASE_STEP[self.phase] / 3) if self.phase != Phase.committed else 100


class Jobs:
    """A bounded, thread-safe registry of import jobs."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, *, key_id: int, filename: str, data: bytes, work: Callable[[Job], None]) -> Job:
        """Register a job and run `work` on it in a background thread."""
        job = Job(token=secrets.token_urlsafe(16), key_id=key_id, filename=filename, data=data)
        with self._lock:
            now = time.monotonic()
            for token in [t for t, j in self._jobs.items() if now - j.started > JOB_TTL_S]:
                del self._jobs[token]
            while len(self._jobs) >= MAX_JOBS:
                self._jobs.popitem(last=False)
            self._jobs[job.token] = job

        def run() -> None:
            try:
                work(job)
            except Exception as exc:  # the page must learn the job ended, whatever happened
                log.warning("import_check_failed", file=job.filename, error=type(exc).__name__)
                job.message = f"检查出错 / the check failed: {type(exc).__name__}"
                job.phase = Phase.failed

        threading.Thread(target=run, name=f"import-{job.token[:6]}", daemon=True).start()
        return job

    def get(self, token: str, key_id: int) -> Job | None:
        """The job, only for the key that started it."""
        with self._lock:
            job = self._jobs.get(token)
        return job if job is not None and job.key_id == key_id else None


JOBS = Jobs()
