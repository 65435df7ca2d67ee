"""Import checks as server-side jobs: the upload is checked in a thread while the page polls its status.

A job's state lives in the `import_jobs` table, so with several worker processes any of them answers a
status poll, shows the preview or commits the file, whichever took the upload. Each job belongs to the key
that started it and holds the uploaded bytes until it is committed or expires; at most MAX_JOBS are kept.
A check whose process died mid-way stops updating its row and is reported as interrupted after STALE_S.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.database import unit_of_work
from service.firms.models import ImportJob
from service.logs import log

MAX_JOBS = 32
JOB_TTL_S = 3600
# A check updates its row at every phase; one that has not moved for this long lost its process.
STALE_S = 600
INTERRUPTED = "检查中断（服务已重启），请重新上传 / the check was interrupted (the service restarted); upload again"


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
DONE = (Phase.ready, Phase.failed, Phase.committed)


@dataclass(frozen=True)
class Job:
    """What a page shows of a job (its bytes stay in the table until a commit reads them)."""

    token: str
    key_id: int
    filename: str
    phase: Phase
    rows: int
    result: dict[str, Any] | None  # the preview once ready, the import report once committed
    message: str

    @property
    def done(self) -> bool:
        return self.phase in DONE

    @property
    def percent(self) -> int:
        return round(100 * PHASE_STEP[self.phase] / 3) if self.phase != Phase.committed else 100


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _view(row: ImportJob) -> Job:
    phase, message = Phase(row.phase), row.message
    if phase not in DONE and (_now() - row.updated_at).total_seconds() > STALE_S:
        phase, message = Phase.failed, INTERRUPTED
    return Job(token=row.token, key_id=row.key_id, filename=row.filename, phase=phase, rows=row.rows,
               result=row.result, message=message)


def start(*, factory: sessionmaker[Session], key_id: int, filename: str, data: bytes,
          work: Callable[[str], None]) -> str:
    """Store a job and run `work(token)` on it in a background thread; return its token."""
    token = secrets.token_urlsafe(16)
    with unit_of_work(factory) as session:
        session.execute(delete(ImportJob).where(ImportJob.started_at < _now() - dt.timedelta(seconds=JOB_TTL_S)))
        surplus = (session.scalar(select(func.count()).select_from(ImportJob)) or 0) - (MAX_JOBS - 1)
        if surplus > 0:
            oldest = select(ImportJob.token).order_by(ImportJob.started_at, ImportJob.token).limit(surplus)
            session.execute(delete(ImportJob).where(ImportJob.token.in_(oldest)))
        session.add(ImportJob(token=token, key_id=key_id, filename=filename, data=data, phase=Phase.queued.value,
                              rows=0, result=None, message="", started_at=_now(), updated_at=_now()))

    def run() -> None:
        try:
            work(token)
        except Exception as exc:  # the page must learn the job ended, whatever happened
            log.warning("import_check_failed", file=filename, error=type(exc).__name__)
            set_state(factory=factory, token=token, phase=Phase.failed,
                      message=f"检查出错 / the check failed: {type(exc).__name__}")

    threading.Thread(target=run, name=f"import-{token[:6]}", daemon=True).start()
    return token


def set_state(*, factory: sessionmaker[Session], token: str, phase: Phase, **fields: Any) -> None:
    """Move a job to a phase, with any of rows, result or message, in its own transaction."""
    with unit_of_work(factory) as session:
        session.execute(update(ImportJob).where(ImportJob.token == token).values(
            phase=phase.value, updated_at=_now(), **fields))


def get(*, session: Session, token: str, key_id: int) -> Job | None:
    """The job, only for the key that started it."""
    row = session.get(ImportJob, token)
    return _view(row) if row is not None and row.key_id == key_id else None


def data(*, session: Session, token: str) -> bytes:
    """The uploaded bytes of a job (empty once committed)."""
    return session.scalar(select(ImportJob.data).where(ImportJob.token == token)) or b""


def claim_for_commit(*, session: Session, token: str, key_id: int) -> bool:
    """Mark a checked, clean job as committed in the caller's transaction; False if it is not (or no longer) so.

    Two commits of one job racing on two workers: only one finds it ready, and the import that follows is in
    the same transaction, so a failed import leaves the job ready to try again.
    """
    claimed = session.execute(update(ImportJob).where(
        ImportJob.token == token, ImportJob.key_id == key_id, ImportJob.phase == Phase.ready.value,
    ).values(phase=Phase.committed.value, updated_at=_now()))
    return bool(getattr(claimed, "rowcount", 0))


def finish_commit(*, session: Session, token: str, report: dict[str, Any]) -> None:
    """Keep the import report on the job and drop the uploaded bytes."""
    session.execute(update(ImportJob).where(ImportJob.token == token).values(result=report, data=b""))
