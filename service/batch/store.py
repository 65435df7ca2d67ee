"""Write a batch run's lists to Parquet and the database; read them back, or say they are stale and rank live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.batch.engines import BatchResult
from service.batch.models import BatchRun, DestinationTop, FirmTop
from service.batch.scoring import Columns
from service.events import changes_since
from service.matching.constants import SCORE_SCALE
from service.matching.modes import Mode

if TYPE_CHECKING:
    from service.matching.service import MatchService

INSERT_CHUNK: Final = 50_000
Basis = Literal["precomputed", "live"]


def write_parquet(result: BatchResult, out: Path) -> list[Path]:
    """firm_top.parquet and destination_top.parquet in ``out`` (pyarrow comes with the ray extra)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise RuntimeError("写 Parquet 需要 pyarrow：pip install -e '.[ray]' / "
                           "writing Parquet needs pyarrow: pip install -e '.[ray]'") from exc
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, cols in (("firm_top", result.firm_top), ("destination_top", result.destination_top)):
        path = out / f"{name}.parquet"
        pq.write_table(pa.table({k: np.asarray(v) for k, v in cols.items()}), path)
        paths.append(path)
    return paths


def _rows(cols: Columns, run_id: int, keys: tuple[str, ...], lo: int, hi: int) -> list[dict[str, object]]:
    parts = [cols[k][lo:hi].tolist() for k in keys]
    return [{"run_id": run_id, **dict(zip(keys, values, strict=True))} for values in zip(*parts, strict=True)]


def save_run(session: Session, result: BatchResult, *, mode: Mode, engine: str, source: str, top_n: int,
             change_id: int) -> int:
    """Store the run and its lists; return the run id. ``change_id`` is the change-log position the firms and
    destinations were read at."""
    run = BatchRun(mode=mode.value, engine=engine, source=source, firms=result.firms,
                   destinations=len(np.unique(result.destination_top["destination_id"])), top_n=top_n,
                   change_id=change_id)
    session.add(run)
    session.flush()
    copy = session.connection().dialect.name == "postgresql"
    for model, cols, keys in ((FirmTop, result.firm_top, ("firm_id", "rank", "destination_id", "score")),
                              (DestinationTop, result.destination_top, ("destination_id", "rank", "firm_id", "score"))):
        if copy:
            _copy(session, model.__tablename__, cols, run.id, keys)
            continue
        n = len(cols["score"])
        for lo in range(0, n, INSERT_CHUNK):
            session.execute(insert(model), _rows(cols, run.id, keys, lo, min(n, lo + INSERT_CHUNK)))
    return run.id


def _copy(session: Session, table: str, cols: Columns, run_id: int, keys: tuple[str, ...]) -> None:
    """PostgreSQL: the rows through ``COPY … FROM STDIN`` on the session's own connection, so they commit or roll
    back with the run (a national run writes millions of rows; INSERTs in chunks were the slow part)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    columns = ", ".join(["run_id", *keys])
    n = len(cols["score"])
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as out:
        for lo in range(0, n, INSERT_CHUNK):
            parts = [cols[k][lo:min(n, lo + INSERT_CHUNK)].tolist() for k in keys]
            for values in zip(*parts, strict=True):
                out.write_row((run_id, *values))


@dataclass(frozen=True)
class Precomputed:
    run_id: int
    items: list[tuple[int, float]]  # (other side's id, score), best first


def _latest_run(session: Session, mode: Mode) -> BatchRun | None:
    return session.scalars(select(BatchRun).where(BatchRun.mode == mode.value, BatchRun.source == "database")
                           .order_by(BatchRun.id.desc()).limit(1)).first()


def _fresh(session: Session, run: BatchRun, *, firm_id: int | None) -> bool:
    """Nothing the list depends on changed after the run: no destination or catalogue change, and (for one
    firm's list) no change to that firm; for a destination's list, no firm change at all."""
    for entry in changes_since(session, after=run.change_id):
        change = entry.change
        if change.entity != "firm" or firm_id is None or firm_id in change.ids:
            return False
    return True


def firm_top(session: Session, *, firm_id: int, mode: Mode) -> Precomputed | None:
    """The latest run's destinations for a firm, or None when there is none or the firm (or any destination)
    changed after it: then the service ranks it live."""
    run = _latest_run(session, mode)
    if run is None or not _fresh(session, run, firm_id=firm_id):
        return None
    rows = session.execute(select(FirmTop.destination_id, FirmTop.score)
                           .where(FirmTop.run_id == run.id, FirmTop.firm_id == firm_id).order_by(FirmTop.rank)).all()
    return Precomputed(run.id, [(int(d), float(s)) for d, s in rows]) if rows else None


def destination_top(session: Session, *, destination_id: int, mode: Mode) -> Precomputed | None:
    """The latest run's firms for a destination, or None when anything changed after it (rank live)."""
    run = _latest_run(session, mode)
    if run is None or not _fresh(session, run, firm_id=None):
        return None
    rows = session.execute(select(DestinationTop.firm_id, DestinationTop.score)
                           .where(DestinationTop.run_id == run.id, DestinationTop.destination_id == destination_id)
                           .order_by(DestinationTop.rank)).all()
    return Precomputed(run.id, [(int(f), float(s)) for f, s in rows]) if rows else None




def firm_destinations(service: MatchService, session: Session, *, firm_id: int, mode: Mode,
                      top_n: int) -> tuple[Basis, list[tuple[int, float]]]:
    """A firm's best destinations: the precomputed list while it is fresh, else ranked live by the service
    (a firm changed after the batch is scored as it is now). Returns ("precomputed" | "live", items), scores on
    the 0–100 scale the service answers on (the batch stores the engine's 0–1 values)."""
    kept = firm_top(session, firm_id=firm_id, mode=mode)
    if kept is not None:
        return "precomputed", [(d, round(score * SCORE_SCALE, 2)) for d, score in kept.items[:top_n]]
    live = service.recommend(firm_id=firm_id, mode=mode, top_k=top_n)
    return "live", [(item.park.id, item.score) for item in live.items]


def destination_firms(service: MatchService, session: Session, *, destination_id: int, mode: Mode,
                      top_n: int) -> tuple[Basis, list[tuple[int, float]]]:
    """A destination's best firms: the precomputed list while nothing it depends on changed, else ranked live
    (exactly, by the service). Returns ("precomputed" | "live", items), scores on the 0–100 scale."""
    kept = destination_top(session, destination_id=destination_id, mode=mode)
    if kept is not None:
        return "precomputed", [(f, round(score * SCORE_SCALE, 2)) for f, score in kept.items[:top_n]]
    live = service.candidates(park_id=destination_id, mode=mode, top_k=top_n)
    return "live", [(item.firm.id or 0, item.score) for item in live.items]
