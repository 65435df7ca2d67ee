"""A batch run's lists in the database, on both backends (PostgreSQL through COPY): every row as scored, and
nothing at all when the transaction that writes them rolls back."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from service.batch.engines import BatchResult
from service.batch.models import BatchRun, DestinationTop, FirmTop
from service.batch.store import save_run
from service.database import unit_of_work
from service.matching.modes import Mode


@pytest.fixture
def factory(db_url: str, sessions: Callable[[str], sessionmaker[Session]]) -> sessionmaker[Session]:
    return sessions(db_url)


def _result(firms: int, top: int) -> BatchResult:
    rng = np.random.default_rng(3)
    firm_ids = np.repeat(np.arange(1, firms + 1, dtype=np.int64), top)
    ranks = np.tile(np.arange(1, top + 1, dtype=np.int64), firms)
    firm_top = {"firm_id": firm_ids, "rank": ranks, "destination_id": rng.integers(1, 40, len(firm_ids)),
                "score": rng.random(len(firm_ids))}
    dest_top = {"destination_id": np.repeat(np.arange(1, 4, dtype=np.int64), top),
                "rank": np.tile(np.arange(1, top + 1, dtype=np.int64), 3),
                "firm_id": rng.integers(1, firms, 3 * top), "score": rng.random(3 * top)}
    return BatchResult(firm_top=firm_top, destination_top=dest_top, firms=firms, pairs=firms * 39, seconds=0.0)


def test_every_scored_row_is_stored_as_scored(factory: sessionmaker[Session]) -> None:
    result = _result(firms=12_000, top=5)  # more rows than one write chunk
    with unit_of_work(factory) as session:
        run_id = save_run(session, result, mode=Mode.relocation, engine="local", source="database", top_n=5,
                          change_id=0)
    with unit_of_work(factory) as session:
        rows = session.execute(select(FirmTop.firm_id, FirmTop.rank, FirmTop.destination_id, FirmTop.score)
                               .where(FirmTop.run_id == run_id).order_by(FirmTop.firm_id, FirmTop.rank)).all()
        leads = session.execute(select(DestinationTop.destination_id, DestinationTop.rank, DestinationTop.firm_id,
                                       DestinationTop.score).where(DestinationTop.run_id == run_id)
                                .order_by(DestinationTop.destination_id, DestinationTop.rank)).all()
    assert len(rows) == 60_000 and len(leads) == 15
    got = np.array(rows, dtype=np.float64)
    want = np.column_stack([result.firm_top[k] for k in ("firm_id", "rank", "destination_id", "score")])
    np.testing.assert_array_equal(got[:, :3], want[:, :3])
    np.testing.assert_allclose(got[:, 3], want[:, 3], rtol=1e-12)
    assert [r.firm_id for r in leads] == result.destination_top["firm_id"].tolist()


def test_a_run_whose_transaction_rolls_back_leaves_no_row(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), unit_of_work(factory) as session:
        save_run(session, _result(firms=300, top=5), mode=Mode.relocation, engine="local", source="database",
                 top_n=5, change_id=0)
        raise RuntimeError("the run fails after its rows were written")
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(FirmTop)) == 0
        assert session.scalar(select(func.count()).select_from(BatchRun)) == 0
